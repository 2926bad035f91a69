/* Whether an image of a format other than qcow2 makes QEMU open another
 * file (a vmdk's extents or parent, a qed's backing file): the host-path
 * check follows only qcow2 chains, so such an image is refused by name
 * rather than let QEMU open files no check has seen. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The image formats QEMU may find named as a backing format, beyond
 * qcow2, that vb_image_self_contained() knows. */
#define VB_IMAGE_OTHER_FORMATS "raw", "qed", "vmdk", "vpc", "vdi", "vhdx"

/* TRUE when QEMU 7.2, opening @path as @format, opens no other file: raw,
 * vpc, vdi and vhdx always (QEMU opens no differencing image of the last
 * three); a qed image without a backing file; a sparse vmdk (one file,
 * "KDMV" or "COWD") whose descriptor names no parent, and whose "KDMV"
 * header is not one QEMU reads as a descriptor file (capacity 0 with a
 * descriptor offset: its extents would be opened). A file that does not
 * exist passes (QEMU fails on it itself). InvalidArgument naming the file
 * otherwise, or for a format not listed, or when @path is neither a regular
 * file nor a block device (never opened then: vb_open_image()). Reads only
 * @path, O_RDONLY; blocks on the disk: call it in a thread. */
gboolean vb_image_self_contained (const char *path, const char *format, GError **error);

/* The same on the first @length bytes of the image (@data), and
 * @descriptor, the bytes QEMU reads as a sparse vmdk's descriptor (10 KiB
 * from offset 512). Pure, for the unit test. */
gboolean vb_image_self_contained_data (const char *path, const char *format, const guint8 *data,
                                       gsize length, const char *descriptor, GError **error);

G_END_DECLS
