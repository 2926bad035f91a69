/* Pools of type 'dir': a directory on the host whose regular files are the
 * volumes. The pool keeps an O_PATH fd of the directory while active; every
 * file operation is relative to it (see dir-storage.h). The volumes are the
 * files themselves, so start and refresh rebuild them after a restart. */
#define _GNU_SOURCE
#include "storage-driver.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dir-storage.h"
#include "vb-error.h"
#include "vb-log.h"
#include "vb-process.h"
#include "xml-schema.h"

/* A volume's name is a file name: NAME_MAX. */
#define DIR_NAME_MAX 255
#define STATE_KEY "vb-dir-pool-state"

/* What the driver keeps per pool: the directory fd while active, and the
 * volumes with a transfer running (by name). */
typedef struct {
  int dirfd;
  GHashTable *busy;
} PoolState;

static void
pool_state_free (PoolState *state)
{
  if (state->dirfd >= 0)
    close (state->dirfd);
  g_hash_table_unref (state->busy);
  g_free (state);
}

static PoolState *
pool_state (VbPool *pool)
{
  PoolState *state = g_object_get_data (G_OBJECT (pool), STATE_KEY);

  if (!state)
    {
      state = g_new0 (PoolState, 1);
      state->dirfd = -1;
      state->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_object_set_data_full (G_OBJECT (pool), STATE_KEY, state,
                              (GDestroyNotify) pool_state_free);
    }
  return state;
}

gboolean
vb_dir_check_name (const char *name, GError **error)
{
  g_autofree char *problem = vb_xml_name_problem (name, DIR_NAME_MAX);

  if (!problem)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "Invalid volume name '%s': %s",
               name ? name : "", problem);
  return FALSE;
}

int
vb_dir_pool_dup_fd (VbPool *pool, GError **error)
{
  PoolState *state = pool_state (pool);
  int fd;

  if (state->dirfd < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Storage pool '%s' is not active",
                   vb_resource_get_name (VB_RESOURCE (pool)));
      return -1;
    }
  fd = fcntl (state->dirfd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    vb_dir_set_errno (error, errno, "Cannot duplicate the directory fd of pool",
                      vb_resource_get_name (VB_RESOURCE (pool)));
  return fd;
}

char *
vb_dir_volume_path (VbPool *pool, const char *name)
{
  return g_build_filename (vb_pool_get_def (pool)->target_path, name, NULL);
}

VbVolume *
vb_dir_volume_new (VbPool *pool, VbVolumeDef *def)
{
  g_autofree char *path = vb_dir_volume_path (pool, def->name);

  return vb_volume_new (def, path, path);
}

gboolean
vb_dir_volume_check_idle (VbPool *pool, VbVolume *volume, GError **error)
{
  const char *name = vb_volume_get_name (volume);

  if (!g_hash_table_contains (pool_state (pool)->busy, name))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_BUSY,
               "Volume '%s' is busy: an upload or download of it runs", name);
  return FALSE;
}

void
vb_dir_volume_set_busy (VbPool *pool, VbVolume *volume, gboolean busy)
{
  PoolState *state = pool_state (pool);

  if (busy)
    g_hash_table_add (state->busy, g_strdup (vb_volume_get_name (volume)));
  else
    g_hash_table_remove (state->busy, vb_volume_get_name (volume));
}

void
vb_dir_set_errno (GError **error, int errsv, const char *what, const char *name)
{
  int code = VB_ERROR_FAILED;

  if (errsv == ENOENT)
    code = VB_ERROR_NOT_FOUND;
  else if (errsv == EEXIST || errsv == ENOTEMPTY || errsv == ELOOP || errsv == EISDIR)
    code = VB_ERROR_OPERATION_INVALID;
  else if (errsv == EINVAL || errsv == EFBIG)
    code = VB_ERROR_INVALID_ARGUMENT;
  g_set_error (error, VB_ERROR, code, "%s '%s': %s", what, name, g_strerror (errsv));
}

/* ---- qemu-img, sizes ---- */

void
vb_dir_probe_clear (VbDirProbe *probe)
{
  g_clear_pointer (&probe->format, g_free);
}

