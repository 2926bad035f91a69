/* Upload and Download: bytes between a client's fd and a volume's file, in a
 * worker thread, reported through a VbJob.
 *
 * The copy uses splice() when the client gave a pipe, copy_file_range() for
 * a regular file, and read()/write() through a 1 MiB buffer otherwise. Every
 * wait on the client's fd is a poll() that also watches the job's
 * cancellable, so Cancel stops a copy even while the client sends nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir-storage.h"
#include "vb-error.h"
#include "vb-log.h"
#include "vb-open.h"

#define CHUNK ((gsize) 1 << 20)
#define PROGRESS_INTERVAL_MS 200

typedef struct {
  VbPool *pool;
  VbVolume *volume;
  VbJob *job;
  int dirfd;
  int client_fd;
  char *name;
  char *format;
  gboolean upload;
  guint64 offset;
  guint64 length;    /* 0: to the end (of the fd on upload, of the file on download) */
  guint64 limit;     /* upload: the most bytes the volume takes from offset; 0: no bound */
  guint64 total;     /* what the job reports as BytesTotal; 0 when unknown */
  guint64 processed; /* written by the worker, read by the timer (atomic) */
  gint64 start_us;
  guint timer_id;
  VbDirProbe probe;  /* the volume after an upload */
  VbDirSizes sizes;
} Transfer;

static void
transfer_free (Transfer *t)
{
  if (t->timer_id)
    g_source_remove (t->timer_id);
  if (t->dirfd >= 0)
    close (t->dirfd);
  if (t->client_fd >= 0)
    close (t->client_fd);
  g_clear_object (&t->pool);
  g_clear_object (&t->volume);
  g_clear_object (&t->job);
  g_free (t->name);
  g_free (t->format);
  vb_dir_probe_clear (&t->probe);
  g_free (t);
}

static void
add_processed (Transfer *t, guint64 n)
{
  __atomic_add_fetch (&t->processed, n, __ATOMIC_RELAXED);
}

static void
report (Transfer *t)
{
  guint64 done = __atomic_load_n (&t->processed, __ATOMIC_RELAXED);
  gint64 elapsed = g_get_monotonic_time () - t->start_us;
  guint64 rate = elapsed > 0 ? (guint64) ((double) done * G_USEC_PER_SEC / (double) elapsed) : 0;

  vb_job_set_bytes (t->job, t->total, done, rate);
}

static gboolean
progress_tick (gpointer user_data)
{
  report (user_data);
  return G_SOURCE_CONTINUE;
}

/* Waits until the client's fd is ready for @events; FALSE when cancelled or
 * the fd failed. */
static gboolean
wait_client (Transfer *t, short events, GCancellable *cancellable, GError **error)
{
  struct pollfd fds[2] = { { .fd = t->client_fd, .events = events } };
  nfds_t n = g_cancellable_make_pollfd (cancellable, (GPollFD *) &fds[1]) ? 2 : 1;
  int r;

  do
    r = poll (fds, n, -1);
  while (r < 0 && errno == EINTR);
  if (n == 2)
    g_cancellable_release_fd (cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (r < 0)
    {
      vb_dir_set_errno (error, errno, "Cannot wait for", "the client's fd");
      return FALSE;
    }
  /* POLLHUP with nothing to read is the end of a pipe: the read says so. */
  if ((fds[0].revents & (POLLERR | POLLNVAL)) && !(fds[0].revents & events))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "The client's fd %s",
                   (fds[0].revents & POLLNVAL) ? "is not valid" : "failed (closed by the client?)");
      return FALSE;
    }
  return TRUE;
}

static guint64
want (Transfer *t, guint64 done)
{
  guint64 bound = t->length ? t->length : t->limit;

  if (!bound)
    return CHUNK;
  return MIN (CHUNK, bound - done);
}

static gboolean
client_is_end (Transfer *t, guint64 done, GError **error)
{
  /* The fd ended before @length bytes: the client sent less than it said. */
  if (t->length && done < t->length)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "The %s ended after %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
                   t->upload ? "client's data" : "volume", done, t->length);
      return FALSE;
    }
  return TRUE;
}

/* The kernel moves the bytes between the client's fd and the file: splice()
 * for a pipe, copy_file_range() for a file. FALSE with @fallback set when
 * the file systems cannot do it (then nothing was copied). */
