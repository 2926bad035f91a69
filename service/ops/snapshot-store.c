/* The snapshot metadata on disk: STATE_DIR/snapshots/<domain uuid>/<escaped
 * name>.xml, loaded into the host's registry once at start-up
 * (vb_snapshot_store_load) and kept in step with the inventory from then on:
 * a domain defined later brings its metadata, one that leaves takes it along. */
#include "snapshot-store.h"

#include <glib/gstdio.h>

#include "vb-log.h"

static char *
store_kind (const char *domain_uuid)
{
  return g_strdup_printf ("snapshots/%s", domain_uuid);
}

static char *
store_id (const char *name)
{
  return g_dbus_escape_object_path (name);
}

struct _VbSnapshotWrites {
  GTask *task;
  guint pending;
  GError *error;
};

/* Drops one pending write (or the hold); completes the task after the last. */
static void
writes_unhold (VbSnapshotWrites *writes)
{
  if (--writes->pending > 0)
    return;
  if (writes->error)
    g_task_return_error (writes->task, writes->error);
  else
    g_task_return_boolean (writes->task, TRUE);
  g_object_unref (writes->task);
  g_free (writes);
}

void
vb_snapshot_writes_fail (VbSnapshotWrites *writes, GError *error)
{
  if (!writes->error)
    writes->error = error;
  else
    g_error_free (error);
}

static void
write_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbSnapshotWrites *writes = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      vb_log_warning (NULL, "snapshot metadata: %s", error->message);
      vb_snapshot_writes_fail (writes, error);
    }
  writes_unhold (writes);
}

VbSnapshotWrites *
vb_snapshot_writes_new (GTask *task)
{
  VbSnapshotWrites *writes = g_new0 (VbSnapshotWrites, 1);

  writes->task = task;
  writes->pending = 1; /* held until writes_close() */
  return writes;
}

void
vb_snapshot_writes_save (VbDriverHost *host, VbSnapshotWrites *writes, VbSnapshot *snapshot)
{
  g_autofree char *kind = store_kind (vb_snapshot_get_domain_uuid (snapshot));
  g_autofree char *id = store_id (vb_snapshot_get_name (snapshot));
  g_autofree char *xml = vb_snapshot_def_format (vb_snapshot_get_def (snapshot), TRUE);

  writes->pending++;
  vb_config_store_save_async (vb_driver_host_get_store (host), kind, id, xml, write_done, writes);
}

void
vb_snapshot_writes_remove (VbDriverHost *host, VbSnapshotWrites *writes, VbSnapshot *snapshot)
{
  g_autofree char *kind = store_kind (vb_snapshot_get_domain_uuid (snapshot));
  g_autofree char *id = store_id (vb_snapshot_get_name (snapshot));

  writes->pending++;
  vb_config_store_remove_async (vb_driver_host_get_store (host), kind, id, write_done, writes);
}

void
vb_snapshot_writes_domain (VbDriverHost *host, VbSnapshotWrites *writes, VbDomain *domain)
{
  writes->pending++;
  vb_config_store_save_async (vb_driver_host_get_store (host), "domains",
                              vb_resource_get_uuid (VB_RESOURCE (domain)),
                              vb_domain_get_def (domain)->xml, write_done, writes);
}

/* Nothing more will be queued: completes the task when all are written. */
void
vb_snapshot_writes_close (VbSnapshotWrites *writes)
{
  writes_unhold (writes);
}

/* The store removes files, not their directories: at start-up, the
 * directories of domains that have no snapshot left (or are gone) go, when
 * empty. */
static void
remove_empty_dirs (VbConfigStore *store, const char *uuid)
{
  g_autofree char *kind = store_kind (uuid);
  g_autofree char *dir = g_build_filename (vb_config_store_get_dir (store), kind, NULL);
  g_autofree char *marks = g_build_filename (dir, "autostart", NULL);

  g_rmdir (marks);
  g_rmdir (dir);
}

