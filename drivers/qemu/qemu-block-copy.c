/* Block copy in the QEMU driver: the destination as two block nodes
 * (protocol + format, named like the command line's), a blockdev-mirror job
 * from the disk's current top node, its events and figures on the Job, and
 * the pivot (block-job-complete) or cancel (block-job-cancel) that end it. */
#include "qemu-block-copy.h"

#include <glib/gstdio.h>

#include "vb-flags.h"
#include "qemu-block.h"
#include "qemu-domain-private.h"
#include "qemu-throttle.h"
#include "qemu-transient.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

#define POLL_INTERVAL_MS 500

typedef struct _QemuBlockCopy QemuBlockCopy;

struct _QemuBlockCopy {
  VbDomain *domain; /* not a reference: the QemuDomain that owns us is the domain's */
  VbJob *job;
  char *target;      /* "vda" */
  char *device_id;   /* the qdev id: the alias or "disk-<target>" */
  char *job_id;      /* QEMU's block job id */
  char *source_node; /* the disk's top node when the copy started */
  char *node;        /* the destination's format node ("<node>-storage" under it) */
  char *path;
  char *format;
  guint flags;
  guint64 bandwidth;
  guint32 granularity;
  guint64 buf_size;
  guint64 virtual_size;
  gboolean created;      /* we made the file: a failed start removes it */
  gboolean storage_added;
  gboolean node_added;
  gboolean pivoting;
  gboolean cancelling;
  gboolean ready;
  GTask *start; /* until the mirror runs */
  guint poll;
  gulong cancel_handler;
  guint64 last_offset;
  gint64 last_time;
};

static guint copy_serial;

static const char *
log_name (QemuBlockCopy *bc)
{
  return vb_qemu_log_name (bc->domain);
}

static void
block_copy_free (QemuBlockCopy *bc)
{
  if (bc->poll)
    g_source_remove (bc->poll);
  if (bc->cancel_handler)
    g_cancellable_disconnect (vb_job_get_cancellable (bc->job), bc->cancel_handler);
  vb_job_set_action_handler (bc->job, NULL, NULL, NULL);
  g_object_unref (bc->job);
  g_free (bc->target);
  g_free (bc->device_id);
  g_free (bc->job_id);
  g_free (bc->source_node);
  g_free (bc->node);
  g_free (bc->path);
  g_free (bc->format);
  g_free (bc);
}

/* The copy of @domain now, if it is still @bc's (callbacks outlive nothing). */
static QemuBlockCopy *
copy_of (VbDomain *domain)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);
  return qd && !qd->gone ? qd->block_copy : NULL;
}

static void
publish_details (QemuBlockCopy *bc)
{
  GVariantDict details;

  g_variant_dict_init (&details, NULL);
  g_variant_dict_insert (&details, "disk", "s", bc->target);
  g_variant_dict_insert (&details, "destination", "s", bc->path);
  g_variant_dict_insert (&details, "format", "s", bc->format);
  g_variant_dict_insert (&details, "bandwidth", "t", bc->bandwidth);
  g_variant_dict_insert (&details, "ready", "b", bc->ready);
  vb_job_set_details (bc->job, g_variant_dict_end (&details));
}

static void
del_node (QemuDomain *qd, const char *node)
{
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, "node-name", node);
  vb_qemu_execute_logged (qd, "blockdev-del", args);
}

/* Removes a format node and the protocol node under it (QEMU runs them in order). */
static void
del_nodes (QemuDomain *qd, const char *node, gboolean format, gboolean storage)
{
  g_autofree char *storage_node = g_strdup_printf ("%s-storage", node);

  if (format)
    del_node (qd, node);
  if (storage)
    del_node (qd, storage_node);
}

/* Ends the copy: the job says how, the driver forgets it. */
static void
finish (QemuDomain *qd, gboolean success, const char *phase, const char *message)
{
  QemuBlockCopy *bc = g_steal_pointer (&qd->block_copy);
  g_autoptr (VbJob) job = g_object_ref (bc->job);

  block_copy_free (bc);
  vb_job_complete (job, success, phase, message);
}

/* ---- starting ---- */

