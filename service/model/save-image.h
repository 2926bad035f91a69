/* The file a save writes: a header naming the domain, then the hypervisor's
 * migration stream. Written durably (temporary name, data synced, then
 * marked complete and renamed), read back with every field checked. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VB_SAVE_IMAGE_MAGIC "VBSAVIMG"
#define VB_SAVE_IMAGE_VERSION 1
/* The stream starts at a multiple of this (O_DIRECT-friendly). */
#define VB_SAVE_IMAGE_ALIGN 4096
/* The domain XML is at most this long. */
#define VB_SAVE_IMAGE_MAX_XML (4 * 1024 * 1024)

/* Header flags */
#define VB_SAVE_IMAGE_COMPLETE (1u << 0)    /* the stream is whole and synced */
#define VB_SAVE_IMAGE_WAS_RUNNING (1u << 1) /* restore runs the guest (else paused) */
/* An authenticator follows the XML: HMAC-SHA256, keyed with the service's
 * save key (save-key.h), of the fixed part as finally written (flags with
 * COMPLETE, the stream's length) and the XML. Older images have none. */
#define VB_SAVE_IMAGE_AUTHENTICATED (1u << 2)
#define VB_SAVE_IMAGE_MAC_SIZE 32

/* Fixed part: magic[8], version u32, flags u32, xml_length u32, reserved u32,
 * data_offset u64, stream_length u64 (little endian), then the XML, then
 * with VB_SAVE_IMAGE_AUTHENTICATED the authenticator, padded to the stream. */
#define VB_SAVE_IMAGE_FIXED_SIZE 40

typedef struct {
  guint32 version;
  guint32 flags;
  char *xml;
  guint64 data_offset;
  guint64 stream_length;
  guint8 mac[VB_SAVE_IMAGE_MAC_SIZE]; /* with VB_SAVE_IMAGE_AUTHENTICATED */
} VbSaveImageHeader;

void vb_save_image_header_clear (VbSaveImageHeader *header);

/* The header for @xml, padded to VB_SAVE_IMAGE_ALIGN; with
 * VB_SAVE_IMAGE_AUTHENTICATED in @flags, room for the authenticator (zero). */
GBytes *vb_save_image_header_encode (const char *xml, guint32 flags, guint64 stream_length);
/* Checks @data (the file's first bytes; @file_size the whole file's size):
 * VB_ERROR_INVALID_ARGUMENT saying what is wrong: not a save image, an
 * unsupported version, truncated, not marked complete. */
gboolean vb_save_image_header_decode (const guint8 *data, gsize length, guint64 file_size,
                                      VbSaveImageHeader *header, GError **error);

/* ---- writing ---- */

typedef struct _VbSaveWriter VbSaveWriter;

/* Creates a temporary file beside @path holding the header (not
 * complete), its offset at the stream's start. With @key (may be NULL) the
 * image gets an authenticator when committed. Unless @replace, a file (or
 * anything else) at @path is refused (VB_ERROR_INVALID_ARGUMENT), now and
 * again when the image takes its name. */
VbSaveWriter *vb_save_writer_new (const char *path, const char *xml, guint32 flags, GBytes *key,
                                  gboolean replace, GError **error);
/* The file, for the hypervisor to write the stream into (it keeps a dup;
 * the dup shares the file offset, which is how progress is read). */
int vb_save_writer_get_fd (VbSaveWriter *writer);
/* Bytes of the stream written so far (any thread). */
guint64 vb_save_writer_get_bytes (VbSaveWriter *writer);
/* In a thread: follows what the hypervisor writes, pushing it to the
 * device as it comes (so dirty pages stay bounded and the final sync is
 * short), until @cancellable is cancelled; then completes. */
void vb_save_writer_follow_async (VbSaveWriter *writer, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
void vb_save_writer_follow_finish (VbSaveWriter *writer, GAsyncResult *result);
/* In a thread: syncs the data, marks the header complete (and writes the
 * authenticator), syncs, gives the file its final name (replacing what is
 * there only when the writer may replace) and syncs the directory. */
void vb_save_writer_commit_async (VbSaveWriter *writer, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean vb_save_writer_commit_finish (VbSaveWriter *writer, GAsyncResult *result, GError **error);
/* Removes the temporary file unless committed. */
void vb_save_writer_free (VbSaveWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbSaveWriter, vb_save_writer_free)

/* ---- reading ---- */

typedef struct {
  VbSaveImageHeader header;
  int fd;                 /* positioned at the stream */
  gboolean authenticated; /* its authenticator is valid for the key it was opened with */
} VbSaveImage;

void vb_save_image_free (VbSaveImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbSaveImage, vb_save_image_free)

/* In a thread: opens @path (a symlink there is refused) and checks its
 * header (see decode), and its authenticator against @key (may be NULL:
 * then no image is authenticated). */
void vb_save_image_open_async (const char *path, GBytes *key, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
VbSaveImage *vb_save_image_open_finish (GAsyncResult *result, GError **error);

/* In a thread: removes @path (and @also when not NULL); a missing file is no error. */
void vb_save_image_remove_async (const char *path, const char *also, GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean vb_save_image_remove_finish (GAsyncResult *result, GError **error);

G_END_DECLS
