/* The save image: its header, its durable writer and its checked reader. */
#define _GNU_SOURCE
#include "save-image.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-open.h"

/* How often the follower looks how far the hypervisor got. */
#define FOLLOW_INTERVAL_US 5000
/* Written data is pushed to the device in windows of this size, so the
 * final sync has little left to do and dirty pages stay bounded. */
#define SYNC_WINDOW (32 * 1024 * 1024)

#define OFF_VERSION 8
#define OFF_FLAGS 12
#define OFF_XML_LENGTH 16
#define OFF_DATA_OFFSET 24
#define OFF_STREAM_LENGTH 32

void
vb_save_image_header_clear (VbSaveImageHeader *header)
{
  g_clear_pointer (&header->xml, g_free);
}

static void
put_u32 (guint8 *at, guint32 value)
{
  value = GUINT32_TO_LE (value);
  memcpy (at, &value, sizeof value);
}

static void
put_u64 (guint8 *at, guint64 value)
{
  value = GUINT64_TO_LE (value);
  memcpy (at, &value, sizeof value);
}

static guint32
get_u32 (const guint8 *at)
{
  guint32 value;
  memcpy (&value, at, sizeof value);
  return GUINT32_FROM_LE (value);
}

static guint64
get_u64 (const guint8 *at)
{
  guint64 value;
  memcpy (&value, at, sizeof value);
  return GUINT64_FROM_LE (value);
}

static gsize
padded (gsize length)
{
  return (length + VB_SAVE_IMAGE_ALIGN - 1) / VB_SAVE_IMAGE_ALIGN * VB_SAVE_IMAGE_ALIGN;
}

static gsize
mac_size (guint32 flags)
{
  return flags & VB_SAVE_IMAGE_AUTHENTICATED ? VB_SAVE_IMAGE_MAC_SIZE : 0;
}

/* The authenticator of @fixed (the fixed part as written) and @xml. */
static void
compute_mac (GBytes *key, const guint8 *fixed, const char *xml, gsize xml_length,
             guint8 mac[VB_SAVE_IMAGE_MAC_SIZE])
{
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, g_bytes_get_data (key, NULL),
                                       g_bytes_get_size (key));
  gsize length = VB_SAVE_IMAGE_MAC_SIZE;

  g_hmac_update (hmac, fixed, VB_SAVE_IMAGE_FIXED_SIZE);
  g_hmac_update (hmac, (const guchar *) xml, (gssize) xml_length);
  g_hmac_get_digest (hmac, mac, &length);
}

/* Whatever the contents, as long for each: a forger learns nothing from the time. */
static gboolean
same_mac (const guint8 *a, const guint8 *b)
{
  guint8 differ = 0;

  for (gsize i = 0; i < VB_SAVE_IMAGE_MAC_SIZE; i++)
    differ |= a[i] ^ b[i];
  return differ == 0;
}

GBytes *
vb_save_image_header_encode (const char *xml, guint32 flags, guint64 stream_length)
{
  gsize xml_length = strlen (xml);
  gsize size = padded (VB_SAVE_IMAGE_FIXED_SIZE + xml_length + mac_size (flags));
  guint8 *data = g_malloc0 (size);

  memcpy (data, VB_SAVE_IMAGE_MAGIC, 8);
  put_u32 (data + OFF_VERSION, VB_SAVE_IMAGE_VERSION);
  put_u32 (data + OFF_FLAGS, flags);
  put_u32 (data + OFF_XML_LENGTH, (guint32) xml_length);
  put_u64 (data + OFF_DATA_OFFSET, size);
  put_u64 (data + OFF_STREAM_LENGTH, stream_length);
  memcpy (data + VB_SAVE_IMAGE_FIXED_SIZE, xml, xml_length);
  return g_bytes_new_take (data, size);
}

