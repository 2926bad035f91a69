#include "image-size.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"

/* The qcow2 header: "QFI\xfb", version, backing file offset and length,
 * cluster bits, then the virtual size, all big-endian. */
#define QCOW2_SIZE_OFFSET 24

guint64
vb_image_size_qcow2_virtual (const guint8 *data, gsize length)
{
  guint64 size = 0;

  if (length < QCOW2_SIZE_OFFSET + 8 || memcmp (data, "QFI\xfb", 4) != 0)
    return 0;
  for (guint i = 0; i < 8; i++)
    size = size << 8 | data[QCOW2_SIZE_OFFSET + i];
  return size;
}

gboolean
vb_image_size_read (const char *path, const char *format, VbImageSize *size, GError **error)
{
  /* O_NONBLOCK: a FIFO put where an image was expected must not hang the thread. */
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  gboolean ok = FALSE;

  memset (size, 0, sizeof *size);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      int saved = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot read '%s': %s", path,
                   g_strerror (saved));
      goto out;
    }
  if (S_ISREG (st.st_mode))
    {
      size->physical = (guint64) st.st_size;
      size->allocation = (guint64) st.st_blocks * 512;
    }
  else if (S_ISBLK (st.st_mode))
    {
      off_t end = lseek (fd, 0, SEEK_END);

      size->physical = end > 0 ? (guint64) end : 0;
      size->allocation = size->physical;
    }
  else
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "'%s' is neither a regular file nor a block device", path);
      goto out;
    }
  size->capacity = size->physical;
  if (g_strcmp0 (format, "qcow2") == 0)
    {
      guint8 header[QCOW2_SIZE_OFFSET + 8];
      ssize_t got = pread (fd, header, sizeof header, 0);
      guint64 virtual = got > 0 ? vb_image_size_qcow2_virtual (header, (gsize) got) : 0;

      if (virtual)
        size->capacity = virtual;
    }
  ok = TRUE;
out:
  if (fd >= 0)
    close (fd);
  return ok;
}
