#include "snapshot-api.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "domain-def.h"
#include "domain-kind.h"
#include "resource-api.h"
#include "snapshot-store.h"
#include "vb-error.h"
#include "vb-log.h"

/* ---- what the operations share ---- */

typedef struct {
  VbDriverHost *host;
  const VbDomainDriver *driver;
  VbDomain *domain;
  VbSnapshot *snapshot; /* revert, delete: the target; create: the new one */
  VbSnapshotDef *def;   /* create: the request; revert: what the driver makes */
  guint flags;
  gboolean locked;
  gboolean run;      /* revert: vCPUs run afterwards */
  GPtrArray *doomed; /* delete: the snapshots that go, newest first */
  guint next;
  VbSnapshotWrites *writes;
} Op;

static void
op_free (Op *op)
{
  g_clear_object (&op->domain);
  g_clear_object (&op->snapshot);
  vb_snapshot_def_free (op->def);
  g_clear_pointer (&op->doomed, g_ptr_array_unref);
  g_free (op);
}

static GTask *
op_task_new (VbDriverHost *host, VbDomain *domain, guint flags, gpointer source_tag,
             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Op *op = g_new0 (Op, 1);

  g_task_set_source_tag (task, source_tag);
  op->host = host;
  op->domain = domain ? g_object_ref (domain) : NULL;
  op->flags = flags;
  if (domain)
    op->driver = vb_domain_api_driver (host, domain);
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  return task;
}

static void
op_release (Op *op)
{
  if (!op->locked)
    return;
  op->locked = FALSE;
  vb_resource_api_release (op->host, vb_domain_api_kind (), VB_RESOURCE (op->domain));
}

/* Ends the operation with @error (taken). */
static void
op_fail (GTask *task, GError *error)
{
  Op *op = g_task_get_task_data (task);

  vb_log_warning (op->domain ? vb_resource_get_log_name (VB_RESOURCE (op->domain)) : NULL,
                  "snapshot: %s", error->message);
  op_release (op);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
op_succeed (GTask *task)
{
  op_release (g_task_get_task_data (task));
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* After the last metadata write. */
static void
written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    op_fail (task, error);
  else
    op_succeed (task);
}

static VbSnapshotWrites *
op_writes (GTask *task)
{
  return vb_snapshot_writes_new (g_task_new (NULL, NULL, written, task));
}

static gboolean
check_driver (Op *op, gpointer member, GError **error)
{
  if (member)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "The %s driver has no snapshots",
               op->driver ? op->driver->name : "domain's");
  return FALSE;
}

static const char *
domain_name (VbDomain *domain)
{
  return vb_resource_get_name (VB_RESOURCE (domain));
}

/* The definition the domain's disks follow now. */
static const VbDomainDef *
current_def (VbDomain *domain)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);

  return live && vb_domain_is_active (domain) ? live : vb_domain_get_def (domain);
}

/* Points the persistent definition's disks at the files @def's external
 * disks name (overlays made by the driver); queued on @writes. */
static gboolean
persist_overlays (Op *op, const VbSnapshotDef *def, GError **error)
{
  g_autofree char *xml = NULL;
  VbDomainDef *updated;

  if (!vb_resource_get_persistent (VB_RESOURCE (op->domain)))
    return TRUE;
  xml = g_strdup (vb_domain_get_def (op->domain)->xml);
  for (guint i = 0; i < def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = def->disks->pdata[i];
      g_autoptr (GError) missing = NULL;
      char *next;

      if (g_strcmp0 (disk->snapshot, "external") != 0)
        continue;
      next = vb_domain_xml_set_disk_file (xml, disk->name, disk->source, "qcow2", &missing);
      /* A disk only the live definition has (redefined meanwhile) stays as it is. */
      if (next)
        {
          g_free (xml);
          xml = next;
        }
    }
  if (!(updated = vb_domain_def_parse (xml, error)))
    return FALSE;
  vb_domain_set_def (op->domain, updated);
  vb_snapshot_writes_domain (op->host, op->writes, op->domain);
  /* A client that follows the definition sees the new disks. */
  vb_domain_api_kind ()->defined (VB_RESOURCE (op->domain), FALSE);
  return TRUE;
}

