/* Throttle groups on the project's test guest: a disk whose
 * <throttlefilter> names a group of 256 KiB/s takes the time that limit
 * implies to read 1 MiB, a disk without one does not; QEMU (asked on a
 * second QMP monitor the test adds with <qemu:commandline>) has the group's
 * object with its limits and the filter node the device reads through; a
 * disk with filters cannot be plugged into the running domain, nor a
 * snapshot or block copy made of it while it runs, nor its <iotune> set. */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-qmp.h"

#define BOOT_TIMEOUT_MS 120000
#define RUN_TIMEOUT_MS 60000
#define GUEST_MIB 160
#define MIB (1024 * 1024)
#define LIVE 1u
#define DISK_ONLY 16u /* CreateSnapshot: external, the disks only */
#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"
/* 256 KiB/s: 1 MiB takes 4 s, at least 3 s on whole seconds. */
#define READ_BPS 262144

typedef VbGuestFixture Fixture;

static char *
raw_image (const char *dir, const char *name)
{
  char *path = g_build_filename (dir, name, NULL);
  FILE *file = fopen (path, "wb");

  g_assert_nonnull (file);
  g_assert_cmpint (fseeko (file, 4 * MIB - 1, SEEK_SET), ==, 0);
  g_assert_cmpint (fputc (0, file), ==, 0);
  g_assert_cmpint (fclose (file), ==, 0);
  return path;
}

/* Seconds the guest takes to read 1 MiB from /dev/@dev. */
static guint
read_seconds (Fixture *f, const char *dev)
{
  g_autofree char *command =
    g_strdup_printf ("t0=$(date +%%s); dd if=/dev/%s of=/dev/null bs=65536 count=16 2>/dev/null; "
                     "t1=$(date +%%s); echo ELAPSED=$((t1 - t0))=",
                     dev);
  g_autofree char *out = vb_test_console_output (f->console, command, RUN_TIMEOUT_MS);
  const char *at = strstr (out, "ELAPSED=");
  guint seconds = 0;

  g_assert_nonnull (at);
  g_assert_cmpint (sscanf (at, "ELAPSED=%u=", &seconds), ==, 1);
  return seconds;
}