static void
start_failed (VbDomain *domain, GError *error)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);
  QemuBlockCopy *bc = qd ? qd->block_copy : NULL;
  GTask *task;

  if (!bc || !bc->start)
    {
      g_error_free (error);
      return;
    }
  task = g_steal_pointer (&bc->start);
  if (!qd->gone)
    del_nodes (qd, bc->node, bc->node_added, bc->storage_added);
  if (bc->created)
    g_unlink (bc->path);
  qd->block_copy = NULL;
  block_copy_free (bc);
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* The copy a step of the start goes on with, once QEMU answered it; NULL
 * when the start is over: QEMU refused the step (the start fails, @what
 * saying what could not be done) or the start ended meanwhile. */
static QemuBlockCopy *
start_step_done (VbDomain *domain, GObject *source, GAsyncResult *result, const char *what,
                 JsonNode **reply)
{
  GError *error = NULL;
  QemuBlockCopy *bc;

  *reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  if (!*reply)
    {
      if (what)
        g_prefix_error (&error, "%s: ", what);
      start_failed (domain, error);
      return NULL;
    }
  bc = copy_of (domain);
  return bc && bc->start ? bc : NULL;
}

static gboolean
poll_due (gpointer user_data);

static void
on_cancel (GCancellable *cancellable, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  QemuBlockCopy *bc = copy_of (domain);
  JsonObject *args;

  if (!bc || bc->pivoting || bc->cancelling)
    return;
  bc->cancelling = TRUE;
  vb_job_set_cancelable (bc->job, FALSE);
  vb_job_set_phase (bc->job, "cancelling");
  /* Not forced: a ready mirror ends as COMPLETED without switching, an
   * unready one as CANCELLED; either way the guest keeps its disk. */
  args = json_object_new ();
  json_object_set_string_member (args, "device", bc->job_id);
  vb_qemu_execute_logged (qd, "block-job-cancel", args);
}

static void
mirror_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VbDomain) domain = user_data;
  g_autoptr (JsonNode) reply = NULL;
  QemuBlockCopy *bc = start_step_done (domain, source, result, "QEMU refused the mirror", &reply);
  GTask *task;

  if (!bc)
    return;
  task = g_steal_pointer (&bc->start);
  if (!bc->ready && !bc->cancelling)
    vb_job_set_phase (bc->job, "copying");
  vb_job_set_cancelable (bc->job, TRUE);
  bc->cancel_handler = g_cancellable_connect (vb_job_get_cancellable (bc->job),
                                              G_CALLBACK (on_cancel), g_object_ref (domain),
                                              g_object_unref);
  bc->last_time = g_get_monotonic_time ();
  bc->poll = g_timeout_add (POLL_INTERVAL_MS, poll_due, domain);
  vb_log_message (log_name (bc), "mirroring %s (node %s) to %s as job %s", bc->target,
                  bc->source_node, bc->path, bc->job_id);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
start_mirror (VbDomain *domain)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);
  QemuBlockCopy *bc = qd->block_copy;
  g_autoptr (JsonObject) args = json_object_new ();

  json_object_set_string_member (args, "job-id", bc->job_id);
  json_object_set_string_member (args, "device", bc->source_node);
  json_object_set_string_member (args, "target", bc->node);
  json_object_set_string_member (args, "sync",
                                 (bc->flags & VB_BLOCK_COPY_SHALLOW) ? "top" : "full");
  if (bc->bandwidth)
    json_object_set_int_member (args, "speed", (gint64) bc->bandwidth);
  if (bc->granularity)
    json_object_set_int_member (args, "granularity", bc->granularity);
  if (bc->buf_size)
    json_object_set_int_member (args, "buf-size", (gint64) bc->buf_size);
  vb_qmp_client_execute_async (qd->qmp, "blockdev-mirror", args, -1, NULL, mirror_started,
                               g_object_ref (domain));
}