/* ---- create ---- */

static void halted (GObject *source, GAsyncResult *result, gpointer user_data);

static void
create_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      op_fail (task, error);
      return;
    }
  if ((op->flags & VB_SNAPSHOT_CREATE_HALT) && vb_domain_is_active (op->domain))
    {
      op->driver->op_async (op->host, op->domain, VB_DOMAIN_OP_DESTROY, 0, NULL, halted, task);
      return;
    }
  op_succeed (task);
}

static void
halted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!op->driver->op_finish (op->domain, result, &error))
    {
      g_prefix_error (&error, "The snapshot was taken, but HALT failed: ");
      op_fail (task, error);
      return;
    }
  op_succeed (task);
}

static void
created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  VbSnapshotRegistry *registry = vb_driver_host_get_snapshots (op->host);
  /* A copy: persist_overlays() replaces the definition the UUID lives in. */
  g_autofree char *uuid = g_strdup (vb_resource_get_uuid (VB_RESOURCE (op->domain)));
  VbSnapshot *previous = vb_snapshot_registry_get_current (registry, uuid);
  GError *error = NULL;

  if (!op->driver->snapshot_create_finish (op->domain, result, &error))
    {
      op_fail (task, error);
      return;
    }
  op->writes = vb_snapshot_writes_new (g_task_new (NULL, NULL, create_written, task));
  if (vb_snapshot_def_is_external (op->def) && !persist_overlays (op, op->def, &error))
    vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (op->domain)),
                    "snapshot taken, but the persistent definition keeps the old disks: %s",
                    error->message);
  g_clear_error (&error);
  op->snapshot = vb_snapshot_new (uuid, g_steal_pointer (&op->def));
  vb_snapshot_registry_add (registry, op->snapshot);
  vb_snapshot_registry_set_current (registry, uuid, op->snapshot);
  if (previous)
    vb_snapshot_writes_save (op->host, op->writes, previous);
  vb_snapshot_writes_save (op->host, op->writes, op->snapshot);
  vb_log_info (vb_resource_get_log_name (VB_RESOURCE (op->domain)), "snapshot '%s' taken (%s)",
               vb_snapshot_get_name (op->snapshot), vb_snapshot_get_def (op->snapshot)->state);
  vb_snapshot_writes_close (g_steal_pointer (&op->writes));
}

static gboolean
prepare_create (Op *op, GError **error)
{
  VbSnapshotRegistry *registry = vb_driver_host_get_snapshots (op->host);
  const char *uuid = vb_resource_get_uuid (VB_RESOURCE (op->domain));
  VbDomainState state = vb_domain_get_state (op->domain);
  gboolean active = vb_domain_is_active (op->domain);
  gboolean disk_only = (op->flags & VB_SNAPSHOT_CREATE_DISK_ONLY) != 0;
  VbSnapshot *current = vb_snapshot_registry_get_current (registry, uuid);
  VbSnapshotDef *def = op->def;

  if (!check_driver (op, op->driver->snapshot_create_async, error)
      || !vb_domain_refuse_if_block_copy (op->domain, "Snapshot", NULL, error))
    return FALSE;
  if (state != VB_DOMAIN_RUNNING && state != VB_DOMAIN_PAUSED && state != VB_DOMAIN_SHUTOFF)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Cannot take a snapshot of domain '%s' in state %s", domain_name (op->domain),
                   vb_domain_state_to_string (state));
      return FALSE;
    }
  def->creation_time = g_get_real_time () / G_USEC_PER_SEC;
  if (!def->name)
    def->name = g_strdup_printf ("%" G_GINT64_FORMAT, def->creation_time);
  if (vb_snapshot_registry_lookup (registry, uuid, def->name))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Domain '%s' already has a snapshot named '%s'", domain_name (op->domain),
                   def->name);
      return FALSE;
    }
  def->domain_xml = g_strdup (current_def (op->domain)->xml);
  if (!vb_snapshot_def_align (def, def->domain_xml, active, disk_only, error))
    return FALSE;
  for (guint i = 0; i < def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = def->disks->pdata[i];

      if (g_strcmp0 (disk->snapshot, "external") == 0
          && g_file_test (disk->source, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "Disk '%s': the overlay %s exists already (REUSE_EXT is not supported)",
                       disk->name, disk->source);
          return FALSE;
        }
    }
  def->state = g_strdup (disk_only && active ? "disk-snapshot" : vb_domain_state_to_string (state));
  def->parent = current ? g_strdup (vb_snapshot_get_name (current)) : NULL;
  return TRUE;
}

