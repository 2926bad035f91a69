#include "image-refs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-open.h"

/* QEMU's vmdk driver reads this much descriptor, 512 bytes into a sparse
 * file, looking for the parent's name. */
#define VMDK_DESC_OFFSET 512
#define VMDK_DESC_SIZE (20 * 512)
/* A vmdk4 ("KDMV") header from the file's start: magic, version, flags,
 * the LE64 capacity, the grain size, the LE64 descriptor offset (sectors). */
#define VMDK4_CAPACITY_OFFSET 12
#define VMDK4_DESC_OFFSET_OFFSET 28
/* A qed header's features: bit 0, "has a backing file". */
#define QED_FEATURES_OFFSET 16
#define QED_F_BACKING_FILE 0x01

/* Whether QEMU reads this vmdk4 header as a descriptor file rather than a
 * sparse extent: vmdk_open_vmdk4() of QEMU 7.2 does so when the capacity is
 * 0 and the descriptor offset is not, and then opens every extent the
 * descriptor there names (FLAT ones included: any file). Bytes past
 * @length count as 0. */
static gboolean
vmdk4_is_descriptor (const guint8 *data, gsize length)
{
  guint8 header[VMDK4_DESC_OFFSET_OFFSET + 8] = { 0 };
  guint64 capacity, desc_offset;

  memcpy (header, data, MIN (length, sizeof header));
  memcpy (&capacity, header + VMDK4_CAPACITY_OFFSET, sizeof capacity);
  memcpy (&desc_offset, header + VMDK4_DESC_OFFSET_OFFSET, sizeof desc_offset);
  return capacity == 0 && desc_offset != 0;
}

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
      /* Refused whatever its extents name, even the file itself: a
       * descriptor's extents are files no check follows. */
      if (memcmp (data, "KDMV", 4) == 0 && vmdk4_is_descriptor (data, length))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "%s is a vmdk header with no capacity and an embedded descriptor, whose "
                       "extents QEMU would open unchecked: only sparse vmdk images are supported",
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
  g_autoptr (GError) local = NULL;
  gssize length;
  struct stat st;
  int fd;

  if (!format || g_str_equal (format, "raw") || g_str_equal (format, "qcow2"))
    return TRUE;
  if (!(g_str_equal (format, "qed") || g_str_equal (format, "vmdk")))
    return vb_image_self_contained_data (path, format, NULL, 0, NULL, error);
  /* As root, before polkit is asked about a path outside the pools: never
   * opens a device or FIFO (vb_open_image). */
  fd = vb_open_image (path, &st, &local);
  if (fd < 0)
    {
      /* Not there (yet): QEMU fails on it itself. */
      if (g_error_matches (local, VB_ERROR, VB_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
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