gboolean
vb_save_image_header_decode (const guint8 *data, gsize length, guint64 file_size,
                             VbSaveImageHeader *header, GError **error)
{
  guint32 xml_length;

  memset (header, 0, sizeof *header);
  if (length < 8 || memcmp (data, VB_SAVE_IMAGE_MAGIC, 8) != 0)
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "Not a virtbus save image (no %s magic)", VB_SAVE_IMAGE_MAGIC);
  if (length < VB_SAVE_IMAGE_FIXED_SIZE)
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "The save image is truncated: %" G_GSIZE_FORMAT
                            " bytes, shorter than its header",
                            length);
  header->version = get_u32 (data + OFF_VERSION);
  if (header->version != VB_SAVE_IMAGE_VERSION)
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "Unsupported save image version %u (this service reads version %u)",
                            header->version, VB_SAVE_IMAGE_VERSION);
  header->flags = get_u32 (data + OFF_FLAGS);
  xml_length = get_u32 (data + OFF_XML_LENGTH);
  header->data_offset = get_u64 (data + OFF_DATA_OFFSET);
  header->stream_length = get_u64 (data + OFF_STREAM_LENGTH);
  if (xml_length == 0 || xml_length > VB_SAVE_IMAGE_MAX_XML
      || header->data_offset
           != padded (VB_SAVE_IMAGE_FIXED_SIZE + xml_length + mac_size (header->flags)))
    return vb_error_refuse (
      error, VB_ERROR_INVALID_ARGUMENT,
      "The save image's header is damaged (XML length %u, data offset %" G_GUINT64_FORMAT ")",
      xml_length, header->data_offset);
  if (length < VB_SAVE_IMAGE_FIXED_SIZE + (gsize) xml_length + mac_size (header->flags))
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "The save image is truncated: it ends inside the domain XML");
  if (header->flags & VB_SAVE_IMAGE_AUTHENTICATED)
    memcpy (header->mac, data + VB_SAVE_IMAGE_FIXED_SIZE + xml_length, VB_SAVE_IMAGE_MAC_SIZE);
  if (!(header->flags & VB_SAVE_IMAGE_COMPLETE))
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "The save image is not marked complete: the save that wrote it "
                            "did not finish");
  if (header->stream_length == 0 || file_size < header->data_offset + header->stream_length)
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "The save image is truncated: %" G_GUINT64_FORMAT
                            " bytes, its header promises %" G_GUINT64_FORMAT,
                            file_size, header->data_offset + header->stream_length);
  header->xml = g_strndup ((const char *) data + VB_SAVE_IMAGE_FIXED_SIZE, xml_length);
  if (strlen (header->xml) != xml_length || !g_utf8_validate (header->xml, -1, NULL))
    {
      vb_save_image_header_clear (header);
      return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                              "The save image's domain XML is not text");
    }
  return TRUE;
}

/* ---- writing ---- */

struct _VbSaveWriter {
  char *path;
  char *temp_path;
  char *xml;
  GBytes *key; /* NULL: no authenticator */
  gboolean replace;
  guint32 flags;
  int file_fd; /* shared with the hypervisor: one file offset */
  guint64 header_size;
  gboolean committed;
};

static gboolean
set_errno_error (GError **error, int saved, const char *what, const char *path)
{
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot %s %s: %s", what, path,
               g_strerror (saved));
  return FALSE;
}

