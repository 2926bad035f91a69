/* Snapshots in the QEMU driver. Internal snapshots of a running guest are
 * QEMU jobs (snapshot-save, snapshot-load, snapshot-delete: QEMU >= 6.0)
 * that end with JOB_STATUS_CHANGE "concluded"; those of a shut-off domain
 * and the overlays of external snapshots are qemu-img runs in a worker
 * thread. A running guest moves onto its overlays with blockdev-add and a
 * blockdev-snapshot transaction. Which node a disk reads now is asked from
 * QEMU (query-block), since block copy and hotplug change nodes too. */
#include "qemu-snapshot.h"

#include <glib/gstdio.h>

#include "qemu-block.h"
#include "qemu-domain-private.h"
#include "qemu-throttle.h"
#include "qemu-transient.h"
#include "vb-error.h"
#include "vb-log.h"

typedef enum { SNAP_CREATE, SNAP_REVERT, SNAP_DELETE } SnapKind;

typedef struct {
  VbDomain *domain;
  VbSnapshotDef *def;
  SnapKind kind;
  gboolean run;
  GHashTable *nodes;   /* disk target → the node QEMU's device reads now */
  GPtrArray *overlays; /* external: node names added for the disks, in def order */
  guint job;           /* our number of the running QEMU job */
  gulong closed_id;
  void (*next) (GTask *task); /* what follows query-block, or the job */
} SnapOp;

static void
snap_op_free (SnapOp *op)
{
  g_clear_object (&op->domain);
  vb_snapshot_def_free (op->def);
  g_clear_pointer (&op->nodes, g_hash_table_unref);
  g_clear_pointer (&op->overlays, g_ptr_array_unref);
  g_free (op);
}

static GTask *
snap_task_new (VbDomain *domain, const VbSnapshotDef *def, SnapKind kind, gboolean run,
               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  SnapOp *op = g_new0 (SnapOp, 1);

  op->domain = g_object_ref (domain);
  op->def = vb_snapshot_def_copy (def);
  op->kind = kind;
  op->run = run;
  g_task_set_task_data (task, op, (GDestroyNotify) snap_op_free);
  return task;
}

static void
snap_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
snap_done (GTask *task)
{
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
is_mode (const VbSnapshotDiskDef *disk, const char *mode)
{
  return g_strcmp0 (disk->snapshot, mode) == 0;
}

/* ---- qemu-img, in a worker thread ---- */

/* The virtual size of @image, read while QEMU may hold it (-U). */
static gboolean
image_size (const char *image, const char *format, char **size, GError **error)
{
  const char *argv[] = { "qemu-img", "info", "-U", "--output=json", "-f", format, image, NULL };
  g_autofree char *json = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gint64 bytes;

  if (!vb_qemu_img_run (argv, &json, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, json, -1, error))
    return FALSE;
  root = json_parser_get_root (parser);
  bytes = root && JSON_NODE_HOLDS_OBJECT (root)
            ? vb_qmp_member_int (json_node_get_object (root), "virtual-size", -1)
            : -1;
  if (bytes < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "qemu-img info %s gave no size", image);
      return FALSE;
    }
  *size = g_strdup_printf ("%" G_GINT64_FORMAT, bytes);
  return TRUE;
}

/* Makes the overlay of every external disk; on failure removes those made. */
static gboolean
make_overlays (const VbSnapshotDef *def, GError **error)
{
  g_autoptr (GPtrArray) made = g_ptr_array_new ();

  for (guint i = 0; i < def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = def->disks->pdata[i];
      g_autofree char *size = NULL;

      if (!is_mode (disk, "external"))
        continue;
      /* -u: the backing image is not opened (QEMU may be writing it); the
       * size comes from qemu-img info -U instead. */
      if (image_size (disk->backing, disk->backing_format, &size, error))
        {
          const char *argv[] = { "qemu-img", "create",      "-q",         "-f",
                                 "qcow2",    "-u",          "-F",         disk->backing_format,
                                 "-b",       disk->backing, disk->source, size,
                                 NULL };
          if (vb_qemu_img_run (argv, NULL, error))
            {
              g_ptr_array_add (made, disk->source);
              continue;
            }
        }
      for (guint j = 0; j < made->len; j++)
        g_unlink (made->pdata[j]);
      return FALSE;
    }
  return TRUE;
}

