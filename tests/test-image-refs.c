/* service/util/image-refs.c: which images of formats other than qcow2
 * make QEMU open another file, and so are refused by the host-path check;
 * and a qcow2 chain ending in such an image. */
#include <glib/gstdio.h>
#include <string.h>

#include "image-refs.h"
#include "qcow2-backing.h"
#include "vb-error.h"

static void
test_data (void)
{
  guint8 qed[64] = { 'Q', 'E', 'D', 0 };
  guint8 sparse[64] = { 'K', 'D', 'M', 'V' };
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image-refs/data", test_data);
  g_test_add_func ("/image-refs/files", test_files);
  return g_test_run ();
}