static gboolean
write_all (int fd, const void *data, gsize length, guint64 offset, int *saved)
{
  const guint8 *p = data;

  while (length > 0)
    {
      ssize_t n = pwrite (fd, p, length, (off_t) offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *saved = n < 0 ? errno : ENOSPC;
          return FALSE;
        }
      p += n;
      length -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

VbSaveWriter *
vb_save_writer_new (const char *path, const char *xml, guint32 flags, GBytes *key,
                    gboolean replace, GError **error)
{
  g_autoptr (VbSaveWriter) writer = g_new0 (VbSaveWriter, 1);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *template = g_strdup_printf ("%s/.%s.partial-XXXXXX", dir, base);
  guint32 header_flags =
    (flags & ~VB_SAVE_IMAGE_COMPLETE) | (key ? VB_SAVE_IMAGE_AUTHENTICATED : 0);
  g_autoptr (GBytes) header = vb_save_image_header_encode (xml, header_flags, 0);
  struct stat st;
  int saved;

  if (!replace && lstat (path, &st) == 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "%s exists: a save does not replace a file", path);
      return NULL;
    }
  /* The image is renamed over @path: as root that would replace a device
   * node or FIFO the caller named, so only a regular file (or nothing) may
   * be there. */
  if (stat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "%s is not a regular file (a FIFO, device, socket or directory cannot be used)",
                   path);
      return NULL;
    }
  writer->xml = g_strdup (xml);
  writer->key = key ? g_bytes_ref (key) : NULL;
  writer->replace = replace;
  flags = header_flags;
  writer->path = g_strdup (path);
  writer->flags = flags;
  writer->file_fd = g_mkstemp_full (template, O_WRONLY | O_CLOEXEC, 0600);
  if (writer->file_fd < 0)
    {
      set_errno_error (error, errno, "create a file in", dir);
      return NULL;
    }
  writer->temp_path = g_steal_pointer (&template);
  writer->header_size = g_bytes_get_size (header);
  if (!write_all (writer->file_fd, g_bytes_get_data (header, NULL), writer->header_size, 0, &saved))
    {
      set_errno_error (error, saved, "write", writer->temp_path);
      return NULL;
    }
  /* The hypervisor writes from here on, through its copy of the fd. */
  if (lseek (writer->file_fd, (off_t) writer->header_size, SEEK_SET) < 0)
    {
      set_errno_error (error, errno, "seek in", writer->temp_path);
      return NULL;
    }
  return g_steal_pointer (&writer);
}

int
vb_save_writer_get_fd (VbSaveWriter *writer)
{
  return writer->file_fd;
}

guint64
vb_save_writer_get_bytes (VbSaveWriter *writer)
{
  /* The offset is shared with the hypervisor's copy: it is how far it got. */
  off_t at = lseek (writer->file_fd, 0, SEEK_CUR);

  return at > (off_t) writer->header_size ? (guint64) at - writer->header_size : 0;
}

/* Starts write-back of the window just filled and waits for the one before,
 * as a streaming writer should: the page cache never holds more than two
 * windows of this file, and the final sync has little left to do. */
static void
push_window (int fd, guint64 end)
{
  sync_file_range (fd, (off_t) (end - SYNC_WINDOW), SYNC_WINDOW, SYNC_FILE_RANGE_WRITE);
  if (end >= 2 * SYNC_WINDOW)
    {
      sync_file_range (fd, (off_t) (end - 2 * SYNC_WINDOW), SYNC_WINDOW,
                       SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE
                         | SYNC_FILE_RANGE_WAIT_AFTER);
      /* Written and clean: the cache need not keep it. */
      posix_fadvise (fd, (off_t) (end - 2 * SYNC_WINDOW), SYNC_WINDOW, POSIX_FADV_DONTNEED);
    }
}

/* The hypervisor writes the file; this thread follows its offset and pushes
 * each written window to the device, off the hypervisor's path. */
static void
follow_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VbSaveWriter *writer = task_data;
  guint64 next_window = writer->header_size + SYNC_WINDOW;

  while (!g_cancellable_is_cancelled (cancellable))
    {
      off_t at = lseek (writer->file_fd, 0, SEEK_CUR);

      while (at >= 0 && (guint64) at >= next_window)
        {
          push_window (writer->file_fd, next_window);
          next_window += SYNC_WINDOW;
        }
      g_usleep (FOLLOW_INTERVAL_US);
    }
  g_task_return_boolean (task, TRUE);
}

