/* Newer libvirt inputs on the project's test guest (issue #16, x4): the
 * guest's firmware shows the <hwuuid>, not the domain's <uuid>; QEMU (asked
 * on a second QMP monitor the test adds with <qemu:commandline>) has the
 * display with the <model edid> asked for and the USB devices the disks'
 * model= names; NVMe disks are the guest's NVMe namespaces, with their
 * controllers' serials; a disk's <statistics> intervals, which QEMU 10.2 added, are
 * refused by name at Start by this host's QEMU 7.2. */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-qmp.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"
#define DOMAIN_UUID "c7a5fdbd-edaf-9455-926a-d65c16db1809"
#define HW_UUID "5d5b0f1d-128b-4517-8e65-b258a8734c1d"

typedef VbGuestFixture Fixture;

static char *
sized_image (const char *dir, const char *name, guint mib)
{
  char *path = g_build_filename (dir, name, NULL);
  FILE *file = fopen (path, "wb");

  g_assert_nonnull (file);
  g_assert_cmpint (fseeko (file, (off_t) mib * 1024 * 1024 - 1, SEEK_SET), ==, 0);
  g_assert_cmpint (fputc (0, file), ==, 0);
  g_assert_cmpint (fclose (file), ==, 0);
  return path;
}

static char *
raw_image (const char *dir, const char *name)
{
  return sized_image (dir, name, 1);
}

/* The string value of property @property of QOM object @path. */
static char *
qom_string (const char *monitor, const char *path, const char *property)
{
  g_autofree char *command = g_strdup_printf (
    "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"%s\",\"property\":\"%s\"}}", path,
    property);
  g_autoptr (JsonNode) value = vb_test_qmp (monitor, command);

  return g_strdup (json_node_get_string (value));
}

static gboolean
qom_bool (const char *monitor, const char *path, const char *property)
{
  g_autofree char *command = g_strdup_printf (
    "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"%s\",\"property\":\"%s\"}}", path,
    property);
  g_autoptr (JsonNode) value = vb_test_qmp (monitor, command);

  return json_node_get_boolean (value);
}

static void
test_guest_sees (Fixture *f, gconstpointer data)
{
  g_autofree char *uas = raw_image (f->env->tmpdir, "uas.img");
  g_autofree char *bot = raw_image (f->env->tmpdir, "bot.img");
  g_autofree char *monitor = g_build_filename (f->env->tmpdir, "extra-qmp.sock", NULL);
  g_autofree char *devices =
    g_strdup_printf ("    <video>\n"
                     "      <model type='virtio' heads='1' edid='off'/>\n"
                     "    </video>\n"
                     "    <controller type='usb' index='0' model='qemu-xhci'/>\n"
                     "    <disk type='file' device='disk' model='usb-uas'>\n"
                     "      <driver name='qemu' type='raw'/>\n"
                     "      <source file='%s'/>\n"
                     "      <target dev='sda' bus='usb'/>\n"
                     "    </disk>\n"
                     "    <disk type='file' device='disk' model='usb-bot'>\n"
                     "      <driver name='qemu' type='raw'/>\n"
                     "      <source file='%s'/>\n"
                     "      <target dev='sdb' bus='usb'/>\n"
                     "    </disk>\n",
                     uas, bot);
  g_autofree char *guest = vb_test_guest_xml ("newer", GUEST_MIB, NULL, devices);
  g_autoptr (GString) xml = g_string_new (guest);
  g_autofree char *commandline =
    g_strdup_printf ("  <ns0:commandline xmlns:ns0='" QEMU_NS "'>\n"
                     "    <ns0:arg value='-qmp'/>\n"
                     "    <ns0:arg value='unix:%s,server=on,wait=off'/>\n"
                     "  </ns0:commandline>\n"
                     "</domain>",
                     monitor);
  g_autofree char *out = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *uas_type = NULL;
  g_autofree char *uas_disk = NULL;
  g_autofree char *bot_type = NULL;
  g_autofree char *bot_disk = NULL;

  /* Upper case without dashes: stored as <uuid> is, and the guest sees it so. */
  g_assert_cmpuint (g_string_replace (xml, "</name>\n",
                                      "</name>\n  <uuid>" DOMAIN_UUID "</uuid>\n"
                                      "  <hwuuid>5D5B0F1D128B45178E65B258A8734C1D</hwuuid>\n",
                                      1),
                    ==, 1);
  g_assert_cmpuint (g_string_replace (xml, "</domain>", commandline, 1), ==, 1);
  vb_guest_fixture_boot (f, xml->str, BOOT_TIMEOUT_MS);

  /* The guest's SMBIOS system UUID (the kernel's DMI) is the <hwuuid>. */
  out =
    vb_test_console_output (f->console, "echo UUID=$(cat /sys/class/dmi/id/product_uuid)=", 60000);
  g_assert_nonnull (strstr (out, "UUID=" HW_UUID "="));
  g_assert_null (strstr (out, DOMAIN_UUID));
  stored = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (stored, "<hwuuid>" HW_UUID "</hwuuid>"));
  g_assert_nonnull (strstr (stored, "<uuid>" DOMAIN_UUID "</uuid>"));

  /* QEMU's display has no EDID; a default virtio GPU has one. */
  g_assert_false (qom_bool (monitor, "/machine/peripheral/video0", "edid"));

  /* usb-uas and usb-bot bridges, each with a SCSI disk on it. */
  uas_type = qom_string (monitor, "/machine/peripheral/disk-sda-uas", "type");
  uas_disk = qom_string (monitor, "/machine/peripheral/disk-sda", "type");
  bot_type = qom_string (monitor, "/machine/peripheral/disk-sdb-bot", "type");
  bot_disk = qom_string (monitor, "/machine/peripheral/disk-sdb", "type");
  g_assert_cmpstr (uas_type, ==, "usb-uas");
  g_assert_cmpstr (uas_disk, ==, "scsi-hd");
  g_assert_cmpstr (bot_type, ==, "usb-bot");
  g_assert_cmpstr (bot_disk, ==, "scsi-hd");
}

