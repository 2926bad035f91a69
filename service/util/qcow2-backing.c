#include "qcow2-backing.h"

#include "image-refs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-open.h"

/* The qcow2 header, as docs/interop/qcow2.txt of QEMU lays it out. */
#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */
#define V2_HEADER_LENGTH 72
#define V3_HEADER_LENGTH 104
#define EXT_END 0x00000000u
#define EXT_BACKING_FORMAT 0xe2792acau
#define EXT_DATA_FILE 0x44415441u
#define INCOMPAT_DATA_FILE (1u << 2)
/* The header and its extensions lie in the first cluster (2 MiB at most);
 * the extensions of any image qemu-img makes fit well in this. */
#define HEADER_READ 65536

void
vb_backing_file_free (VbBackingFile *file)
{
  if (!file)
    return;
  g_free (file->path);
  g_free (file->format);
  g_free (file);
}

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return (guint64) be32 (p) << 32 | be32 (p + 4);
}

static gboolean
is_qcow2 (const guint8 *data, gsize length, guint32 *version)
{
  if (length < V2_HEADER_LENGTH || be32 (data) != QCOW2_MAGIC)
    return FALSE;
  *version = be32 (data + 4);
  return *version == 2 || (*version == 3 && length >= V3_HEADER_LENGTH);
}

gboolean
vb_qcow2_backing_location (const guint8 *data, gsize length, guint64 *offset, guint32 *size)
{
  guint32 version;

  if (!is_qcow2 (data, length, &version))
    return FALSE;
  *offset = be64 (data + 8);
  *size = be32 (data + 16);
  return *offset != 0 && *size != 0;
}

static gboolean parse_header (const guint8 *data, gsize length, const guint8 *name,
                              gsize name_length, gboolean data_file_ok, char **name_out,
                              char **format_out, GError **error);

gboolean
vb_qcow2_parse_header (const guint8 *data, gsize length, const guint8 *name, gsize name_length,
                       char **name_out, char **format_out, GError **error)
{
  return parse_header (data, length, name, name_length, FALSE, name_out, format_out, error);
}

/* @data_file_ok: the caller gives QEMU the image's data file itself
 * (<dataStore>), so the one the header names is never opened. */
static gboolean
parse_header (const guint8 *data, gsize length, const guint8 *name, gsize name_length,
              gboolean data_file_ok, char **name_out, char **format_out, GError **error)
{
  guint32 version, size, header_length = V2_HEADER_LENGTH;
  guint64 offset, ext_end;
  g_autofree char *format = NULL;

  *name_out = NULL;
  *format_out = NULL;
  if (!is_qcow2 (data, length, &version))
    return TRUE;
  if (version == 3)
    {
      if ((be64 (data + 72) & INCOMPAT_DATA_FILE) && !data_file_ok)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "the image has an external data file, which is not supported");
          return FALSE;
        }
      header_length = be32 (data + 100);
    }
  offset = be64 (data + 8);
  size = be32 (data + 16);
  ext_end = offset ? offset : length;
  /* The extensions: type, length, data padded to 8 bytes, until type 0. */
  for (guint64 at = header_length; at + 8 <= MIN (ext_end, length);)
    {
      guint32 type = be32 (data + at), ext_length = be32 (data + at + 4);

      if (type == EXT_END || at + 8 + ext_length > length)
        break;
      if (type == EXT_BACKING_FORMAT && !format)
        format = g_strndup ((const char *) data + at + 8, ext_length);
      else if (type == EXT_DATA_FILE && !data_file_ok)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "the image names an external data file, which is not supported");
          return FALSE;
        }
      at += 8 + (((guint64) ext_length + 7) & ~(guint64) 7);
    }
  if (offset == 0 || size == 0)
    return TRUE;
  if (size > VB_QCOW2_BACKING_NAME_MAX)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "the image's backing file name is %u bytes long (at most %d)", size,
                   VB_QCOW2_BACKING_NAME_MAX);
      return FALSE;
    }
  if (!name || name_length < size)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "the image's backing file name lies beyond its end");
      return FALSE;
    }
  /* QEMU reads the name as a C string: it ends at a NUL. */
  *name_out = g_strndup ((const char *) name, size);
  if (!**name_out)
    g_clear_pointer (name_out, g_free);
  else
    *format_out = g_steal_pointer (&format);
  return TRUE;
}

/* QEMU's path_has_protocol(): a ':' before any '/' makes a name a
 * protocol ("nbd:", "json:", "file:", ...), not a file. */
static gboolean
has_protocol (const char *name)
{
  const char *colon = strchr (name, ':');
  const char *slash = strchr (name, '/');

  return colon && (!slash || colon < slash);
}

static gssize
read_at (int fd, guint8 *buffer, gsize length, guint64 offset)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = pread (fd, buffer + done, length - done, (off_t) (offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      done += n;
    }
  return done;
}