static void
node_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VbDomain) domain = user_data;
  g_autoptr (JsonNode) reply = NULL;
  QemuBlockCopy *bc =
    start_step_done (domain, source, result, "QEMU cannot open the destination", &reply);

  if (!bc)
    return;
  if (!bc->storage_added)
    bc->storage_added = TRUE;
  else
    {
      bc->node_added = TRUE;
      start_mirror (domain);
      return;
    }
  {
    /* The format node on top of the protocol node. */
    QemuDomain *qd = vb_qemu_domain_of (domain);
    g_autoptr (JsonObject) args = json_object_new ();
    g_autofree char *storage = g_strdup_printf ("%s-storage", bc->node);

    json_object_set_string_member (args, "node-name", bc->node);
    json_object_set_string_member (args, "driver", bc->format);
    json_object_set_string_member (args, "file", storage);
    if (g_str_equal (bc->format, "qcow2"))
      /* A full copy stands alone: do not open a backing file a reused image names. */
      json_object_set_null_member (args, "backing");
    vb_qmp_client_execute_async (qd->qmp, "blockdev-add", args, -1, NULL, node_added,
                                 g_object_ref (domain));
  }
}

static void
add_destination (VbDomain *domain)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);
  QemuBlockCopy *bc = qd->block_copy;
  g_autoptr (JsonObject) args = json_object_new ();
  g_autofree char *storage = g_strdup_printf ("%s-storage", bc->node);

  json_object_set_string_member (args, "driver", "file");
  json_object_set_string_member (args, "filename", bc->path);
  json_object_set_string_member (args, "node-name", storage);
  json_object_set_string_member (args, "discard", "unmap");
  vb_qmp_client_execute_async (qd->qmp, "blockdev-add", args, -1, NULL, node_added,
                               g_object_ref (domain));
}

static void
image_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VbDomain) domain = user_data;
  GError *error = NULL;
  QemuBlockCopy *bc;

  if (!vb_qemu_img_finish (result, &error))
    {
      start_failed (domain, error);
      return;
    }
  bc = copy_of (domain);
  if (!bc || !bc->start)
    return;
  bc->created = TRUE;
  add_destination (domain);
}

/* Without REUSE_EXT the destination is new: as large as the disk. */
static void
create_image (VbDomain *domain)
{
  QemuBlockCopy *bc = copy_of (domain);
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, bc->virtual_size);
  const char *argv[] = { "qemu-img", "create", "-q", "-f", bc->format, bc->path, size, NULL };

  vb_qemu_img_async (argv, image_created, g_object_ref (domain));
}

/* Others (snapshots, hotplug) change a disk's nodes too: ask QEMU which
 * node is on top now rather than keeping a map. */
static void
got_blocks (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VbDomain) domain = user_data;
  g_autoptr (JsonNode) reply = NULL;
  QemuBlockCopy *bc = start_step_done (domain, source, result, NULL, &reply);
  JsonObject *inserted;
  JsonObject *image;

  if (!bc)
    return;
  inserted = vb_qemu_block_inserted (reply, bc->device_id);
  image = vb_qmp_member_object (inserted, "image");
  if (!vb_qmp_member_string (inserted, "node-name"))
    {
      start_failed (domain, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                         "QEMU has no medium for disk '%s' (device %s)", bc->target,
                                         bc->device_id));
      return;
    }
  bc->source_node = g_strdup (vb_qmp_member_string (inserted, "node-name"));
  bc->virtual_size = (guint64) vb_qmp_member_int (image, "virtual-size", 0);
  if ((bc->flags & VB_BLOCK_COPY_SHALLOW) && vb_qmp_member_object (image, "backing-image"))
    {
      start_failed (domain, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                         "SHALLOW: disk '%s' has a backing image; only "
                                         "full copies of such disks are supported",
                                         bc->target));
      return;
    }
  if (bc->flags & VB_BLOCK_COPY_REUSE_EXT)
    add_destination (domain);
  else
    create_image (domain);
}

/* ---- the job's requests ---- */

static void
pivot_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VbDomain) domain = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  QemuBlockCopy *bc = copy_of (domain);

  if (reply || !bc || !bc->pivoting)
    return;
  /* Still mirroring: the caller may try again. */
  vb_log_warning (log_name (bc), "pivot refused by QEMU: %s", error->message);
  bc->pivoting = FALSE;
  vb_job_set_phase (bc->job, "ready");
  vb_job_set_cancelable (bc->job, TRUE);
}

