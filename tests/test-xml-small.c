/* <interface type='ethernet'><source><ip>/<route>: the service gives the
 * tap it makes the host side's address and routes before QEMU starts (here
 * in a network namespace of the test's), and the test guest reaches that
 * address; a host's own tap (managed='no') is refused. And <disk
 * type='vhostvdpa'> refused at Start by this QEMU without libblkio. */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define GUEST_MAC "52:54:00:07:09:01"

typedef VbGuestFixture Fixture;

static void
test_host_ip (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "hostip", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <source>\n"
    "        <ip address='10.77.9.1' family='ipv4' prefix='24'/>\n"
    "        <route family='ipv4' address='10.78.0.0' prefix='16' gateway='10.77.9.2'/>\n"
    "      </source>\n"
    "      <target dev='vbtest-hip0'/>\n      <model type='virtio'/>\n    </interface>\n");
  g_autofree char *addresses = NULL;
  g_autofree char *routes = NULL;
  g_autofree char *ping = NULL;
  const char *replies;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  addresses = vb_test_run ("ip -n %s -o addr show dev vbtest-hip0", f->netns);
  g_test_message ("%s", addresses);
  g_assert_nonnull (strstr (addresses, "inet 10.77.9.1/24"));
  routes = vb_test_run ("ip -n %s route show dev vbtest-hip0", f->netns);
  g_test_message ("%s", routes);
  g_assert_nonnull (strstr (routes, "10.78.0.0/16 via 10.77.9.2"));

  /* The guest, on the other end, reaches the host side's address. */
  ping = vb_test_console_output (f->console,
                                 "ip link set eth0 up; ip addr add 10.77.9.2/24 dev eth0; "
                                 "echo REPLIES=$(ping -c 3 -W 2 10.77.9.1 | "
                                 "grep -c 'bytes from 10.77.9.1')",
                                 40000);
  g_test_message ("guest's ping: %s", ping);
  replies = strstr (ping, "REPLIES=");
  g_assert_nonnull (replies);
  g_assert_cmpuint (g_ascii_strtoull (replies + strlen ("REPLIES="), NULL, 10), >=, 1);
}

/* A tap the host's administrator made keeps its addresses: refused at
 * define already (nothing on this host decides it). */
static void
test_existing_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "hostip-adm", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <source>\n        <ip address='10.77.9.1' prefix='24'/>\n      </source>\n"
    "      <target dev='vbtest-hip1' managed='no'/>\n      <model type='virtio'/>\n"
    "    </interface>\n");

  vb_test_call_expect_error_saying (
    f->env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0),
    "org.virtbus.Virt1.Error.NotSupported",
    "tap vbtest-hip1 is the host's (managed='no'); the service does not change its addresses");
}

/* Defined (a QEMU with libblkio runs it), refused at Start here by the
 * driver's name when this QEMU lacks it, else by the missing device. */
static void
test_vhostvdpa_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    vb_test_guest_xml_on ("vhostvdpa", GUEST_MIB, "pc", TRUE, NULL,
                          "    <disk type='vhostvdpa' device='disk'>\n"
                          "      <driver name='qemu' type='raw' cache='none'/>\n"
                          "      <source dev='/dev/vhost-vdpa-77'/>\n"
                          "      <target dev='vdb' bus='virtio'/>\n    </disk>\n");
  g_autofree char *version = vb_test_run ("qemu-system-x86_64 --version");
  gboolean old = strstr (version, "version 7.") != NULL;

  g_assert_false (g_file_test ("/dev/vhost-vdpa-77", G_FILE_TEST_EXISTS));
  /* QEMU 7.2 cannot have it (Debian builds none with libblkio). */
  vb_test_expect_start_refused (f->env, xml,
                                old ? "needs QEMU's virtio-blk-vhost-vdpa block driver (libblkio)"
                                    : "vhost-vdpa");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-small/vhostvdpa-refused", Fixture, NULL, vb_guest_fixture_set_up,
              test_vhostvdpa_refused, vb_guest_fixture_tear_down);
  g_test_add ("/xml-small/host-ip", Fixture, "vbtest-hip", vb_guest_fixture_set_up_in_netns,
              test_host_ip, vb_guest_fixture_tear_down);
  g_test_add ("/xml-small/existing-refused", Fixture, "vbtest-hipa",
              vb_guest_fixture_set_up_in_netns, test_existing_refused, vb_guest_fixture_tear_down);
  return g_test_run ();
}
