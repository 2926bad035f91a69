/* Schema breadth (docs/xml-subset.md, "Schema breadth") as the project's
 * test guest sees it: the PCI root bus's 64-bit window of <pcihole64>, the
 * ISA debug console of <serial><target type='isa-debug'>, and the
 * virtio-crypto device of <crypto>. */
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-host.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define VIRTIOFSD "/usr/lib/qemu/virtiofsd"

typedef VbGuestFixture Fixture;

/* The size in bytes of the root bus's window above 4 GiB, as the firmware's
 * ACPI tables describe it and Linux lists it in /proc/iomem ("PCI Bus
 * 0000:00"); 0 when there is none. */
static guint64
hole64_size (VbTestConsole *console)
{
  g_autofree char *out =
    vb_test_console_output (console, "grep 'PCI Bus 0000:00' /proc/iomem; echo end", 60000);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);

  g_test_message ("the guest's root bus windows:\n%s", out);
  for (guint i = 0; lines[i]; i++)
    {
      guint64 start, end;
      char *dash = strchr (lines[i], '-');
      g_autofree char *first = NULL;

      if (!dash || !strstr (lines[i], "PCI Bus 0000:00"))
        continue;
      first = g_strndup (lines[i], dash - lines[i]);
      start = g_ascii_strtoull (g_strstrip (first), NULL, 16);
      end = g_ascii_strtoull (dash + 1, NULL, 16);
      if (start >= G_GUINT64_CONSTANT (0x100000000))
        return end - start + 1;
    }
  return 0;
}

static void
test_pcihole64 (Fixture *f, gconstpointer data)
{
  const char *machine = data;
  g_autofree char *devices =
    g_strdup_printf ("    <controller type='pci' index='0' model='%s'>\n"
                     "      <pcihole64 unit='GiB'>3</pcihole64>\n    </controller>\n",
                     g_str_equal (machine, "q35") ? "pcie-root" : "pci-root");
  g_autofree char *xml =
    vb_test_guest_xml_on ("breadth-hole64", GUEST_MIB, machine, TRUE, NULL, devices);

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  /* QEMU's default window is other than 3 GiB on both machines (2 GiB on
   * pc, 32 GiB on q35): only the XML's size gives this one. */
  g_assert_cmpuint (hole64_size (f->console), ==, G_GUINT64_CONSTANT (3) << 30);
}

/* Firmware's debug port: bytes the guest writes to I/O port 0x402 land in
 * the serial port's file on the host. */
static void
test_debugcon (Fixture *f, gconstpointer data)
{
  g_autofree char *log = g_build_filename (f->env->tmpdir, "debugcon.log", NULL);
  g_autofree char *devices = g_strdup_printf ("    <serial type='file'>\n"
                                              "      <source path='%s'/>\n"
                                              "      <target type='isa-debug' port='1'>\n"
                                              "        <model name='isa-debugcon'/>\n"
                                              "      </target>\n"
                                              "      <address type='isa' iobase='0x402'/>\n"
                                              "    </serial>\n",
                                              log);
  g_autofree char *xml = vb_test_guest_xml ("breadth-debugcon", GUEST_MIB, NULL, devices);
  g_autofree char *out = NULL;
  g_autofree char *contents = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  /* One byte at a time: /dev/port's offset is the port, and advances. */
  out = vb_test_console_output (f->console,
                                "for c in v b d b g; do printf $c | "
                                "dd of=/dev/port bs=1 seek=1026 count=1 2>/dev/null; done; "
                                "echo end",
                                60000);
  g_assert_true (g_file_get_contents (log, &contents, NULL, NULL));
  g_test_message ("the debug console's file: '%s'", contents);
  g_assert_nonnull (strstr (contents, "vbdbg"));
}

static void
test_crypto (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml (
    "breadth-crypto", GUEST_MIB, NULL,
    "    <crypto model='virtio' type='qemu'>\n      <backend model='builtin' queues='1'/>\n"
    "    </crypto>\n");
  g_autofree char *ids = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  ids = vb_test_guest_pci_ids (f->console);
  g_test_message ("the guest's PCI devices:\n%s", ids);
  /* virtio-crypto is a virtio 1.0 device only: 0x1040 + its type, 20. */
  g_assert_nonnull (strstr (ids, "id=0x1af4:0x1054"));
}

/* The host kernel's ciphers need a QEMU built with libkeyutils, which
 * this one is not: defined, refused at Start by name. */
static void
test_crypto_lkcf (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml (
    "breadth-lkcf", GUEST_MIB, NULL,
    "    <crypto model='virtio' type='qemu'>\n      <backend model='lkcf'/>\n    </crypto>\n");

  vb_test_expect_start_refused (f->env, xml, "cryptodev-backend-lkcf");
}

/* <port isolated='yes'> on one tap of a Linux bridge, none on the other:
 * the kernel's flag of each bridge port, as `ip -d link` shows it; the
 * guest's NIC still reaches the bridge itself (not an isolated port). */