static gboolean
copy_in_kernel (Transfer *t, int file_fd, gboolean pipe, GCancellable *cancellable,
                gboolean *fallback, GError **error)
{
  guint64 done = 0;

  for (;;)
    {
      guint64 n = want (t, done);
      loff_t pos = (loff_t) (t->offset + done);
      ssize_t moved;

      if (n == 0)
        return TRUE;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (pipe && t->upload)
        moved = splice (t->client_fd, NULL, file_fd, &pos, n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      else if (pipe)
        moved = splice (file_fd, &pos, t->client_fd, NULL, n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      else if (t->upload)
        moved = copy_file_range (t->client_fd, NULL, file_fd, &pos, n, 0);
      else
        moved = copy_file_range (file_fd, &pos, t->client_fd, NULL, n, 0);
      if (moved > 0)
        {
          done += (guint64) moved;
          add_processed (t, (guint64) moved);
          continue;
        }
      if (moved == 0)
        return client_is_end (t, done, error);
      if (errno == EINTR)
        continue;
      if (pipe && errno == EAGAIN)
        {
          if (!wait_client (t, t->upload ? POLLIN : POLLOUT, cancellable, error))
            return FALSE;
          continue;
        }
      if (done == 0
          && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP
              || (!pipe && (errno == EXDEV || errno == EBADF))))
        {
          *fallback = TRUE;
          return FALSE;
        }
      vb_dir_set_errno (error, errno, t->upload ? "Cannot write volume" : "Cannot send volume",
                        t->name);
      return FALSE;
    }
}

static gboolean
copy_buffered (Transfer *t, int file_fd, GCancellable *cancellable, GError **error)
{
  g_autofree char *buffer = g_malloc (CHUNK);
  guint64 done = 0;

  for (;;)
    {
      guint64 n = want (t, done);
      ssize_t got;
      ssize_t off = 0;

      if (n == 0)
        return TRUE;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (t->upload)
        got = read (t->client_fd, buffer, n);
      else
        got = pread (file_fd, buffer, n, (off_t) (t->offset + done));
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0 && errno == EAGAIN && t->upload)
        {
          if (!wait_client (t, POLLIN, cancellable, error))
            return FALSE;
          continue;
        }
      if (got < 0)
        {
          vb_dir_set_errno (error, errno, t->upload ? "Cannot read the client's data for"
                                                    : "Cannot read volume",
                            t->name);
          return FALSE;
        }
      if (got == 0)
        return client_is_end (t, done, error);
      while (off < got)
        {
          ssize_t w;

          if (t->upload)
            w = pwrite (file_fd, buffer + off, (size_t) (got - off),
                        (off_t) (t->offset + done + (guint64) off));
          else
            w = write (t->client_fd, buffer + off, (size_t) (got - off));
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0 && errno == EAGAIN && !t->upload)
            {
              if (!wait_client (t, POLLOUT, cancellable, error))
                return FALSE;
              continue;
            }
          if (w < 0)
            {
              vb_dir_set_errno (error, errno, t->upload ? "Cannot write volume"
                                                        : "Cannot send to the client volume",
                                t->name);
              return FALSE;
            }
          off += w;
        }
      done += (guint64) got;
      add_processed (t, (guint64) got);
    }
}

/* Runs in a worker thread: the whole copy. */
static void
transfer_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Transfer *t = task_data;
  GError *error = NULL;
  gboolean fallback = FALSE;
  gboolean ok = FALSE;
  struct stat client_st;
  struct stat file_st;
  /* A FIFO or device under the volume's name must not block the worker. */
  int file_fd =
    vb_open_regular (t->dirfd, t->name, (t->upload ? O_WRONLY : O_RDONLY) | O_NOFOLLOW, &error);

  if (file_fd < 0)
    {
      g_prefix_error (&error, "Volume '%s': ", t->name);
      g_task_return_error (task, error);
      return;
    }
  if (fstat (file_fd, &file_st) < 0 || !S_ISREG (file_st.st_mode)
      || fstat (t->client_fd, &client_st) < 0)
    {
      vb_dir_set_errno (&error, errno ? errno : EINVAL, "Cannot stat volume", t->name);
      goto out;
    }
  if (!t->upload)
    {
      guint64 size = (guint64) file_st.st_size;

      if (t->offset > size || (t->length && t->length > size - t->offset))
        {
          g_set_error (&error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "Bytes %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT
                       " are past the end of volume '%s' (%" G_GUINT64_FORMAT " bytes)",
                       t->offset, t->length, t->name, size);
          goto out;
        }
      if (!t->length)
        t->length = size - t->offset;
    }

  /* The client's fd may be non-blocking; the waits are poll()s anyway. */
  if (S_ISFIFO (client_st.st_mode))
    {
      /* A pipe of 1 MiB moves the data in fewer, larger steps. */
      fcntl (t->client_fd, F_SETPIPE_SZ, (int) CHUNK);
      ok = copy_in_kernel (t, file_fd, TRUE, cancellable, &fallback, &error);
    }
  else if (S_ISREG (client_st.st_mode))
    ok = copy_in_kernel (t, file_fd, FALSE, cancellable, &fallback, &error);
  else
    fallback = TRUE;
  if (fallback)
    {
      g_clear_error (&error);
      ok = copy_buffered (t, file_fd, cancellable, &error);
    }
  /* Like cp or cat, "completed" means the kernel has the data, not the disk:
   * a guest or a later Download sees it either way. */
  /* An upload may have changed the image (a qcow2 written anew). */
  if (t->upload)
    vb_dir_probe (file_fd, t->format, &t->probe, NULL);