/* qemu-img snapshot -c/-a/-d on every internal disk of a shut-off domain. */
static gboolean
internal_offline (const VbSnapshotDef *def, const char *action, GError **error)
{
  for (guint i = 0; i < def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = def->disks->pdata[i];
      const char *argv[] = { "qemu-img", "snapshot", action, def->name, disk->file, NULL };

      if (!is_mode (disk, "internal") || vb_qemu_img_run (argv, NULL, error))
        continue;
      /* Atomic: a snapshot taken on some disks only is taken back. */
      for (guint j = 0; g_str_equal (action, "-c") && j < i; j++)
        {
          const VbSnapshotDiskDef *done = def->disks->pdata[j];
          const char *undo[] = { "qemu-img", "snapshot", "-d", def->name, done->file, NULL };

          if (is_mode (done, "internal"))
            vb_qemu_img_run (undo, NULL, NULL);
        }
      return FALSE;
    }
  return TRUE;
}

static void
offline_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SnapOp *op = data;
  GError *error = NULL;
  gboolean ok;

  if (vb_snapshot_def_is_external (op->def))
    ok = make_overlays (op->def, &error);
  else
    ok = internal_offline (op->def,
                           op->kind == SNAP_CREATE   ? "-c"
                           : op->kind == SNAP_REVERT ? "-a"
                                                     : "-d",
                           &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* ---- QEMU's view of the disks ---- */

static void
got_blocks (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SnapOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    {
      snap_fail (task, error);
      return;
    }
  op->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < op->def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = op->def->disks->pdata[i];
      g_autofree char *id = NULL;
      const char *node;

      if (is_mode (disk, "no") || !disk->snapshot)
        continue;
      id = vb_qemu_disk_device_id (op->domain, disk->name);
      node = vb_qmp_member_string (vb_qemu_block_inserted (reply, id), "node-name");
      if (node)
        g_hash_table_insert (op->nodes, g_strdup (disk->name), g_strdup (node));
      else
        {
          snap_fail (task, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                        "QEMU shows no medium for disk '%s' (device %s)",
                                        disk->name, id));
          return;
        }
    }
  op->next (task);
}

/* Finds the nodes, then continues with @next (called with the task only). */
static void
with_nodes (GTask *task, void (*next) (GTask *task))
{
  SnapOp *op = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (op->domain);

  op->next = next;
  vb_qmp_client_execute_async (qd->qmp, "query-block", NULL, -1, NULL, got_blocks, task);
}

/* ---- QEMU jobs: snapshot-save, snapshot-load, snapshot-delete ---- */

static guint job_counter;

static char *
job_name (guint job)
{
  return g_strdup_printf ("vb-snapshot-%u", job);
}

static void job_finished (GTask *task, GError *error);

static void
monitor_closed (VbQmpClient *client, GError *why, gpointer user_data)
{
  job_finished (user_data,
                g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU went away during the snapshot job"));
}

/* The end of the job, after it was dismissed (or QEMU went away). */
static void
job_finished (GTask *task, GError *error)
{
  SnapOp *op = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (op->domain);

  if (qd && qd->snapshot_job == task)
    qd->snapshot_job = NULL;
  if (op->closed_id && qd && qd->qmp)
    g_signal_handler_disconnect (qd->qmp, op->closed_id);
  op->closed_id = 0;
  if (error)
    {
      snap_fail (task, error);
      return;
    }
  op->next (task);
}

static void
job_dismissed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
  const char *failure = g_object_get_data (G_OBJECT (task), "vb-job-error");

  if (failure)
    error = g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU: %s", failure);
  job_finished (task, error);
}

