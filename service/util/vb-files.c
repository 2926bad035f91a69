#include "vb-files.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

void
vb_remove_flat_dir (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

gboolean
vb_fsync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved;

  if (fd < 0)
    return FALSE;
  if (fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  close (fd);
  errno = saved;
  return FALSE;
}

gboolean
vb_make_dir_durably (const char *path)
{
  g_autofree char *parent = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return TRUE;
  parent = g_path_get_dirname (path);
  /* Top down: a parent made (and recorded in its own parent) first. */
  if (g_strcmp0 (parent, path) != 0 && !vb_make_dir_durably (parent))
    return FALSE;
  if (mkdir (path, 0700) < 0)
    return errno == EEXIST && g_file_test (path, G_FILE_TEST_IS_DIR);
  return vb_fsync_dir (parent);
}

gboolean
vb_write_all (int fd, const void *data, gsize length)
{
  const guint8 *p = data;

  for (gsize done = 0; done < length;)
    {
      ssize_t n = write (fd, p + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += (gsize) n;
    }
  return TRUE;
}