/* Define takes the intervals (QEMU 10.2 runs them); Start on this host's
 * QEMU 7.2, whose storage devices have no stats-intervals, refuses them by
 * name before QEMU runs. */
static void
test_statistics_start_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *image = raw_image (f->env->tmpdir, "stats.img");
  g_autofree char *disk = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                                           "      <driver name='qemu' type='raw'>\n"
                                           "        <statistics>\n"
                                           "          <statistic interval='3'/>\n"
                                           "          <statistic interval='10'/>\n"
                                           "        </statistics>\n"
                                           "      </driver>\n"
                                           "      <source file='%s'/>\n"
                                           "      <target dev='vda' bus='virtio'/>\n"
                                           "    </disk>\n",
                                           image);
  g_autofree char *xml = vb_test_guest_xml ("newer-stats", GUEST_MIB, NULL, disk);

  vb_test_expect_start_refused (f->env, xml,
                                "disk statistics intervals (the storage devices' "
                                "stats-intervals) needs QEMU 10.2");
}

/* NVMe disks: two namespaces of the controller define adds (its serial
 * from a disk's <serial>) and namespace 3 of a second controller with a
 * <serial> of its own, placed by <address unit='2'>. The guest's kernel
 * finds both controllers with their serials and each namespace with the
 * size of its image (1, 2 and 3 MiB: 2048, 4096 and 6144 sectors). */
static void
test_nvme_disks (Fixture *f, gconstpointer data)
{
  g_autofree char *one = sized_image (f->env->tmpdir, "one.img", 1);
  g_autofree char *two = sized_image (f->env->tmpdir, "two.img", 2);
  g_autofree char *three = sized_image (f->env->tmpdir, "three.img", 3);
  g_autofree char *devices =
    g_strdup_printf ("    <disk type='file' device='disk'>\n"
                     "      <driver name='qemu' type='raw'/>\n"
                     "      <source file='%s'/>\n"
                     "      <target dev='nvme0n1' bus='nvme'/>\n"
                     "    </disk>\n"
                     "    <disk type='file' device='disk'>\n"
                     "      <driver name='qemu' type='raw'/>\n"
                     "      <source file='%s'/>\n"
                     "      <target dev='nvme0n2' bus='nvme'/>\n"
                     "      <serial>VBNVME01</serial>\n"
                     "    </disk>\n"
                     "    <disk type='file' device='disk'>\n"
                     "      <driver name='qemu' type='raw'/>\n"
                     "      <source file='%s'/>\n"
                     "      <target dev='nvme1n3' bus='nvme'/>\n"
                     "      <address type='drive' controller='1' bus='0' target='0' unit='2'/>\n"
                     "    </disk>\n"
                     "    <controller type='nvme' index='1'>\n"
                     "      <serial>VBCTRL1</serial>\n"
                     "      <driver queues='3'/>\n"
                     "    </controller>\n",
                     one, two, three);
  g_autofree char *xml = vb_test_guest_xml ("newer-nvme", GUEST_MIB, NULL, devices);
  g_autofree char *serials = NULL;
  g_autofree char *sizes = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  serials = vb_test_console_output (
    f->console, "for c in /sys/class/nvme/nvme*; do echo SERIAL=$(tr -d ' ' < $c/serial)=; done",
    60000);
  g_test_message ("the guest's NVMe controllers: %s", serials);
  g_assert_nonnull (strstr (serials, "SERIAL=VBNVME01="));
  g_assert_nonnull (strstr (serials, "SERIAL=VBCTRL1="));
  sizes = vb_test_console_output (
    f->console, "for d in /sys/block/nvme*; do echo NS=$(cat $d/nsid):$(cat $d/size)=; done",
    60000);
  g_test_message ("the guest's NVMe namespaces: %s", sizes);
  g_assert_nonnull (strstr (sizes, "NS=1:2048="));
  g_assert_nonnull (strstr (sizes, "NS=2:4096="));
  g_assert_nonnull (strstr (sizes, "NS=3:6144="));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-newer/guest-sees", Fixture, NULL, vb_guest_fixture_set_up, test_guest_sees,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-newer/nvme-disks", Fixture, NULL, vb_guest_fixture_set_up, test_nvme_disks,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-newer/statistics-start-refused", Fixture, NULL, vb_guest_fixture_set_up,
              test_statistics_start_refused, vb_guest_fixture_tear_down);
  return g_test_run ();
}
