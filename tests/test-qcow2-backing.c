/* The backing chain a qcow2 header names: hand-made headers for the
 * parser, and real files for the walk (relative names, loops, depth). */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qcow2-backing.h"
#include "vb-error.h"
#include "vb-test-fifo.h"

static void
put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static void
put64 (guint8 *p, guint64 v)
{
  put32 (p, v >> 32);
  put32 (p + 4, v);
}

/* A version 3 header of 104 bytes; @format as a backing format extension
 * when not NULL; @name at offset 512. Returns the image's length. */
static gsize
make_image (guint8 *image, gsize size, const char *name, guint32 name_size, const char *format)
{
  gsize at = 104;

  memset (image, 0, size);
  put32 (image, 0x514649fb);
  put32 (image + 4, 3);
  put32 (image + 20, 16);
  put32 (image + 100, 104);
  if (format)
    {
      put32 (image + at, 0xe2792aca);
      put32 (image + at + 4, strlen (format));
      memcpy (image + at + 8, format, strlen (format));
      at += 8 + ((strlen (format) + 7) & ~7);
    }
  put32 (image + at, 0); /* end of extensions */
  if (name)
    {
      put64 (image + 8, 512);
      put32 (image + 16, name_size);
      memcpy (image + 512, name, MIN (strlen (name), size - 512));
    }
  return size;
}

static void
parse (const guint8 *image, gsize length, char **name, char **format, GError **error)
{
  guint64 offset = 0;
  guint32 size = 0;
  const guint8 *at = NULL;
  gsize available = 0;

  if (vb_qcow2_backing_location (image, length, &offset, &size) && offset < length)
    {
      at = image + offset;
      available = MIN (length - offset, size);
    }
  vb_qcow2_parse_header (image, length, at, available, name, format, error);
}

