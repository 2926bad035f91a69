#include "host-files.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "domain-host-paths.h"
#include "pool.h"

/* realpath() of the longest existing part of @path, and the rest of it
 * appended as written: the rest does not exist, so nothing in it can be a
 * symlink yet. */
char *
vb_host_file_resolve (const char *path)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *parent = NULL;
  char *resolved;
  struct stat st;

  if (!path || !g_path_is_absolute (path))
    return NULL;
  resolved = realpath (path, NULL);
  if (resolved)
    {
      char *copy = g_strdup (resolved);

      free (resolved);
      return copy;
    }
  if (errno != ENOENT)
    return NULL;
  /* A dangling symlink: where it leads may be made later. */
  if (lstat (path, &st) == 0)
    return NULL;
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  if (g_str_equal (base, "..") || g_str_equal (base, ".") || g_str_equal (dir, path))
    return NULL;
  parent = vb_host_file_resolve (dir);
  if (!parent)
    return NULL;
  return g_build_filename (parent, base, NULL);
}

gboolean
vb_host_file_inside (const char *resolved, const char *const *roots)
{
  if (!resolved)
    return FALSE;
  for (guint i = 0; roots && roots[i]; i++)
    {
      gsize length = strlen (roots[i]);

      if (g_str_equal (roots[i], "/"))
        {
          if (resolved[0] == '/' && resolved[1] != '\0')
            return TRUE;
        }
      else if (strncmp (resolved, roots[i], length) == 0 && resolved[length] == '/'
               && resolved[length + 1] != '\0')
        return TRUE;
    }
  return FALSE;
}

static gboolean
below_any (const char *resolved, const char *const *dirs)
{
  return vb_host_file_inside (resolved, dirs);
}

/* The few host paths that give a guest nothing of the host's. */
static gboolean
harmless (const VbHostPath *path, const char *resolved)
{
  static const char *const entropy[] = { "/dev/urandom", "/dev/random", "/dev/hwrng", NULL };
  static const char *const firmware[] = { "/usr/share/OVMF", "/usr/share/qemu", "/usr/share/edk2",
                                          "/usr/share/seabios", NULL };
  static const char *const bin[] = { "/usr/bin", "/usr/libexec", "/usr/local/bin", NULL };

  if (!resolved)
    return FALSE;
  switch (path->role)
    {
    case VB_HOST_PATH_ENTROPY:
      return g_strv_contains (entropy, resolved);
    case VB_HOST_PATH_FIRMWARE:
      return below_any (resolved, firmware);
    case VB_HOST_PATH_EMULATOR:
      {
        g_autofree char *dir = g_path_get_dirname (resolved);
        g_autofree char *base = g_path_get_basename (resolved);

        return g_strv_contains (bin, dir)
               && (g_str_has_prefix (base, "qemu-system-") || g_str_equal (base, "qemu-kvm"));
      }
    case VB_HOST_PATH_FILE:
    default:
      return FALSE;
    }
}

typedef struct {
  GPtrArray *paths; /* of VbHostPath */
  GStrv roots;      /* the active pools' target directories, as defined */
} Check;

static void
check_free (Check *check)
{
  g_clear_pointer (&check->paths, g_ptr_array_unref);
  g_strfreev (check->roots);
  g_free (check);
}

static void
check_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Check *check = task_data;
  g_autoptr (GStrvBuilder) roots = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) outside = g_strv_builder_new ();
  g_auto (GStrv) resolved_roots = NULL;

  for (guint i = 0; check->roots[i]; i++)
    {
      g_autofree char *root = vb_host_file_resolve (check->roots[i]);

      if (root)
        g_strv_builder_add (roots, root);
    }
  resolved_roots = g_strv_builder_end (roots);
  for (guint i = 0; i < check->paths->len; i++)
    {
      const VbHostPath *path = check->paths->pdata[i];
      g_autofree char *resolved = vb_host_file_resolve (path->path);

      if (!harmless (path, resolved)
          && !vb_host_file_inside (resolved, (const char *const *) resolved_roots))
        g_strv_builder_add (outside, path->path);
    }
  g_task_return_pointer (task, g_strv_builder_end (outside), (GDestroyNotify) g_strfreev);
}

/* Takes @paths; completes @task (its own) with the GStrv of those outside. */
static void
check_paths (VbDriverHost *host, GTask *task, GPtrArray *paths)
{
  g_autoptr (GPtrArray) pools = NULL;
  g_autoptr (GStrvBuilder) roots = g_strv_builder_new ();
  Check *check = g_new0 (Check, 1);

  check->paths = paths;
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  /* Taken here, in the main thread that owns the inventory. */
  pools = vb_inventory_list (vb_driver_host_get_inventory (host), VB_TYPE_POOL);
  for (guint i = 0; i < pools->len; i++)
    {
      VbPool *pool = pools->pdata[i];
      const VbPoolDef *def = vb_pool_get_def (pool);

      if (vb_pool_get_active (pool) && def->target_path && *def->target_path)
        g_strv_builder_add (roots, def->target_path);
    }
  check->roots = g_strv_builder_end (roots);
  if (check->paths->len == 0)
    {
      g_task_return_pointer (task, g_new0 (char *, 1), (GDestroyNotify) g_strfreev);
      return;
    }
  g_task_run_in_thread (task, check_in_thread);
}

void
vb_host_files_outside_pools_async (VbDriverHost *host, const char *xml,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  GError *error = NULL;
  GPtrArray *paths;

  g_task_set_source_tag (task, vb_host_files_outside_pools_async);
  paths = vb_domain_host_paths (xml, &error);
  if (!paths)
    {
      g_task_return_error (task, error);
      return;
    }
  check_paths (host, task, paths);
}

GStrv
vb_host_files_outside_pools_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_host_files_outside_pools_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
vb_host_file_outside_pools_async (VbDriverHost *host, const char *path,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  GPtrArray *paths = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_host_path_free);
  VbHostPath *one = g_new0 (VbHostPath, 1);

  g_task_set_source_tag (task, vb_host_file_outside_pools_async);
  one->path = g_strdup (path);
  one->role = VB_HOST_PATH_FILE;
  g_ptr_array_add (paths, one);
  check_paths (host, task, paths);
}

GStrv
vb_host_file_outside_pools_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_host_file_outside_pools_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
