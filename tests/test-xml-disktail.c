/* The long tail of disks as the test guest sees them (issue #16):
 * storage slices (<source><slices><slice type='storage'>) of a raw image
 * and of a qcow2 image stored inside a bigger file; copy-on-read filling
 * an overlay with what the guest read from its backing image; a vhostuser disk
 * served by qemu-storage-daemon, and Start refusing one whose back end
 * does not listen; Start refusing NBD over TLS without certificates. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 90000
#define RUN_TIMEOUT_MS 30000
#define MIB (1024 * 1024)

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

    g_free (vb_test_run_argv (create));
    g_free (vb_test_run_argv (write));
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
                     raw, 1 * MIB, 2 * MIB, container, 3 * MIB,
                     /* whole sectors: the zeros after the image fill the last */
                     (gsize) ((image_size + 511) / 512 * 512));
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

/* The guest reads 4 KiB a qcow2 overlay has only in its backing file:
 * with copy_on_read='on' they are in the overlay afterwards. */
static void
test_copy_on_read (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *base = NULL;
  g_autofree char *overlay = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  VbTestConsole *console = NULL;

  vb_test_env_start_daemon (env, NULL);
  base = g_build_filename (env->tmpdir, "base.img", NULL);
  overlay = g_build_filename (env->tmpdir, "overlay.qcow2", NULL);
  write_at (base, 4 * MIB - 1, "", 1);
  write_at (base, 0, "COPIED-ON-READ", 14);
  {
    const char *create[] = { "qemu-img", "create", "-q", "-f",    "qcow2", "-F",
                             "raw",      "-b",     base, overlay, NULL };
    const char *alloc[] = { "qemu-io", "-f", "qcow2", "-c", "alloc 0 4096", overlay, NULL };

    g_free (vb_test_run_argv (create));
    out = vb_test_run_argv (alloc);
    g_assert_nonnull (strstr (out, "0/4096 bytes allocated"));
    g_clear_pointer (&out, g_free);
  }
  disk = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2' copy_on_read='on'/>\n"
                          "      <source file='%s'/>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          overlay);
  xml = vb_test_guest_xml ("disktail-copy-on-read", 128, NULL, disk);
  path = vb_test_boot_guest (env, xml, TRUE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (env, path);
  out = vb_test_console_output (console,
                                "dd if=/dev/vda bs=4096 count=1 2>/dev/null | head -c 14; echo",
                                RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "COPIED-ON-READ"));
  g_clear_pointer (&out, g_free);
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  {
    const char *alloc[] = { "qemu-io", "-f", "qcow2", "-c", "alloc 0 4096", overlay, NULL };

    out = vb_test_run_argv (alloc);
    g_assert_nonnull (strstr (out, "4096/4096 bytes allocated"));
  }
  g_assert_true (vb_test_env_daemon_alive (env));
}

#define SHARED_MEMORY \
  "  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>\n"

/* The test guest's XML with its memory shared (vhost-user needs it). */
static char *
shared_guest_xml (const char *name, const char *devices)
{
  g_autofree char *xml = vb_test_guest_xml (name, 128, NULL, devices);
  char *devices_at = strstr (xml, "  <devices>");

  g_assert_nonnull (devices_at);
  return g_strdup_printf ("%.*s" SHARED_MEMORY "%s", (int) (devices_at - xml), xml, devices_at);
}