static void
create_locked (GTask *task, VbResource *resource)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  op->locked = TRUE;
  if (!prepare_create (op, &error))
    {
      op_fail (task, error);
      return;
    }
  op->driver->snapshot_create_async (op->host, op->domain, op->def, created, task);
}

void
vb_snapshot_api_create_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task =
    op_task_new (host, domain, flags, vb_snapshot_api_create_async, callback, user_data);
  Op *op = g_task_get_task_data (task);
  guint known = (VB_SNAPSHOT_CREATE_VALIDATE << 1) - 1;
  GError *error = NULL;

  if (!vb_check_flags (flags, known, &error))
    {
      op_fail (task, error);
      return;
    }
  if (flags
      & (VB_SNAPSHOT_CREATE_REDEFINE | VB_SNAPSHOT_CREATE_CURRENT | VB_SNAPSHOT_CREATE_NO_METADATA
         | VB_SNAPSHOT_CREATE_REUSE_EXT | VB_SNAPSHOT_CREATE_QUIESCE | VB_SNAPSHOT_CREATE_LIVE))
    {
      op_fail (task,
               g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                            "Snapshot flags 0x%x are not supported (REDEFINE, CURRENT, "
                            "NO_METADATA, REUSE_EXT, QUIESCE and LIVE are not; DISK_ONLY, "
                            "HALT, ATOMIC and VALIDATE are)",
                            flags
                              & (VB_SNAPSHOT_CREATE_REDEFINE | VB_SNAPSHOT_CREATE_CURRENT
                                 | VB_SNAPSHOT_CREATE_NO_METADATA | VB_SNAPSHOT_CREATE_REUSE_EXT
                                 | VB_SNAPSHOT_CREATE_QUIESCE | VB_SNAPSHOT_CREATE_LIVE)));
      return;
    }
  if (!(op->def = vb_snapshot_def_parse (xml, &error)))
    {
      op_fail (task, error);
      return;
    }
  vb_resource_api_with_lock (VB_RESOURCE (domain), "CreateSnapshot", task, create_locked);
}

VbSnapshot *
vb_snapshot_api_create_finish (GAsyncResult *result, GError **error)
{
  Op *op = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_object_ref (op->snapshot);
}

/* ---- revert ---- */

static void
revert_finished (Op *op, GTask *task)
{
  VbSnapshotRegistry *registry = vb_driver_host_get_snapshots (op->host);
  g_autofree char *uuid = g_strdup (vb_resource_get_uuid (VB_RESOURCE (op->domain)));
  VbSnapshot *previous = vb_snapshot_registry_get_current (registry, uuid);

  op->writes = op_writes (task);
  vb_snapshot_registry_set_current (registry, uuid, op->snapshot);
  if (previous && previous != op->snapshot)
    vb_snapshot_writes_save (op->host, op->writes, previous);
  vb_snapshot_writes_save (op->host, op->writes, op->snapshot);
  vb_log_info (vb_resource_get_log_name (VB_RESOURCE (op->domain)), "reverted to snapshot '%s'",
               vb_snapshot_get_name (op->snapshot));
  vb_snapshot_writes_close (g_steal_pointer (&op->writes));
}

static void
started_after (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!op->driver->op_finish (op->domain, result, &error))
    {
      g_prefix_error (&error, "Reverted, but the domain did not start: ");
      op_fail (task, error);
      return;
    }
  revert_finished (op, task);
}

