/* service/util/image-refs.c: which images of formats other than qcow2
 * make QEMU open another file, and so are refused by the host-path check;
 * and a qcow2 chain ending in such an image. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image-refs.h"
#include "qcow2-backing.h"
#include "vb-error.h"
#include "vb-test-fifo.h"

static void
test_data (void)
{
  guint8 qed[64] = { 'Q', 'E', 'D', 0 };
  /* Capacity 1 (LE64 at byte 12), as a real sparse image has one. */
  guint8 sparse[64] = { 'K', 'D', 'M', 'V', [12] = 1 };
  const guint8 text[] = "# Disk DescriptorFile\nRW 8192 FLAT \"x-flat.vmdk\" 0\n";
  g_autoptr (GError) error = NULL;

  /* Formats whose images QEMU 7.2 opens alone. */
  g_assert_true (vb_image_self_contained_data ("/i", "vpc", NULL, 0, NULL, &error));
  g_assert_true (vb_image_self_contained_data ("/i", "vdi", NULL, 0, NULL, &error));
  g_assert_true (vb_image_self_contained_data ("/i", "vhdx", NULL, 0, NULL, &error));
  g_assert_no_error (error);
  /* qed: only the "has a backing file" feature bit matters. */
  g_assert_true (vb_image_self_contained_data ("/i", "qed", qed, sizeof qed, NULL, &error));
  qed[16] = 0x01;
  g_assert_false (vb_image_self_contained_data ("/i", "qed", qed, sizeof qed, NULL, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "/i is a qed image with a backing file"));
  g_clear_error (&error);
  /* vmdk: a sparse file, its descriptor naming no parent. */
  g_assert_true (vb_image_self_contained_data ("/i", "vmdk", sparse, sizeof sparse,
                                               "createType=\"monolithicSparse\"\n", &error));
  g_assert_false (vb_image_self_contained_data ("/i", "vmdk", sparse, sizeof sparse,
                                                "parentFileNameHint=\"/etc/shadow\"\n", &error));
  g_assert_nonnull (strstr (error->message, "a vmdk image with a parent"));
  g_clear_error (&error);
  /* A vmdk4 header with no capacity and a descriptor offset is, to QEMU,
   * a descriptor file: its extents would be opened. */
  sparse[28] = 1;
  g_assert_true (vb_image_self_contained_data ("/i", "vmdk", sparse, sizeof sparse, "", &error));
  sparse[12] = 0;
  g_assert_false (vb_image_self_contained_data ("/i", "vmdk", sparse, sizeof sparse, "", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "/i is a vmdk header with no capacity"));
  g_clear_error (&error);
  /* A short header: its missing bytes count as 0, as no offset. */
  g_assert_true (vb_image_self_contained_data ("/i", "vmdk", sparse, 20, "", &error));
  g_assert_no_error (error);
  g_assert_false (vb_image_self_contained_data ("/i", "vmdk", text, sizeof text, NULL, &error));
  g_assert_nonnull (strstr (error->message, "is not a sparse vmdk image"));
  g_clear_error (&error);
  /* Not a format it knows: refused rather than guessed. */
  g_assert_false (vb_image_self_contained_data ("/i", "bochs", NULL, 0, NULL, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
}

static void
run_ok (const char *const *argv)
{
  int status = -1;

  g_assert_true (
    g_spawn_sync (NULL, (char **) argv, NULL,
                  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* Real images qemu-img makes: a qcow2 over a sparse vmdk is a chain of two;
 * over a vmdk descriptor file it is refused, naming the descriptor; a
 * missing image passes (QEMU fails on it itself). */
static void
test_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-image-refs-XXXXXX", NULL);
  g_autofree char *sparse = g_build_filename (dir, "sparse.vmdk", NULL);
  g_autofree char *flat = g_build_filename (dir, "flat.vmdk", NULL);
  g_autofree char *top = g_build_filename (dir, "top.qcow2", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.qed", NULL);
  g_autofree char *rm = g_strdup_printf ("rm -rf %s", dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chain = NULL;

  run_ok ((const char *const[]){ "qemu-img", "create", "-q", "-f", "vmdk", sparse, "1M", NULL });
  run_ok ((const char *const[]){ "qemu-img", "create", "-q", "-f", "vmdk", "-o",
                                 "subformat=monolithicFlat", flat, "1M", NULL });
  g_assert_true (vb_image_self_contained (sparse, "vmdk", &error));
  g_assert_no_error (error);
  g_assert_true (vb_image_self_contained (missing, "qed", &error));
  g_assert_no_error (error);
  run_ok ((const char *const[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-F", "vmdk", "-b",
                                 sparse, top, NULL });
  chain = vb_qcow2_backing_chain (top, "qcow2", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chain->len, ==, 1);
  g_assert_cmpstr (((VbBackingFile *) chain->pdata[0])->format, ==, "vmdk");
  g_clear_pointer (&chain, g_ptr_array_unref);
  g_unlink (top);
  run_ok ((const char *const[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-F", "vmdk", "-b",
                                 flat, top, NULL });
  g_assert_null (vb_qcow2_backing_chain (top, "qcow2", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, flat));
  g_assert_nonnull (strstr (error->message, "is not a sparse vmdk image"));
  g_clear_error (&error);
  /* A qcow2 level QEMU is given its backing node: only an external data
   * file its header names is refused. */
  g_unlink (top);
  run_ok ((const char *const[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-F", "vmdk", "-b",
                                 flat, top, NULL });
  g_assert_true (vb_qcow2_image_check (top, &error));
  g_assert_no_error (error);
  g_unlink (top);
  {
    g_autofree char *options = g_strdup_printf ("data_file=%s/data.raw", dir);

    run_ok ((const char *const[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-o", options, top,
                                   "1M", NULL });
  }
  g_assert_false (vb_qcow2_image_check (top, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* The disk's own image, as the host-path check asks for a vmdk disk. */
  g_assert_null (vb_qcow2_backing_chain (flat, "vmdk", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
}

/* What the security review crafted: a "KDMV" header with capacity 0 and a
 * descriptor offset, the descriptor there naming another file as a FLAT
 * extent. The real qemu-img opens that file (the premise, checked here on
 * this QEMU); the check refuses the image, alone and under a qcow2. */
static void
test_vmdk4_descriptor (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-image-refs-XXXXXX", NULL);
  g_autofree char *evil = g_build_filename (dir, "evil.vmdk", NULL);
  g_autofree char *other = g_build_filename (dir, "other.raw", NULL);
  g_autofree char *top = g_build_filename (dir, "top.qcow2", NULL);
  g_autofree char *rm = g_strdup_printf ("rm -rf %s", dir);
  g_autofree guint8 *image = g_malloc0 (22 * 512);
  g_autofree char *out = NULL;
  const char desc[] = "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
                      "createType=\"monolithicFlat\"\n\nRW 2048 FLAT \"other.raw\" 0\n";
  const char *info[] = { "qemu-img", "info", "--output=json", "-f", "vmdk", evil, NULL };
  g_autoptr (GError) error = NULL;
  int status = -1;

  memcpy (image, "KDMV", 4);
  image[4] = 1;    /* version */
  image[20] = 128; /* grain size; capacity (byte 12) stays 0 */
  image[28] = 1;   /* descriptor at sector 1 */
  image[36] = 20;  /* descriptor size, sectors */
  memcpy (image + 512, desc, sizeof desc - 1);
  g_assert_true (g_file_set_contents (evil, (const char *) image, 22 * 512, NULL));
  g_assert_true (g_file_set_contents (other, "", 0, NULL));
  g_assert_cmpint (truncate (other, 1024 * 1024), ==, 0);
  g_assert_true (g_spawn_sync (NULL, (char **) info, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                               NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, other));
  g_assert_nonnull (strstr (out, "\"FLAT\""));

  g_assert_false (vb_image_self_contained (evil, "vmdk", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, evil));
  g_assert_nonnull (strstr (error->message, "vmdk header with no capacity"));
  g_clear_error (&error);
  run_ok ((const char *const[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-F", "vmdk", "-b",
                                 evil, top, NULL });
  g_assert_null (vb_qcow2_backing_chain (top, "qcow2", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "vmdk header with no capacity"));
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
}

/* The check runs as root before polkit is asked about a path outside the
 * pools: it must not even open what is not an image (a watchdog starts, a
 * tape rewinds). A FIFO's writer shows an open: it waits for a reader. */
static void
test_no_open_of_devices (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-image-refs-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  const char *formats[] = { "vmdk", "qed" };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VbFifoProbe) probe = vb_test_fifo_probe_new (fifo);

      g_assert_false (vb_image_self_contained (fifo, formats[i], &error));
      g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "neither a regular file nor a block device"));
      g_assert_false (vb_test_fifo_probe_opened (probe));
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image-refs/data", test_data);
  g_test_add_func ("/image-refs/files", test_files);
  g_test_add_func ("/image-refs/vmdk4-descriptor", test_vmdk4_descriptor);
  g_test_add_func ("/image-refs/no-open-of-devices", test_no_open_of_devices);
  return g_test_run ();
}
