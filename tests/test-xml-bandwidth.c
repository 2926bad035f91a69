/* <interface><bandwidth> as the host's tc shows it on the guest's tap: an
 * htb class of the inbound limits on a bridge's tap, which the guest's
 * replies pass through; a network's portgroups giving their limits to the
 * interfaces that name them (or to any, for the default group); and the
 * outbound policer, set where the kernel has tc's police action and refused
 * by name at Start where it has not. The service runs in a network
 * namespace of the test's, and so do the bridge and tc. */
#include <string.h>

#include <gio/gio.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-host.h"
#include "vb-test-names.h"
#include "vb-test-netns.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define GUEST_MAC "52:54:00:07:09:01"

typedef VbGuestFixture Fixture;

static char *
tc_show (Fixture *f, const char *what)
{
  return vb_test_run ("ip netns exec %s /usr/sbin/tc %s", f->netns, what);
}

static void
assert_has (const char *text, const char *words)
{
  if (!strstr (text, words))
    g_error ("expected '%s' in:\n%s", words, text);
}

/* The bytes class 1:1 of @tap sent (to the guest). */
static guint64
class_sent (Fixture *f, const char *tap)
{
  g_autofree char *cmd = g_strdup_printf ("-s class show dev %s classid 1:1", tap);
  g_autofree char *stats = tc_show (f, cmd);
  const char *sent = strstr (stats, "Sent ");

  g_assert_nonnull (sent);
  return g_ascii_strtoull (sent + 5, NULL, 10);
}

/* 1000 kilobytes/s (8 Mbit), 4000 at the peak (32 Mbit), a 1024-kilobyte
 * burst (1 MiB): tc's own words for them, and the guest's replies counted
 * in the class. */
static void
test_inbound_on_bridge (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "bw-bridge", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='bridge'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <source bridge='vbtest-bwbr'/>\n      <target dev='vbtest-bw0'/>\n"
    "      <model type='virtio'/>\n"
    "      <bandwidth>\n        <inbound average='1000' peak='4000' burst='1024'/>\n"
    "      </bandwidth>\n    </interface>\n");
  g_autofree char *qdisc = NULL;
  g_autofree char *klass = NULL;
  g_autofree char *ingress = NULL;
  guint64 before;

  g_free (vb_test_run ("ip netns exec %s sh -c 'ip link add vbtest-bwbr type bridge && "
                       "ip addr add 10.77.9.1/24 dev vbtest-bwbr && ip link set vbtest-bwbr up'",
                       f->netns));
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  qdisc = tc_show (f, "qdisc show dev vbtest-bw0");
  klass = tc_show (f, "class show dev vbtest-bw0");
  assert_has (qdisc, "qdisc htb 1: root");
  assert_has (qdisc, "default 0x1");
  assert_has (klass, "class htb 1:1 root prio 0 rate 8Mbit ceil 32Mbit burst 1Mb");
  /* No outbound: no ingress qdisc. */
  ingress = tc_show (f, "qdisc show dev vbtest-bw0 ingress");
  g_assert_null (strstr (ingress, "ingress"));
  before = class_sent (f, "vbtest-bw0");
  g_free (vb_test_console_output (f->console,
                                  "ip link set eth0 up; ip addr add 10.77.9.2/24 dev eth0; "
                                  "ping -c 3 -W 1 10.77.9.1; true",
                                  30000));
  g_assert_cmpuint (class_sent (f, "vbtest-bw0"), >, before);
}

/* The fixture's own set-up, with the bridge network driver (the test
 * driver's networks have no bridge). */
static void
set_up_with_bridges (Fixture *f, gconstpointer data)
{
  static const char *const daemon_args[] = { "--network-driver=bridge", NULL };

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  f->netns = vb_test_netns_add (data, NULL);
  vb_test_env_start_daemon_in_netns (f->env, f->netns, daemon_args);
}

static char *
define_network (Fixture *f, const char *xml)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                                                g_variant_new ("(su)", xml, 0));
  char *path;

  g_variant_get (reply, "(o)", &path);
  return path;
}

/* A network with a default portgroup and a named one: the NIC that names
 * 'slow' gets its limits, the one that names none the default group's, the
 * one with its own <bandwidth> its own; the network keeps its groups. */
