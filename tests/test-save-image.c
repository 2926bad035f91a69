/* The save image format and its writer, without a guest: the header's
 * checks, and the durable write through a pipe to a complete image. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "save-image.h"
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
  g_autoptr (VbSaveWriter) writer =
    vb_save_writer_new (path, XML, VB_SAVE_IMAGE_WAS_RUNNING, &error);
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

  vb_save_image_open_async (path, NULL, got, &opened);
  image = vb_save_image_open_finish (wait_result (&opened), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (image->header.xml, ==, XML);
  g_assert_cmpuint (image->header.flags, ==, VB_SAVE_IMAGE_COMPLETE | VB_SAVE_IMAGE_WAS_RUNNING);
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
  VbSaveWriter *writer = vb_save_writer_new (path, XML, 0, &error);
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
  VbSaveWriter *writer = vb_save_writer_new ("/nonexistent/dir/x.save", XML, 0, &error);

  g_assert_null (writer);
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "No such file or directory"));
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
  return g_test_run ();
}
