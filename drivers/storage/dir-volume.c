/* Volumes of a dir pool: create (raw with ftruncate/fallocate, qcow2 with
 * qemu-img create), clone, delete, resize and wipe. The work runs in worker
 * threads on fds opened relative to the pool's directory; the main thread
 * only applies the outcome to the VbVolume and the pool. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir-storage.h"
#include "vb-error.h"
#include "vb-log.h"
#include "vb-open.h"
#include "vb-user.h"

#define COPY_CHUNK ((gsize) 1 << 20)

typedef struct {
  int dirfd;
  char *name;
  char *format;
  guint64 capacity;
  guint64 allocation; /* raw create: bytes to preallocate */
  gboolean shrink;
  char *source_name;  /* clone */
  char *source_format;
  guint64 source_capacity;
  VbDirProbe probe;   /* the volume afterwards */
  VbDirSizes sizes;
  VbVolumeDef *def;   /* create and clone: the new volume's */
  VbVolume *volume;   /* resize, wipe, delete */
  VbUser *owner;      /* create and clone in system mode: QEMU's user, who gets the file */
} VolumeOp;

static void
volume_op_free (VolumeOp *op)
{
  if (op->dirfd >= 0)
    close (op->dirfd);
  g_free (op->name);
  g_free (op->format);
  g_free (op->source_name);
  g_free (op->source_format);
  g_clear_pointer (&op->owner, vb_user_free);
  vb_dir_probe_clear (&op->probe);
  g_clear_pointer (&op->def, vb_volume_def_free);
  g_clear_object (&op->volume);
  g_free (op);
}

/* A task on @pool with a VolumeOp for @name, or NULL after returning the
 * error (bad name, pool gone) through @task. */
static VolumeOp *
volume_op_new (GTask *task, VbPool *pool, const char *name)
{
  VolumeOp *op = g_new0 (VolumeOp, 1);
  GError *error = NULL;

  op->name = g_strdup (name);
  op->dirfd = -1;
  g_task_set_task_data (task, op, (GDestroyNotify) volume_op_free);
  if (!vb_dir_check_name (name, &error) || (op->dirfd = vb_dir_pool_dup_fd (pool, &error)) < 0)
    {
      g_task_return_error (task, error);
      return NULL;
    }
  return op;
}

/* In system mode QEMU runs as --qemu-user and opens its disks as that user
 * (docs/qemu-driver.md): a new volume is that user's, or no guest could use
 * it. Looked up here, on the main thread, where the settings are read. */
static gboolean
set_owner (VolumeOp *op, VbDriverHost *host, GError **error)
{
  const char *user = vb_driver_host_get_setting (host, "qemu-user");

  if (!vb_driver_host_get_system_mode (host) || !user || !*user)
    return TRUE;
  op->owner = vb_user_lookup (user, error);
  return op->owner != NULL;
}

static int
open_volume (VolumeOp *op, const char *name, int flags, GError **error)
{
  /* A FIFO or device under a volume's name must not block the worker. */
  int fd = vb_open_regular (op->dirfd, name, flags | O_NOFOLLOW, error);

  if (fd < 0)
    g_prefix_error (error, "Volume '%s': ", name);
  return fd;
}

/* Writes (or, where the file system can, deallocates) zeroes over [0, size). */
static gboolean
zero_file (int fd, guint64 size, GError **error)
{
  g_autofree char *zeroes = NULL;

  if (fallocate (fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t) size) == 0)
    return TRUE;
  zeroes = g_malloc0 (COPY_CHUNK);
  for (guint64 done = 0; done < size;)
    {
      ssize_t n = pwrite (fd, zeroes, MIN (COPY_CHUNK, size - done), (off_t) done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          vb_dir_set_errno (error, n < 0 ? errno : EIO, "Cannot zero volume", "data");
          return FALSE;
        }
      done += (guint64) n;
    }
  fdatasync (fd);
  return TRUE;
}