/* Starts the domain from its persistent definition, as Domain.Start does. */
static void
start_domain (Op *op, gboolean paused, GAsyncReadyCallback callback, GTask *task)
{
  vb_domain_set_live_def (op->domain, vb_domain_def_copy (vb_domain_get_def (op->domain)));
  op->driver->op_async (op->host, op->domain, VB_DOMAIN_OP_START,
                        paused ? VB_DOMAIN_START_PAUSED : 0, NULL, callback, task);
}

/* The disks are back; a disk-only revert leaves the domain off unless the
 * flags ask to run it. */
static void
disks_reverted (Op *op, GTask *task)
{
  if (!vb_domain_is_active (op->domain)
      && (op->flags & (VB_SNAPSHOT_REVERT_RUNNING | VB_SNAPSHOT_REVERT_PAUSED)))
    {
      start_domain (op, (op->flags & VB_SNAPSHOT_REVERT_PAUSED) != 0, started_after, task);
      return;
    }
  revert_finished (op, task);
}

static void
overlays_persisted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      op_fail (task, error);
      return;
    }
  disks_reverted (g_task_get_task_data (task), task);
}

static void
reverted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!op->driver->snapshot_revert_finish (op->domain, result, &error))
    {
      op_fail (task, error);
      return;
    }
  if (op->def)
    {
      /* External: the definition names the fresh overlays before anything starts. */
      op->writes = vb_snapshot_writes_new (g_task_new (NULL, NULL, overlays_persisted, task));
      if (!persist_overlays (op, op->def, &error))
        vb_snapshot_writes_fail (op->writes, error); /* once the writes are done */
      vb_snapshot_writes_close (g_steal_pointer (&op->writes));
      return;
    }
  disks_reverted (op, task);
}

static void
revert_now (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  op->driver->snapshot_revert_async (op->host, op->domain,
                                     op->def ? op->def : vb_snapshot_get_def (op->snapshot),
                                     op->run, reverted, task);
}

static void
ready_to_revert (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!op->driver->op_finish (op->domain, result, &error))
    {
      op_fail (task, error);
      return;
    }
  revert_now (task);
}

/* "/images/web.s1" → "/images/web.s1-revert1", the first name not taken. */
static char *
fresh_overlay_name (const char *overlay)
{
  for (guint n = 1;; n++)
    {
      char *name = g_strdup_printf ("%s-revert%u", overlay, n);

      if (!g_file_test (name, G_FILE_TEST_EXISTS))
        return name;
      g_free (name);
    }
}

/* What reverting to an external snapshot makes: for every external disk a
 * new overlay on the image the snapshot froze. */
static VbSnapshotDef *
external_revert_def (const VbSnapshotDef *snapshot, GError **error)
{
  g_autoptr (VbSnapshotDef) def = vb_snapshot_def_copy (snapshot);
  g_autoptr (GPtrArray) frozen = vb_domain_xml_list_disks (snapshot->domain_xml, error);

  if (!frozen)
    return NULL;
  for (guint i = 0; i < def->disks->len; i++)
    {
      VbSnapshotDiskDef *disk = def->disks->pdata[i];

      if (g_strcmp0 (disk->snapshot, "external") != 0)
        continue;
      for (guint j = 0; j < frozen->len; j++)
        {
          VbDomainDisk *then = frozen->pdata[j];

          if (!g_str_equal (then->target, disk->name))
            continue;
          g_free (disk->backing);
          g_free (disk->backing_format);
          disk->backing = g_strdup (then->file);
          disk->backing_format = g_strdup (then->format);
        }
      if (!disk->backing || !g_file_test (disk->backing, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "Disk '%s': the image the snapshot froze (%s) is gone", disk->name,
                       disk->backing ? disk->backing : "unknown");
          return NULL;
        }
      {
        char *fresh = fresh_overlay_name (disk->source);
        g_free (disk->source);
        disk->source = fresh;
      }
    }
  return g_steal_pointer (&def);
}

/* Internal snapshots live in the images the domain used then: refuse when a
 * disk now reads another file (an external snapshot or block copy since). */
