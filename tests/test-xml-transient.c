/* Disks (issue #16, fourth wave) as the test guest and a client see them:
 * a <transient/> disk's writes go to an overlay dropped when QEMU stops,
 * the image is never written; a vmdk image is read as vmdk; a vmdk
 * descriptor file, whose extents QEMU would open unchecked, is refused by
 * name; a host SCSI device this machine lacks is refused at Start; a
 * network disk's chain of local files is opened as the XML writes it. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-jobs.h"

#define BOOT_TIMEOUT_MS 90000
#define RUN_TIMEOUT_MS 30000

static char *
checksum_of (const char *path)
{
  g_autofree char *content = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &content, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) content, length);
}

/* How many transient overlays the run directories of @env's QEMUs hold. */
static guint
overlays_in (VbTestEnv *env)
{
  g_autofree char *base = g_build_filename (env->run_dir, "qemu", NULL);
  g_autoptr (GDir) domains = g_dir_open (base, 0, NULL);
  const char *domain;
  guint count = 0;

  while (domains && (domain = g_dir_read_name (domains)))
    {
      g_autofree char *dir = g_build_filename (base, domain, NULL);
      g_autoptr (GDir) files = g_dir_open (dir, 0, NULL);
      const char *file;

      while (files && (file = g_dir_read_name (files)))
        if (g_str_has_prefix (file, "transient-") && g_str_has_suffix (file, ".qcow2"))
          count++;
    }
  return count;
}

/* The first bytes of @dev as the guest reads them, in hex. */
static char *
guest_reads (VbTestConsole *console, const char *dev)
{
  g_autofree char *command =
    g_strdup_printf ("dd if=%s bs=512 count=1 iflag=direct 2>/dev/null | od -An -tx1 | head -1",
                     dev);

  return vb_test_console_output (console, command, RUN_TIMEOUT_MS);
}