/* The backing name and format of @path; *@name NULL when it has none or
 * does not exist. @st: what was opened, for loop detection. */
static gboolean
read_image (const char *path, gboolean data_file_ok, char **name, char **format, struct stat *st,
            GError **error)
{
  g_autofree guint8 *header = g_malloc (HEADER_READ);
  guint8 backing[VB_QCOW2_BACKING_NAME_MAX];
  gssize length, name_length = 0;
  guint64 offset;
  guint32 size;
  g_autoptr (GError) local = NULL;
  int fd;

  *name = NULL;
  *format = NULL;
  /* Never opens a device or FIFO (vb_open_image): this runs as root before
   * polkit is asked about a path outside the pools. */
  fd = vb_open_image (path, st, &local);
  if (fd < 0)
    {
      /* Not there (yet): QEMU will not open it either; nothing to follow. */
      if (g_error_matches (local, VB_ERROR, VB_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  length = read_at (fd, header, HEADER_READ, 0);
  if (length >= 0 && vb_qcow2_backing_location (header, length, &offset, &size))
    name_length = read_at (fd, backing, MIN (size, sizeof backing), offset);
  close (fd);
  if (length < 0 || name_length < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "cannot read %s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  if (!parse_header (header, length, name_length ? backing : NULL, name_length, data_file_ok, name,
                     format, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_qcow2_image_check (const char *image, GError **error)
{
  g_autofree char *name = NULL;
  g_autofree char *format = NULL;
  struct stat st;

  return read_image (image, FALSE, &name, &format, &st, error);
}

GPtrArray *
vb_qcow2_backing_chain (const char *image, const char *format, GError **error)
{
  return vb_qcow2_backing_chain_data_file (image, format, FALSE, error);
}

GPtrArray *
vb_qcow2_backing_chain_data_file (const char *image, const char *format, gboolean data_file_given,
                                  GError **error)
{
  g_autoptr (GPtrArray) chain =
    g_ptr_array_new_with_free_func ((GDestroyNotify) vb_backing_file_free);
  g_autoptr (GArray) seen = g_array_new (FALSE, FALSE, sizeof (struct stat));
  g_autofree char *current = g_strdup (image);
  g_autofree char *current_format = g_strdup (format);

  while (g_strcmp0 (current_format, "qcow2") == 0)
    {
      g_autofree char *name = NULL;
      g_autofree char *name_format = NULL;
      g_autofree char *dir = NULL;
      VbBackingFile *file;
      struct stat st;

      /* Only the top image's data file is the caller's <dataStore>. */
      if (!read_image (current, data_file_given && seen->len == 0, &name, &name_format, &st, error))
        return NULL;
      if (!name)
        break;
      for (guint i = 0; i < seen->len; i++)
        {
          const struct stat *other = &g_array_index (seen, struct stat, i);

          if (other->st_dev == st.st_dev && other->st_ino == st.st_ino)
            {
              g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                           "the backing chain of %s loops back to %s", image, current);
              return NULL;
            }
        }
      g_array_append_val (seen, st);
      if (has_protocol (name))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "%s names the backing file '%.64s%s', which is not a plain file path",
                       current, name, strlen (name) > 64 ? "..." : "");
          return NULL;
        }
      if (!name_format
          || !(g_str_equal (name_format, "qcow2")
               || g_strv_contains ((const char *const[]){ VB_IMAGE_OTHER_FORMATS, NULL },
                                   name_format)))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "%s names its backing file %s %s%s%s; only raw, qcow2, qed, vmdk, vpc, "
                       "vdi and vhdx backing files with their format recorded (qemu-img rebase "
                       "-F) are supported",
                       current, name, name_format ? "in format '" : "without a format",
                       name_format ? name_format : "", name_format ? "'" : "");
          return NULL;
        }
      if (chain->len == VB_QCOW2_CHAIN_MAX)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "the backing chain of %s is deeper than %d images", image,
                       VB_QCOW2_CHAIN_MAX);
          return NULL;
        }
      dir = g_path_get_dirname (current);
      file = g_new0 (VbBackingFile, 1);
      file->path = g_path_is_absolute (name) ? g_strdup (name) : g_build_filename (dir, name, NULL);
      file->format = g_strdup (name_format);
      {
        struct stat named;

        file->block = stat (file->path, &named) == 0 && S_ISBLK (named.st_mode);
      }
      g_ptr_array_add (chain, file);
      g_free (current);
      current = g_strdup (file->path);
      g_free (current_format);
      current_format = g_strdup (name_format);
    }
  /* The end of the chain: an image of another format must name no file
   * QEMU would open that this walk has not seen. */
  if (!vb_image_self_contained (current, current_format, error))
    return NULL;
  return g_steal_pointer (&chain);
}