static void
remove_orphan_dirs (VbInventory *inventory, VbConfigStore *store)
{
  g_autofree char *top = g_build_filename (vb_config_store_get_dir (store), "snapshots", NULL);
  g_autoptr (GDir) listing = g_dir_open (top, 0, NULL);
  const char *uuid;

  while (listing && (uuid = g_dir_read_name (listing)))
    if (!vb_inventory_lookup_uuid (inventory, VB_TYPE_DOMAIN, uuid))
      remove_empty_dirs (store, uuid);
}

static void
load_domain (VbSnapshotRegistry *registry, VbConfigStore *store, const char *uuid)
{
  g_autofree char *kind = store_kind (uuid);
  g_autofree char *dir = g_build_filename (vb_config_store_get_dir (store), kind, NULL);
  g_autoptr (GPtrArray) configs = NULL;

  /* Loading makes the directories: only for domains that have snapshots. */
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return;
  configs = vb_config_store_load (store, kind);
  if (configs->len == 0)
    {
      remove_empty_dirs (store, uuid);
      return;
    }

  for (guint i = 0; i < configs->len; i++)
    {
      VbStoredConfig *config = configs->pdata[i];
      g_autoptr (GError) error = NULL;
      VbSnapshotDef *def = vb_snapshot_def_parse_stored (config->xml, &error);
      g_autoptr (VbSnapshot) snapshot = NULL;

      if (!def)
        {
          vb_config_store_reject (store, kind, config, error->message);
          continue;
        }
      snapshot = vb_snapshot_new (uuid, def);
      vb_snapshot_registry_add (registry, snapshot);
    }
}

static void
forget_domain (VbDriverHost *host, const char *uuid)
{
  VbSnapshotRegistry *registry = vb_driver_host_get_snapshots (host);
  g_autoptr (GPtrArray) all = vb_snapshot_registry_list (registry, uuid);
  g_autofree char *kind = store_kind (uuid);

  for (guint i = all->len; i > 0; i--)
    {
      g_autofree char *id = store_id (vb_snapshot_get_name (all->pdata[i - 1]));

      vb_snapshot_registry_remove (registry, all->pdata[i - 1]);
      vb_config_store_remove_async (vb_driver_host_get_store (host), kind, id, NULL, NULL);
    }
}

static void
domain_added (VbInventory *inventory, VbResource *resource, gpointer user_data)
{
  VbDriverHost *host = user_data;

  if (VB_IS_DOMAIN (resource))
    load_domain (vb_driver_host_get_snapshots (host), vb_driver_host_get_store (host),
                 vb_resource_get_uuid (resource));
}

static void
domain_removed (VbInventory *inventory, VbResource *resource, gpointer user_data)
{
  if (VB_IS_DOMAIN (resource))
    forget_domain (user_data, vb_resource_get_uuid (resource));
}

void
vb_snapshot_store_load (VbDriverHost *host)
{
  VbInventory *inventory = vb_driver_host_get_inventory (host);
  VbSnapshotRegistry *registry = vb_driver_host_get_snapshots (host);
  g_autoptr (GPtrArray) domains = vb_inventory_list (inventory, VB_TYPE_DOMAIN);
  g_autofree char *top =
    g_build_filename (vb_config_store_get_dir (vb_driver_host_get_store (host)), "snapshots", NULL);
  g_autoptr (GHashTable) with_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GDir) listing = g_dir_open (top, 0, NULL);
  const char *name;

  /* One listing rather than a stat per domain (10,000 at a large start):
   * only the domains named there can have snapshots. */
  while (listing && (name = g_dir_read_name (listing)))
    g_hash_table_add (with_dirs, g_strdup (name));
  for (guint i = 0; i < domains->len; i++)
    if (g_hash_table_contains (with_dirs, vb_resource_get_uuid (domains->pdata[i])))
      load_domain (registry, vb_driver_host_get_store (host),
                   vb_resource_get_uuid (domains->pdata[i]));
  remove_orphan_dirs (inventory, vb_driver_host_get_store (host));
  g_signal_connect (inventory, "added", G_CALLBACK (domain_added), host);
  g_signal_connect (inventory, "removed", G_CALLBACK (domain_removed), host);
}