out:
  close (file_fd);
  vb_dir_sizes (t->dirfd, &t->sizes);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
transfer_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Transfer *t = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  const char *log_name = vb_resource_get_log_name (VB_RESOURCE (t->pool));

  g_source_remove (t->timer_id);
  t->timer_id = 0;
  if (t->length && t->total == 0)
    t->total = t->length;
  report (t);
  vb_dir_volume_set_busy (t->pool, t->volume, FALSE);
  if (t->probe.format && vb_pool_lookup_volume (t->pool, t->name) == t->volume)
    vb_volume_set_sizes (t->volume, t->probe.capacity, t->probe.allocation);
  vb_dir_pool_apply_sizes (t->pool, &t->sizes);

  if (ok)
    {
      vb_log_info (log_name, "%s of volume '%s': %" G_GUINT64_FORMAT " bytes",
                   t->upload ? "upload" : "download", t->name,
                   vb_job_get_bytes_processed (t->job));
      vb_job_complete (t->job, TRUE, "completed", NULL);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      vb_log_info (log_name, "%s of volume '%s' cancelled", t->upload ? "upload" : "download",
                   t->name);
      vb_job_complete (t->job, FALSE, "cancelled", "Cancelled");
    }
  else
    {
      vb_log_warning (log_name, "%s of volume '%s' failed: %s",
                      t->upload ? "upload" : "download", t->name, error->message);
      vb_job_complete (t->job, FALSE, "failed", error->message);
    }
}

gboolean
vb_dir_transfer_volume (VbDriverHost *host, VbPool *pool, VbVolume *volume, VbJob *job, int fd,
                        gboolean upload, guint64 offset, guint64 length, GError **error)
{
  g_autoptr (GTask) task = NULL;
  Transfer *t = g_new0 (Transfer, 1);
  const char *format = vb_volume_get_format (volume);
  guint64 capacity = vb_volume_get_capacity (volume);

  t->client_fd = fd;
  t->dirfd = -1;
  t->name = g_strdup (vb_volume_get_name (volume));
  t->format = g_strdup (format);
  t->upload = upload;
  t->offset = offset;
  t->length = length;
  if (!vb_dir_check_name (t->name, error) || !vb_dir_volume_check_idle (pool, volume, error)
      || (t->dirfd = vb_dir_pool_dup_fd (pool, error)) < 0)
    {
      transfer_free (t);
      return FALSE;
    }
  /* Raw volumes keep their size: the bytes must fit. A qcow2 file's size is
   * not its capacity; the worker checks a download against the file. */
  if (g_strcmp0 (format, "raw") == 0
      && (offset > capacity || (length && length > capacity - offset)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Bytes %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT
                   " do not fit in volume '%s' of %" G_GUINT64_FORMAT " bytes",
                   offset, length, t->name, capacity);
      transfer_free (t);
      return FALSE;
    }
  if (upload && g_strcmp0 (format, "raw") == 0)
    t->limit = capacity - offset;
  t->total = length ? length : (!upload && g_strcmp0 (format, "raw") == 0 ? capacity - offset : 0);
  t->pool = g_object_ref (pool);
  t->volume = g_object_ref (volume);
  t->job = g_object_ref (job);
  t->start_us = g_get_monotonic_time ();
  vb_dir_volume_set_busy (pool, volume, TRUE);
  vb_job_set_phase (job, upload ? "uploading" : "downloading");
  vb_job_set_bytes (job, t->total, 0, 0);
  t->timer_id = g_timeout_add (PROGRESS_INTERVAL_MS, progress_tick, t);

  task = g_task_new (NULL, vb_job_get_cancellable (job), transfer_done, NULL);
  g_task_set_task_data (task, t, (GDestroyNotify) transfer_free);
  g_task_run_in_thread (task, transfer_thread);
  return TRUE;
}
