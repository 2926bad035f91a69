/* Domain.UpdateDevice LIVE: the medium of a CD-ROM changes as libvirt does
 * it, one QMP step after the other (the enum below): open the tray (forced
 * when asked), wait until it is open (a guest that locked it is asked to
 * eject and may take a moment), take the medium out, add the new image's
 * nodes, insert them, close the tray. */
#include "qemu-actions.h"

#include "domain-def-edit.h"
#include "qemu-block.h"
#include "qemu-command.h"
#include "qemu-domain-private.h"
#include "qemu-plug.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

/* How long a guest that locked its tray gets to open it after the request. */
#define TRAY_WAIT_TRIES 15
#define TRAY_WAIT_MS 200

typedef enum {
  STEP_OPEN_TRAY,
  STEP_CHECK_TRAY,
  STEP_REMOVE_MEDIUM,
  STEP_ADD_STORAGE,
  STEP_ADD_FORMAT,
  STEP_INSERT_MEDIUM,
  STEP_CLOSE_TRAY,
  STEP_DONE,
} MediaStep;

typedef struct {
  VbDomain *domain;
  char *target;
  char *device_id;
  VbDomainDef *changed;
  gboolean force;
  MediaStep step;
  guint tries;
  char *old_node;     /* the format node of the medium taken out, NULL when none */
  char *node;         /* the new medium's format node, "<node>-storage" under it */
  JsonNode *protocol; /* the new medium's blockdev-add objects, NULL to eject */
  JsonNode *format;
  gboolean removed; /* the old medium is out: a failure leaves the drive empty */
  gboolean storage_added;
} MediaChange;

static void
media_change_free (MediaChange *m)
{
  g_clear_object (&m->domain);
  g_free (m->target);
  g_free (m->device_id);
  vb_domain_def_free (m->changed);
  g_free (m->old_node);
  g_free (m->node);
  g_clear_pointer (&m->protocol, json_node_unref);
  g_clear_pointer (&m->format, json_node_unref);
  g_free (m);
}

static QemuDomain *
running (VbDomain *domain, GError **error)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (qd && !qd->gone && qd->qmp && !vb_qmp_client_is_closed (qd->qmp) && qd->status)
    return qd;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is no longer running",
               vb_resource_get_name (VB_RESOURCE (domain)));
  return NULL;
}

static void
fail (GTask *task, GError *error)
{
  MediaChange *m = g_task_get_task_data (task);
  QemuDomain *qd = running (m->domain, NULL);

  if (qd && m->storage_added)
    {
      g_autofree char *storage = g_strdup_printf ("%s-storage", m->node);
      vb_qemu_execute_logged (qd, "blockdev-del", vb_qemu_plug_args ("node-name", storage));
    }
  /* The old medium is gone: the live XML says the drive is empty. */
  if (qd && m->removed)
    {
      g_autoptr (GError) own = NULL;
      VbDomainDef *empty =
        vb_domain_def_without_media (vb_domain_get_live_def (m->domain), m->target, TRUE, &own);

      if (empty)
        vb_qemu_plug_set_live_def (qd, empty);
      else
        vb_log_warning (vb_qemu_log_name (m->domain), "%s", own->message);
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void run_step (GTask *task);

static void
step_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  MediaChange *m = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    {
      fail (task, error);
      return;
    }
  switch (m->step)
    {
    case STEP_CHECK_TRAY:
      {
        JsonObject *block = vb_qemu_block_entry (reply, m->device_id);
        const char *node =
          vb_qmp_member_string (vb_qmp_member_object (block, "inserted"), "node-name");

        if (!block)
          {
            fail (task,
                  g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU shows no drive '%s' for disk '%s'",
                               m->device_id, m->target));
            return;
          }
        /* A floppy drive has no tray (no "tray_open"): its medium comes
         * out at once, and opening or closing its tray does nothing. */
        if (json_object_has_member (block, "tray_open")
            && !vb_qmp_member_bool (block, "tray_open", FALSE))
          {
            if (++m->tries < TRAY_WAIT_TRIES)
              {
                g_timeout_add_once (TRAY_WAIT_MS, (GSourceOnceFunc) run_step, task);
                return;
              }
            fail (task, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                     "The guest keeps the tray of disk '%s' locked: the FORCE "
                                     "flag (4) opens it anyway",
                                     m->target));
            return;
          }
        g_free (m->old_node);
        m->old_node = g_strdup (node);
        break;
      }
    case STEP_REMOVE_MEDIUM:
      {
        QemuDomain *qd = running (m->domain, NULL);

        m->removed = TRUE;
        /* The nodes start or an earlier change made (QEMU's own, "#block…", go by themselves). */
        if (qd && m->old_node && m->old_node[0] != '#')
          {
            g_autofree char *storage = g_strdup_printf ("%s-storage", m->old_node);

            vb_qemu_execute_logged (qd, "blockdev-del",
                                    vb_qemu_plug_args ("node-name", m->old_node));
            vb_qemu_execute_logged (qd, "blockdev-del", vb_qemu_plug_args ("node-name", storage));
          }
        break;
      }
    case STEP_ADD_STORAGE:
      m->storage_added = TRUE;
      break;
    case STEP_ADD_FORMAT:
      /* From here on the format node holds the storage node: both go together. */
      m->storage_added = FALSE;
      break;
    default:
      break;
    }
  m->step++;
  /* Ejecting: nothing to add or insert. */
  if (m->step == STEP_ADD_STORAGE && !m->protocol)
    m->step = STEP_CLOSE_TRAY;
  run_step (task);
}