char *
vb_dir_qemu_img (const char *const *args, const int *fds, guint n_fds, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, g_strdup (VB_QEMU_IMG_BINARY));
  for (const char *const *arg = args; *arg; arg++)
    {
      if ((*arg)[0] == '@' && g_ascii_isdigit ((*arg)[1]))
        g_ptr_array_add (argv, g_strdup_printf ("/dev/fd/%d", 3 + atoi (*arg + 1)));
      else
        g_ptr_array_add (argv, g_strdup (*arg));
    }
  g_ptr_array_add (argv, NULL);
  for (guint i = 0; i < n_fds; i++)
    {
      int copy = fcntl (fds[i], F_DUPFD_CLOEXEC, 3);

      if (copy < 0)
        {
          vb_dir_set_errno (error, errno, "Cannot pass to qemu-img", "fd");
          return NULL;
        }
      g_subprocess_launcher_take_fd (launcher, copy, 3 + (int) i);
    }
  g_subprocess_launcher_set_child_setup (launcher, vb_die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, error);
  if (!process || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, error))
    return NULL;
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "qemu-img %s failed: %s", args[0],
                   err ? g_strstrip (err) : "no message");
      return NULL;
    }
  return g_steal_pointer (&out);
}

gboolean
vb_dir_probe (int fd, const char *format, VbDirProbe *probe, GError **error)
{
  const char *args[] = { "info", "--output=json", "-U", "-f", format, "@0", NULL };
  const char *probing[] = { "info", "--output=json", "-U", "@0", NULL };
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  JsonObject *info = NULL;
  struct stat st;

  if (fstat (fd, &st) < 0)
    {
      vb_dir_set_errno (error, errno, "Cannot stat", "volume");
      return FALSE;
    }
  out = vb_dir_qemu_img (format ? args : probing, &fd, 1, &local);
  if (out && json_parser_load_from_data (parser, out, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    info = json_node_get_object (json_parser_get_root (parser));
  g_free (probe->format);
  if (info && json_object_has_member (info, "format"))
    {
      probe->format = g_strdup (json_object_get_string_member (info, "format"));
      probe->capacity = (guint64) json_object_get_int_member_with_default (info, "virtual-size",
                                                                           st.st_size);
    }
  else if (format && g_strcmp0 (format, "raw") != 0)
    {
      probe->format = NULL;
      g_propagate_error (error, g_steal_pointer (&local));
      if (error && !*error)
        g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "qemu-img info gave no format");
      return FALSE;
    }
  else
    {
      /* Not an image qemu-img knows (or it is missing): plain bytes. */
      probe->format = g_strdup ("raw");
      probe->capacity = (guint64) st.st_size;
    }
  probe->allocation = (guint64) st.st_blocks * 512;
  return TRUE;
}

void
vb_dir_sizes (int dirfd, VbDirSizes *sizes)
{
  struct statvfs vfs;

  memset (sizes, 0, sizeof *sizes);
  if (fstatvfs (dirfd, &vfs) < 0)
    return;
  sizes->capacity = (guint64) vfs.f_blocks * vfs.f_frsize;
  sizes->allocation = (guint64) (vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
  sizes->available = (guint64) vfs.f_bavail * vfs.f_frsize;
}

void
vb_dir_pool_apply_sizes (VbPool *pool, const VbDirSizes *sizes)
{
  if (vb_pool_get_active (pool) && sizes->capacity)
    vb_pool_set_sizes (pool, sizes->capacity, sizes->allocation, sizes->available);
}

/* ---- start, stop, refresh ---- */

typedef struct {
  char *name;
  VbDirProbe probe;
} ScanEntry;

static void
scan_entry_free (ScanEntry *entry)
{
  g_free (entry->name);
  vb_dir_probe_clear (&entry->probe);
  g_free (entry);
}

typedef struct {
  char *path;
  int dirfd;         /* -1 on start: opened by the scan */
  GPtrArray *entries; /* ScanEntry */
  VbDirSizes sizes;
} Scan;

static void
scan_free (Scan *scan)
{
  g_free (scan->path);
  if (scan->dirfd >= 0)
    close (scan->dirfd);
  g_ptr_array_unref (scan->entries);
  g_free (scan);
}

/* Runs in a worker thread: lists the regular files with acceptable names. */
static void
scan_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Scan *scan = task_data;
  DIR *dir;
  struct dirent *ent;
  int listfd;

  if (scan->dirfd < 0)
    {
      scan->dirfd = open (scan->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (scan->dirfd < 0)
        {
          int errsv = errno;
          g_task_return_new_error (task, VB_ERROR,
                                   errsv == ENOENT || errsv == ENOTDIR ? VB_ERROR_OPERATION_INVALID
                                                                       : VB_ERROR_FAILED,
                                   "Cannot open the pool directory %s: %s%s", scan->path,
                                   g_strerror (errsv),
                                   errsv == ENOENT ? " (Build the pool first)" : "");
          return;
        }
    }
  listfd = openat (scan->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  dir = listfd >= 0 ? fdopendir (listfd) : NULL;
  if (!dir)
    {
      int errsv = errno;
      if (listfd >= 0)
        close (listfd);
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "Cannot list %s: %s", scan->path,
                               g_strerror (errsv));
      return;
    }
  while ((ent = readdir (dir)))
    {
      g_autofree char *problem = vb_xml_name_problem (ent->d_name, DIR_NAME_MAX);
      ScanEntry *entry;
      struct stat st;
      int fd;

      if (problem || fstatat (scan->dirfd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
          || !S_ISREG (st.st_mode))
        continue;
      fd = openat (scan->dirfd, ent->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0)
        continue;
      entry = g_new0 (ScanEntry, 1);
      entry->name = g_strdup (ent->d_name);
      if (!vb_dir_probe (fd, NULL, &entry->probe, NULL))
        {
          entry->probe.format = g_strdup ("raw");
          entry->probe.capacity = (guint64) st.st_size;
          entry->probe.allocation = (guint64) st.st_blocks * 512;
        }
      close (fd);
      g_ptr_array_add (scan->entries, entry);
    }
  closedir (dir);
  vb_dir_sizes (scan->dirfd, &scan->sizes);
  g_task_return_boolean (task, TRUE);
}

static void
run_scan (VbPool *pool, int dirfd, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) scanner = g_task_new (pool, NULL, callback, user_data);
  Scan *scan = g_new0 (Scan, 1);

  scan->path = g_strdup (vb_pool_get_def (pool)->target_path);
  scan->dirfd = dirfd;
  scan->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) scan_entry_free);
  g_task_set_task_data (scanner, scan, (GDestroyNotify) scan_free);
  g_task_run_in_thread (scanner, scan_thread);
}

