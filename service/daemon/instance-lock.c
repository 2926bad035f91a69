/* The locks that keep a second virtbusd off a state or run directory in use:
 * see instance-lock.h. */
#include "instance-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "vb-error.h"

#define LOCK_FILE "virtbusd.lock"

/* The pid the holder wrote, or 0: it may not have written it yet, and an
 * older file may hold anything. */
static long
holder_pid (int fd)
{
  char text[32] = { 0 };
  char *end = NULL;
  ssize_t n = pread (fd, text, sizeof text - 1, 0);
  long pid;

  if (n <= 0)
    return 0;
  errno = 0;
  pid = strtol (text, &end, 10);
  if (errno || end == text || (*end && *end != '\n') || pid <= 0)
    return 0;
  return pid;
}

int
vb_instance_lock_take (const char *dir, VbInstanceDir which, GError **error)
{
  g_autofree char *path = g_build_filename (dir, LOCK_FILE, NULL);
  const char *name = which == VB_INSTANCE_RUN_DIR ? "run directory" : "state directory";
  const char *option = which == VB_INSTANCE_RUN_DIR ? "--run-dir" : "--state-dir";
  g_autofree char *pid = NULL;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s", dir,
                   g_strerror (saved));
      return -1;
    }
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot open %s: %s", path,
                   g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int saved = errno;
      long other = saved == EWOULDBLOCK ? holder_pid (fd) : 0;
      g_autofree char *who = other > 0 ? g_strdup_printf (" (pid %ld)", other) : g_strdup ("");

      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, VB_ERROR, VB_ERROR_BUSY,
                     "Another virtbusd%s uses the %s %s: stop it first, or give this one "
                     "another %s",
                     who, name, dir, option);
      else
        g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot lock %s: %s", path,
                     g_strerror (saved));
      return -1;
    }
  /* For the message of the next one; the lock itself is what counts. */
  pid = g_strdup_printf ("%ld\n", (long) getpid ());
  if (ftruncate (fd, 0) < 0 || pwrite (fd, pid, strlen (pid), 0) != (ssize_t) strlen (pid))
    {
      int saved = errno ? errno : EIO;
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot write %s: %s", path,
                   g_strerror (saved));
      close (fd);
      return -1;
    }
  return fd;
}