static char *
vhostuser_disk (const char *socket_path)
{
  return g_strdup_printf ("    <disk type='vhostuser' device='disk'>\n"
                          "      <driver name='qemu' type='raw' queues='2'/>\n"
                          "      <source type='unix' path='%s'>\n"
                          "        <reconnect enabled='yes' timeout='5'/>\n"
                          "      </source>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          socket_path);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* qemu-storage-daemon exports a raw file as a vhost-user-blk back end; the
 * guest reads what the file holds and its writes land in it. */
static void
test_vhostuser (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) daemon = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *image = NULL;
  g_autofree char *socket_path = NULL;
  g_autofree char *blockdev = NULL;
  g_autofree char *export = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *content = NULL;
  gsize length = 0;
  VbTestConsole *console = NULL;

  if (!g_find_program_in_path ("qemu-storage-daemon"))
    {
      g_test_skip ("no qemu-storage-daemon");
      return;
    }
  vb_test_env_start_daemon (env, NULL);
  image = g_build_filename (env->tmpdir, "vhost.img", NULL);
  write_at (image, 8 * MIB - 1, "", 1);
  write_at (image, 0, "VHOST-USER-BLK-DATA", 19);
  socket_path = g_build_filename (env->tmpdir, "vhost-blk.sock", NULL);
  blockdev = g_strdup_printf ("driver=file,node-name=file0,filename=%s", image);
  export = g_strdup_printf (
    "type=vhost-user-blk,id=exp0,node-name=file0,writable=on,num-queues=2,addr.type=unix,"
    "addr.path=%s",
    socket_path);
  /* Silent (a failed test must not leave meson waiting on its output)
   * and ended with this test. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                        | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  daemon = g_subprocess_launcher_spawn (launcher, &error, "qemu-storage-daemon", "--blockdev",
                                        blockdev, "--export", export, NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < 100 && !g_file_test (socket_path, G_FILE_TEST_EXISTS); i++)
    g_usleep (100000);
  g_assert_true (g_file_test (socket_path, G_FILE_TEST_EXISTS));
  /* QEMU may run as another user than this test. */
  g_assert_cmpint (g_chmod (socket_path, 0666), ==, 0);

  disk = vhostuser_disk (socket_path);
  xml = shared_guest_xml ("disktail-vhostuser", disk);
  path = vb_test_boot_guest (env, xml, TRUE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (env, path);
  out = vb_test_console_output (console, "cat /sys/block/vda/size", RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "16384"));
  g_free (out);
  out = vb_test_console_output (console, "dd if=/dev/vda bs=19 count=1 2>/dev/null; echo",
                                RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "VHOST-USER-BLK-DATA"));
  g_free (out);
  out = vb_test_console_output (console,
                                "printf GUEST-WROTE-THIS | dd of=/dev/vda bs=512 seek=8 "
                                "conv=fsync 2>/dev/null; echo written",
                                RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "written"));
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_assert_true (g_file_get_contents (image, &content, &length, NULL));
  g_assert_cmpuint (length, ==, 8 * MIB);
  g_assert_true (memcmp (content + 4096, "GUEST-WROTE-THIS", 16) == 0);
  g_subprocess_force_exit (daemon);
  g_assert_true (g_subprocess_wait (daemon, NULL, NULL));
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* Defined (its back end may listen by the time it starts); Start refuses
 * it by name while nothing is at the socket. */
static void
test_vhostuser_start_refused (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *socket_path = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;

  vb_test_env_start_daemon (env, NULL);
  socket_path = g_build_filename (env->tmpdir, "nobody.sock", NULL);
  disk = vhostuser_disk (socket_path);
  xml = shared_guest_xml ("disktail-vhostuser-absent", disk);
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "no vhost-user-blk back end listens at");
  vb_test_call_void (env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* NBD over TLS: defined; Start refuses it by name while the service has no
 * --disk-x509-dir (this test's daemon runs without one). */
static void
test_nbd_tls_start_refused (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;

  vb_test_env_start_daemon (env, NULL);
  xml = vb_test_guest_xml ("disktail-nbd-tls", 128, NULL,
                           "    <disk type='network' device='disk'>\n"
                           "      <driver name='qemu' type='raw'/>\n"
                           "      <source protocol='nbd' name='e' tls='yes' "
                           "tlsHostname='nbd.example.com'>\n"
                           "        <host name='127.0.0.1' port='10809'/>\n"
                           "      </source>\n"
                           "      <target dev='vda' bus='virtio'/>\n"
                           "    </disk>\n");
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "--disk-x509-dir, which is not set");
  vb_test_call_void (env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_env_daemon_alive (env));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml-disktail/slices", test_slices);
  g_test_add_func ("/xml-disktail/copy-on-read", test_copy_on_read);
  g_test_add_func ("/xml-disktail/vhostuser", test_vhostuser);
  g_test_add_func ("/xml-disktail/vhostuser-start-refused", test_vhostuser_start_refused);
  g_test_add_func ("/xml-disktail/nbd-tls-start-refused", test_nbd_tls_start_refused);
  return g_test_run ();
}
