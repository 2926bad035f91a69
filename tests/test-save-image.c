/* The save image format and its writer, without a guest: the header's
 * checks, and the durable write through a pipe to a complete image. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "save-image.h"
#include "save-key.h"
#include "vb-error.h"

#define XML "<domain type='qemu'><name>x</name></domain>"

static void
test_round_trip (void)
{
  g_autoptr (GBytes) bytes =
    vb_save_image_header_encode (XML, VB_SAVE_IMAGE_COMPLETE | VB_SAVE_IMAGE_WAS_RUNNING, 12345);
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  VbSaveImageHeader header;
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (length, ==, VB_SAVE_IMAGE_ALIGN);
  g_assert_cmpmem (data, 8, VB_SAVE_IMAGE_MAGIC, 8);
  g_assert_true (vb_save_image_header_decode (data, length, length + 12345, &header, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (header.version, ==, VB_SAVE_IMAGE_VERSION);
  g_assert_cmpuint (header.flags, ==, VB_SAVE_IMAGE_COMPLETE | VB_SAVE_IMAGE_WAS_RUNNING);
  g_assert_cmpstr (header.xml, ==, XML);
  g_assert_cmpuint (header.data_offset, ==, VB_SAVE_IMAGE_ALIGN);
  g_assert_cmpuint (header.stream_length, ==, 12345);
  vb_save_image_header_clear (&header);
}

static void
expect_invalid (const guint8 *data, gsize length, guint64 file_size, const char *words)
{
  VbSaveImageHeader header;
  g_autoptr (GError) error = NULL;

  g_assert_false (vb_save_image_header_decode (data, length, file_size, &header, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  if (!strstr (error->message, words))
    g_error ("'%s' does not say '%s'", error->message, words);
  g_assert_null (header.xml);
}

static void
test_refusals (void)
{
  g_autoptr (GBytes) bytes = vb_save_image_header_encode (XML, VB_SAVE_IMAGE_COMPLETE, 100);
  gsize length;
  g_autofree guint8 *data = g_bytes_unref_to_data (g_bytes_ref (bytes), &length);
  guint8 noise[512];

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_random_int ();
  expect_invalid ((const guint8 *) "", 0, 0, "Not a virtbus save image");
  expect_invalid (noise, sizeof noise, sizeof noise, "Not a virtbus save image");
  /* The magic alone, or cut inside the XML. */
  expect_invalid (data, 8, 8, "truncated");
  expect_invalid (data, 50, 50, "truncated");
  /* The stream is shorter than the header says. */
  expect_invalid (data, length, length + 99, "truncated");
  /* Not complete. */
  data[12] &= ~VB_SAVE_IMAGE_COMPLETE;
  expect_invalid (data, length, length + 100, "not marked complete");
  data[12] |= VB_SAVE_IMAGE_COMPLETE;
  /* Another version. */
  data[8] = 2;
  expect_invalid (data, length, length + 100, "Unsupported save image version 2");
  data[8] = 1;
  /* A damaged length field. */
  data[16] = 0xff;
  data[17] = 0xff;
  data[18] = 0xff;
  expect_invalid (data, length, length + 100, "damaged");
}

typedef struct {
  int fd;
  gsize bytes;
} Feed;

