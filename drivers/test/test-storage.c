/* Simulated storage: a pool of 100 GiB whose volumes exist only as their
 * definitions, kept in the state directory so they survive a restart. */
#include "test-driver.h"

#include <glib/gstdio.h>

#include "vb-error.h"
#include "vb-files.h"
#include "vb-log.h"

#define TEST_POOL_CAPACITY (G_GUINT64_CONSTANT (100) << 30)

static gboolean
handles_type (const char *type)
{
  return g_strcmp0 (type, "test") == 0;
}

static char *
volumes_dir (VbDriverHost *host, VbPool *pool)
{
  return g_build_filename (vb_driver_host_get_state_dir (host), "test-storage",
                           vb_resource_get_uuid (VB_RESOURCE (pool)), NULL);
}

static char *
volume_path (VbPool *pool, const char *name)
{
  const VbPoolDef *def = vb_pool_get_def (pool);

  if (def->target_path)
    return g_build_filename (def->target_path, name, NULL);
  return g_build_filename ("/virtbus-test", vb_resource_get_name (VB_RESOURCE (pool)), name,
                           NULL);
}

static void
update_sizes (VbPool *pool)
{
  g_autoptr (GPtrArray) volumes = vb_pool_list_volumes (pool);
  guint64 allocation = 0;

  for (guint i = 0; i < volumes->len; i++)
    allocation += vb_volume_get_allocation (volumes->pdata[i]);
  vb_pool_set_sizes (pool, TEST_POOL_CAPACITY, allocation,
                     TEST_POOL_CAPACITY - MIN (allocation, TEST_POOL_CAPACITY));
}

static VbVolume *
new_volume (VbPool *pool, VbVolumeDef *def)
{
  g_autofree char *path = volume_path (pool, def->name);

  return vb_volume_new (def, path, path);
}

/* Runs in a worker thread: reads the stored volume definitions. */
static void
load_volumes (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *dir = task_data;
  GPtrArray *defs = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_volume_def_free);
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *xml = NULL;
      g_autoptr (GError) error = NULL;
      VbVolumeDef *def;

      if (!g_str_has_suffix (entry, ".xml") || !g_file_get_contents (path, &xml, NULL, NULL))
        continue;
      def = vb_volume_def_parse (xml, &error);
      if (!def)
        vb_log_warning (NULL, "Skipping test volume %s: %s", path, error->message);
      else
        g_ptr_array_add (defs, def);
    }
  g_task_return_pointer (task, defs, (GDestroyNotify) g_ptr_array_unref);
}

static void
volumes_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  VbPool *pool = g_task_get_source_object (task);
  g_autoptr (GPtrArray) defs = g_task_propagate_pointer (G_TASK (result), NULL);

  for (guint i = 0; i < defs->len; i++)
    {
      g_autoptr (VbVolume) volume = new_volume (pool, vb_volume_def_copy (defs->pdata[i]));
      vb_pool_add_volume (pool, volume);
    }
  vb_pool_set_active (pool, TRUE);
  update_sizes (pool);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
op_async (VbDriverHost *host, VbPool *pool, VbPoolOp op, guint flags,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (pool, cancellable, callback, user_data);
  g_autoptr (GTask) loader = NULL;

  switch (op)
    {
    case VB_POOL_OP_START:
      loader = g_task_new (pool, cancellable, volumes_loaded, task);
      g_task_set_task_data (loader, volumes_dir (host, pool), g_free);
      g_task_run_in_thread (loader, load_volumes);
      return;
    case VB_POOL_OP_STOP:
      vb_pool_remove_all_volumes (pool);
      vb_pool_set_active (pool, FALSE);
      break;
    case VB_POOL_OP_REFRESH:
      update_sizes (pool);
      break;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
op_finish (VbPool *pool, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  char *dir;
  char *name;
  char *xml; /* NULL: delete */
} VolumeWrite;

static void
volume_write_free (VolumeWrite *write)
{
  g_free (write->dir);
  g_free (write->name);
  g_free (write->xml);
  g_free (write);
}

static void
write_volume (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VolumeWrite *write = task_data;
  g_autofree char *file = g_strconcat (write->name, ".xml", NULL);
  g_autofree char *path = g_build_filename (write->dir, file, NULL);
  GError *error = NULL;

  if (!write->xml)
    {
      g_unlink (path);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_mkdir_with_parents (write->dir, 0700) < 0
      || !vb_write_file_atomic (path, write->xml, strlen (write->xml), 0600, &error))
    {
      if (!error)
        error = g_error_new (VB_ERROR, VB_ERROR_FAILED, "Cannot create %s", write->dir);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
run_volume_write (VbDriverHost *host, VbPool *pool, const char *name, const char *xml,
                  GTask *task)
{
  VolumeWrite *write = g_new0 (VolumeWrite, 1);

  write->dir = volumes_dir (host, pool);
  write->name = g_strdup (name);
  write->xml = g_strdup (xml);
  g_task_set_task_data (task, write, (GDestroyNotify) volume_write_free);
  g_task_run_in_thread (task, write_volume);
}

static void
create_volume_async (VbDriverHost *host, VbPool *pool, VbVolumeDef *def,
                     GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (pool, cancellable, callback, user_data);
  guint64 capacity, allocation, available;
  g_autoptr (VbVolume) volume = NULL;

  vb_pool_get_sizes (pool, &capacity, &allocation, &available);
  if (def->allocation > available)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "Not enough space in pool '%s': %" G_GUINT64_FORMAT
                               " bytes requested, %" G_GUINT64_FORMAT " available",
                               vb_resource_get_name (VB_RESOURCE (pool)), def->allocation,
                               available);
      vb_volume_def_free (def);
      return;
    }
  volume = new_volume (pool, def);
  g_object_set_data_full (G_OBJECT (task), "vb-volume", g_object_ref (volume), g_object_unref);
  run_volume_write (host, pool, def->name, def->xml, g_steal_pointer (&task));
}

static VbVolume *
create_volume_finish (VbPool *pool, GAsyncResult *result, GError **error)
{
  VbVolume *volume = g_object_get_data (G_OBJECT (result), "vb-volume");

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  vb_pool_add_volume (pool, volume);
  update_sizes (pool);
  return g_object_ref (volume);
}

static void
delete_volume_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                     GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  GTask *task = g_task_new (pool, cancellable, callback, user_data);

  g_object_set_data_full (G_OBJECT (task), "vb-volume", g_object_ref (volume), g_object_unref);
  run_volume_write (host, pool, vb_volume_get_name (volume), NULL, task);
}

static gboolean
delete_volume_finish (VbPool *pool, GAsyncResult *result, GError **error)
{
  VbVolume *volume = g_object_get_data (G_OBJECT (result), "vb-volume");

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  vb_pool_remove_volume (pool, volume);
  update_sizes (pool);
  return TRUE;
}

static void
pool_undefined (VbDriverHost *host, VbPool *pool)
{
  g_autofree char *dir = volumes_dir (host, pool);

  /* Small and local: the simulated backend's files, not guest data. */
  vb_remove_flat_dir (dir);
}

const VbStorageDriver vb_test_storage_driver = {
  .name = "test",
  .handles_type = handles_type,
  .op_async = op_async,
  .op_finish = op_finish,
  .create_volume_async = create_volume_async,
  .create_volume_finish = create_volume_finish,
  .delete_volume_async = delete_volume_async,
  .delete_volume_finish = delete_volume_finish,
  .pool_undefined = pool_undefined,
};