static gboolean
act (VbJob *job, const char *action, guint64 value, gpointer user_data, GError **error)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  QemuBlockCopy *bc = copy_of (domain);
  g_autoptr (JsonObject) args = json_object_new ();

  if (!bc || bc->job != job)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "The block copy has ended");
      return FALSE;
    }
  if (g_str_equal (action, "pivot"))
    {
      if (bc->start || !bc->ready || bc->pivoting || bc->cancelling)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "The block copy of '%s' cannot pivot in phase %s: wait for phase ready",
                       bc->target, vb_job_get_phase (job));
          return FALSE;
        }
      bc->pivoting = TRUE;
      vb_job_set_cancelable (job, FALSE);
      vb_job_set_phase (job, "pivoting");
      json_object_set_string_member (args, "device", bc->job_id);
      vb_qmp_client_execute_async (qd->qmp, "block-job-complete", args, -1, NULL,
                                   pivot_answered, g_object_ref (domain));
      return TRUE;
    }
  if (g_str_equal (action, "set-bandwidth"))
    {
      if (value > G_MAXINT64)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "Bandwidth %" G_GUINT64_FORMAT " is too large", value);
          return FALSE;
        }
      bc->bandwidth = value;
      publish_details (bc);
      if (bc->start)
        return TRUE; /* blockdev-mirror takes it */
      json_object_set_string_member (args, "device", bc->job_id);
      json_object_set_int_member (args, "speed", (gint64) value);
      vb_qemu_execute_logged (qd, "block-job-set-speed", json_object_ref (args));
      return TRUE;
    }
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "A block-copy job has no %s", action);
  return FALSE;
}

void
vb_qemu_block_copy_async (VbDriverHost *host, VbDomain *domain, const char *target,
                          const char *path, const char *format, GVariant *params, guint flags,
                          VbJob *job, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  QemuBlockCopy *bc;

  if (!qd || !qd->qmp || qd->gone || qd->incoming || qd->migrating)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "The QEMU of the domain is not reachable or it migrates");
      g_object_unref (task);
      return;
    }
  {
    GError *error = NULL;

    if (!vb_qemu_transient_refuse (domain, "copy a disk of", &error)
        || !vb_qemu_throttle_refuse (domain, "copy a disk of", &error))
      {
        g_task_return_error (task, error);
        g_object_unref (task);
        return;
      }
  }
  if (qd->block_copy)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "A block copy of disk '%s' runs already", qd->block_copy->target);
      g_object_unref (task);
      return;
    }
  bc = g_new0 (QemuBlockCopy, 1);
  bc->domain = domain;
  bc->job = g_object_ref (job);
  bc->target = g_strdup (target);
  bc->device_id = vb_qemu_disk_device_id (domain, target);
  /* Unique also across service restarts: a new copy never meets the job
   * or the nodes of one a previous service left behind. */
  bc->node = g_strdup_printf ("copy%08x%u-%s", (guint) (g_get_real_time () / G_USEC_PER_SEC),
                              ++copy_serial, target);
  bc->job_id = g_strdup (bc->node);
  bc->path = g_strdup (path);
  bc->format = g_strdup (format);
  bc->flags = flags;
  g_variant_lookup (params, "bandwidth", "t", &bc->bandwidth);
  g_variant_lookup (params, "granularity", "u", &bc->granularity);
  g_variant_lookup (params, "buf-size", "t", &bc->buf_size);
  bc->start = task;
  qd->block_copy = bc;
  publish_details (bc);
  vb_job_set_action_handler (job, act, g_object_ref (domain), g_object_unref);
  vb_qmp_client_execute_async (qd->qmp, "query-block", NULL, -1, NULL, got_blocks,
                               g_object_ref (domain));
}

gboolean
vb_qemu_block_copy_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- while it runs ---- */

static void
update_figures (QemuBlockCopy *bc, JsonObject *info)
{
  guint64 len = (guint64) vb_qmp_member_int (info, "len", 0);
  guint64 offset = (guint64) vb_qmp_member_int (info, "offset", 0);
  gint64 now = g_get_monotonic_time ();
  guint64 rate = vb_job_get_rate (bc->job);

  if (now - bc->last_time >= G_USEC_PER_SEC / 4 && offset >= bc->last_offset)
    {
      rate = (offset - bc->last_offset) * G_USEC_PER_SEC / (guint64) (now - bc->last_time);
      bc->last_offset = offset;
      bc->last_time = now;
    }
  vb_job_set_bytes (bc->job, len, offset, rate);
  if (json_object_has_member (info, "speed"))
    {
      guint64 speed = (guint64) vb_qmp_member_int (info, "speed", 0);
      if (speed != bc->bandwidth)
        {
          bc->bandwidth = speed;
          publish_details (bc);
        }
    }
}