static gboolean
check_internal_files (Op *op, const VbSnapshotDef *def, GError **error)
{
  g_autoptr (GPtrArray) now = vb_domain_xml_list_disks (current_def (op->domain)->xml, error);

  if (!now)
    return FALSE;
  for (guint i = 0; i < def->disks->len; i++)
    {
      const VbSnapshotDiskDef *disk = def->disks->pdata[i];
      const char *file = NULL;

      if (g_strcmp0 (disk->snapshot, "internal") != 0)
        continue;
      for (guint j = 0; j < now->len; j++)
        if (g_str_equal (((VbDomainDisk *) now->pdata[j])->target, disk->name))
          file = ((VbDomainDisk *) now->pdata[j])->file;
      if (g_strcmp0 (file, disk->file) != 0)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "Disk '%s' now reads %s, not %s that holds snapshot '%s' (an external "
                       "snapshot or a block copy came since): not supported",
                       disk->name, file ? file : "nothing", disk->file, def->name);
          return FALSE;
        }
    }
  return TRUE;
}

static void
revert_locked (GTask *task, VbResource *resource)
{
  Op *op = g_task_get_task_data (task);
  const VbSnapshotDef *def = vb_snapshot_get_def (op->snapshot);
  gboolean active = vb_domain_is_active (op->domain);
  GError *error = NULL;

  op->locked = TRUE;
  if (!vb_snapshot_is_alive (op->snapshot))
    {
      op_fail (task,
               g_error_new (VB_ERROR, VB_ERROR_NOT_FOUND, "Snapshot '%s' was deleted", def->name));
      return;
    }
  if (!check_driver (op, op->driver->snapshot_revert_async, &error)
      || !vb_domain_refuse_if_block_copy (op->domain, "Snapshot", NULL, &error))
    {
      op_fail (task, error);
      return;
    }
  if (vb_snapshot_def_is_external (def))
    {
      if (active)
        {
          op_fail (task, g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                                      "Reverting to external snapshot '%s' needs domain '%s' "
                                      "shut off: its disks cannot be swapped under a running "
                                      "guest",
                                      def->name, domain_name (op->domain)));
          return;
        }
      if (!(op->def = external_revert_def (def, &error)))
        {
          op_fail (task, error);
          return;
        }
      revert_now (task);
      return;
    }
  if (!check_internal_files (op, def, &error))
    {
      op_fail (task, error);
      return;
    }
  if (vb_snapshot_def_has_memory (def))
    {
      op->run =
        (op->flags & VB_SNAPSHOT_REVERT_RUNNING)
        || (g_str_equal (def->state, "running") && !(op->flags & VB_SNAPSHOT_REVERT_PAUSED));
      /* Memory state needs a hypervisor to load into: start one, paused. */
      if (!active)
        {
          start_domain (op, TRUE, ready_to_revert, task);
          return;
        }
      revert_now (task);
      return;
    }
  /* A disk-only snapshot: the guest must not run on the disks it replaces. */
  if (active)
    {
      op->driver->op_async (op->host, op->domain, VB_DOMAIN_OP_DESTROY, 0, NULL, ready_to_revert,
                            task);
      return;
    }
  revert_now (task);
}

static GTask *
snapshot_task (VbDriverHost *host, VbSnapshot *snapshot, guint flags, gpointer tag,
               GAsyncReadyCallback callback, gpointer user_data)
{
  VbResource *domain =
    vb_inventory_lookup_uuid (vb_driver_host_get_inventory (host), VB_TYPE_DOMAIN,
                              vb_snapshot_get_domain_uuid (snapshot));
  GTask *task =
    op_task_new (host, domain ? VB_DOMAIN (domain) : NULL, flags, tag, callback, user_data);
  Op *op = g_task_get_task_data (task);

  op->snapshot = g_object_ref (snapshot);
  if (!domain || !vb_snapshot_is_alive (snapshot))
    {
      op_fail (task, g_error_new (VB_ERROR, VB_ERROR_NOT_FOUND, "Snapshot '%s' no longer exists",
                                  vb_snapshot_get_name (snapshot)));
      return NULL;
    }
  return task;
}

