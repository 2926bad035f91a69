#include "vb-log-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-files.h"
#include "vb-open.h"

char *
vb_log_file_tail (const char *path, gsize from, gsize max)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  struct stat st;
  guint8 buffer[4096];
  goffset at, start;
  guint skipped = 0;
  int fd = vb_open_regular (AT_FDCWD, path, O_RDONLY | O_NOFOLLOW, NULL);

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) < 0)
    {
      close (fd);
      return NULL;
    }
  if ((gsize) st.st_size < from)
    from = 0;
  at = MAX ((goffset) from, st.st_size - (goffset) max);
  start = at;
  while (bytes->len < max)
    {
      ssize_t n = pread (fd, buffer, MIN (sizeof buffer, max - bytes->len), at);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_byte_array_append (bytes, buffer, n);
      at += n;
    }
  close (fd);
  /* Text for a message (D-Bus strings are UTF-8): a character the cut at
   * the start split goes whole, anything else not UTF-8 (a byte of
   * another encoding, a NUL) becomes U+FFFD. */
  while (skipped < 3 && skipped < bytes->len && (bytes->data[skipped] & 0xc0) == 0x80 && start > 0)
    skipped++;
  return g_utf8_make_valid ((const char *) bytes->data + skipped, bytes->len - skipped);
}

/* The last @limit bytes of @fd (of @size) into a new file renamed to
 * "@name.1" in @dir_fd. */
static gboolean
keep_end (int dir_fd, const char *name, int fd, goffset size, goffset limit, const struct stat *st)
{
  g_autofree char *kept = g_strconcat (name, ".1", NULL);
  g_autofree char *temp = g_strconcat (name, ".1.new", NULL);
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  goffset at = MAX (0, size - limit);
  gboolean ok = TRUE;
  int out;

  /* Whatever is at the temporary name (a link planted by the log's writer)
   * goes; the new file is made fresh there, never opened through. */
  if (unlinkat (dir_fd, temp, 0) < 0 && errno != ENOENT)
    return FALSE;
  out = openat (dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return FALSE;
  while (ok && at < size)
    {
      ssize_t n = pread (fd, buffer, MIN (64 * 1024, size - at), at);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      ok = vb_write_all (out, buffer, n);
      at += n;
    }
  /* Readable by whom the log was. */
  if (ok && fchown (out, st->st_uid, st->st_gid) < 0)
    ok = FALSE;
  if (close (out) < 0)
    ok = FALSE;
  if (ok && renameat (dir_fd, temp, dir_fd, kept) < 0)
    ok = FALSE;
  if (!ok)
    unlinkat (dir_fd, temp, 0);
  return ok;
}

gboolean
vb_log_file_cap (int dir_fd, const char *name, goffset limit, gboolean keep)
{
  struct stat st;
  gboolean cut = FALSE;
  int fd = vb_open_regular (dir_fd, name, O_RDWR | O_NOFOLLOW, NULL);

  if (fd < 0)
    return FALSE;
  /* A second link could be a file of someone else's made to look like the
   * log: never cut that. */
  if (fstat (fd, &st) == 0 && st.st_nlink == 1 && st.st_size > limit)
    {
      /* Cut even when the copy failed (a full file system): the bound is
       * what matters, the copy is a courtesy. */
      if (keep)
        (void) keep_end (dir_fd, name, fd, st.st_size, limit, &st);
      cut = ftruncate (fd, 0) == 0;
    }
  close (fd);
  return cut;
}