static VbVolumeDef *
def_for_entry (ScanEntry *entry)
{
  VbVolumeDef *def = g_new0 (VbVolumeDef, 1);

  def->name = g_strdup (entry->name);
  def->format = g_strdup (entry->probe.format);
  def->capacity = entry->probe.capacity;
  def->allocation = entry->probe.allocation;
  return def;
}

/* Makes the pool's volumes what the directory holds. */
static void
reconcile (VbPool *pool, Scan *scan)
{
  g_autoptr (GPtrArray) known = vb_pool_list_volumes (pool);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < scan->entries->len; i++)
    {
      ScanEntry *entry = scan->entries->pdata[i];
      VbVolume *existing = vb_pool_lookup_volume (pool, entry->name);

      g_hash_table_add (seen, entry->name);
      if (existing && g_strcmp0 (vb_volume_get_format (existing), entry->probe.format) == 0)
        vb_volume_set_sizes (existing, entry->probe.capacity, entry->probe.allocation);
      else
        {
          g_autoptr (VbVolume) volume = vb_dir_volume_new (pool, def_for_entry (entry));

          if (existing)
            vb_pool_remove_volume (pool, existing);
          vb_pool_add_volume (pool, volume);
        }
    }
  for (guint i = 0; i < known->len; i++)
    if (!g_hash_table_contains (seen, vb_volume_get_name (known->pdata[i])))
      vb_pool_remove_volume (pool, known->pdata[i]);
}