static gpointer
feed (gpointer user_data)
{
  Feed *f = user_data;
  g_autofree guint8 *block = g_malloc (65536);
  gsize left = f->bytes;

  for (gsize i = 0; i < 65536; i++)
    block[i] = (guint8) (i * 7);
  while (left > 0)
    {
      ssize_t n = write (f->fd, block, MIN (left, 65536));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      left -= (gsize) n;
    }
  close (f->fd);
  return NULL;
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (!*slot)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
got (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

#define KEY "0123456789abcdef0123456789abcdef"
#define OTHER_KEY "fedcba9876543210fedcba9876543210"

static gboolean
open_authenticated (const char *path, GBytes *key)
{
  g_autoptr (GAsyncResult) opened = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VbSaveImage) image = NULL;

  vb_save_image_open_async (path, key, NULL, got, &opened);
  image = vb_save_image_open_finish (wait_result (&opened), &error);
  g_assert_no_error (error);
  return image->authenticated;
}

static guint
count_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_writer (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-save-image-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "x.save", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = g_bytes_new_static (KEY, 32);
  g_autoptr (GBytes) other_key = g_bytes_new_static (OTHER_KEY, 32);
  g_autoptr (VbSaveWriter) writer =
    vb_save_writer_new (path, XML, VB_SAVE_IMAGE_WAS_RUNNING, key, FALSE, &error);
  g_autoptr (GCancellable) stop = g_cancellable_new ();
  g_autoptr (GAsyncResult) followed = NULL;
  g_autoptr (GAsyncResult) committed = NULL;
  g_autoptr (GAsyncResult) opened = NULL;
  g_autoptr (VbSaveImage) image = NULL;
  Feed f = { -1, 100 * 1024 * 1024 + 123 };
  GThread *thread;
  guint8 first[16];

  g_assert_no_error (error);
  /* Only the temporary file exists while the stream flows. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (dir), ==, 1);
  g_assert_cmpuint (vb_save_writer_get_bytes (writer), ==, 0);
  /* The "hypervisor" gets a dup, as over SCM_RIGHTS: the offset is shared. */
  f.fd = dup (vb_save_writer_get_fd (writer));
  vb_save_writer_follow_async (writer, stop, got, &followed);
  thread = g_thread_new ("feed", feed, &f);
  g_thread_join (thread);
  g_assert_cmpuint (vb_save_writer_get_bytes (writer), ==, f.bytes);
  g_cancellable_cancel (stop);
  vb_save_writer_follow_finish (writer, wait_result (&followed));
  vb_save_writer_commit_async (writer, got, &committed);
  g_assert_true (vb_save_writer_commit_finish (writer, wait_result (&committed), &error));
  g_assert_no_error (error);
  g_clear_pointer (&writer, vb_save_writer_free);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_files (dir), ==, 1);

  vb_save_image_open_async (path, key, NULL, got, &opened);
  image = vb_save_image_open_finish (wait_result (&opened), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (image->header.xml, ==, XML);
  g_assert_cmpuint (image->header.flags, ==,
                    VB_SAVE_IMAGE_COMPLETE | VB_SAVE_IMAGE_WAS_RUNNING
                      | VB_SAVE_IMAGE_AUTHENTICATED);
  /* The service's key vouches for it; another key, or none, does not. */
  g_assert_true (image->authenticated);
  g_assert_false (open_authenticated (path, other_key));
  g_assert_false (open_authenticated (path, NULL));
  /* One changed byte of the XML, or of the fixed part, and it is no longer
   * the service's. */
  {
    g_autofree char *contents = NULL;
    gsize length;
    g_autofree char *forged = g_build_filename (dir, "forged.save", NULL);

    g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
    contents[VB_SAVE_IMAGE_FIXED_SIZE + 1] ^= 1;
    g_assert_true (g_file_set_contents (forged, contents, (gssize) length, NULL));
    g_assert_false (open_authenticated (forged, key));
    contents[VB_SAVE_IMAGE_FIXED_SIZE + 1] ^= 1;
    contents[12] ^= VB_SAVE_IMAGE_WAS_RUNNING;
    g_assert_true (g_file_set_contents (forged, contents, (gssize) length, NULL));
    g_assert_false (open_authenticated (forged, key));
    contents[12] ^= VB_SAVE_IMAGE_WAS_RUNNING;
    g_assert_true (g_file_set_contents (forged, contents, (gssize) length, NULL));
    g_assert_true (open_authenticated (forged, key));
    g_unlink (forged);
  }
  g_assert_cmpuint (image->header.stream_length, ==, f.bytes);
  /* The fd is at the stream's first byte. */
  g_assert_cmpint (read (image->fd, first, sizeof first), ==, sizeof first);
  for (guint i = 0; i < sizeof first; i++)
    g_assert_cmpuint (first[i], ==, (guint8) (i * 7));
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_writer_abandoned (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-save-image-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "x.save", NULL);
  g_autoptr (GError) error = NULL;
  VbSaveWriter *writer = vb_save_writer_new (path, XML, 0, NULL, FALSE, &error);
  g_autoptr (GAsyncResult) committed = NULL;

  g_assert_no_error (error);
  /* Nothing written: the commit refuses to mark an empty stream complete. */
  vb_save_writer_commit_async (writer, got, &committed);
  g_assert_false (vb_save_writer_commit_finish (writer, wait_result (&committed), &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  vb_save_writer_free (writer);
  /* Nothing is left: no final name, no temporary file. */
  g_assert_cmpuint (count_files (dir), ==, 0);
  g_rmdir (dir);
}

static void
test_writer_no_directory (void)
{
  g_autoptr (GError) error = NULL;
  VbSaveWriter *writer = vb_save_writer_new ("/nonexistent/dir/x.save", XML, 0, NULL, FALSE, &error);

  g_assert_null (writer);
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "No such file or directory"));
}

/* Writes a few bytes as the hypervisor would and commits. */
static gboolean
write_and_commit (VbSaveWriter *writer, GError **error)
{
  g_autoptr (GAsyncResult) committed = NULL;

  g_assert_cmpint (write (vb_save_writer_get_fd (writer), "stream", 6), ==, 6);
  vb_save_writer_commit_async (writer, got, &committed);
  return vb_save_writer_commit_finish (writer, wait_result (&committed), error);
}

/* A save never replaces a file: not one there before, not one that came
 * while it ran; a managed save (which may replace) does. */
static void
test_writer_no_replace (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-save-image-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "x.save", NULL);
  g_autofree char *link = g_build_filename (dir, "link.save", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  VbSaveWriter *writer;

  g_assert_true (g_file_set_contents (path, "precious", -1, NULL));
  g_assert_null (vb_save_writer_new (path, XML, 0, NULL, FALSE, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "exists"));
  g_clear_error (&error);
  /* A dangling symlink is something there too. */
  g_assert_cmpint (symlink ("/nonexistent/target", link), ==, 0);
  g_assert_null (vb_save_writer_new (link, XML, 0, NULL, FALSE, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_unlink (link);

  /* Made while the save ran. */
  g_unlink (path);
  writer = vb_save_writer_new (path, XML, 0, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "precious", -1, NULL));
  g_assert_false (write_and_commit (writer, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  vb_save_writer_free (writer);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "precious");
  g_assert_cmpuint (count_files (dir), ==, 1);

  /* The managed image is the service's own: a new one replaces it. */
  writer = vb_save_writer_new (path, XML, 0, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (write_and_commit (writer, &error));
  g_assert_no_error (error);
  vb_save_writer_free (writer);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, VB_SAVE_IMAGE_MAGIC));
  g_unlink (path);
  g_rmdir (dir);
}

/* The reader does not follow a symlink the caller planted. */
static void
test_open_no_symlink (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-save-image-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "x.save", NULL);
  g_autofree char *link = g_build_filename (dir, "link.save", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) opened = NULL;
  g_autoptr (VbSaveImage) image = NULL;
  VbSaveWriter *writer = vb_save_writer_new (path, XML, 0, NULL, FALSE, &error);

  g_assert_no_error (error);
  g_assert_true (write_and_commit (writer, &error));
  vb_save_writer_free (writer);
  g_assert_cmpint (symlink (path, link), ==, 0);
  vb_save_image_open_async (link, NULL, NULL, got, &opened);
  image = vb_save_image_open_finish (wait_result (&opened), &error);
  g_assert_null (image);
  g_assert_nonnull (error);
  g_unlink (link);
  g_unlink (path);
  g_rmdir (dir);
}

/* Made 0600 on first use, the same bytes after. */
static void
test_key (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-save-key-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, VB_SAVE_KEY_FILE, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) first = vb_save_key_load (dir, &error);
  g_autoptr (GBytes) again = NULL;
  struct stat st;

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (first), ==, VB_SAVE_KEY_SIZE);
  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  again = vb_save_key_load (dir, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (first, again));
  /* Readable by others: not a secret any more, refused. */
  g_assert_cmpint (chmod (path, 0644), ==, 0);
  g_assert_null (vb_save_key_load (dir, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/save-image/round-trip", test_round_trip);
  g_test_add_func ("/save-image/refusals", test_refusals);
  g_test_add_func ("/save-image/writer", test_writer);
  g_test_add_func ("/save-image/writer-abandoned", test_writer_abandoned);
  g_test_add_func ("/save-image/writer-no-directory", test_writer_no_directory);
  g_test_add_func ("/save-image/writer-no-replace", test_writer_no_replace);
  g_test_add_func ("/save-image/open-no-symlink", test_open_no_symlink);
  g_test_add_func ("/save-image/key", test_key);
  return g_test_run ();
}