static void
test_group_limits_reads (Fixture *f, gconstpointer data)
{
  g_autofree char *slow = raw_image (f->env->tmpdir, "slow.img");
  g_autofree char *fast = raw_image (f->env->tmpdir, "fast.img");
  g_autofree char *plugged = raw_image (f->env->tmpdir, "plugged.img");
  g_autofree char *monitor = g_build_filename (f->env->tmpdir, "extra-qmp.sock", NULL);
  g_autofree char *disks = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                                            "      <driver name='qemu' type='raw'/>\n"
                                            "      <source file='%s'/>\n"
                                            "      <target dev='vda' bus='virtio'/>\n"
                                            "      <throttlefilters>\n"
                                            "        <throttlefilter group='slow'/>\n"
                                            "      </throttlefilters>\n"
                                            "    </disk>\n"
                                            "    <disk type='file' device='disk'>\n"
                                            "      <driver name='qemu' type='raw'/>\n"
                                            "      <source file='%s'/>\n"
                                            "      <target dev='vdb' bus='virtio'/>\n"
                                            "    </disk>\n",
                                            slow, fast);
  g_autofree char *guest = vb_test_guest_xml ("throttle", GUEST_MIB, NULL, disks);
  g_autoptr (GString) xml = g_string_new (guest);
  g_autofree char *extra = g_strdup_printf ("  <throttlegroups>\n"
                                            "    <throttlegroup>\n"
                                            "      <read_bytes_sec>%u</read_bytes_sec>\n"
                                            "      <group_name>slow</group_name>\n"
                                            "    </throttlegroup>\n"
                                            "  </throttlegroups>\n"
                                            "  <devices>",
                                            READ_BPS);
  g_autofree char *commandline =
    g_strdup_printf ("  <ns0:commandline xmlns:ns0='" QEMU_NS "'>\n"
                     "    <ns0:arg value='-qmp'/>\n"
                     "    <ns0:arg value='unix:%s,server=on,wait=off'/>\n"
                     "  </ns0:commandline>\n"
                     "</domain>",
                     monitor);
  g_autofree char *plug = g_strdup_printf ("<disk type='file' device='disk'>\n"
                                           "  <driver name='qemu' type='raw'/>\n"
                                           "  <source file='%s'/>\n"
                                           "  <target dev='vdc' bus='virtio'/>\n"
                                           "  <throttlefilters>\n"
                                           "    <throttlefilter group='slow'/>\n"
                                           "  </throttlefilters>\n"
                                           "</disk>\n",
                                           plugged);
  g_autofree char *copy_path = g_build_filename (f->env->tmpdir, "copy.img", NULL);
  g_autofree char *copy = g_strdup_printf ("<disk type='file' device='disk'>\n"
                                           "  <driver name='qemu' type='raw'/>\n"
                                           "  <source file='%s'/>\n"
                                           "</disk>\n",
                                           copy_path);
  g_autoptr (JsonNode) nodes = NULL;
  g_autoptr (JsonNode) limits = NULL;
  gboolean filter_found = FALSE;
  guint slow_seconds, fast_seconds;

  g_assert_cmpuint (g_string_replace (xml, "  <devices>", extra, 1), ==, 1);
  g_assert_cmpuint (g_string_replace (xml, "</domain>", commandline, 1), ==, 1);
  vb_guest_fixture_boot (f, xml->str, BOOT_TIMEOUT_MS);

  /* What the guest sees: the group's rate, and no limit on the other disk. */
  slow_seconds = read_seconds (f, "vda");
  fast_seconds = read_seconds (f, "vdb");
  g_test_message ("1 MiB read: %u s through the group, %u s without", slow_seconds, fast_seconds);
  g_assert_cmpuint (slow_seconds, >=, MIB / READ_BPS - 1);
  g_assert_cmpuint (fast_seconds, <, slow_seconds);

  /* What QEMU has: the group object and vda's filter node over its image. */
  limits = vb_test_qmp (monitor, "{\"execute\":\"qom-get\",\"arguments\":{\"path\":"
                                 "\"/objects/throttle-slow\",\"property\":\"limits\"}}");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (limits), "bps-read"), ==,
                   READ_BPS);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (limits), "bps-total"), ==, 0);
  nodes = vb_test_qmp (monitor,
                       "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}");
  for (guint i = 0; i < json_array_get_length (json_node_get_array (nodes)); i++)
    {
      JsonObject *node = json_array_get_object_element (json_node_get_array (nodes), i);
      const char *image =
        json_object_get_string_member (json_object_get_object_member (node, "image"), "filename");

      if (g_str_equal (json_object_get_string_member (node, "drv"), "throttle"))
        {
          g_assert_false (filter_found);
          filter_found = TRUE;
          g_assert_nonnull (strstr (image, "throttle-slow"));
          g_assert_nonnull (strstr (image, "slow.img"));
        }
    }
  g_assert_true (filter_found);

  /* A snapshot's overlay or a copy's pivot would take the device from
   * above the filter: refused while the domain runs. */
  vb_test_call_expect_error_saying (
    f->env, f->path, IFACE_DOMAIN, "CreateSnapshot",
    g_variant_new ("(su)", "<domainsnapshot><name>s1</name></domainsnapshot>", DISK_ONLY),
    ERROR_PREFIX "NotSupported", "disk 'vda' has <throttlefilters>");
  vb_test_call_expect_error_saying (
    f->env, f->path, IFACE_DOMAIN, "BlockCopy",
    g_variant_new ("(ss@a{sv}u)", "vdb", copy, g_variant_new ("a{sv}", NULL), 0),
    ERROR_PREFIX "NotSupported", "disk 'vda' has <throttlefilters>");

  /* Its limits are its groups': no <iotune> besides. */
  {
    GVariantBuilder params;

    g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&params, "{sv}", "read_bytes_sec", g_variant_new_uint64 (5000000));
    vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "SetBlockIoTune",
                                      g_variant_new ("(s@a{sv}u)", "vda",
                                                     g_variant_builder_end (&params), LIVE),
                                      ERROR_PREFIX "NotSupported", "has <throttlefilters>");
  }

  /* A running domain gets no new filter. */
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "AttachDevice",
                                    g_variant_new ("(su)", plug, LIVE), ERROR_PREFIX "NotSupported",
                                    "cannot be plugged into a running domain");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-throttle/group-limits-reads", Fixture, NULL, vb_guest_fixture_set_up,
              test_group_limits_reads, vb_guest_fixture_tear_down);
  return g_test_run ();
}