void
vb_snapshot_api_revert_async (VbDriverHost *host, VbSnapshot *snapshot, guint flags,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task =
    snapshot_task (host, snapshot, flags, vb_snapshot_api_revert_async, callback, user_data);
  GError *error = NULL;

  if (!task)
    return;
  if (!vb_check_flags (
        flags, VB_SNAPSHOT_REVERT_RUNNING | VB_SNAPSHOT_REVERT_PAUSED | VB_SNAPSHOT_REVERT_FORCE,
        &error))
    {
      op_fail (task, error);
      return;
    }
  if ((flags & VB_SNAPSHOT_REVERT_RUNNING) && (flags & VB_SNAPSHOT_REVERT_PAUSED))
    {
      op_fail (task, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                  "RUNNING (1) and PAUSED (2) exclude each other"));
      return;
    }
  vb_resource_api_with_lock (VB_RESOURCE (((Op *) g_task_get_task_data (task))->domain),
                             "RevertToSnapshot", task, revert_locked);
}

gboolean
vb_snapshot_api_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- delete ---- */

static void delete_next (GTask *task);

/* Forgets @snapshot: its children move up to its parent, and so does
 * "current" when it was. */
static void
drop_metadata (Op *op, VbSnapshot *snapshot)
{
  VbSnapshotRegistry *registry = vb_driver_host_get_snapshots (op->host);
  const char *uuid = vb_snapshot_get_domain_uuid (snapshot);
  g_autoptr (GPtrArray) children = vb_snapshot_registry_children (registry, snapshot);
  VbSnapshot *parent =
    vb_snapshot_get_parent (snapshot)
      ? vb_snapshot_registry_lookup (registry, uuid, vb_snapshot_get_parent (snapshot))
      : NULL;

  for (guint i = 0; i < children->len; i++)
    {
      vb_snapshot_set_parent (children->pdata[i], vb_snapshot_get_parent (snapshot));
      vb_snapshot_writes_save (op->host, op->writes, children->pdata[i]);
    }
  if (vb_snapshot_get_current (snapshot))
    {
      vb_snapshot_registry_set_current (registry, uuid, parent);
      if (parent)
        vb_snapshot_writes_save (op->host, op->writes, parent);
    }
  vb_snapshot_registry_remove (registry, snapshot);
  vb_snapshot_writes_remove (op->host, op->writes, snapshot);
  vb_log_info (vb_resource_get_log_name (VB_RESOURCE (op->domain)), "snapshot '%s' deleted",
               vb_snapshot_get_name (snapshot));
}

static void
data_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  VbSnapshot *snapshot = op->doomed->pdata[op->next];
  GError *error = NULL;

  if (!op->driver->snapshot_delete_finish (op->domain, result, &error))
    {
      /* What went before stays deleted: its metadata is written, then the error told. */
      vb_snapshot_writes_fail (op->writes, error);
      vb_snapshot_writes_close (g_steal_pointer (&op->writes));
      return;
    }
  drop_metadata (op, snapshot);
  op->next++;
  delete_next (task);
}

static void
delete_next (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  while (op->next < op->doomed->len)
    {
      VbSnapshot *snapshot = op->doomed->pdata[op->next];

      if (!(op->flags & VB_SNAPSHOT_DELETE_METADATA_ONLY))
        {
          op->driver->snapshot_delete_async (op->host, op->domain, vb_snapshot_get_def (snapshot),
                                             data_deleted, task);
          return;
        }
      drop_metadata (op, snapshot);
      op->next++;
    }
  vb_snapshot_writes_close (g_steal_pointer (&op->writes));
}

static void
collect_descendants (VbSnapshotRegistry *registry, VbSnapshot *snapshot, GPtrArray *into)
{
  g_autoptr (GPtrArray) children = vb_snapshot_registry_children (registry, snapshot);

  for (guint i = 0; i < children->len; i++)
    {
      g_ptr_array_add (into, g_object_ref (children->pdata[i]));
      collect_descendants (registry, children->pdata[i], into);
    }
}