void
vb_save_writer_follow_async (VbSaveWriter *writer, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  /* The cancel is how it is told to stop: no error. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, writer, NULL);
  g_task_run_in_thread (task, follow_in_thread);
}

void
vb_save_writer_follow_finish (VbSaveWriter *writer, GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

static gboolean
sync_directory (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved;

  if (fd < 0)
    return set_errno_error (error, errno, "open", dir);
  if (fsync (fd) < 0 && errno != EINVAL)
    {
      saved = errno;
      close (fd);
      return set_errno_error (error, saved, "sync", dir);
    }
  close (fd);
  return TRUE;
}

/* The authenticator of the fixed part as it is now written (complete, with
 * @length), and the XML. */
static gboolean
write_mac (VbSaveWriter *writer, guint64 length, int *saved)
{
  g_autoptr (GBytes) header =
    vb_save_image_header_encode (writer->xml, writer->flags | VB_SAVE_IMAGE_COMPLETE, length);
  guint8 mac[VB_SAVE_IMAGE_MAC_SIZE];
  gsize xml_length = strlen (writer->xml);

  compute_mac (writer->key, g_bytes_get_data (header, NULL), writer->xml, xml_length, mac);
  return write_all (writer->file_fd, mac, sizeof mac, VB_SAVE_IMAGE_FIXED_SIZE + xml_length, saved);
}

/* Renames the complete image to its name; unless the writer may replace,
 * never over anything there, however it got there since the writer began. */
static gboolean
take_name (VbSaveWriter *writer, GError **error)
{
  int saved;

  if (writer->replace)
    {
      if (g_rename (writer->temp_path, writer->path) == 0)
        return TRUE;
    }
  else if (renameat2 (AT_FDCWD, writer->temp_path, AT_FDCWD, writer->path, RENAME_NOREPLACE) == 0)
    return TRUE;
  else if (errno == EINVAL || errno == ENOSYS)
    {
      /* A file system without RENAME_NOREPLACE: link() never replaces either. */
      if (link (writer->temp_path, writer->path) == 0)
        {
          g_unlink (writer->temp_path);
          return TRUE;
        }
    }
  saved = errno;
  if (saved == EEXIST)
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                 "%s exists: a save does not replace a file", writer->path);
  else
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot rename %s to %s: %s",
                 writer->temp_path, writer->path, g_strerror (saved));
  return FALSE;
}

