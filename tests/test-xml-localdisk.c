/* Local disk attributes as a client of the service sees them (issue #16):
 * the test guest reads and writes a qcow2 image whose data lives in the
 * external data file <dataStore> names; discard_no_unref (QEMU 8.1's) is
 * defined, then refused by name at Start on this QEMU 7.2; a domain's
 * <disk snapshot='no'> keeps a raw disk out of an internal snapshot. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 90000
#define RUN_TIMEOUT_MS 30000
#define PATTERN "VIRTBUS-DATA-FILE-PATTERN-91c2"

/* The image's header names a data file that is not there (it was moved):
 * only the <dataStore> of the XML leads QEMU to it. */
static void
test_data_file (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *image = NULL;
  g_autofree char *header_data = NULL;
  g_autofree char *data = NULL;
  g_autofree char *options = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *content = NULL;
  gsize length = 0;
  VbTestConsole *console = NULL;

  vb_test_env_start_daemon (env, NULL);
  image = g_build_filename (env->tmpdir, "image.qcow2", NULL);
  header_data = g_build_filename (env->tmpdir, "data-at-create.raw", NULL);
  data = g_build_filename (env->tmpdir, "data.raw", NULL);
  options = g_strdup_printf ("data_file=%s,data_file_raw=on", header_data);
  {
    const char *create[] = { "qemu-img", "create", "-q",  "-f", "qcow2",
                             "-o",       options,  image, "4M", NULL };
    const char *write[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 4096", image, NULL };

    g_free (vb_test_run_argv (create));
    g_free (vb_test_run_argv (write));
  }
  g_assert_cmpint (g_rename (header_data, data), ==, 0);

  disk = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2'/>\n"
                          "      <source file='%s'>\n"
                          "        <dataStore type='file'>\n"
                          "          <format type='raw'/>\n"
                          "          <source file='%s'/>\n"
                          "        </dataStore>\n"
                          "      </source>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          image, data);
  xml = vb_test_guest_xml ("localdisk-data-file", 128, NULL, disk);
  path = vb_test_boot_guest (env, xml, TRUE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (env, path);
  /* What qemu-io wrote through the image, read by the guest. */
  out = vb_test_console_output (
    console, "dd if=/dev/vda bs=4096 count=1 2>/dev/null | od -An -tx1 | head -1", RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "5a 5a 5a"));
  /* discard_no_unref plugged in: refused by name, as at Start. */
  {
    g_autofree char *plain = g_build_filename (env->tmpdir, "plain.qcow2", NULL);
    const char *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", plain, "4M", NULL };
    g_autofree char *plugged = NULL;

    g_free (vb_test_run_argv (create));
    plugged = g_strdup_printf ("<disk type='file' device='disk'>\n"
                               "  <driver name='qemu' type='qcow2' "
                               "discard_no_unref='on'/>\n"
                               "  <source file='%s'/>\n"
                               "  <target dev='vdb' bus='virtio'/>\n"
                               "</disk>\n",
                               plain);

    vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "AttachDevice",
                                      g_variant_new ("(su)", plugged, 1),
                                      "org.virtbus.Virt1.Error.NotSupported",
                                      "discard_no_unref= needs QEMU 8.1");
  }
  /* What the guest writes lands in the data file (raw: at the same offset). */
  g_free (out);
  out =
    vb_test_console_output (console,
                            "printf " PATTERN
                            " | dd of=/dev/vda bs=512 seek=16 conv=fsync 2>/dev/null; echo written",
                            RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "written"));
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_assert_true (g_file_get_contents (data, &content, &length, NULL));
  g_assert_cmpuint (length, >=, 8192 + strlen (PATTERN));
  g_assert_true (memcmp (content + 8192, PATTERN, strlen (PATTERN)) == 0);
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* Defined (a capable QEMU runs it), refused at Start by this QEMU 7.2. */
static void
test_discard_no_unref_start (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *image = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;

  vb_test_env_start_daemon (env, NULL);
  image = g_build_filename (env->tmpdir, "image.qcow2", NULL);
  {
    const char *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", image, "4M", NULL };

    g_free (vb_test_run_argv (create));
  }
  disk = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2' discard='unmap' "
                          "discard_no_unref='on'/>\n"
                          "      <source file='%s'/>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          image);
  xml = vb_test_guest_xml ("localdisk-discard-no-unref", 128, NULL, disk);
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "discard_no_unref= needs QEMU 8.1");
  vb_test_call_void (env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* <reservations managed='no'> on a host block device: Start refuses it
 * by name while no qemu-pr-helper listens at the socket it names. */
static void
test_reservations_start (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *socket_path = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;

  if (!g_file_test ("/dev/loop0", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/loop0 to stand for a host SCSI device");
      return;
    }
  vb_test_env_start_daemon (env, NULL);
  socket_path = g_build_filename (env->tmpdir, "pr-helper.sock", NULL);
  disk = g_strdup_printf ("    <disk type='block' device='lun'>\n"
                          "      <driver name='qemu' type='raw'/>\n"
                          "      <source dev='/dev/loop0'>\n"
                          "        <reservations managed='no'>\n"
                          "          <source type='unix' path='%s' mode='client'/>\n"
                          "        </reservations>\n"
                          "      </source>\n"
                          "      <target dev='sda' bus='scsi'/>\n"
                          "    </disk>\n"
                          "    <controller type='scsi' model='virtio-scsi'/>\n",
                          socket_path);
  xml = vb_test_guest_xml ("localdisk-reservations", 128, NULL, disk);
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "no qemu-pr-helper listens at");
  vb_test_call_void (env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* Whether a process of the name @comm whose command line holds @needle runs. */
static gboolean
process_runs (const char *comm, const char *needle)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *pid;

  while (proc && (pid = g_dir_read_name (proc)))
    {
      g_autofree char *comm_path = g_build_filename ("/proc", pid, "comm", NULL);
      g_autofree char *cmdline_path = g_build_filename ("/proc", pid, "cmdline", NULL);
      g_autofree char *name = NULL;
      g_autofree char *cmdline = NULL;
      gsize length = 0;

      if (!g_file_get_contents (comm_path, &name, NULL, NULL) || !g_str_has_prefix (name, comm)
          || !g_file_get_contents (cmdline_path, &cmdline, &length, NULL))
        continue;
      for (gsize i = 0; i + 1 < length; i++)
        if (!cmdline[i])
          cmdline[i] = ' ';
      if (strstr (cmdline, needle))
        return TRUE;
    }
  return FALSE;
}

/* <reservations managed='yes'>: the service runs qemu-pr-helper and QEMU
 * connects to it. /dev/loop0 is no SCSI device, so QEMU's scsi-block then
 * fails, after the connection (without a listening helper QEMU says "Failed
 * to connect"); the helper ends with the failed start. */
static void
test_reservations_managed (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;

  if (!g_file_test ("/dev/loop0", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/loop0 to stand for a host SCSI device");
      return;
    }
  vb_test_env_start_daemon (env, NULL);
  xml = vb_test_guest_xml ("localdisk-pr-managed", 128, NULL,
                           "    <disk type='block' device='lun'>\n"
                           "      <driver name='qemu' type='raw'/>\n"
                           "      <source dev='/dev/loop0'>\n"
                           "        <reservations managed='yes'/>\n"
                           "      </source>\n"
                           "      <target dev='sda' bus='scsi'/>\n"
                           "    </disk>\n"
                           "    <controller type='scsi' model='virtio-scsi'/>\n");
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  message = vb_test_call_error_message (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                        "org.virtbus.Virt1.Error.Failed");
  g_assert_nonnull (strstr (message, "SG_IO"));
  g_assert_null (strstr (message, "Failed to connect"));
  for (int i = 0; i < 50 && process_runs ("qemu-pr-helper", env->tmpdir); i++)
    g_usleep (100000);
  g_assert_false (process_runs ("qemu-pr-helper", env->tmpdir));
  vb_test_call_void (env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* A shut-off domain's internal snapshot with a raw disk marked
 * snapshot='no': the qcow2 disk gets it, the raw one is left alone. */
static void
test_snapshot_default (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *qcow2 = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *devices = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *listing = NULL;

  vb_test_env_start_daemon (env, NULL);
  qcow2 = g_build_filename (env->tmpdir, "system.qcow2", NULL);
  raw = g_build_filename (env->tmpdir, "scratch.img", NULL);
  {
    const char *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", qcow2, "4M", NULL };
    const char *create_raw[] = { "qemu-img", "create", "-q", "-f", "raw", raw, "4M", NULL };

    g_free (vb_test_run_argv (create));
    g_free (vb_test_run_argv (create_raw));
  }
  devices = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                             "      <driver name='qemu' type='qcow2'/>\n"
                             "      <source file='%s'/>\n"
                             "      <target dev='vda' bus='virtio'/>\n"
                             "    </disk>\n"
                             "    <disk type='file' device='disk' snapshot='no'>\n"
                             "      <driver name='qemu' type='raw'/>\n"
                             "      <source file='%s'/>\n"
                             "      <target dev='vdb' bus='virtio'/>\n"
                             "    </disk>\n",
                             qcow2, raw);
  xml = vb_test_guest_xml ("localdisk-snapshot-default", 128, NULL, devices);
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  g_free (vb_test_call_path (
    env, path, IFACE_DOMAIN, "CreateSnapshot",
    g_variant_new ("(su)", "<domainsnapshot><name>s1</name></domainsnapshot>", 0)));
  {
    const char *list[] = { "qemu-img", "snapshot", "-l", qcow2, NULL };

    listing = vb_test_run_argv (list);
  }
  g_assert_nonnull (strstr (listing, "s1"));
  g_assert_true (vb_test_env_daemon_alive (env));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml-localdisk/data-file", test_data_file);
  g_test_add_func ("/xml-localdisk/discard-no-unref-start", test_discard_no_unref_start);
  g_test_add_func ("/xml-localdisk/reservations-start", test_reservations_start);
  g_test_add_func ("/xml-localdisk/reservations-managed", test_reservations_managed);
  g_test_add_func ("/xml-localdisk/snapshot-default", test_snapshot_default);
  return g_test_run ();
}