static int
newest_first (gconstpointer a, gconstpointer b)
{
  const VbSnapshotDef *x = vb_snapshot_get_def (*(VbSnapshot *const *) a);
  const VbSnapshotDef *y = vb_snapshot_get_def (*(VbSnapshot *const *) b);

  if (x->creation_time != y->creation_time)
    return x->creation_time > y->creation_time ? -1 : 1;
  return -g_strcmp0 (x->name, y->name);
}

static void
delete_locked (GTask *task, VbResource *resource)
{
  Op *op = g_task_get_task_data (task);
  VbSnapshotRegistry *registry = vb_driver_host_get_snapshots (op->host);
  GError *error = NULL;

  op->locked = TRUE;
  if (!vb_snapshot_is_alive (op->snapshot))
    {
      op_fail (task, g_error_new (VB_ERROR, VB_ERROR_NOT_FOUND, "Snapshot '%s' was deleted",
                                  vb_snapshot_get_name (op->snapshot)));
      return;
    }
  op->doomed = g_ptr_array_new_with_free_func (g_object_unref);
  if (op->flags & (VB_SNAPSHOT_DELETE_CHILDREN | VB_SNAPSHOT_DELETE_CHILDREN_ONLY))
    collect_descendants (registry, op->snapshot, op->doomed);
  if (!(op->flags & VB_SNAPSHOT_DELETE_CHILDREN_ONLY))
    g_ptr_array_add (op->doomed, g_object_ref (op->snapshot));
  /* Children before parents, so each goes while its parent still exists. */
  g_ptr_array_sort (op->doomed, newest_first);
  if (!(op->flags & VB_SNAPSHOT_DELETE_METADATA_ONLY))
    {
      if (!check_driver (op, op->driver->snapshot_delete_async, &error))
        {
          op_fail (task, error);
          return;
        }
      for (guint i = 0; i < op->doomed->len; i++)
        {
          const VbSnapshotDef *def = vb_snapshot_get_def (op->doomed->pdata[i]);

          if (vb_snapshot_def_is_external (def))
            {
              op_fail (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                          "Snapshot '%s' is external: deleting its overlay "
                                          "files (merging them) is not supported; delete with "
                                          "METADATA_ONLY (2) and keep the files",
                                          def->name));
              return;
            }
          if (!check_internal_files (op, def, &error))
            {
              op_fail (task, error);
              return;
            }
        }
    }
  op->writes = op_writes (task);
  delete_next (task);
}

void
vb_snapshot_api_delete_async (VbDriverHost *host, VbSnapshot *snapshot, guint flags,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task =
    snapshot_task (host, snapshot, flags, vb_snapshot_api_delete_async, callback, user_data);
  GError *error = NULL;

  if (!task)
    return;
  if (!vb_check_flags (flags,
                       VB_SNAPSHOT_DELETE_CHILDREN | VB_SNAPSHOT_DELETE_METADATA_ONLY
                         | VB_SNAPSHOT_DELETE_CHILDREN_ONLY,
                       &error))
    {
      op_fail (task, error);
      return;
    }
  if ((flags & VB_SNAPSHOT_DELETE_CHILDREN) && (flags & VB_SNAPSHOT_DELETE_CHILDREN_ONLY))
    {
      op_fail (task, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                  "CHILDREN (1) and CHILDREN_ONLY (4) exclude each other"));
      return;
    }
  vb_resource_api_with_lock (VB_RESOURCE (((Op *) g_task_get_task_data (task))->domain),
                             "DeleteSnapshot", task, delete_locked);
}

/* ---- reading ---- */

char *
vb_snapshot_api_get_xml (VbSnapshot *snapshot, guint flags, GError **error)
{
  if (!vb_check_flags (flags, 1 /* SECURE: accepted, shows nothing more */, error))
    return NULL;
  if (!vb_snapshot_is_alive (snapshot))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "Snapshot '%s' no longer exists",
                   vb_snapshot_get_name (snapshot));
      return NULL;
    }
  /* The domain inside keeps its graphics passwords for a revert; no reader
   * sees them (the snapshot has no SECURE of its own). */
  {
    g_autofree char *xml = vb_snapshot_def_format (vb_snapshot_get_def (snapshot), FALSE);
    return vb_domain_xml_without_secrets (xml);
  }
}

