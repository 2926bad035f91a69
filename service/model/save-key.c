#include "save-key.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-files.h"

static GBytes *
fail (GError **error, const char *path, const char *why)
{
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "The save image key %s: %s", path, why);
  return NULL;
}

static gboolean
read_all (int fd, guint8 *data, gsize length)
{
  gsize have = 0;

  while (have < length)
    {
      ssize_t n = read (fd, data + have, length - have);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      have += (gsize) n;
    }
  return TRUE;
}

/* Writes a new key; NULL with *@raced set when another start made one first. */
static GBytes *
create (const char *path, GError **error, gboolean *raced)
{
  guint8 key[VB_SAVE_KEY_SIZE];
  g_autofree char *temp = g_strdup_printf ("%s.new-XXXXXX", path);
  int fd;

  if (getrandom (key, sizeof key, 0) != (ssize_t) sizeof key)
    return fail (error, path, "no random bytes");
  /* Written whole under another name, then linked: never half a key. */
  fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail (error, path, g_strerror (errno));
  if (!vb_write_all (fd, key, sizeof key) || fsync (fd) < 0)
    {
      int saved = errno;
      close (fd);
      unlink (temp);
      return fail (error, path, g_strerror (saved));
    }
  close (fd);
  if (link (temp, path) < 0)
    {
      int saved = errno;
      unlink (temp);
      if (saved == EEXIST)
        {
          *raced = TRUE;
          return NULL;
        }
      return fail (error, path, g_strerror (saved));
    }
  unlink (temp);
  return g_bytes_new (key, sizeof key);
}

GBytes *
vb_save_key_load (const char *state_dir, GError **error)
{
  g_autofree char *path = g_build_filename (state_dir, VB_SAVE_KEY_FILE, NULL);
  guint8 key[VB_SAVE_KEY_SIZE];
  struct stat st;
  int fd;

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      gboolean raced = FALSE;
      GBytes *made;

      fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0)
        break;
      if (errno != ENOENT)
        return fail (error, path, g_strerror (errno));
      made = create (path, error, &raced);
      if (made || !raced)
        return made;
    }
  if (fd < 0)
    return fail (error, path, g_strerror (errno));
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid ()
      || (st.st_mode & 077) != 0 || st.st_size != VB_SAVE_KEY_SIZE)
    {
      close (fd);
      return fail (error, path, "must be a regular file of 32 bytes, the service's own, mode 0600");
    }
  if (!read_all (fd, key, sizeof key))
    {
      close (fd);
      return fail (error, path, "cannot be read");
    }
  close (fd);
  return g_bytes_new (key, sizeof key);
}