static void
got_jobs (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SnapOp *op = g_task_get_task_data (task);
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
  JsonArray *jobs = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;
  g_autofree char *id = job_name (op->job);
  JsonObject *args = json_object_new ();

  for (guint i = 0; jobs && i < json_array_get_length (jobs); i++)
    {
      JsonObject *job = json_array_get_object_element (jobs, i);
      const char *failure = vb_qmp_member_string (job, "error");

      if (g_strcmp0 (vb_qmp_member_string (job, "id"), id) == 0 && failure)
        g_object_set_data_full (G_OBJECT (task), "vb-job-error", g_strdup (failure), g_free);
    }
  json_object_set_string_member (args, "id", id);
  vb_qmp_client_execute_async (VB_QMP_CLIENT (source), "job-dismiss", args, -1, NULL, job_dismissed,
                               task);
  json_object_unref (args);
}

static gboolean
snapshot_event (QemuDomain *qd, const char *name, JsonObject *data)
{
  GTask *task = qd->snapshot_job;
  SnapOp *op = task ? g_task_get_task_data (task) : NULL;
  g_autofree char *id = op ? job_name (op->job) : NULL;

  if (!task)
    return FALSE;
  /* The job stops and runs the vCPUs itself: not the user's pause. */
  if (g_str_equal (name, "STOP") || g_str_equal (name, "RESUME"))
    return TRUE;
  if (!g_str_equal (name, "JOB_STATUS_CHANGE")
      || g_strcmp0 (vb_qmp_member_string (data, "id"), id) != 0)
    return FALSE;
  if (g_strcmp0 (vb_qmp_member_string (data, "status"), "concluded") == 0)
    vb_qmp_client_execute_async (qd->qmp, "query-jobs", NULL, -1, NULL, got_jobs, task);
  return TRUE;
}

static void
job_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    job_finished (task, error);
}

/* Runs snapshot-save/-load/-delete over the internal disks' nodes, then
 * @then; the vmstate goes to (comes from) the first internal disk. */
static void
run_job (GTask *task, const char *command, void (*then) (GTask *task))
{
  SnapOp *op = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (op->domain);
  JsonObject *args = json_object_new ();
  JsonArray *devices = json_array_new ();
  g_autofree char *id = NULL;
  const char *vmstate = NULL;

  if (qd->snapshot_job)
    {
      json_object_unref (args);
      json_array_unref (devices);
      snap_fail (task, g_error_new (VB_ERROR, VB_ERROR_BUSY, "Another snapshot job runs"));
      return;
    }
  op->job = ++job_counter;
  id = job_name (op->job);
  for (guint i = 0; i < op->def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = op->def->disks->pdata[i];
      const char *node = g_hash_table_lookup (op->nodes, disk->name);

      if (!is_mode (disk, "internal"))
        continue;
      json_array_add_string_element (devices, node);
      if (!vmstate)
        vmstate = node;
    }
  json_object_set_string_member (args, "job-id", id);
  json_object_set_string_member (args, "tag", op->def->name);
  if (!g_str_equal (command, "snapshot-delete"))
    json_object_set_string_member (args, "vmstate", vmstate);
  json_object_set_array_member (args, "devices", devices);
  op->next = then;
  qd->snapshot_job = task;
  op->closed_id = g_signal_connect (qd->qmp, "closed", G_CALLBACK (monitor_closed), task);
  vb_log_info (vb_qemu_log_name (op->domain), "%s '%s' as job %s", command, op->def->name, id);
  vb_qmp_client_execute_async (qd->qmp, command, args, -1, NULL, job_started, task);
  json_object_unref (args);
}

/* ---- create ---- */

static void
offline_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    snap_fail (task, error);
  else
    snap_done (task);
}

static void
run_offline (GTask *task, GAsyncReadyCallback callback)
{
  GTask *thread = g_task_new (NULL, NULL, callback, task);

  g_task_set_task_data (thread, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (thread, offline_thread);
  g_object_unref (thread);
}

static gboolean
qemu_reachable (VbDomain *domain, GError **error)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (qd && qd->qmp && !qd->gone)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
               "The QEMU of domain '%s' is not reachable",
               vb_resource_get_name (VB_RESOURCE (domain)));
  return FALSE;
}

