/* The backing chain a qcow2 image's header names: what QEMU opens below
 * a qcow2 disk without being told, and so what the host-path check of a
 * domain definition must see too. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest backing file name a header may give (QEMU's own limit). */
#define VB_QCOW2_BACKING_NAME_MAX 1023
/* The deepest chain followed below a disk's image. */
#define VB_QCOW2_CHAIN_MAX 16

typedef struct {
  char *path;   /* as QEMU opens it: the header's name, made absolute
                 * against the directory of the image that names it */
  char *format; /* from the header's extension: raw, qcow2, or a format
                 * whose image names no other file (vb_image_self_contained) */
  gboolean block; /* a host block device (libvirt's type='block') */
} VbBackingFile;

void vb_backing_file_free (VbBackingFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbBackingFile, vb_backing_file_free)

/* Reads the first @length bytes of a qcow2 image (@data: at least the
 * header and its extensions; @name: the @name_length bytes at the header's
 * backing_file_offset, or NULL when none could be read) into the backing
 * file's name and format. Pure, for the unit test. Sets *@name_out to NULL
 * when @data is not a qcow2 header (QEMU would not open it as qcow2) or has
 * no backing file. InvalidArgument when the header names a backing file
 * longer than VB_QCOW2_BACKING_NAME_MAX, outside @name, or with an
 * external data file (another file QEMU would open). */
gboolean vb_qcow2_parse_header (const guint8 *data, gsize length, const guint8 *name,
                                gsize name_length, char **name_out, char **format_out,
                                GError **error);

/* Where the backing name of a qcow2 header lies, from @data as above:
 * FALSE when there is none to read. */
gboolean vb_qcow2_backing_location (const guint8 *data, gsize length, guint64 *offset,
                                    guint32 *size);

/* The backing files below @image (read as @format; only "qcow2" has a
 * chain), nearest first, as a GPtrArray of VbBackingFile. Follows symlinks
 * as QEMU does; a file that does not exist (yet) ends the chain, as does a
 * raw one. Opens each image O_RDONLY|O_NONBLOCK|O_NOCTTY and reads only
 * regular files and block devices. Blocks on the disk: call it in a thread.
 * InvalidArgument, for the caller to name the disk, when a backing name is
 * not a plain file path ("json:{...}", or a protocol prefix such as
 * "nbd:"), a header gives no backing format or one other than raw and
 * qcow2, an image is neither a regular file nor a block device, the chain
 * loops or is deeper than VB_QCOW2_CHAIN_MAX. */
GPtrArray *vb_qcow2_backing_chain (const char *image, const char *format, GError **error);
/* Only @image's own header, where QEMU is told its backing node (a level
 * of a network disk's chain): InvalidArgument for what QEMU would still
 * open by the header's word (an external data file) or a header it could
 * not read; a missing file passes. */
gboolean vb_qcow2_image_check (const char *image, GError **error);
/* The same, where @data_file_given says the disk's XML gives QEMU the top
 * image's data file (<source><dataStore>): then that image may have one. */
GPtrArray *vb_qcow2_backing_chain_data_file (const char *image, const char *format,
                                             gboolean data_file_given, GError **error);

G_END_DECLS
