/* The sizes libvirt reports for a disk image (block.N.capacity,
 * .allocation, .physical in the domain statistics). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 capacity;   /* what the guest sees: a qcow2 header's virtual size, else physical */
  guint64 allocation; /* bytes the host has given the file (st_blocks), or physical */
  guint64 physical;   /* the file's size, a block device's length */
} VbImageSize;

/* Reads @path's sizes, following symlinks; @format (may be NULL) "qcow2"
 * takes the capacity from the header. Only regular files and block devices;
 * FALSE with @error otherwise, or when it cannot be read. Blocks on the
 * disk: call it in a thread. */
gboolean vb_image_size_read (const char *path, const char *format, VbImageSize *size,
                             GError **error);

/* The virtual size in a qcow2 header (@data, @length bytes from offset 0),
 * or 0 when @data is not one. Pure, for the unit test. */
guint64 vb_image_size_qcow2_virtual (const guint8 *data, gsize length);

G_END_DECLS