/* Makes @fd (an empty file) an image of op->format and op->capacity. */
static gboolean
make_image (VolumeOp *op, int fd, guint64 preallocate, GError **error)
{
  if (g_str_equal (op->format, "qcow2"))
    {
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, op->capacity);
      const char *args[] = { "create", "-q", "-f", "qcow2", "@0", size, NULL };
      g_autofree char *out = vb_dir_qemu_img (args, &fd, 1, error);

      return out != NULL;
    }
  if (!g_str_equal (op->format, "raw"))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Volume format '%s' is not supported (raw or qcow2)", op->format);
      return FALSE;
    }
  if (ftruncate (fd, (off_t) op->capacity) < 0)
    {
      vb_dir_set_errno (error, errno, "Cannot size volume", op->name);
      return FALSE;
    }
  if (preallocate > 0)
    {
      int err = posix_fallocate (fd, 0, (off_t) preallocate);

      if (err != 0 && err != EOPNOTSUPP && err != EINVAL)
        {
          vb_dir_set_errno (error, err, "Cannot allocate volume", op->name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
copy_bytes (int from, int to, GError **error)
{
  for (;;)
    {
      ssize_t n = copy_file_range (from, NULL, to, NULL, COPY_CHUNK, 0);

      if (n == 0)
        return TRUE;
      if (n > 0)
        continue;
      if (errno == EINTR)
        continue;
      if (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS)
        break;
      vb_dir_set_errno (error, errno, "Cannot copy into volume", "clone");
      return FALSE;
    }
  /* A file system without copy_file_range: plain reads and writes. */
  {
    g_autofree char *buffer = g_malloc (COPY_CHUNK);

    for (;;)
      {
        ssize_t n = read (from, buffer, COPY_CHUNK);

        if (n < 0 && errno == EINTR)
          continue;
        if (n < 0)
          {
            vb_dir_set_errno (error, errno, "Cannot read volume", "source");
            return FALSE;
          }
        if (n == 0)
          return TRUE;
        for (ssize_t off = 0; off < n;)
          {
            ssize_t w = write (to, buffer + off, (size_t) (n - off));

            if (w < 0 && errno == EINTR)
              continue;
            if (w < 0)
              {
                vb_dir_set_errno (error, errno, "Cannot write volume", "clone");
                return FALSE;
              }
            off += w;
          }
      }
  }
}

/* Fills the new image @to with the guest-visible data of the source. The
 * source's backing file, if a hand-placed image names one, is never opened:
 * it may be outside the pool. */
static gboolean
clone_data (VolumeOp *op, int to, GError **error)
{
  g_autofree char *source_json = NULL;
  int fds[2] = { -1, to };
  gboolean ok;

  fds[0] = open_volume (op, op->source_name, O_RDONLY, error);
  if (fds[0] < 0)
    return FALSE;
  if (g_str_equal (op->format, "raw") && g_str_equal (op->source_format, "raw"))
    {
      ok = copy_bytes (fds[0], to, error)
           && (ftruncate (to, (off_t) op->capacity) == 0
               || (vb_dir_set_errno (error, errno, "Cannot size volume", op->name), FALSE));
    }
  else
    {
      const char *args[] = { "convert", "-n", "-q", "-f", op->source_format, "-O", op->format,
                             NULL, "@1", NULL };
      g_autofree char *out = NULL;

      source_json = g_strdup_printf (
        "json:{\"driver\":\"%s\",%s\"file\":{\"driver\":\"file\",\"filename\":\"/dev/fd/3\"}}",
        op->source_format, g_str_equal (op->source_format, "qcow2") ? "\"backing\":null," : "");
      args[7] = source_json;
      ok = make_image (op, to, 0, error) && (out = vb_dir_qemu_img (args, fds, 2, error));
    }
  close (fds[0]);
  return ok;
}

static void
create_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VolumeOp *op = task_data;
  GError *error = NULL;
  int fd = openat (op->dirfd, op->name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  gboolean ok;

  if (fd < 0)
    {
      if (errno == EEXIST)
        g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                                 "A file named '%s' already exists in the pool's directory "
                                 "(Refresh the pool to see it as a volume)",
                                 op->name);
      else
        {
          vb_dir_set_errno (&error, errno, "Cannot create volume", op->name);
          g_task_return_error (task, error);
        }
      return;
    }
  if (op->owner && fchown (fd, op->owner->uid, op->owner->gid) < 0)
    ok = (vb_dir_set_errno (&error, errno, "Cannot give QEMU's user the volume", op->name), FALSE);
  else if (op->source_name)
    ok = clone_data (op, fd, &error);
  else
    ok = make_image (op, fd, op->allocation, &error);
  ok = ok && vb_dir_probe (fd, op->format, &op->probe, &error);
  close (fd);
  if (!ok)
    {
      unlinkat (op->dirfd, op->name, 0);
      g_task_return_error (task, error);
      return;
    }
  vb_dir_sizes (op->dirfd, &op->sizes);
  g_task_return_boolean (task, TRUE);
}

void
vb_dir_create_volume_async (VbDriverHost *host, VbPool *pool, VbVolumeDef *def,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (pool, cancellable, callback, user_data);
  VolumeOp *op = volume_op_new (task, pool, def->name);
  GError *error = NULL;

  if (!op)
    {
      vb_volume_def_free (def);
      return;
    }
  op->def = def;
  op->format = g_strdup (def->format);
  op->capacity = def->capacity;
  op->allocation = def->allocation;
  if (!set_owner (op, host, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, create_thread);
}

VbVolume *
vb_dir_create_volume_finish (VbPool *pool, GAsyncResult *result, GError **error)
{
  VolumeOp *op = g_task_get_task_data (G_TASK (result));
  VbVolume *volume;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  op->def->capacity = op->probe.capacity;
  op->def->allocation = op->probe.allocation;
  volume = vb_dir_volume_new (pool, g_steal_pointer (&op->def));
  vb_pool_add_volume (pool, volume);
  vb_dir_pool_apply_sizes (pool, &op->sizes);
  return volume;
}

void
vb_dir_clone_volume_async (VbDriverHost *host, VbPool *pool, VbVolumeDef *def, VbVolume *source,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (pool, cancellable, callback, user_data);
  VolumeOp *op = volume_op_new (task, pool, def->name);
  GError *error = NULL;

  if (!op)
    {
      vb_volume_def_free (def);
      return;
    }
  op->def = def;
  if (!vb_dir_check_name (vb_volume_get_name (source), &error)
      || !vb_dir_volume_check_idle (pool, source, &error) || !set_owner (op, host, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  op->format = g_strdup (def->format);
  op->source_name = g_strdup (vb_volume_get_name (source));
  op->source_format = g_strdup (vb_volume_get_format (source));
  op->capacity = MAX (def->capacity, vb_volume_get_capacity (source));
  if (!g_str_equal (op->source_format, "raw") && !g_str_equal (op->source_format, "qcow2"))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "Cannot clone volume '%s' of format '%s' (raw or qcow2)",
                               op->source_name, op->source_format);
      return;
    }
  g_task_run_in_thread (task, create_thread);
}

/* ---- delete ---- */

static void
delete_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VolumeOp *op = task_data;
  GError *error = NULL;
  struct stat st;

  /* Only a regular file is ever a volume; a directory or device that took
   * its place since the last refresh is left alone. */
  if (fstatat (op->dirfd, op->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG (st.st_mode))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "'%s' in the pool's directory is no longer a regular file; "
                               "Refresh the pool", op->name);
      return;
    }
  if (unlinkat (op->dirfd, op->name, 0) < 0 && errno != ENOENT)
    {
      vb_dir_set_errno (&error, errno, "Cannot delete volume", op->name);
      g_task_return_error (task, error);
      return;
    }
  vb_dir_sizes (op->dirfd, &op->sizes);
  g_task_return_boolean (task, TRUE);
}

void
vb_dir_delete_volume_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (pool, cancellable, callback, user_data);
  VolumeOp *op = volume_op_new (task, pool, vb_volume_get_name (volume));
  GError *error = NULL;

  if (!op)
    return;
  op->volume = g_object_ref (volume);
  if (!vb_dir_volume_check_idle (pool, volume, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, delete_thread);
}

gboolean
vb_dir_delete_volume_finish (VbPool *pool, GAsyncResult *result, GError **error)
{
  VolumeOp *op = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  vb_pool_remove_volume (pool, op->volume);
  vb_dir_pool_apply_sizes (pool, &op->sizes);
  return TRUE;
}

/* ---- resize, wipe ---- */

static void
resize_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VolumeOp *op = task_data;
  GError *error = NULL;
  int fd = open_volume (op, op->name, O_RDWR, &error);
  gboolean ok = fd >= 0;

  if (ok && g_str_equal (op->format, "qcow2"))
    {
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, op->capacity);
      const char *args[] = { "resize", "-q", "-f", "qcow2", op->shrink ? "--shrink" : "@0",
                             op->shrink ? "@0" : size, op->shrink ? size : NULL, NULL };
      g_autofree char *out = vb_dir_qemu_img (args, &fd, 1, &error);

      ok = out != NULL;
    }
  else if (ok && g_str_equal (op->format, "raw"))
    {
      if (ftruncate (fd, (off_t) op->capacity) < 0)
        {
          vb_dir_set_errno (&error, errno, "Cannot resize volume", op->name);
          ok = FALSE;
        }
    }
  else if (ok)
    {
      g_set_error (&error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Cannot resize volume '%s' of format '%s' (raw or qcow2)", op->name,
                   op->format);
      ok = FALSE;
    }
  ok = ok && vb_dir_probe (fd, op->format, &op->probe, &error);
  if (fd >= 0)
    close (fd);
  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }
  vb_dir_sizes (op->dirfd, &op->sizes);
  g_task_return_boolean (task, TRUE);
}