static void
test_isolated_port (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "breadth-isolated", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='bridge'>\n      <mac address='52:54:00:07:09:01'/>\n"
    "      <source bridge='vbtest-isbr'/>\n      <target dev='vbtest-is0'/>\n"
    "      <model type='virtio'/>\n      <port isolated='yes'/>\n    </interface>\n"
    "    <interface type='bridge'>\n      <mac address='52:54:00:07:09:02'/>\n"
    "      <source bridge='vbtest-isbr'/>\n      <target dev='vbtest-is1'/>\n"
    "      <model type='virtio'/>\n      <port isolated='no'/>\n    </interface>\n");
  g_autofree char *link0 = NULL;
  g_autofree char *link1 = NULL;
  g_autofree char *ping = NULL;

  g_free (vb_test_run ("ip -n %s link add vbtest-isbr type bridge", f->netns));
  g_free (vb_test_run ("ip -n %s addr add 10.77.11.1/24 dev vbtest-isbr", f->netns));
  g_free (vb_test_run ("ip -n %s link set vbtest-isbr up", f->netns));
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  link0 = vb_test_run ("ip -n %s -d -o link show vbtest-is0", f->netns);
  link1 = vb_test_run ("ip -n %s -d -o link show vbtest-is1", f->netns);
  g_test_message ("%s%s", link0, link1);
  g_assert_nonnull (strstr (link0, "master vbtest-isbr"));
  g_assert_nonnull (strstr (link0, "isolated on"));
  g_assert_nonnull (strstr (link1, "isolated off"));
  ping = vb_test_console_output (f->console,
                                 "ip link set eth0 up; ip addr add 10.77.11.2/24 dev eth0; "
                                 "ping -c 2 -W 2 10.77.11.1 && echo reached",
                                 30000);
  g_assert_nonnull (strstr (ping, "reached"));
}

/* <filesystem><source socket>: a virtiofsd the test runs itself (as the
 * host's administrator would), QEMU connected to its socket; the guest
 * mounts the share and reads and writes it. */
static void
test_virtiofs_socket (Fixture *f, gconstpointer data)
{
  g_autofree char *share = g_build_filename (f->env->tmpdir, "sockshare", NULL);
  g_autofree char *sock = g_build_filename (f->env->tmpdir, "virtiofsd.sock", NULL);
  g_autofree char *hello = g_build_filename (share, "hello.txt", NULL);
  g_autofree char *from_guest = g_build_filename (share, "from-guest.txt", NULL);
  g_autofree char *socket_opt = g_strdup_printf ("--socket-path=%s", sock);
  g_autofree char *source_opt = g_strdup_printf ("source=%s", share);
  g_autofree char *devices = g_strdup_printf ("    <filesystem type='mount'>\n"
                                              "      <driver type='virtiofs'/>\n"
                                              "      <source socket='%s'/>\n"
                                              "      <target dir='sockshare'/>\n"
                                              "    </filesystem>\n",
                                              sock);
  g_autofree char *plain = vb_test_guest_xml ("breadth-virtiofs", GUEST_MIB, NULL, devices);
  g_autoptr (GString) xml = g_string_new (plain);
  g_autoptr (GSubprocess) virtiofsd = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *written = NULL;

  g_assert_cmpint (g_mkdir_with_parents (share, 0755), ==, 0);
  g_assert_true (g_file_set_contents (hello, "served by the host's virtiofsd\n", -1, NULL));
  virtiofsd = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, VIRTIOFSD, socket_opt, "-o",
                                source_opt, NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < 100 && !g_file_test (sock, G_FILE_TEST_EXISTS); i++)
    g_usleep (50000);
  /* QEMU runs as its own user: it may connect. */
  g_assert_cmpint (chmod (sock, 0666), ==, 0);
  g_assert_cmpuint (g_string_replace (xml, "<vcpu>",
                                      "<memoryBacking><source type='memfd'/>"
                                      "<access mode='shared'/></memoryBacking>\n  <vcpu>",
                                      1),
                    ==, 1);
  vb_guest_fixture_boot (f, xml->str, BOOT_TIMEOUT_MS);
  g_free (vb_test_console_output (f->console,
                                  "mkdir -p /mnt/s && mount -t virtiofs sockshare /mnt/s", 60000));
  text = vb_test_console_output (f->console, "cat /mnt/s/hello.txt", 60000);
  g_assert_nonnull (strstr (text, "served by the host's virtiofsd"));
  g_free (vb_test_console_output (
    f->console, "echo written by the guest > /mnt/s/from-guest.txt && sync", 60000));
  g_assert_true (g_file_get_contents (from_guest, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, "written by the guest\n");
  g_subprocess_force_exit (virtiofsd);
}

/* No virtiofsd on the socket: Start refuses it by name. */
static void
test_virtiofs_socket_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *plain =
    vb_test_guest_xml ("breadth-nofsd", GUEST_MIB, NULL,
                       "    <filesystem type='mount'>\n      <driver type='virtiofs'/>\n"
                       "      <source socket='/nonexistent/virtiofsd.sock'/>\n"
                       "      <target dir='nothing'/>\n    </filesystem>\n");
  g_autoptr (GString) xml = g_string_new (plain);

  g_string_replace (xml, "<vcpu>",
                    "<memoryBacking><source type='memfd'/><access mode='shared'/>"
                    "</memoryBacking>\n  <vcpu>",
                    1);
  vb_test_expect_start_refused (f->env, xml->str, "no virtiofsd listens on");
}