static void
scanned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  VbPool *pool = g_task_get_source_object (task);
  Scan *scan = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!vb_pool_get_active (pool))
    {
      PoolState *state = pool_state (pool);

      if (state->dirfd >= 0)
        close (state->dirfd);
      state->dirfd = g_steal_fd (&scan->dirfd);
      vb_pool_set_active (pool, TRUE);
    }
  reconcile (pool, scan);
  vb_dir_pool_apply_sizes (pool, &scan->sizes);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
op_async (VbDriverHost *host, VbPool *pool, VbPoolOp op, guint flags, GCancellable *cancellable,
          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (pool, cancellable, callback, user_data);
  PoolState *state = pool_state (pool);
  GError *error = NULL;
  int dirfd;

  switch (op)
    {
    case VB_POOL_OP_START:
      run_scan (pool, -1, scanned, task);
      return;
    case VB_POOL_OP_REFRESH:
      dirfd = vb_dir_pool_dup_fd (pool, &error);
      if (dirfd < 0)
        break;
      run_scan (pool, dirfd, scanned, task);
      return;
    case VB_POOL_OP_STOP:
      vb_pool_remove_all_volumes (pool);
      if (state->dirfd >= 0)
        close (state->dirfd);
      state->dirfd = -1;
      vb_pool_set_active (pool, FALSE);
      break;
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
op_finish (VbPool *pool, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- build, delete ---- */

static void
build_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *path = task_data;
  struct stat st;

  if (g_mkdir_with_parents (path, 0755) < 0 || stat (path, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      int errsv = errno;
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "Cannot create directory %s: %s",
                               path, g_strerror (errsv ? errsv : ENOTDIR));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
delete_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *path = task_data;

  /* rmdir only: a pool's data goes volume by volume, never with the pool. */
  if (rmdir (path) < 0 && errno != ENOENT)
    {
      int errsv = errno;
      g_task_return_new_error (task, VB_ERROR,
                               errsv == ENOTEMPTY || errsv == EEXIST ? VB_ERROR_OPERATION_INVALID
                                                                     : VB_ERROR_FAILED,
                               "Cannot remove directory %s: %s%s", path, g_strerror (errsv),
                               errsv == ENOTEMPTY ? " (delete its volumes first)" : "");
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
run_on_dir (VbPool *pool, guint flags, GTaskThreadFunc func, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (pool, cancellable, callback, user_data);

  g_task_set_task_data (task, g_strdup (vb_pool_get_def (pool)->target_path), g_free);
  g_task_run_in_thread (task, func);
}

static void
build_async (VbDriverHost *host, VbPool *pool, guint flags, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data)
{
  run_on_dir (pool, flags, build_thread, cancellable, callback, user_data);
}

static void
delete_async (VbDriverHost *host, VbPool *pool, guint flags, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  run_on_dir (pool, flags, delete_thread, cancellable, callback, user_data);
}

static gboolean
task_finish (VbPool *pool, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
handles_type (const char *type)
{
  return g_strcmp0 (type, "dir") == 0;
}

static gboolean
validate (VbDriverHost *host, const VbPoolDef *def, GError **error)
{
  if (def->target_path && !g_str_equal (def->target_path, "/"))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "A dir pool needs its own directory in <target><path>, not '/'");
  return FALSE;
}

const VbStorageDriver vb_dir_storage_driver = {
  .name = "dir",
  .handles_type = handles_type,
  .validate = validate,
  .op_async = op_async,
  .op_finish = op_finish,
  .create_volume_async = vb_dir_create_volume_async,
  .create_volume_finish = vb_dir_create_volume_finish,
  .delete_volume_async = vb_dir_delete_volume_async,
  .delete_volume_finish = vb_dir_delete_volume_finish,
  .build_async = build_async,
  .build_finish = task_finish,
  .delete_async = delete_async,
  .delete_finish = task_finish,
  .clone_volume_async = vb_dir_clone_volume_async,
  .clone_volume_finish = vb_dir_create_volume_finish,
  .resize_volume_async = vb_dir_resize_volume_async,
  .resize_volume_finish = vb_dir_volume_op_finish,
  .wipe_volume_async = vb_dir_wipe_volume_async,
  .wipe_volume_finish = vb_dir_volume_op_finish,
  .transfer_volume = vb_dir_transfer_volume,
};