static void
wipe_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VolumeOp *op = task_data;
  GError *error = NULL;
  int fd = open_volume (op, op->name, O_RDWR, &error);
  gboolean ok = fd >= 0;
  struct stat st;

  if (ok && g_str_equal (op->format, "qcow2"))
    ok = ftruncate (fd, 0) == 0 && make_image (op, fd, 0, &error);
  else if (ok && g_str_equal (op->format, "raw"))
    ok = fstat (fd, &st) == 0 && zero_file (fd, (guint64) st.st_size, &error);
  else if (ok)
    {
      g_set_error (&error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Cannot wipe volume '%s' of format '%s' (raw or qcow2)", op->name, op->format);
      ok = FALSE;
    }
  if (!ok && !error)
    vb_dir_set_errno (&error, errno, "Cannot wipe volume", op->name);
  ok = ok && vb_dir_probe (fd, op->format, &op->probe, &error);
  if (fd >= 0)
    close (fd);
  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }
  vb_dir_sizes (op->dirfd, &op->sizes);
  g_task_return_boolean (task, TRUE);
}

static VolumeOp *
volume_task (GTask *task, VbPool *pool, VbVolume *volume)
{
  VolumeOp *op = volume_op_new (task, pool, vb_volume_get_name (volume));
  GError *error = NULL;

  if (!op)
    return NULL;
  op->volume = g_object_ref (volume);
  op->format = g_strdup (vb_volume_get_format (volume));
  op->capacity = vb_volume_get_capacity (volume);
  if (!vb_dir_volume_check_idle (pool, volume, &error))
    {
      g_task_return_error (task, error);
      return NULL;
    }
  return op;
}