static void
commit_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VbSaveWriter *writer = task_data;
  guint64 length = vb_save_writer_get_bytes (writer);
  guint8 fields[4];
  guint8 stream_length[8];
  GError *error = NULL;
  int saved;

  if (length == 0)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "The hypervisor sent no state to save");
      return;
    }
  /* The data first: a late ENOSPC or EIO shows up here, before the image
   * claims to be complete. */
  if (fdatasync (writer->file_fd) < 0)
    {
      set_errno_error (&error, errno, "write", writer->temp_path);
      g_task_return_error (task, error);
      return;
    }
  put_u32 (fields, writer->flags | VB_SAVE_IMAGE_COMPLETE);
  put_u64 (stream_length, length);
  if (!write_all (writer->file_fd, stream_length, sizeof stream_length, OFF_STREAM_LENGTH, &saved)
      || !write_all (writer->file_fd, fields, sizeof fields, OFF_FLAGS, &saved)
      || (writer->key && !write_mac (writer, length, &saved))
      || (fdatasync (writer->file_fd) < 0 && ((saved = errno), TRUE)))
    {
      set_errno_error (&error, saved, "write", writer->temp_path);
      g_task_return_error (task, error);
      return;
    }
  if (!take_name (writer, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  writer->committed = TRUE;
  if (!sync_directory (writer->path, &error))
    {
      /* The image is whole, yet its name may not survive a crash: say so. */
      g_unlink (writer->path);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
vb_save_writer_commit_async (VbSaveWriter *writer, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_task_data (task, writer, NULL);
  g_task_run_in_thread (task, commit_in_thread);
}

gboolean
vb_save_writer_commit_finish (VbSaveWriter *writer, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_save_writer_free (VbSaveWriter *writer)
{
  if (!writer)
    return;
  if (writer->file_fd >= 0)
    close (writer->file_fd);
  if (writer->temp_path && !writer->committed)
    g_unlink (writer->temp_path);
  g_free (writer->temp_path);
  g_free (writer->path);
  g_free (writer->xml);
  g_clear_pointer (&writer->key, g_bytes_unref);
  g_free (writer);
}

/* ---- reading ---- */

void
vb_save_image_free (VbSaveImage *image)
{
  if (!image)
    return;
  if (image->fd >= 0)
    close (image->fd);
  vb_save_image_header_clear (&image->header);
  g_free (image);
}

typedef struct {
  char *path;
  GBytes *key;
} OpenArgs;

static void
open_args_free (OpenArgs *args)
{
  g_free (args->path);
  g_clear_pointer (&args->key, g_bytes_unref);
  g_free (args);
}

static void
open_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  OpenArgs *args = task_data;
  const char *path = args->path;
  g_autoptr (VbSaveImage) image = g_new0 (VbSaveImage, 1);
  g_autofree guint8 *head = NULL;
  gsize want, have = 0;
  struct stat st;
  GError *error = NULL;

  /* The caller names the file: a FIFO there must not pin this thread. */
  /* O_NOFOLLOW: the image is the caller's file, opened as root. */
  image->fd = vb_open_regular (AT_FDCWD, path, O_RDONLY | O_NOFOLLOW, &error);
  if (image->fd < 0 || fstat (image->fd, &st) < 0)
    {
      if (!error)
        g_set_error (&error, VB_ERROR, VB_ERROR_FAILED, "Cannot stat %s: %s", path,
                     g_strerror (errno));
      g_prefix_error (&error, "Cannot open the save image: ");
      g_task_return_error (task, error);
      return;
    }
  want = (gsize) MIN ((guint64) st.st_size,
                      VB_SAVE_IMAGE_FIXED_SIZE + VB_SAVE_IMAGE_MAX_XML + VB_SAVE_IMAGE_MAC_SIZE);
  head = g_malloc (MAX (want, 1));
  while (have < want)
    {
      ssize_t n = pread (image->fd, head + have, want - have, (off_t) have);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "Cannot read %s: %s", path,
                                   g_strerror (saved));
          return;
        }
      if (n == 0)
        break;
      have += (gsize) n;
    }
  if (!vb_save_image_header_decode (head, have, (guint64) st.st_size, &image->header, &error))
    {
      g_prefix_error (&error, "%s: ", path);
      g_task_return_error (task, error);
      return;
    }
  if (args->key && (image->header.flags & VB_SAVE_IMAGE_AUTHENTICATED))
    {
      guint8 mac[VB_SAVE_IMAGE_MAC_SIZE];

      compute_mac (args->key, head, image->header.xml, strlen (image->header.xml), mac);
      image->authenticated = same_mac (mac, image->header.mac);
    }
  /* The hypervisor reads it once, front to back: read ahead while it starts. */
  posix_fadvise (image->fd, (off_t) image->header.data_offset, 0, POSIX_FADV_SEQUENTIAL);
  posix_fadvise (image->fd, (off_t) image->header.data_offset, 0, POSIX_FADV_WILLNEED);
  if (lseek (image->fd, (off_t) image->header.data_offset, SEEK_SET) < 0)
    {
      int saved = errno;
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "Cannot seek in %s: %s", path,
                               g_strerror (saved));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&image), (GDestroyNotify) vb_save_image_free);
}

void
vb_save_image_open_async (const char *path, GBytes *key, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  OpenArgs *args = g_new0 (OpenArgs, 1);

  args->path = g_strdup (path);
  args->key = key ? g_bytes_ref (key) : NULL;
  g_task_set_task_data (task, args, (GDestroyNotify) open_args_free);
  g_task_run_in_thread (task, open_in_thread);
}

VbSaveImage *
vb_save_image_open_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
remove_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  char **paths = task_data;

  for (guint i = 0; paths[i]; i++)
    if (g_unlink (paths[i]) < 0 && errno != ENOENT)
      {
        int saved = errno;
        g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "Cannot remove %s: %s", paths[i],
                                 g_strerror (saved));
        return;
      }
  if (paths[0])
    sync_directory (paths[0], NULL);
  g_task_return_boolean (task, TRUE);
}

void
vb_save_image_remove_async (const char *path, const char *also, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  char **paths = g_new0 (char *, 3);

  paths[0] = g_strdup (path);
  paths[1] = g_strdup (also);
  g_task_set_task_data (task, paths, (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, remove_in_thread);
}

gboolean
vb_save_image_remove_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
