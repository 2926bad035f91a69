/* The long tail of the domain XML as the project's test guest sees it: a
 * second serial port on a tcp socket the test reads what the guest writes
 * to its ttyS1 from, a NIC behind a pci-bridge on the guest's PCI bus 1,
 * and the Start refusals of host devices this machine does not have. */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define SERIAL_PORT 47961
#define SERIAL_PORT_TEXT "47961"
#define READ_TIMEOUT_US (30 * G_USEC_PER_SEC)

typedef VbGuestFixture Fixture;

static void
boot (Fixture *f, const char *name, const char *devices)
{
  g_autofree char *xml = vb_test_guest_xml_on (name, GUEST_MIB, "pc", TRUE, NULL, devices);

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
}

/* <serial type='tcp'> bound on the host: what the guest writes to the port
 * arrives on a connection to it. */
static void
test_serial_tcp (Fixture *f, gconstpointer data)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GString) got = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *written = NULL;
  GInputStream *in;
  gint64 deadline;

  boot (f, "longtail-serial-tcp",
        "    <serial type='tcp'>\n"
        "      <source mode='bind' host='127.0.0.1' service='" SERIAL_PORT_TEXT "'/>\n"
        "      <protocol type='raw'/>\n      <target port='1'/>\n    </serial>\n");
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", SERIAL_PORT, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 5);
  written =
    vb_test_console_output (f->console, "echo vb-longtail-serial > /dev/ttyS1 && echo sent", 60000);
  g_assert_nonnull (strstr (written, "sent"));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  deadline = g_get_monotonic_time () + READ_TIMEOUT_US;
  while (!strstr (got->str, "vb-longtail-serial") && g_get_monotonic_time () < deadline)
    {
      char buffer[256];
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL);

      if (n <= 0)
        continue;
      g_string_append_len (got, buffer, n);
    }
  g_test_message ("read from the serial port's socket: %s", got->str);
  g_assert_nonnull (strstr (got->str, "vb-longtail-serial"));
}

/* <controller model='pci-bridge'> with an e1000 NIC on its slot 3: the
 * guest finds the NIC at 0000:01:03.0, behind the bridge. */
static void
test_pci_bridge (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  boot (f, "longtail-pci-bridge",
        "    <controller type='pci' index='1' model='pci-bridge'/>\n"
        "    <interface type='user'>\n      <mac address='52:54:00:08:00:01'/>\n"
        "      <model type='e1000'/>\n"
        "      <address type='pci' domain='0x0000' bus='0x01' slot='0x03' function='0x0'/>\n"
        "    </interface>\n");
  out = vb_test_console_output (f->console,
                                "echo \"nic=$(cat /sys/bus/pci/devices/0000:01:03.0/vendor):"
                                "$(cat /sys/bus/pci/devices/0000:01:03.0/device)\"; "
                                "echo \"bridge=$(cat /sys/bus/pci/devices/0000:01:03.0/../class)\"",
                                60000);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "nic=0x8086:0x100e"));
  /* Its parent in sysfs is a PCI-to-PCI bridge (class 0x0604xx). */
  g_assert_nonnull (strstr (out, "bridge=0x0604"));
}

static void
expect_start_refused (Fixture *f, const char *name, const char *devices, const char *words)
{
  g_autofree char *xml = vb_test_guest_xml_on (name, GUEST_MIB, "pc", TRUE, NULL, devices);

  vb_test_expect_start_refused (f->env, xml, words);
}

/* Host devices are defined (the definition is fine) and refused by name at
 * Start on a host that lacks them. */
static void
test_hostdev_start_refusals (Fixture *f, gconstpointer data)
{
  guint checked = 0;

  if (!g_file_test ("/sys/bus/pci/devices/0000:7f:1f.7", G_FILE_TEST_EXISTS))
    {
      expect_start_refused (f, "longtail-hostdev-pci",
                            "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
                            "      <driver name='vfio'/>\n      <source>\n"
                            "        <address domain='0x0000' bus='0x7f' slot='0x1f' "
                            "function='0x7'/>\n"
                            "      </source>\n    </hostdev>\n",
                            "the host has no PCI device 0000:7f:1f.7");
      checked++;
    }
  if (!g_file_test ("/dev/bus/usb/250/250", G_FILE_TEST_EXISTS))
    {
      expect_start_refused (f, "longtail-hostdev-usb",
                            "    <hostdev mode='subsystem' type='usb'>\n      <source>\n"
                            "        <address bus='250' device='250'/>\n"
                            "      </source>\n    </hostdev>\n",
                            "the host has no USB device 250:250");
      checked++;
    }
  if (!g_file_test ("/sys/bus/mdev/devices/53764d0e-85a0-42b4-af5c-2046b460b1dc",
                    G_FILE_TEST_EXISTS))
    {
      expect_start_refused (f, "longtail-hostdev-mdev",
                            "    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n"
                            "      <source>\n"
                            "        <address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/>\n"
                            "      </source>\n    </hostdev>\n",
                            "the host has no mediated device 53764d0e");
      checked++;
    }
  if (!g_file_test ("/dev/vhost-scsi", G_FILE_TEST_EXISTS))
    {
      expect_start_refused (f, "longtail-hostdev-vhost-scsi",
                            "    <hostdev mode='subsystem' type='scsi_host'>\n"
                            "      <source protocol='vhost' wwpn='naa.5123456789abcde0'/>\n"
                            "    </hostdev>\n",
                            "/dev/vhost-scsi");
      checked++;
    }
  if (!checked)
    g_test_skip ("this host has every device the refusals are about");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-longtail/serial-tcp", Fixture, NULL, vb_guest_fixture_set_up, test_serial_tcp,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-longtail/pci-bridge", Fixture, NULL, vb_guest_fixture_set_up, test_pci_bridge,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-longtail/hostdev-start-refusals", Fixture, NULL, vb_guest_fixture_set_up,
              test_hostdev_start_refusals, vb_guest_fixture_tear_down);
  return g_test_run ();
}