void
vb_dir_resize_volume_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                            guint64 capacity, guint flags, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (pool, cancellable, callback, user_data);
  VolumeOp *op = volume_task (task, pool, volume);

  if (!op)
    return;
  if (capacity == 0)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "A volume's capacity cannot be 0");
      return;
    }
  /* Flag 4 is libvirt's VIR_STORAGE_VOL_RESIZE_SHRINK (storage-api.h). */
  op->shrink = (flags & 4) != 0;
  if (capacity < op->capacity && !op->shrink)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "Shrinking volume '%s' from %" G_GUINT64_FORMAT
                               " to %" G_GUINT64_FORMAT " bytes loses data: pass the SHRINK flag",
                               op->name, op->capacity, capacity);
      return;
    }
  op->capacity = capacity;
  g_task_run_in_thread (task, resize_thread);
}

void
vb_dir_wipe_volume_async (VbDriverHost *host, VbPool *pool, VbVolume *volume, guint flags,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (pool, cancellable, callback, user_data);
  VolumeOp *op = volume_task (task, pool, volume);

  if (op)
    g_task_run_in_thread (task, wipe_thread);
}

gboolean
vb_dir_volume_op_finish (VbPool *pool, GAsyncResult *result, GError **error)
{
  VolumeOp *op = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  vb_volume_set_sizes (op->volume, op->probe.capacity, op->probe.allocation);
  vb_dir_pool_apply_sizes (pool, &op->sizes);
  return TRUE;
}