static void
test_portgroups (Fixture *f, gconstpointer data)
{
  g_autofree char *net = define_network (
    f, "<network>\n  <name>bwnet</name>\n  <bridge name='vbtest-bwnet'/>\n"
       "  <portgroup name='slow'>\n    <bandwidth>\n"
       "      <inbound average='500' burst='100'/>\n    </bandwidth>\n  </portgroup>\n"
       "  <portgroup name='dflt' default='yes'>\n    <bandwidth>\n"
       "      <inbound average='250'/>\n    </bandwidth>\n  </portgroup>\n</network>\n");
  g_autofree char *xml = vb_test_guest_xml_on (
    "bw-portgroup", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='network'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <source network='bwnet' portgroup='slow'/>\n      <target dev='vbtest-bw1'/>\n"
    "      <model type='virtio'/>\n    </interface>\n"
    "    <interface type='network'>\n      <mac address='52:54:00:07:09:02'/>\n"
    "      <source network='bwnet'/>\n      <target dev='vbtest-bw2'/>\n"
    "      <model type='virtio'/>\n    </interface>\n"
    "    <interface type='network'>\n      <mac address='52:54:00:07:09:03'/>\n"
    "      <source network='bwnet' portgroup='slow'/>\n      <target dev='vbtest-bw3'/>\n"
    "      <model type='virtio'/>\n"
    "      <bandwidth>\n        <inbound average='125'/>\n      </bandwidth>\n"
    "    </interface>\n");
  g_autoptr (GVariant) desc = NULL;
  const char *net_xml;
  g_autofree char *slow = NULL;
  g_autofree char *dflt = NULL;
  g_autofree char *own = NULL;

  g_variant_unref (vb_test_call_ok (f->env, net, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0)));
  desc = vb_test_call_ok (f->env, net, IFACE_NETWORK, "GetXMLDesc", g_variant_new ("(u)", 0));
  g_variant_get (desc, "(&s)", &net_xml);
  assert_has (net_xml, "<portgroup name='slow'>");
  assert_has (net_xml, "<inbound average='500' burst='100'/>");
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  slow = tc_show (f, "class show dev vbtest-bw1");
  dflt = tc_show (f, "class show dev vbtest-bw2");
  own = tc_show (f, "class show dev vbtest-bw3");
  assert_has (slow, "class htb 1:1 root prio 0 rate 4Mbit ceil 4Mbit burst 100Kb");
  assert_has (dflt, "class htb 1:1 root prio 0 rate 2Mbit ceil 2Mbit");
  assert_has (own, "class htb 1:1 root prio 0 rate 1Mbit ceil 1Mbit");
  /* A NIC plugged in later would not get the default group's limits:
   * refused by name, the guest keeps its three. */
  vb_test_call_expect_error_saying (
    f->env, f->path, IFACE_DOMAIN, "AttachDevice",
    g_variant_new ("(su)",
                   "<interface type='network'><mac address='52:54:00:07:09:05'/>"
                   "<source network='bwnet'/><model type='virtio'/></interface>",
                   1u),
    "org.virtbus.Virt1.Error.NotSupported",
    "network 'bwnet' gives this interface its portgroup's <bandwidth>, which an interface "
    "plugged into a running guest does not get");
  /* A portgroup the network lacks: refused by name at Start. */
  vb_test_expect_start_refused (
    f->env,
    "<domain type='qemu'><name>bw-nogroup</name><memory unit='MiB'>64</memory>"
    "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
    "<interface type='network'><mac address='52:54:00:07:09:04'/>"
    "<source network='bwnet' portgroup='nosuch'/></interface></devices></domain>",
    "network 'bwnet' has no portgroup 'nosuch'");
}

/* tc's police action, which the outbound limits need: this kernel's? */
static gboolean
kernel_polices (Fixture *f)
{
  g_autofree char *probe = g_strdup_printf (
    "ip netns exec %s sh -c 'ip tuntap add dev vbtest-bwp mode tap || exit 1; "
    "/usr/sbin/tc qdisc add dev vbtest-bwp ingress && /usr/sbin/tc filter add dev vbtest-bwp "
    "parent ffff: protocol all u32 match u32 0 0 police rate 1kbps burst 1kb mtu 64kb drop "
    "flowid :1; r=$?; ip link del vbtest-bwp; exit $r' 2>/dev/null",
    f->netns);

  return vb_test_shell_succeeds (probe);
}

/* 128 kilobytes/s (1024 kbit), 256 at the peak, a 32768-kilobyte bucket:
 * the policer on the tap's ingress, or, on a kernel without the police
 * action (this project's test machine), Start's refusal naming
 * <outbound>, with no tap left behind. */
static void
test_outbound (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    vb_test_guest_xml_on ("bw-outbound", GUEST_MIB, "pc", TRUE, NULL,
                          "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
                          "      <target dev='vbtest-bw4'/>\n      <model type='virtio'/>\n"
                          "      <bandwidth>\n        <inbound average='1000'/>\n"
                          "        <outbound average='128' peak='256' burst='32768'/>\n"
                          "      </bandwidth>\n    </interface>\n");
  g_autofree char *filter = NULL;
  g_autofree char *link = NULL;

  if (!kernel_polices (f))
    {
      g_test_message ("this kernel has no tc police action: Start refuses <outbound>");
      vb_test_expect_start_refused (f->env, xml,
                                    "<bandwidth><outbound>: tc filter add on tap "
                                    "vbtest-bw4 failed");
      link = vb_test_run ("ip netns exec %s ip -o link show", f->netns);
      g_assert_null (strstr (link, "vbtest-bw4"));
      return;
    }
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  filter = tc_show (f, "filter show dev vbtest-bw4 ingress");
  assert_has (filter, "police");
  assert_has (filter, "rate 1024Kbit burst 32Mb");
  assert_has (filter, "peakrate 2048Kbit");
  assert_has (filter, "action drop");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-bandwidth/inbound-on-bridge", Fixture, "vbtest-bw",
              vb_guest_fixture_set_up_in_netns, test_inbound_on_bridge, vb_guest_fixture_tear_down);
  g_test_add ("/xml-bandwidth/portgroups", Fixture, "vbtest-bwpg", set_up_with_bridges,
              test_portgroups, vb_guest_fixture_tear_down);
  g_test_add ("/xml-bandwidth/outbound", Fixture, "vbtest-bwo", vb_guest_fixture_set_up_in_netns,
              test_outbound, vb_guest_fixture_tear_down);
  return g_test_run ();
}