static void
test_header (void)
{
  guint8 image[2048];
  g_autofree char *name = NULL;
  g_autofree char *format = NULL;
  g_autofree char *long_name = g_strnfill (1024, 'a');
  g_autoptr (GError) error = NULL;

  /* No backing file. */
  parse (image, make_image (image, sizeof image, NULL, 0, NULL), &name, &format, &error);
  g_assert_no_error (error);
  g_assert_null (name);

  /* A plain path with its format. */
  parse (image, make_image (image, sizeof image, "/srv/base.img", 13, "raw"), &name, &format,
         &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "/srv/base.img");
  g_assert_cmpstr (format, ==, "raw");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&format, g_free);

  /* json: is read as it is: the walk refuses it, not the parser. */
  parse (image, make_image (image, sizeof image, "json:{\"driver\":\"nbd\"}", 21, "qcow2"), &name,
         &format, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "json:{\"driver\":\"nbd\"}");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&format, g_free);

  /* Longer than QEMU takes. */
  parse (image, make_image (image, sizeof image, long_name, 1024, "raw"), &name, &format, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "1024 bytes"));
  g_clear_error (&error);

  /* Truncated: the name runs past the end of the file. */
  make_image (image, sizeof image, "/srv/base.img", 13, "raw");
  parse (image, 518, &name, &format, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* Truncated within the header: not a qcow2 image QEMU would open. */
  parse (image, 60, &name, &format, &error);
  g_assert_no_error (error);
  g_assert_null (name);

  /* Not qcow2 at all. */
  memset (image, 0, sizeof image);
  parse (image, sizeof image, &name, &format, &error);
  g_assert_no_error (error);
  g_assert_null (name);

  /* An external data file is another file QEMU would open. */
  make_image (image, sizeof image, NULL, 0, NULL);
  put64 (image + 72, 1u << 2);
  parse (image, sizeof image, &name, &format, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

static void
write_image (const char *path, const char *name, const char *format)
{
  guint8 image[1024];
  g_autoptr (GError) error = NULL;

  make_image (image, sizeof image, name, name ? strlen (name) : 0, format);
  g_file_set_contents (path, (const char *) image, sizeof image, &error);
  g_assert_no_error (error);
}

static void
test_chain (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-qcow2-XXXXXX", NULL);
  g_autofree char *top = g_build_filename (dir, "top.qcow2", NULL);
  g_autofree char *mid = g_build_filename (dir, "mid.qcow2", NULL);
  g_autofree char *base = g_build_filename (dir, "base.raw", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chain = NULL;
  g_autofree char *rm = NULL;

  /* top → mid (relative to top's directory) → base, raw: the end. */
  write_image (top, "mid.qcow2", "qcow2");
  write_image (mid, base, "raw");
  write_image (base, "/etc/shadow", "raw"); /* raw: its bytes name nothing */
  chain = vb_qcow2_backing_chain (top, "qcow2", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chain->len, ==, 2);
  g_assert_cmpstr (((VbBackingFile *) chain->pdata[0])->path, ==, mid);
  g_assert_cmpstr (((VbBackingFile *) chain->pdata[0])->format, ==, "qcow2");
  g_assert_cmpstr (((VbBackingFile *) chain->pdata[1])->path, ==, base);
  g_clear_pointer (&chain, g_ptr_array_unref);

  /* A raw disk has no chain, whatever its bytes say. */
  chain = vb_qcow2_backing_chain (top, "raw", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chain->len, ==, 0);
  g_clear_pointer (&chain, g_ptr_array_unref);

  /* A missing image (made later) has none yet. */
  chain = vb_qcow2_backing_chain (sub, "qcow2", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chain->len, ==, 0);
  g_clear_pointer (&chain, g_ptr_array_unref);

  /* json: and protocols are refused. */
  write_image (mid, "json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}", "raw");
  g_assert_null (vb_qcow2_backing_chain (top, "qcow2", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not a plain file path"));
  g_clear_error (&error);
  write_image (mid, "nbd:localhost:10809", "raw");
  g_assert_null (vb_qcow2_backing_chain (top, "qcow2", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* A ':' after a '/' is part of a file name. */
  write_image (mid, "./a:b", "raw");
  chain = vb_qcow2_backing_chain (top, "qcow2", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chain->len, ==, 2);
  g_clear_pointer (&chain, g_ptr_array_unref);

  /* Without a recorded format QEMU would probe: refused. */
  write_image (mid, base, NULL);
  g_assert_null (vb_qcow2_backing_chain (top, "qcow2", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  write_image (mid, base, "vmdk");
  g_assert_null (vb_qcow2_backing_chain (top, "qcow2", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A loop. */
  write_image (mid, "top.qcow2", "qcow2");
  g_assert_null (vb_qcow2_backing_chain (top, "qcow2", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "loops"));
  g_clear_error (&error);

  /* Deeper than VB_QCOW2_CHAIN_MAX: l0 → l1 → ... → l17. */
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  for (int i = 0; i <= VB_QCOW2_CHAIN_MAX + 1; i++)
    {
      g_autofree char *leaf = g_strdup_printf ("%s/l%d", sub, i);
      g_autofree char *next = g_strdup_printf ("l%d", i + 1);

      write_image (leaf, next, "qcow2");
    }
  {
    g_autofree char *l0 = g_build_filename (sub, "l0", NULL);

    g_assert_null (vb_qcow2_backing_chain (l0, "qcow2", &error));
    g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "deeper"));
    g_clear_error (&error);
  }

  /* Neither a regular file nor a block device. */
  write_image (mid, dir, "qcow2");
  g_assert_null (vb_qcow2_backing_chain (top, "qcow2", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  rm = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (rm), ==, 0);
}

/* An image with an external data file is refused unless the disk's XML
 * gives QEMU that file (<dataStore>), and then only for the top image: a
 * backing image's data file would still be opened from its header. */
static void
test_data_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-qcow2-XXXXXX", NULL);
  g_autofree char *top = g_build_filename (dir, "top.qcow2", NULL);
  g_autofree char *base = g_build_filename (dir, "base.qcow2", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chain = NULL;
  guint8 image[1024];
  g_autofree char *rm = NULL;

  make_image (image, sizeof image, "base.qcow2", strlen ("base.qcow2"), "qcow2");
  put64 (image + 72, 1u << 2);
  g_assert_true (g_file_set_contents (top, (const char *) image, sizeof image, NULL));
  write_image (base, NULL, NULL);

  chain = vb_qcow2_backing_chain (top, "qcow2", &error);
  g_assert_null (chain);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  chain = vb_qcow2_backing_chain_data_file (top, "qcow2", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chain->len, ==, 1);
  g_clear_pointer (&chain, g_ptr_array_unref);

  /* The backing image has one too: refused whatever the top's XML says. */
  make_image (image, sizeof image, "base.qcow2", strlen ("base.qcow2"), "qcow2");
  put64 (image + 72, 1u << 2);
  memset (image + 8, 0, 12); /* base names no backing file of its own */
  g_assert_true (g_file_set_contents (base, (const char *) image, sizeof image, NULL));
  chain = vb_qcow2_backing_chain_data_file (top, "qcow2", TRUE, &error);
  g_assert_null (chain);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "base.qcow2"));

  rm = g_strdup_printf ("rm -rf %s", dir);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
}

/* The walk runs as root before polkit is asked about a path outside the
 * pools: it must not even open what is not an image (a watchdog starts,
 * a tape rewinds, a FIFO wakes its writer). A FIFO's writer shows it. */
static void
test_no_open_of_devices (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-qcow2-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autoptr (GError) error = NULL;
  VbFifoProbe *probe = vb_test_fifo_probe_new (fifo);

  g_assert_null (vb_qcow2_backing_chain (fifo, "qcow2", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "neither a regular file nor a block device"));
  g_assert_false (vb_test_fifo_probe_opened (probe));
  vb_test_fifo_probe_free (probe);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qcow2-backing/header", test_header);
  g_test_add_func ("/qcow2-backing/chain", test_chain);
  g_test_add_func ("/qcow2-backing/data-file", test_data_file);
  g_test_add_func ("/qcow2-backing/no-open-of-devices", test_no_open_of_devices);
  return g_test_run ();
}