/* <controller type='pci' model='pci-root'><target hotplug>: the guest's
 * ACPI tables offer hotplug slots on pc's root bus (Linux's acpiphp lists
 * them in /sys/bus/pci/slots) with 'on', none with 'off'. */
static void
test_root_hotplug (Fixture *f, gconstpointer data)
{
  const char *hotplug = data;
  g_autofree char *devices =
    g_strdup_printf ("    <controller type='pci' index='0' model='pci-root'>\n"
                     "      <target hotplug='%s'/>\n    </controller>\n",
                     hotplug);
  g_autofree char *xml = vb_test_guest_xml ("breadth-root-hotplug", GUEST_MIB, NULL, devices);
  g_autofree char *out = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  out = vb_test_console_output (f->console, "echo slots=$(ls /sys/bus/pci/slots | wc -l)", 60000);
  g_test_message ("hotplug='%s': %s", hotplug, out);
  if (g_str_equal (hotplug, "off"))
    g_assert_nonnull (strstr (out, "slots=0"));
  else
    g_assert_null (strstr (out, "slots=0"));
}

/* <acpi index> on devices the schema gained it for, on PCI: a PCI serial
 * port and a crypto device, which Linux shows with that index in /sys. */
static void
test_acpi_index (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    vb_test_guest_xml ("breadth-acpi-index", GUEST_MIB, NULL,
                       "    <serial type='null'>\n      <target type='pci-serial' port='1'/>\n"
                       "      <acpi index='51'/>\n    </serial>\n"
                       "    <crypto model='virtio' type='qemu'>\n      <backend model='builtin'/>\n"
                       "      <acpi index='52'/>\n    </crypto>\n");
  g_autofree char *out = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  out = vb_test_console_output (
    f->console,
    "for d in /sys/bus/pci/devices/*; do [ -e $d/acpi_index ] && "
    "echo \"idx=$(cat $d/vendor):$(cat $d/device):$(cat $d/acpi_index)\"; done; echo end",
    60000);
  g_test_message ("the guest's ACPI indexes:\n%s", out);
  /* pci-serial is QEMU's 1b36:0002; virtio-crypto 1af4:1054. */
  g_assert_nonnull (strstr (out, "idx=0x1b36:0x0002:51"));
  g_assert_nonnull (strstr (out, "idx=0x1af4:0x1054:52"));
}

/* <memory model='sgx-epc'>: defined (its command line built), refused at
 * Start by name on this host, which runs guests under TCG and has no SGX. */
static void
test_sgx_epc (Fixture *f, gconstpointer data)
{
  const char *xml =
    "<domain type='qemu'>\n  <name>breadth-sgx</name>\n"
    "  <maxMemory slots='4' unit='KiB'>1114112</maxMemory>\n"
    "  <memory unit='KiB'>1114112</memory>\n  <vcpu>1</vcpu>\n"
    "  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n"
    "  <cpu>\n    <numa>\n      <cell id='0' cpus='0' memory='1048576' unit='KiB'/>\n"
    "    </numa>\n  </cpu>\n"
    "  <devices>\n    <memory model='sgx-epc'>\n      <target>\n"
    "        <size unit='KiB'>65536</size>\n        <node>0</node>\n      </target>\n"
    "    </memory>\n  </devices>\n</domain>\n";

  vb_test_expect_start_refused (f->env, xml, "SGX EPC needs");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-breadth/pcihole64/pc", Fixture, "pc", vb_guest_fixture_set_up, test_pcihole64,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/pcihole64/q35", Fixture, "q35", vb_guest_fixture_set_up, test_pcihole64,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/debugcon", Fixture, NULL, vb_guest_fixture_set_up, test_debugcon,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/crypto", Fixture, NULL, vb_guest_fixture_set_up, test_crypto,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/crypto-lkcf", Fixture, NULL, vb_guest_fixture_set_up, test_crypto_lkcf,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/isolated-port", Fixture, "vbtest-is", vb_guest_fixture_set_up_in_netns,
              test_isolated_port, vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/virtiofs-socket", Fixture, NULL, vb_guest_fixture_set_up,
              test_virtiofs_socket, vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/virtiofs-socket-missing", Fixture, NULL, vb_guest_fixture_set_up,
              test_virtiofs_socket_missing, vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/root-hotplug/off", Fixture, "off", vb_guest_fixture_set_up,
              test_root_hotplug, vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/root-hotplug/on", Fixture, "on", vb_guest_fixture_set_up,
              test_root_hotplug, vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/acpi-index", Fixture, NULL, vb_guest_fixture_set_up, test_acpi_index,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-breadth/sgx-epc", Fixture, NULL, vb_guest_fixture_set_up, test_sgx_epc,
              vb_guest_fixture_tear_down);
  return g_test_run ();
}
