#include "image-refs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"

/* QEMU's vmdk driver reads this much descriptor, 512 bytes into a sparse
 * file, looking for the parent's name. */
#define VMDK_DESC_OFFSET 512
#define VMDK_DESC_SIZE (20 * 512)
/* A qed header's features: bit 0, "has a backing file". */
#define QED_FEATURES_OFFSET 16
#define QED_F_BACKING_FILE 0x01

gboolean
vb_image_self_contained_data (const char *path, const char *format, const guint8 *data,
                              gsize length, const char *descriptor, GError **error)
{
  if (g_str_equal (format, "raw") || g_str_equal (format, "vpc") || g_str_equal (format, "vdi")
      || g_str_equal (format, "vhdx"))
    return TRUE;
  if (g_str_equal (format, "qed"))
    {
      guint64 features = 0;

      /* Not a qed header: QEMU refuses to open it itself. */
      if (length < QED_FEATURES_OFFSET + 8 || memcmp (data, "QED", 4) != 0)
        return TRUE;
      memcpy (&features, data + QED_FEATURES_OFFSET, sizeof features);
      if (GUINT64_FROM_LE (features) & QED_F_BACKING_FILE)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "%s is a qed image with a backing file, which QEMU would open "
                       "unchecked: only qed images without one are supported",
                       path);
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (format, "vmdk"))
    {
      if (length < 4 || (memcmp (data, "KDMV", 4) != 0 && memcmp (data, "COWD", 4) != 0))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "%s is not a sparse vmdk image: a vmdk descriptor file names extent "
                       "files QEMU would open unchecked; only single-file (monolithic sparse or "
                       "stream-optimized) vmdk images are supported",
                       path);
          return FALSE;
        }
      if (descriptor && strstr (descriptor, "parentFileNameHint"))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "%s is a vmdk image with a parent (parentFileNameHint), which QEMU "
                       "would open unchecked: only vmdk images without one are supported",
                       path);
          return FALSE;
        }
      return TRUE;
    }
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "%s: image format '%s' is not supported",
               path, format);
  return FALSE;
}

gboolean
vb_image_self_contained (const char *path, const char *format, GError **error)
{
  guint8 header[64] = { 0 };
  g_autofree char *descriptor = NULL;
  gssize length;
  struct stat st;
  int fd;

  if (!format || g_str_equal (format, "raw") || g_str_equal (format, "qcow2"))
    return TRUE;
  if (!(g_str_equal (format, "qed") || g_str_equal (format, "vmdk")))
    return vb_image_self_contained_data (path, format, NULL, 0, NULL, error);
  fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return TRUE;
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "cannot open %s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  if (fstat (fd, &st) < 0 || !(S_ISREG (st.st_mode) || S_ISBLK (st.st_mode)))
    {
      close (fd);
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "%s is neither a regular file nor a block device", path);
      return FALSE;
    }
  length = pread (fd, header, sizeof header, 0);
  if (length >= 0 && g_str_equal (format, "vmdk"))
    {
      gssize got;

      descriptor = g_malloc0 (VMDK_DESC_SIZE + 1);
      got = pread (fd, descriptor, VMDK_DESC_SIZE, VMDK_DESC_OFFSET);
      if (got < 0)
        length = -1;
    }
  close (fd);
  if (length < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "cannot read %s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  return vb_image_self_contained_data (path, format, header, length, descriptor, error);
}