/* Whether QEMU does @task now: a shut-off domain's task is a qemu-img run
 * instead, and one of an unreachable QEMU fails (both answered here). */
static gboolean
needs_qemu (GTask *task)
{
  SnapOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_domain_is_active (op->domain))
    run_offline (task, offline_done);
  else if (!qemu_reachable (op->domain, &error))
    snap_fail (task, error);
  else
    return TRUE;
  return FALSE;
}

static void
save_nodes_ready (GTask *task)
{
  run_job (task, "snapshot-save", snap_done);
}

/* The live definition (and the status file) name the overlays. */
static void
live_def_follows (SnapOp *op)
{
  QemuDomain *qd = vb_qemu_domain_of (op->domain);
  g_autofree char *xml = g_strdup (vb_domain_get_live_def (op->domain)->xml);
  VbDomainDef *updated;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < op->def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = op->def->disks->pdata[i];
      char *next;

      if (!is_mode (disk, "external"))
        continue;
      if ((next = vb_domain_xml_set_disk_file (xml, disk->name, disk->source, "qcow2", NULL)))
        {
          g_free (xml);
          xml = next;
        }
    }
  if (!(updated = vb_domain_def_parse_live (xml, &error)))
    {
      vb_log_warning (vb_qemu_log_name (op->domain), "live XML not updated: %s", error->message);
      return;
    }
  vb_domain_set_live_def (op->domain, updated);
  if (qd && qd->status)
    {
      g_free (qd->status->live_xml);
      qd->status->live_xml = g_strdup (updated->xml);
      vb_qemu_save_status (qd);
    }
}

/* Undoes a failed switch: the added overlay nodes and their files go. */
static void
drop_overlays (SnapOp *op)
{
  QemuDomain *qd = vb_qemu_domain_of (op->domain);
  guint k = 0;

  for (guint i = 0; i < op->def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = op->def->disks->pdata[i];

      if (!is_mode (disk, "external"))
        continue;
      if (qd && op->overlays && k < op->overlays->len)
        {
          JsonObject *args = json_object_new ();
          json_object_set_string_member (args, "node-name", op->overlays->pdata[k]);
          vb_qemu_execute_logged (qd, "blockdev-del", args);
        }
      k++;
      g_unlink (disk->source);
    }
}

static void
switched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SnapOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    {
      drop_overlays (op);
      snap_fail (task, error);
      return;
    }
  live_def_follows (op);
  snap_done (task);
}

static void add_next_overlay (GTask *task);

static void
overlay_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SnapOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    {
      g_free (g_ptr_array_steal_index (op->overlays, op->overlays->len - 1));
      drop_overlays (op);
      snap_fail (task, error);
      return;
    }
  add_next_overlay (task);
}

/* blockdev-add of each overlay (no backing yet: blockdev-snapshot sets it),
 * then one transaction switches all disks at once. */
static void
add_next_overlay (GTask *task)
{
  SnapOp *op = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (op->domain);
  guint k = 0;
  JsonObject *args;
  JsonArray *actions;

  for (guint i = 0; i < op->def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = op->def->disks->pdata[i];
      JsonObject *file;
      char *node;

      if (!is_mode (disk, "external"))
        continue;
      if (k++ < op->overlays->len)
        continue;
      node = g_strdup_printf ("snap%08x", g_random_int ());
      g_ptr_array_add (op->overlays, node);
      args = json_object_new ();
      file = json_object_new ();
      json_object_set_string_member (file, "driver", "file");
      json_object_set_string_member (file, "filename", disk->source);
      json_object_set_string_member (args, "driver", "qcow2");
      json_object_set_string_member (args, "node-name", node);
      json_object_set_object_member (args, "file", file);
      json_object_set_null_member (args, "backing");
      vb_qmp_client_execute_async (qd->qmp, "blockdev-add", args, -1, NULL, overlay_added, task);
      json_object_unref (args);
      return;
    }
  actions = json_array_new ();
  k = 0;
  for (guint i = 0; i < op->def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = op->def->disks->pdata[i];
      JsonObject *action, *data;

      if (!is_mode (disk, "external"))
        continue;
      action = json_object_new ();
      data = json_object_new ();
      json_object_set_string_member (data, "node", g_hash_table_lookup (op->nodes, disk->name));
      json_object_set_string_member (data, "overlay", op->overlays->pdata[k++]);
      json_object_set_string_member (action, "type", "blockdev-snapshot");
      json_object_set_object_member (action, "data", data);
      json_array_add_object_element (actions, action);
    }
  args = json_object_new ();
  json_object_set_array_member (args, "actions", actions);
  vb_qmp_client_execute_async (qd->qmp, "transaction", args, -1, NULL, switched, task);
  json_object_unref (args);
}

