/* The long tail of disks as the test guest sees them (issue #16):
 * storage slices (<source><slices><slice type='storage'>) of a raw image
 * and of a qcow2 image stored inside a bigger file. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 90000
#define RUN_TIMEOUT_MS 30000
#define MIB (1024 * 1024)

static char *
run_ok (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

/* Writes @length bytes of @content at @offset of @path (made if missing). */
static void
write_at (const char *path, goffset offset, const char *content, gsize length)
{
  FILE *file = fopen (path, g_file_test (path, G_FILE_TEST_EXISTS) ? "r+b" : "w+b");

  g_assert_nonnull (file);
  g_assert_cmpint (fseeko (file, offset, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (content, 1, length, file), ==, length);
  g_assert_cmpint (fclose (file), ==, 0);
}

/* vda: 2 MiB from 1 MiB on of an 8 MiB raw file; vdb: a qcow2 image
 * copied to 3 MiB into a raw file. The guest sees each slice's size and
 * reads the slice's first bytes at its own offset 0. */
static void
test_slices (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *raw = NULL;
  g_autofree char *qcow2 = NULL;
  g_autofree char *container = NULL;
  g_autofree char *image = NULL;
  g_autofree char *disks = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  gsize image_size = 0;
  VbTestConsole *console = NULL;

  vb_test_env_start_daemon (env, NULL);
  raw = g_build_filename (env->tmpdir, "raw.img", NULL);
  write_at (raw, 8 * MIB - 1, "", 1);
  write_at (raw, 1 * MIB, "SLICE-RAW-START", 15);
  qcow2 = g_build_filename (env->tmpdir, "image.qcow2", NULL);
  container = g_build_filename (env->tmpdir, "container.img", NULL);
  {
    const char *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", qcow2, "4M", NULL };
    const char *write[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 4096", qcow2, NULL };

    g_free (run_ok (create));
    g_free (run_ok (write));
  }
  g_assert_true (g_file_get_contents (qcow2, &image, &image_size, NULL));
  write_at (container, 3 * MIB, image, image_size);
  write_at (container, 3 * MIB + image_size + MIB, "", 1);

  disks =
    g_strdup_printf ("    <disk type='file' device='disk'>\n"
                     "      <driver name='qemu' type='raw'/>\n"
                     "      <source file='%s'>\n"
                     "        <slices>\n"
                     "          <slice type='storage' offset='%u' size='%u'/>\n"
                     "        </slices>\n"
                     "      </source>\n"
                     "      <target dev='vda' bus='virtio'/>\n"
                     "    </disk>\n"
                     "    <disk type='file' device='disk'>\n"
                     "      <driver name='qemu' type='qcow2'/>\n"
                     "      <source file='%s'>\n"
                     "        <slices>\n"
                     "          <slice type='storage' offset='%u' size='%" G_GSIZE_FORMAT "'/>\n"
                     "        </slices>\n"
                     "      </source>\n"
                     "      <target dev='vdb' bus='virtio'/>\n"
                     "    </disk>\n",
                     raw, 1 * MIB, 2 * MIB, container, 3 * MIB, image_size);
  xml = vb_test_guest_xml ("disktail-slices", 128, NULL, disks);
  path = vb_test_boot_guest (env, xml, TRUE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (env, path);
  /* 2 MiB: 4096 sectors of 512 bytes. */
  out = vb_test_console_output (console, "cat /sys/block/vda/size", RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "4096"));
  g_free (out);
  out = vb_test_console_output (console, "dd if=/dev/vda bs=15 count=1 2>/dev/null; echo",
                                RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "SLICE-RAW-START"));
  g_free (out);
  /* The qcow2 image's virtual size, and what qemu-io wrote through it. */
  out = vb_test_console_output (console, "cat /sys/block/vdb/size", RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "8192"));
  g_free (out);
  out = vb_test_console_output (
    console, "dd if=/dev/vdb bs=4096 count=1 2>/dev/null | od -An -tx1 | head -1", RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "5a 5a 5a"));
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_assert_true (vb_test_env_daemon_alive (env));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml-disktail/slices", test_slices);
  return g_test_run ();
}
