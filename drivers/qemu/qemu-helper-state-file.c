/* A helper's state in one file the definition names. swtpm opens it as
 * /proc/self/fd/N (the descriptor the service opened, never the path), but
 * swtpm_setup removes and makes a new file when it makes a state, which it
 * cannot do through a descriptor: it works on a copy in the helper's
 * scratch directory, and the result is copied back into the named file. A
 * TPM's state is a few KiB: the copies are short, and bounded. */
#include "qemu-helper-state-file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"

/* Far above any TPM's state (swtpm's NV memory is 128 KiB at most). */
#define STATE_FILE_MAX (4 * 1024 * 1024)

static gboolean
fail (GError **error, const char *what, const char *path)
{
  int saved = errno;

  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot %s %s: %s", what, path,
               g_strerror (saved));
  return FALSE;
}

/* @create FALSE: a missing file is no error, -1 with errno ENOENT and
 * @error unset (a state not made yet: the setup makes it). */
static int
state_file_open (const char *path, const VbUser *user, gboolean create, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (path);
  struct stat st;
  gboolean made = TRUE;
  int fd;

  if (g_mkdir_with_parents (parent, 0700) < 0)
    {
      fail (error, "create", parent);
      return -1;
    }
  /* Whether we made it is O_EXCL's own answer, never a look before. */
  fd = create ? open (path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
  if (!create)
    errno = EEXIST;
  if (fd < 0 && errno == EEXIST)
    {
      made = FALSE;
      /* O_NONBLOCK: a FIFO put there does not hang the service. */
      fd = open (path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    }
  if (fd < 0 && !create && errno == ENOENT)
    return -1;
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      fail (error, "open", path);
      if (fd >= 0)
        close (fd);
      return -1;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "%s is not a regular file: the TPM's state file is one", path);
      close (fd);
      return -1;
    }
  if (user && !made && st.st_uid != user->uid)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "%s is not QEMU's user's (%s): the service gives it only a file it "
                   "makes itself",
                   path, user->name);
      close (fd);
      return -1;
    }
  if (user && made && fchown (fd, user->uid, user->gid) < 0)
    {
      fail (error, "give QEMU's user", path);
      close (fd);
      return -1;
    }
  /* Back to blocking: swtpm reopens it through /proc anyway. */
  if (fcntl (fd, F_SETFL, 0) < 0)
    {
      fail (error, "open", path);
      close (fd);
      return -1;
    }
  return fd;
}

int
vb_qemu_state_file_open (const char *path, const VbUser *user, GError **error)
{
  return state_file_open (path, user, TRUE, error);
}

static gboolean
copy_fd (int from, int to, const char *path, GError **error)
{
  char buffer[65536];
  gsize total = 0;

  for (;;)
    {
      ssize_t n = read (from, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail (error, "read the TPM state of", path);
      if (n == 0)
        return TRUE;
      total += (gsize) n;
      if (total > STATE_FILE_MAX)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "%s is larger than %d MiB: not a TPM's state", path,
                       STATE_FILE_MAX / (1024 * 1024));
          return FALSE;
        }
      for (ssize_t done = 0; done < n;)
        {
          ssize_t w = write (to, buffer + done, (size_t) (n - done));

          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return fail (error, "write the TPM state of", path);
          done += w;
        }
    }
}

gboolean
vb_qemu_state_file_to_scratch (const char *path, int dir_fd, const VbUser *user, GError **error)
{
  int fd;
  int copy;
  gboolean ok;

  if (unlinkat (dir_fd, VB_QEMU_STATE_FILE_COPY, 0) < 0 && errno != ENOENT)
    return fail (error, "remove the scratch copy of", path);
  /* The named file is made only with the state in it (from_scratch): a
   * setup that fails leaves no empty file to be taken for a state. */
  fd = state_file_open (path, user, FALSE, error);
  if (fd < 0)
    return errno == ENOENT && !(error && *error); /* a new state: swtpm_setup makes it */
  copy = openat (dir_fd, VB_QEMU_STATE_FILE_COPY,
                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (copy < 0)
    {
      close (fd);
      return fail (error, "copy", path);
    }
  ok = (!user || fchown (copy, user->uid, user->gid) == 0 || fail (error, "copy", path))
       && copy_fd (fd, copy, path, error);
  close (copy);
  close (fd);
  return ok;
}

gboolean
vb_qemu_state_file_from_scratch (const char *path, int dir_fd, const VbUser *user, GError **error)
{
  /* The scratch directory is QEMU's user's, so is what lies there: a FIFO
   * would hold the service in open() without O_NONBLOCK (refused below). */
  int copy =
    openat (dir_fd, VB_QEMU_STATE_FILE_COPY, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  int fd;
  struct stat st;
  gboolean ok;

  if (copy < 0)
    return fail (error, "read the new TPM state for", path);
  if (fstat (copy, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (copy);
      errno = EINVAL;
      return fail (error, "read the new TPM state for", path);
    }
  fd = vb_qemu_state_file_open (path, user, error);
  if (fd < 0)
    {
      close (copy);
      return FALSE;
    }
  ok = (ftruncate (fd, 0) == 0 || fail (error, "write", path)) && copy_fd (copy, fd, path, error);
  close (fd);
  close (copy);
  if (ok)
    unlinkat (dir_fd, VB_QEMU_STATE_FILE_COPY, 0);
  return ok;
}
