/* <acpi index> as the project's test guest sees it: the firmware's ACPI
 * tables give the NIC and the disk the index the XML chose, which Linux
 * shows as the PCI device's acpi_index in /sys. */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160

typedef VbGuestFixture Fixture;

static void
test_acpi_index (Fixture *f, gconstpointer data)
{
  const char *machine = data;
  g_autofree char *xml = vb_test_guest_xml_on (
    "hw-acpi-index", GUEST_MIB, machine, TRUE, NULL,
    "    <interface type='user'>\n      <mac address='52:54:00:7a:01:01'/>\n"
    "      <model type='virtio'/>\n      <acpi index='4242'/>\n    </interface>\n"
    "    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n"
    "      <acpi index='77'/>\n    </rng>\n");
  g_autofree char *out = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  out = vb_test_console_output (
    f->console,
    "for d in /sys/bus/pci/devices/*; do [ -e $d/acpi_index ] && "
    "echo \"idx=$(cat $d/vendor):$(cat $d/device):$(cat $d/acpi_index)\"; done; echo end",
    60000);
  g_test_message ("the guest's ACPI indexes:\n%s", out);
  /* virtio-net and virtio-rng by their index: transitional (0x1000,
   * 0x1005) on pc's bus, modern (0x1041, 0x1044) on q35's root ports. */
  if ((!strstr (out, "idx=0x1af4:0x1000:4242") && !strstr (out, "idx=0x1af4:0x1041:4242"))
      || (!strstr (out, "idx=0x1af4:0x1005:77") && !strstr (out, "idx=0x1af4:0x1044:77")))
    g_error ("the guest does not see the ACPI indexes 4242 and 77:\n%s", out);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-hardware/acpi-index/pc", Fixture, "pc", vb_guest_fixture_set_up,
              test_acpi_index, vb_guest_fixture_tear_down);
  g_test_add ("/xml-hardware/acpi-index/q35", Fixture, "q35", vb_guest_fixture_set_up,
              test_acpi_index, vb_guest_fixture_tear_down);
  return g_test_run ();
}