static gboolean
in_group (guint flags, guint group, guint bit)
{
  return !(flags & group) || (flags & bit);
}

static gboolean
listed (VbSnapshotRegistry *registry, VbSnapshot *snapshot, guint flags)
{
  const VbSnapshotDef *def = vb_snapshot_get_def (snapshot);
  g_autoptr (GPtrArray) children = vb_snapshot_registry_children (registry, snapshot);
  guint leaves = VB_SNAPSHOT_LIST_LEAVES | VB_SNAPSHOT_LIST_NO_LEAVES;
  guint metadata = VB_SNAPSHOT_LIST_METADATA | VB_SNAPSHOT_LIST_NO_METADATA;
  guint states = VB_SNAPSHOT_LIST_INACTIVE | VB_SNAPSHOT_LIST_ACTIVE | VB_SNAPSHOT_LIST_DISK_ONLY;
  guint locations = VB_SNAPSHOT_LIST_INTERNAL | VB_SNAPSHOT_LIST_EXTERNAL;
  guint state_bit = g_str_equal (def->state, "shutoff")         ? VB_SNAPSHOT_LIST_INACTIVE
                    : g_str_equal (def->state, "disk-snapshot") ? VB_SNAPSHOT_LIST_DISK_ONLY
                                                                : VB_SNAPSHOT_LIST_ACTIVE;

  if ((flags & VB_SNAPSHOT_LIST_ROOTS) && def->parent)
    return FALSE;
  return in_group (flags, leaves,
                   children->len ? VB_SNAPSHOT_LIST_NO_LEAVES : VB_SNAPSHOT_LIST_LEAVES)
         && in_group (flags, metadata, VB_SNAPSHOT_LIST_METADATA)
         && in_group (flags, states, state_bit)
         && in_group (flags, locations,
                      vb_snapshot_def_is_external (def) ? VB_SNAPSHOT_LIST_EXTERNAL
                                                        : VB_SNAPSHOT_LIST_INTERNAL);
}

GPtrArray *
vb_snapshot_api_list (VbDriverHost *host, VbDomain *domain, guint flags, GError **error)
{
  VbSnapshotRegistry *registry = vb_driver_host_get_snapshots (host);
  GPtrArray *all;

  if (!vb_check_flags (flags, (VB_SNAPSHOT_LIST_TOPOLOGICAL << 1) - 1, error))
    return NULL;
  all = vb_snapshot_registry_list (registry, vb_resource_get_uuid (VB_RESOURCE (domain)));
  for (guint i = all->len; i > 0; i--)
    if (!listed (registry, all->pdata[i - 1], flags))
      g_ptr_array_remove_index (all, i - 1);
  return all;
}

VbSnapshot *
vb_snapshot_api_lookup (VbDriverHost *host, VbDomain *domain, const char *name, GError **error)
{
  VbSnapshot *snapshot =
    vb_snapshot_registry_lookup (vb_driver_host_get_snapshots (host),
                                 vb_resource_get_uuid (VB_RESOURCE (domain)), name);

  if (!snapshot)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "Domain '%s' has no snapshot named '%s'",
                   domain_name (domain), name);
      return NULL;
    }
  return g_object_ref (snapshot);
}

gboolean
vb_snapshot_api_check_undefine (VbDriverHost *host, VbDomain *domain, guint flags, GError **error)
{
  guint count = vb_snapshot_registry_count (vb_driver_host_get_snapshots (host),
                                            vb_resource_get_uuid (VB_RESOURCE (domain)));

  if (count == 0 || (flags & VB_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
               "Domain '%s' has %u snapshot%s: undefine it with SNAPSHOTS_METADATA (2) to drop "
               "their metadata too (the images keep their data)",
               domain_name (domain), count, count == 1 ? "" : "s");
  return FALSE;
}