static void
overlay_nodes_ready (GTask *task)
{
  SnapOp *op = g_task_get_task_data (task);

  op->overlays = g_ptr_array_new_with_free_func (g_free);
  add_next_overlay (task);
}

static void
overlays_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SnapOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      snap_fail (task, error);
      return;
    }
  if (!vb_domain_is_active (op->domain))
    {
      snap_done (task);
      return;
    }
  if (!qemu_reachable (op->domain, &error))
    {
      drop_overlays (op);
      snap_fail (task, error);
      return;
    }
  with_nodes (task, overlay_nodes_ready);
}

void
vb_qemu_snapshot_create_async (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = snap_task_new (domain, def, SNAP_CREATE, FALSE, callback, user_data);
  GError *error = NULL;

  if (!vb_qemu_transient_refuse (domain, "snapshot", &error)
      || !vb_qemu_throttle_refuse (domain, "snapshot", &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (vb_snapshot_def_is_external (def))
    run_offline (task, overlays_made);
  else if (needs_qemu (task))
    with_nodes (task, save_nodes_ready);
}

gboolean
vb_qemu_snapshot_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- revert ---- */

static void
resumed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SnapOp *op = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (op->domain);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (qd)
    qd->own_resume = FALSE;
  if (!reply)
    {
      snap_fail (task, error);
      return;
    }
  if (qd)
    vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "from-snapshot");
  vb_domain_emit_lifecycle (op->domain, "resumed", "from-snapshot");
  snap_done (task);
}

static void
loaded (GTask *task)
{
  SnapOp *op = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (op->domain);

  if (!op->run)
    {
      vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "from-snapshot");
      vb_domain_emit_lifecycle (op->domain, "suspended", "from-snapshot");
      snap_done (task);
      return;
    }
  qd->own_resume = TRUE;
  vb_qmp_client_execute_async (qd->qmp, "cont", NULL, -1, NULL, resumed, task);
}

static void
load_nodes_ready (GTask *task)
{
  run_job (task, "snapshot-load", loaded);
}

static void
stopped_for_load (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SnapOp *op = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (op->domain);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (qd)
    qd->own_stop = FALSE;
  if (!reply)
    {
      snap_fail (task, error);
      return;
    }
  /* Paused until the memory is back, whatever happens next. */
  vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "from-snapshot");
  with_nodes (task, load_nodes_ready);
}

void
vb_qemu_snapshot_revert_async (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                               gboolean run, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = snap_task_new (domain, def, SNAP_REVERT, run, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (vb_snapshot_def_is_external (def))
    {
      /* The generic layer only asks this of a shut-off domain. */
      run_offline (task, offline_done);
      return;
    }
  if (!needs_qemu (task))
    return;
  /* The guest must not run while its memory is replaced. */
  qd->own_stop = TRUE;
  vb_qmp_client_execute_async (qd->qmp, "stop", NULL, -1, NULL, stopped_for_load, task);
}

/* ---- delete ---- */

static void
delete_nodes_ready (GTask *task)
{
  run_job (task, "snapshot-delete", snap_done);
}

void
vb_qemu_snapshot_delete_async (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = snap_task_new (domain, def, SNAP_DELETE, FALSE, callback, user_data);

  if (needs_qemu (task))
    with_nodes (task, delete_nodes_ready);
}

const VbQemuPart vb_qemu_snapshot_part = {
  .name = "snapshots",
  .event = snapshot_event,
};
