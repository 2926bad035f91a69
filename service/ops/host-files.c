#include "host-files.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "disk-backing.h"
#include "domain-host-paths.h"
#include "pool.h"
#include "image-refs.h"
#include "qcow2-backing.h"
#include "vb-error.h"
#include "xml-schema.h"
#include "volume.h"

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
  GPtrArray *paths;  /* of VbHostPath */
  GStrv roots;       /* the active pools' target directories, as defined */
  char *xml;         /* the definition, when its disks' chains are walked */
  GPtrArray *disks;  /* of VbDiskImage, file set (a volume's resolved) */
  gboolean at_start; /* compare the chains with the recorded ones */
} Check;

typedef struct {
  GStrv outside;
  char *xml; /* with the chains recorded */
} Found;

static void
found_free (Found *found)
{
  g_strfreev (found->outside);
  g_free (found->xml);
  g_free (found);
}

static void
check_free (Check *check)
{
  g_clear_pointer (&check->paths, g_ptr_array_unref);
  g_clear_pointer (&check->disks, g_ptr_array_unref);
  g_strfreev (check->roots);
  g_free (check->xml);
  g_free (check);
}

static gboolean
recorded (const VbDiskImage *disk, const char *resolved)
{
  for (guint i = 0; disk->recorded && disk->recorded[i]; i++)
    {
      g_autofree char *file = vb_host_file_resolve (disk->recorded[i]);

      if (file && resolved && g_str_equal (file, resolved))
        return TRUE;
    }
  return FALSE;
}

/* Walks the chain of each qcow2 disk: its backing files outside the pools
 * join @outside (at define), or, at start, those the definition did not
 * record fail the check. */
static gboolean
walk_chains (Check *check, const char *const *roots, GStrvBuilder *outside, GHashTable *chains,
             GError **error)
{
  for (guint i = 0; check->disks && i < check->disks->len; i++)
    {
      const VbDiskImage *disk = check->disks->pdata[i];
      g_autoptr (GPtrArray) chain = NULL;

      /* raw names no other file; qcow2 has a chain; the other formats the
       * drivers open must name none (vb_image_self_contained()). A format
       * no driver opens is the definition check's to refuse. */
      if (!disk->format || g_str_equal (disk->format, "raw") || !disk->file
          || !(g_str_equal (disk->format, "qcow2")
               || g_strv_contains ((const char *const[]){ VB_IMAGE_OTHER_FORMATS, NULL },
                                   disk->format)))
        continue;
      if (disk->backing_level)
        {
          if (!(g_str_equal (disk->format, "qcow2")
                  ? vb_qcow2_image_check (disk->file, error)
                  : vb_image_self_contained (disk->file, disk->format, error)))
            {
              g_prefix_error (error, "disk '%s': ", disk->target ? disk->target : "?");
              return FALSE;
            }
          continue;
        }
      if (!(chain =
              vb_qcow2_backing_chain_data_file (disk->file, disk->format, disk->data_store, error)))
        {
          g_prefix_error (error, "disk '%s': ", disk->target ? disk->target : "?");
          return FALSE;
        }
      for (guint j = 0; j < chain->len; j++)
        {
          const VbBackingFile *file = chain->pdata[j];
          g_autofree char *resolved = vb_host_file_resolve (file->path);

          if (vb_host_file_inside (resolved, roots))
            continue;
          if (!check->at_start)
            g_strv_builder_add (outside, file->path);
          else if (!recorded (disk, resolved))
            {
              g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                           "disk '%s': its image %s now names the backing file %s, which is "
                           "outside every active storage pool and not in the disk's recorded "
                           "<backingStore>; define the domain again to have it checked",
                           disk->target ? disk->target : "?", disk->file, file->path);
              return FALSE;
            }
        }
      /* Only a chain to write, or a stale record to clear, changes the XML:
       * a definition left as the caller wrote it keeps its line numbers. */
      if (disk->target && (chain->len > 0 || (disk->recorded && disk->recorded[0])))
        g_hash_table_insert (chains, g_strdup (disk->target), g_steal_pointer (&chain));
    }
  return TRUE;
}

