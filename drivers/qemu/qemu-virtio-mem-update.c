/* UpdateDevice of a running virtio-mem: QEMU's qom-set of the device's
 * requested-size (as libvirt does). The guest's driver then plugs or
 * unplugs blocks; what it has is the live XML's <current>, from
 * MEMORY_DEVICE_SIZE_CHANGE (qemu-guest-events.c). */
#include "qemu-actions.h"

#include "domain-virtio-mem.h"
#include "qemu-domain-private.h"
#include "qemu-plug.h"
#include "qmp-client.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

typedef struct {
  VbDomain *domain;
  char *alias;
  VbDomainDef *changed;
  guint64 requested_kib;
} Update;

static void
update_free (Update *u)
{
  g_object_unref (u->domain);
  g_free (u->alias);
  g_clear_pointer (&u->changed, vb_domain_def_free);
  g_free (u);
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

/* The <requested> of the virtio-mem @alias in @def, in KiB. */
static gboolean
requested_of (const VbDomainDef *def, const char *alias, guint64 *kib, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);

  if (!doc)
    return FALSE;
  for (xmlNode *m = vb_xml_child (vb_xml_child (xmlDocGetRootElement (doc), "devices"), "memory");
       m; m = vb_xml_next (m, "memory"))
    {
      xmlNode *a = vb_xml_child (m, "alias");
      g_autofree char *name = a ? vb_xml_attr (a, "name") : NULL;

      if (vb_xml_attr_is (m, "model", "virtio-mem") && g_strcmp0 (name, alias) == 0)
        {
          *kib = vb_domain_virtio_mem_kib (m, "requested");
          return TRUE;
        }
    }
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "the running guest has no virtio-mem '%s'",
               alias);
  return FALSE;
}

static void
set_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Update *u = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  QemuDomain *qd;

  if (!reply)
    {
      g_prefix_error (&error, "QEMU refused the virtio-mem's requested size: ");
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  qd = running (u->domain, &error);
  if (!qd)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  vb_qemu_plug_set_live_def (qd, g_steal_pointer (&u->changed));
  vb_log_info (vb_qemu_log_name (u->domain), "%s: requested size %" G_GUINT64_FORMAT " KiB",
               u->alias, u->requested_kib);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
vb_qemu_update_virtio_mem_async (VbDriverHost *host, VbDomain *domain, const char *alias,
                                 const VbDomainDef *changed, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  Update *u = g_new0 (Update, 1);
  GError *error = NULL;
  QemuDomain *qd;
  g_autofree char *path = NULL;
  g_autoptr (JsonObject) args = NULL;

  g_task_set_source_tag (task, vb_qemu_update_virtio_mem_async);
  u->domain = g_object_ref (domain);
  u->alias = g_strdup (alias);
  u->changed = vb_domain_def_copy (changed);
  g_task_set_task_data (task, u, (GDestroyNotify) update_free);
  if (!alias || !requested_of (changed, alias, &u->requested_kib, &error)
      || !(qd = running (domain, &error)))
    {
      if (!error)
        error = g_error_new (VB_ERROR, VB_ERROR_NOT_FOUND, "the virtio-mem device has no alias");
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* -device's id= puts it under /machine/peripheral. */
  path = g_strconcat ("/machine/peripheral/", alias, NULL);
  args = vb_qemu_plug_args ("path", path);
  json_object_set_string_member (args, "property", "requested-size");
  json_object_set_int_member (args, "value", (gint64) (u->requested_kib * 1024));
  vb_qmp_client_execute_async (qd->qmp, "qom-set", args, -1, NULL, set_done, task);
}

gboolean
vb_qemu_update_virtio_mem_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_update_virtio_mem_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