static void
got_jobs (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VbDomain) domain = user_data;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
  QemuBlockCopy *bc = copy_of (domain);
  JsonArray *jobs = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;

  for (guint i = 0; bc && jobs && i < json_array_get_length (jobs); i++)
    {
      JsonObject *info = json_array_get_object_element (jobs, i);

      if (info && g_strcmp0 (vb_qmp_member_string (info, "device"), bc->job_id) == 0)
        update_figures (bc, info);
    }
}

static gboolean
poll_due (gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (qd && qd->qmp && !qd->gone && qd->block_copy)
    vb_qmp_client_execute_async (qd->qmp, "query-block-jobs", NULL, -1, NULL, got_jobs,
                                 g_object_ref (domain));
  return G_SOURCE_CONTINUE;
}

/* The guest writes to the copy now: the live definition says so. */
static void
switch_definition (QemuDomain *qd, QemuBlockCopy *bc)
{
  const VbDomainDef *live = vb_domain_get_live_def (qd->domain);
  g_autoptr (xmlDoc) doc = live ? vb_xml_parse (live->xml, "domain", NULL) : NULL;
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
  g_autofree char *xml = NULL;
  g_autoptr (GError) error = NULL;
  VbDomainDef *updated;

  for (xmlNode *node = vb_xml_child (devices, "disk"); node; node = vb_xml_next (node, "disk"))
    {
      g_autofree char *dev = vb_xml_attr (vb_xml_child (node, "target"), "dev");
      xmlNode *source = vb_xml_child (node, "source");
      xmlNode *driver = vb_xml_child (node, "driver");

      if (g_strcmp0 (dev, bc->target) != 0)
        continue;
      xmlSetProp (node, BAD_CAST "type", BAD_CAST "file");
      /* A volume or block source becomes a plain file source. */
      if (source)
        {
          xmlNode *fresh = xmlNewNode (NULL, BAD_CAST "source");
          xmlSetProp (fresh, BAD_CAST "file", BAD_CAST bc->path);
          xmlReplaceNode (source, fresh);
          xmlFreeNode (source);
        }
      if (!driver)
        {
          driver = vb_xml_insert_after (node, NULL, "driver", NULL);
          xmlSetProp (driver, BAD_CAST "name", BAD_CAST "qemu");
        }
      xmlSetProp (driver, BAD_CAST "type", BAD_CAST bc->format);
      break;
    }
  if (!devices)
    return;
  xml = vb_xml_format (doc);
  updated = vb_domain_def_parse_live (xml, &error);
  if (!updated)
    {
      vb_log_warning (log_name (bc), "cannot record the copy in the live definition: %s",
                      error->message);
      return;
    }
  vb_domain_set_live_def (qd->domain, updated);
  if (qd->status)
    {
      g_free (qd->status->live_xml);
      qd->status->live_xml = g_strdup (updated->xml);
    }
  vb_qemu_save_status (qd);
}

static void
mirror_ended (QemuDomain *qd, QemuBlockCopy *bc, const char *error)
{
  if (error)
    {
      g_autofree char *message = g_strdup_printf ("The block copy of '%s' failed: %s", bc->target,
                                                  error);
      del_nodes (qd, bc->node, TRUE, TRUE);
      finish (qd, FALSE, "failed", message);
      return;
    }
  if (bc->pivoting)
    {
      /* The device reads and writes the copy; the old nodes are unused. */
      switch_definition (qd, bc);
      del_nodes (qd, bc->source_node, TRUE, TRUE);
      vb_log_message (log_name (bc), "%s now uses %s", bc->target, bc->path);
      finish (qd, TRUE, "completed", NULL);
      return;
    }
  /* Cancelled, or completed without a switch: the guest kept its disk. */
  del_nodes (qd, bc->node, TRUE, TRUE);
  if (bc->cancelling)
    finish (qd, FALSE, "cancelled", "The block copy was cancelled: the guest keeps its disk");
  else
    finish (qd, FALSE, "failed", "The mirror ended without a pivot: the guest keeps its disk");
}