static void
check_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Check *check = task_data;
  g_autoptr (GStrvBuilder) roots = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) outside = g_strv_builder_new ();
  g_autoptr (GHashTable) chains =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_auto (GStrv) resolved_roots = NULL;
  Found *found;
  GError *error = NULL;

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
  if (!walk_chains (check, (const char *const *) resolved_roots, outside, chains, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  found = g_new0 (Found, 1);
  found->outside = g_strv_builder_end (outside);
  if (check->xml && g_hash_table_size (chains) > 0)
    found->xml = vb_domain_xml_record_backing (check->xml, chains, NULL);
  if (!found->xml)
    found->xml = g_strdup (check->xml);
  g_task_return_pointer (task, found, (GDestroyNotify) found_free);
}

/* The disks of @doc with the file each reads: a volume disk's from its
 * pool, in the main thread that owns the inventory. */
static GPtrArray *
disk_images (VbDriverHost *host, xmlDoc *doc)
{
  GPtrArray *disks = doc ? vb_domain_disk_images_of_doc (doc) : NULL;
  VbInventory *inventory = vb_driver_host_get_inventory (host);

  for (guint i = 0; disks && i < disks->len; i++)
    {
      VbDiskImage *disk = disks->pdata[i];
      VbResource *pool;
      VbVolume *volume;

      if (disk->file || !disk->pool || !disk->volume)
        continue;
      pool = vb_inventory_lookup_name (inventory, VB_TYPE_POOL, disk->pool);
      if (!pool || !vb_pool_get_active (VB_POOL (pool))
          || !(volume = vb_pool_lookup_volume (VB_POOL (pool), disk->volume)))
        continue; /* the driver refuses it */
      disk->file = g_strdup (vb_volume_get_path (volume));
      if (!disk->format)
        disk->format = g_strdup (vb_volume_get_format (volume));
    }
  return disks;
}

/* Whether walk_chains() has an image to read among @disks (may be NULL). */
static gboolean
reads_a_chain (GPtrArray *disks)
{
  for (guint i = 0; disks && i < disks->len; i++)
    {
      const VbDiskImage *disk = disks->pdata[i];

      if (g_strcmp0 (disk->format, "qcow2") == 0 && disk->file)
        return TRUE;
    }
  return FALSE;
}

/* Takes @paths; completes @task (its own) with a Found. @doc is @xml
 * parsed (both NULL for a single file). */
static void
check_paths (VbDriverHost *host, GTask *task, GPtrArray *paths, const char *xml, xmlDoc *doc,
             gboolean at_start)
{
  g_autoptr (GPtrArray) pools = NULL;
  g_autoptr (GStrvBuilder) roots = g_strv_builder_new ();
  Check *check = g_new0 (Check, 1);

  check->paths = paths;
  check->at_start = at_start;
  if (xml)
    {
      check->xml = g_strdup (xml);
      check->disks = disk_images (host, doc);
    }
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
  /* Nothing to resolve or read (most definitions of the test driver, a
   * guest with raw disks only): no trip to a worker thread, which a Start
   * would wait for. */
  if (paths->len == 0 && !reads_a_chain (check->disks))
    {
      Found *found = g_new0 (Found, 1);

      found->outside = g_new0 (char *, 1);
      found->xml = g_strdup (xml);
      g_task_return_pointer (task, found, (GDestroyNotify) found_free);
      return;
    }
  g_task_run_in_thread (task, check_in_thread);
}

void
vb_host_files_outside_pools_async (VbDriverHost *host, const char *xml, xmlDoc *doc,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  GError *error = NULL;
  g_autoptr (xmlDoc) parsed = NULL;

  g_task_set_source_tag (task, vb_host_files_outside_pools_async);
  /* One parse serves the paths and the disks. */
  if (!doc)
    doc = parsed = vb_xml_parse (xml, NULL, &error);
  if (!doc)
    {
      g_task_return_error (task, error);
      return;
    }
  check_paths (host, task, vb_domain_host_paths_of_doc (doc), xml, doc, FALSE);
}

GStrv
vb_host_files_outside_pools_finish (GAsyncResult *result, char **checked_xml, GError **error)
{
  Found *found;
  GStrv outside;

  g_return_val_if_fail (g_async_result_is_tagged (result, vb_host_files_outside_pools_async), NULL);
  if (!(found = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;
  outside = g_steal_pointer (&found->outside);
  if (checked_xml)
    *checked_xml = g_steal_pointer (&found->xml);
  found_free (found);
  return outside;
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
  check_paths (host, task, paths, NULL, NULL, FALSE);
}

GStrv
vb_host_file_outside_pools_finish (GAsyncResult *result, GError **error)
{
  Found *found;
  GStrv outside;

  g_return_val_if_fail (g_async_result_is_tagged (result, vb_host_file_outside_pools_async), NULL);
  if (!(found = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;
  outside = g_steal_pointer (&found->outside);
  found_free (found);
  return outside;
}

void
vb_host_files_check_chains_async (VbDriverHost *host, const char *xml, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);

  /* A definition that does not parse has no disk to check: its start fails
   * in the driver. */
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, NULL, NULL);

  g_task_set_source_tag (task, vb_host_files_check_chains_async);
  check_paths (host, task, g_ptr_array_new_with_free_func ((GDestroyNotify) vb_host_path_free), xml,
               doc, TRUE);
}

gboolean
vb_host_files_check_chains_finish (GAsyncResult *result, GError **error)
{
  Found *found;

  g_return_val_if_fail (g_async_result_is_tagged (result, vb_host_files_check_chains_async), FALSE);
  if (!(found = g_task_propagate_pointer (G_TASK (result), error)))
    return FALSE;
  found_free (found);
  return TRUE;
}
