#define _GNU_SOURCE /* O_PATH */
#include "vb-open.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"

static void
set_not_regular (GError **error, const char *path)
{
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
               "%s is not a regular file (a FIFO, device, socket or directory cannot be used)",
               path);
}

int
vb_open_regular (int dirfd, const char *path, int flags, GError **error)
{
  int fd;
  int saved;
  struct stat st;

  /* O_NONBLOCK: open() of a FIFO returns at once instead of pinning the
   * thread until a writer (or reader) comes; O_NOCTTY: a terminal given as
   * the path never becomes ours. */
  fd = openat (dirfd, path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  /* ENXIO only comes from what is not a regular file: a FIFO opened for
   * writing with no reader, a socket, a device without its driver. */
  if (fd < 0 && errno == ENXIO)
    {
      set_not_regular (error, path);
      return -1;
    }
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, VB_ERROR,
                   saved == ENOENT  ? VB_ERROR_NOT_FOUND
                   : saved == ENXIO ? VB_ERROR_INVALID_ARGUMENT
                                    : VB_ERROR_FAILED,
                   "Cannot open %s: %s", path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) < 0)
    {
      saved = errno;
      close (fd);
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot stat %s: %s", path,
                   g_strerror (saved));
      return -1;
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      set_not_regular (error, path);
      return -1;
    }
  /* A regular file: reads and writes should block as usual again. */
  if (!(flags & O_NONBLOCK) && fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK) < 0)
    {
      saved = errno;
      close (fd);
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot use %s: %s", path, g_strerror (saved));
      return -1;
    }
  return fd;
}

int
vb_open_image (const char *path, struct stat *st, GError **error)
{
  g_autofree char *same = NULL;
  int fd, opened, saved;

  fd = open (path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, VB_ERROR,
                   saved == ENOENT || saved == ENOTDIR ? VB_ERROR_NOT_FOUND
                                                       : VB_ERROR_INVALID_ARGUMENT,
                   "cannot open %s: %s", path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, st) < 0 || !(S_ISREG (st->st_mode) || S_ISBLK (st->st_mode)))
    {
      close (fd);
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "%s is neither a regular file nor a block device", path);
      return -1;
    }
  same = g_strdup_printf ("/proc/self/fd/%d", fd);
  opened = open (same, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  saved = errno;
  close (fd);
  if (opened < 0)
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "cannot open %s: %s", path,
                 g_strerror (saved));
  return opened;
}