static gboolean
block_copy_event (QemuDomain *qd, const char *name, JsonObject *data)
{
  QemuBlockCopy *bc = qd->block_copy;
  const char *device = vb_qmp_member_string (data, "device");

  if (g_str_equal (name, "BLOCK_JOB_CANCELLED") && device && g_str_has_prefix (device, "copy")
      && (!bc || !g_str_equal (device, bc->job_id)))
    {
      /* A mirror a previous service left (see block_copy_reattached):
       * its destination nodes are named as its job. */
      del_nodes (qd, device, TRUE, TRUE);
      return TRUE;
    }
  if (!bc)
    return FALSE;
  if (g_str_equal (name, "JOB_STATUS_CHANGE"))
    return g_strcmp0 (vb_qmp_member_string (data, "id"), bc->job_id) == 0;
  if (!g_str_has_prefix (name, "BLOCK_JOB_") || g_strcmp0 (device, bc->job_id) != 0)
    return FALSE;

  if (g_str_equal (name, "BLOCK_JOB_READY"))
    {
      bc->ready = TRUE;
      update_figures (bc, data);
      publish_details (bc);
      if (!bc->pivoting && !bc->cancelling)
        vb_job_set_phase (bc->job, "ready");
    }
  else if (g_str_equal (name, "BLOCK_JOB_ERROR"))
    vb_log_warning (log_name (bc), "block copy I/O error on %s (%s)",
                    vb_qmp_member_string (data, "operation"),
                    vb_qmp_member_string (data, "action"));
  else if (g_str_equal (name, "BLOCK_JOB_COMPLETED"))
    {
      if (bc->start)
        {
          start_failed (qd->domain, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                                 "The mirror ended at once: %s",
                                                 vb_qmp_member_string (data, "error")
                                                   ? vb_qmp_member_string (data, "error")
                                                   : "QEMU gave no reason"));
          return TRUE;
        }
      update_figures (bc, data);
      mirror_ended (qd, bc, vb_qmp_member_string (data, "error"));
    }
  else if (g_str_equal (name, "BLOCK_JOB_CANCELLED"))
    {
      if (bc->start)
        start_failed (qd->domain, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                               "The mirror was cancelled at once"));
      else
        {
          bc->cancelling = TRUE;
          bc->pivoting = FALSE;
          mirror_ended (qd, bc, NULL);
        }
    }
  return TRUE;
}

static void
block_copy_gone (QemuDomain *qd)
{
  QemuBlockCopy *bc = qd->block_copy;

  if (!bc)
    return;
  if (bc->start)
    {
      start_failed (qd->domain, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                             "QEMU ended while the block copy started"));
      return;
    }
  vb_log_warning (log_name (bc), "QEMU ended during the block copy of %s", bc->target);
  finish (qd, FALSE, "failed", "QEMU ended during the block copy");
}

static void
leftovers_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VbDomain) domain = user_data;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  JsonArray *jobs = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;

  for (guint i = 0; qd && !qd->gone && jobs && i < json_array_get_length (jobs); i++)
    {
      JsonObject *info = json_array_get_object_element (jobs, i);
      const char *id = vb_qmp_member_string (info, "device");
      JsonObject *args;

      if (!id || !g_str_has_prefix (id, "copy")
          || g_strcmp0 (vb_qmp_member_string (info, "type"), "mirror") != 0)
        continue;
      /* Nobody can pivot it now: the guest keeps its disk, the guards stay off. */
      vb_log_warning (vb_qemu_log_name (domain),
                      "a block copy (%s) outlived the service that started it: cancelling it",
                      id);
      args = json_object_new ();
      json_object_set_string_member (args, "device", id);
      json_object_set_boolean_member (args, "force", TRUE);
      vb_qemu_execute_logged (qd, "block-job-cancel", args);
    }
}

static void
block_copy_reattached (QemuDomain *qd)
{
  if (qd->qmp)
    vb_qmp_client_execute_async (qd->qmp, "query-block-jobs", NULL, -1, NULL, leftovers_found,
                                 g_object_ref (qd->domain));
}

const VbQemuPart vb_qemu_block_copy_part = {
  .name = "block copy",
  .event = block_copy_event,
  .gone = block_copy_gone,
  .reattached = block_copy_reattached,
};