static void
test_transient_and_vmdk (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *image = g_build_filename (env->tmpdir, "base.img", NULL);
  g_autofree char *vmdk = g_build_filename (env->tmpdir, "disk.vmdk", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *disks = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  VbTestConsole *console;

  vb_test_env_start_daemon (env, NULL);
  {
    const char *create[] = { "qemu-img", "create", "-q", "-f", "raw", image, "4M", NULL };
    const char *fill[] = { "qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 4096", image, NULL };
    const char *create_vmdk[] = { "qemu-img", "create", "-q", "-f", "vmdk", vmdk, "4M", NULL };
    const char *fill_vmdk[] = { "qemu-io", "-f", "vmdk", "-c", "write -P 0x6b 0 4096", vmdk, NULL };

    g_free (vb_test_run_argv (create));
    g_free (vb_test_run_argv (fill));
    g_free (vb_test_run_argv (create_vmdk));
    g_free (vb_test_run_argv (fill_vmdk));
  }
  before = checksum_of (image);
  disks = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                           "      <driver name='qemu' type='raw'/>\n"
                           "      <source file='%s'/>\n"
                           "      <target dev='vda' bus='virtio'/>\n"
                           "      <transient/>\n"
                           "    </disk>\n"
                           "    <disk type='file' device='disk'>\n"
                           "      <driver name='qemu' type='vmdk'/>\n"
                           "      <source file='%s'/>\n"
                           "      <target dev='vdb' bus='virtio'/>\n"
                           "    </disk>\n",
                           image, vmdk);
  xml = vb_test_guest_xml ("disks-transient", 128, NULL, disks);
  path = vb_test_boot_guest (env, xml, TRUE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (env, path);
  {
    g_autofree char *base = guest_reads (console, "/dev/vda");
    g_autofree char *from_vmdk = guest_reads (console, "/dev/vdb");
    g_autofree char *written = NULL;
    g_autofree char *again = NULL;

    /* The image under the overlay, and the vmdk's data as vmdk. */
    g_assert_nonnull (strstr (base, "5a 5a 5a"));
    g_assert_nonnull (strstr (from_vmdk, "6b 6b 6b"));
    written = vb_test_console_output (
      console,
      "printf 'TRANSIENT-WRITE' | dd of=/dev/vda bs=512 conv=fsync oflag=direct 2>/dev/null; "
      "echo written",
      RUN_TIMEOUT_MS);
    g_assert_nonnull (strstr (written, "written"));
    again = guest_reads (console, "/dev/vda");
    /* "TRAN" in hex: the guest sees its own write. */
    g_assert_nonnull (strstr (again, "54 52 41 4e"));
  }
  g_assert_cmpuint (overlays_in (env), ==, 1);
  /* A saved state would outlive the overlay: the save fails, naming the disk. */
  {
    g_autofree char *file = g_build_filename (env->tmpdir, "guest.save", NULL);
    g_autofree char *job =
      vb_test_call_path (env, path, IFACE_DOMAIN, "Save", g_variant_new ("(su)", file, 0));
    g_autofree char *phase = vb_test_job_wait_phase (env, job, "completed|failed|cancelled", 60000);
    g_autofree char *message = vb_test_job_error (env, job);

    g_assert_cmpstr (phase, ==, "failed");
    g_assert_nonnull (strstr (message, "disk 'vda' is transient"));
    g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  }
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  /* The image was never written. */
  after = checksum_of (image);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (overlays_in (env), ==, 0);
  /* The next start has a new overlay: the guest's write is gone. */
  vb_test_call_void (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  console = vb_test_console_open (env, path);
  {
    g_autofree char *ready =
      vb_test_console_expect (console, 0, "VIRTBUS-GUEST-READY", BOOT_TIMEOUT_MS);
    g_autofree char *fresh = NULL;

    g_assert_nonnull (ready);
    fresh = guest_reads (console, "/dev/vda");
    g_assert_nonnull (strstr (fresh, "5a 5a 5a"));
  }
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_free (after);
  after = checksum_of (image);
  g_assert_cmpstr (before, ==, after);
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* A vmdk descriptor file names its extents, which QEMU would open: the
 * definition's check of host files refuses it by name. */
static void
test_vmdk_descriptor_refused (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *vmdk = g_build_filename (env->tmpdir, "split.vmdk", NULL);
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;

  vb_test_env_start_daemon (env, NULL);
  {
    const char *create[] = {
      "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", vmdk, "4M", NULL
    };

    g_free (vb_test_run_argv (create));
  }
  disk = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='vmdk'/>\n"
                          "      <source file='%s'/>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          vmdk);
  xml = vb_test_guest_xml ("disks-vmdk-descriptor", 128, NULL, disk);
  vb_test_call_expect_error_saying (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", xml, 0),
                                    "org.virtbus.Virt1.Error.InvalidArgument",
                                    "is not a sparse vmdk image");
  /* The same file as a level of a network disk's chain. */
  g_free (disk);
  g_free (xml);
  disk = g_strdup_printf ("    <disk type='network' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2'/>\n"
                          "      <source protocol='nbd' name='top'>\n"
                          "        <host name='127.0.0.1' port='10809'/>\n"
                          "      </source>\n"
                          "      <backingStore type='file'>\n"
                          "        <format type='vmdk'/>\n"
                          "        <source file='%s'/>\n"
                          "      </backingStore>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          vmdk);
  xml = vb_test_guest_xml ("disks-vmdk-descriptor-level", 128, NULL, disk);
  vb_test_call_expect_error_saying (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", xml, 0),
                                    "org.virtbus.Virt1.Error.InvalidArgument",
                                    "is not a sparse vmdk image");
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* A network disk's chain of files, as the XML writes it: a qcow2 overlay
 * on NBD, then a local qcow2, then a local raw base; each qcow2 header
 * names a file that does not exist. The guest reads the base's marker through both
 * overlays: QEMU opened the <backingStore> levels, not the headers'. */
static void
test_network_file_chain (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (GSubprocess) server = NULL;
  g_autofree char *base = g_build_filename (env->tmpdir, "base.img", NULL);
  g_autofree char *mid = g_build_filename (env->tmpdir, "mid.qcow2", NULL);
  g_autofree char *top = g_build_filename (env->tmpdir, "top.qcow2", NULL);
  g_autofree char *content = g_malloc0 (1 << 20);
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  VbTestConsole *console;
  int port;

  memcpy (content, "VIRTBUS-FILE-CHAIN-7d31", 23);
  g_assert_true (g_file_set_contents (base, content, 1 << 20, NULL));
  g_free (
    vb_test_run_argv ((const char *const[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-F", "raw",
                                   "-b", "/nonexistent/mid-backing.img", mid, "1M", NULL }));
  g_free (
    vb_test_run_argv ((const char *const[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-F", "raw",
                                   "-b", "/nonexistent/header-backing.img", top, "1M", NULL }));
  vb_test_env_start_daemon (env, NULL);
  server = vb_test_serve_nbd (top, "top", &port);
  disk = g_strdup_printf ("    <disk type='network' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2'/>\n"
                          "      <source protocol='nbd' name='top' index='3'>\n"
                          "        <host name='127.0.0.1' port='%d'/>\n"
                          "      </source>\n"
                          "      <backingStore type='file' index='2'>\n"
                          "        <format type='qcow2'/>\n"
                          "        <source file='%s'/>\n"
                          "        <backingStore type='file' index='1'>\n"
                          "          <format type='raw'/>\n"
                          "          <source file='%s'/>\n"
                          "        </backingStore>\n"
                          "      </backingStore>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          port, mid, base);
  xml = vb_test_guest_xml ("disks-network-chain", 128, NULL, disk);
  path = vb_test_boot_guest (env, xml, TRUE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (env, path);
  out = vb_test_console_output (console,
                                "dd if=/dev/vda bs=512 count=1 2>/dev/null | tr -d '\\000'; echo",
                                RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "VIRTBUS-FILE-CHAIN-7d31"));
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* A host SCSI device this machine does not have: defined (a capable host
 * runs it), refused by name at Start. */
static void
test_scsi_hostdev_start_refused (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = NULL;

  vb_test_env_start_daemon (env, NULL);
  xml = vb_test_guest_xml ("disks-scsi-hostdev", 128, NULL,
                           "    <controller type='scsi' index='0' model='lsilogic'/>\n"
                           "    <hostdev mode='subsystem' type='scsi'>\n"
                           "      <source>\n"
                           "        <adapter name='scsi_host97'/>\n"
                           "        <address bus='0' target='0' unit='1'/>\n"
                           "      </source>\n"
                           "      <readonly/>\n"
                           "      <address type='drive' controller='0' bus='0' target='0' "
                           "unit='6'/>\n"
                           "    </hostdev>\n");
  vb_test_expect_start_refused (env, xml, "the host has no SCSI device 97:0:0:1");
  g_assert_true (vb_test_env_daemon_alive (env));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml-transient/transient-and-vmdk", test_transient_and_vmdk);
  g_test_add_func ("/xml-transient/vmdk-descriptor-refused", test_vmdk_descriptor_refused);
  g_test_add_func ("/xml-transient/scsi-hostdev-start-refused", test_scsi_hostdev_start_refused);
  g_test_add_func ("/xml-transient/network-file-chain", test_network_file_chain);
  return g_test_run ();
}