static JsonObject *
id_args (MediaChange *m)
{
  return vb_qemu_plug_args ("id", m->device_id);
}

static void
run_step (GTask *task)
{
  MediaChange *m = g_task_get_task_data (task);
  GError *error = NULL;
  QemuDomain *qd = running (m->domain, &error);
  g_autoptr (JsonObject) args = NULL;
  const char *command = NULL;

  if (!qd)
    {
      fail (task, error);
      return;
    }
  switch (m->step)
    {
    case STEP_OPEN_TRAY:
      command = "blockdev-open-tray";
      args = id_args (m);
      json_object_set_boolean_member (args, "force", m->force);
      break;
    case STEP_CHECK_TRAY:
      command = "query-block";
      break;
    case STEP_REMOVE_MEDIUM:
      command = "blockdev-remove-medium";
      args = id_args (m);
      break;
    case STEP_ADD_STORAGE:
      command = "blockdev-add";
      args = json_object_ref (json_node_get_object (m->protocol));
      break;
    case STEP_ADD_FORMAT:
      command = "blockdev-add";
      args = json_object_ref (json_node_get_object (m->format));
      break;
    case STEP_INSERT_MEDIUM:
      command = "blockdev-insert-medium";
      args = id_args (m);
      json_object_set_string_member (args, "node-name", m->node);
      break;
    case STEP_CLOSE_TRAY:
      command = "blockdev-close-tray";
      args = id_args (m);
      break;
    case STEP_DONE:
      vb_qemu_plug_set_live_def (qd, g_steal_pointer (&m->changed));
      vb_log_info (vb_qemu_log_name (m->domain), "disk %s: %s", m->target,
                   m->protocol ? "new medium inserted" : "medium ejected");
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  vb_qmp_client_execute_async (qd->qmp, command, args, -1, NULL, step_done, task);
}

/* The new medium's blockdev-add objects, as the command line makes them. */
static gboolean
prepare_medium (MediaChange *m, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (m->changed->xml, "domain", error);
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
  VbQemuCommandContext context = { 0 };
  static guint counter;

  if (!doc)
    return FALSE;
  for (xmlNode *disk = vb_xml_child (devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    {
      g_autofree char *dev = vb_xml_attr (vb_xml_child (disk, "target"), "dev");

      if (g_strcmp0 (dev, m->target) != 0)
        continue;
      if (!vb_xml_child (disk, "source"))
        return TRUE;
      /* Names no start gives (those are drive<N>), unique in this QEMU. */
      m->node = g_strdup_printf ("media%u-%" G_GINT64_FORMAT, ++counter, g_get_monotonic_time ());
      vb_qemu_context_resolvers (&context);
      return vb_qemu_disk_blockdev (disk, m->node, &context, NULL, &m->protocol, &m->format, error);
    }
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No disk with target '%s'", m->target);
  return FALSE;
}

void
vb_qemu_change_media_async (VbDriverHost *host, VbDomain *domain, const char *target,
                            const VbDomainDef *changed, gboolean force,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  MediaChange *m = g_new0 (MediaChange, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, vb_qemu_change_media_async);
  m->domain = g_object_ref (domain);
  m->target = g_strdup (target);
  m->device_id = vb_qemu_disk_device_id (domain, target);
  m->changed = vb_domain_def_copy (changed);
  m->force = force;
  g_task_set_task_data (task, m, (GDestroyNotify) media_change_free);
  if (!prepare_medium (m, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  run_step (task);
}

gboolean
vb_qemu_change_media_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_change_media_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
