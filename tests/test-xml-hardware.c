/* <acpi index> as the project's test guest sees it: the firmware's ACPI
 * tables give the NIC and the disk the index the XML chose, which Linux
 * shows as the PCI device's acpi_index in /sys. */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160

typedef struct {
  VbTestEnv *env;
  char *path;
  VbTestConsole *console;
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  if (f->path)
    vb_test_call (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0), NULL);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  g_free (f->path);
}

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

  f->path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  f->console = vb_test_console_open (f->env, f->path);
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
  g_test_add ("/xml-hardware/acpi-index/pc", Fixture, "pc", set_up, test_acpi_index, tear_down);
  g_test_add ("/xml-hardware/acpi-index/q35", Fixture, "q35", set_up, test_acpi_index,
              tear_down);
  return g_test_run ();
}
