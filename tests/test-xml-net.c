/* The host side of a guest's tap as the domain XML sets it: the interrupt
 * coalescing of <coalesce> read back from the tap (ETHTOOL_GCOALESCE), the
 * devices of <backend tap vhost> and Start's refusal of any other file, an
 * Open vSwitch port (<virtualport type='openvswitch'>) on a bridge of an
 * Open vSwitch the test runs itself (userspace datapath: no kernel module),
 * and Start's refusals of virtual ports this host cannot make. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-host.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define GUEST_MAC "52:54:00:07:08:01"

typedef VbGuestFixture Fixture;

/* A socket of network namespace @netns: ioctls on it name that namespace's
 * interfaces. */
static int
socket_in (const char *netns)
{
  g_autofree char *path = g_strdup_printf ("/run/netns/%s", netns);
  int own = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int other = open (path, O_RDONLY | O_CLOEXEC);
  int sock;

  g_assert_cmpint (own, >=, 0);
  g_assert_cmpint (other, >=, 0);
  g_assert_cmpint (setns (other, CLONE_NEWNET), ==, 0);
  sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (setns (own, CLONE_NEWNET), ==, 0);
  close (own);
  close (other);
  g_assert_cmpint (sock, >=, 0);
  return sock;
}

static guint
rx_frames_of (const char *netns, const char *ifname)
{
  struct ethtool_coalesce ec = { .cmd = ETHTOOL_GCOALESCE };
  struct ifreq ifr;
  int sock = socket_in (netns);

  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, ifname, IFNAMSIZ);
  ifr.ifr_data = (void *) &ec;
  if (ioctl (sock, SIOCETHTOOL, &ifr) < 0)
    g_error ("ETHTOOL_GCOALESCE on %s: %s", ifname, g_strerror (errno));
  close (sock);
  return ec.rx_max_coalesced_frames;
}

/* <coalesce><rx><frames max='7'/> on one tap, none on the other (the
 * kernel's 0 stays); both opened through <backend tap='/dev/net/tun'>, and
 * the guest's NIC works through them. */
static void
test_coalesce (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "net-coalesce", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <target dev='vbtest-co0'/>\n      <model type='virtio'/>\n"
    "      <backend tap='/dev/net/tun'/>\n"
    "      <coalesce>\n        <rx>\n          <frames max='7'/>\n        </rx>\n"
    "      </coalesce>\n    </interface>\n"
    "    <interface type='ethernet'>\n      <mac address='52:54:00:07:08:02'/>\n"
    "      <target dev='vbtest-co1'/>\n      <model type='virtio'/>\n"
    "      <coalesce>\n        <rx/>\n      </coalesce>\n    </interface>\n");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  g_assert_cmpuint (rx_frames_of (f->netns, "vbtest-co0"), ==, 7);
  g_assert_cmpuint (rx_frames_of (f->netns, "vbtest-co1"), ==, 0);
  before =
    vb_test_run ("ip netns exec %s cat /sys/class/net/vbtest-co0/statistics/rx_packets", f->netns);
  g_free (vb_test_console_output (f->console,
                                  "ip link set eth0 up; ip addr add 10.77.8.2/24 dev eth0; "
                                  "ping -c 2 -W 1 10.77.8.1; true",
                                  30000));
  after =
    vb_test_run ("ip netns exec %s cat /sys/class/net/vbtest-co0/statistics/rx_packets", f->netns);
  g_assert_cmpuint (g_ascii_strtoull (after, NULL, 10), >, g_ascii_strtoull (before, NULL, 10));
}

static void
expect_start_refused (Fixture *f, const char *name, const char *backend, const char *words)
{
  g_autofree char *devices =
    g_strdup_printf ("    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
                     "      <model type='virtio'/>\n      %s\n    </interface>\n",
                     backend);
  g_autofree char *xml = vb_test_guest_xml_on (name, GUEST_MIB, "pc", TRUE, NULL, devices);

  vb_test_expect_start_refused (f->env, xml, words);
}

/* Files that are not the tun or vhost-net device: defined (another host's
 * node may be), refused by name at Start before anything is opened. */
static void
test_backend_refusals (Fixture *f, gconstpointer data)
{
  expect_start_refused (f, "net-backend-null", "<backend tap='/dev/null'/>",
                        "<backend tap>: /dev/null is not the tun device");
  expect_start_refused (f, "net-backend-zero", "<backend vhost='/dev/zero'/>",
                        "<backend vhost>: /dev/zero is not the vhost-net device");
  expect_start_refused (f, "net-backend-missing", "<backend tap='/dev/vbtest-no-tun'/>",
                        "<backend tap>: the host has no /dev/vbtest-no-tun");
}

/* ---- Open vSwitch ---- */

#define OVS_DIR "/tmp/vbtest-ovs"
#define OVS_BRIDGE "vbtest-ovsbr"
#define OVS_IFACE_ID "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"

static gboolean
have_ovs (void)
{
  return g_file_test ("/usr/sbin/ovs-vswitchd", G_FILE_TEST_IS_EXECUTABLE)
         && g_file_test ("/usr/sbin/ovsdb-server", G_FILE_TEST_IS_EXECUTABLE)
         && g_file_test ("/usr/bin/ovs-vsctl", G_FILE_TEST_IS_EXECUTABLE);
}

/* ovsdb-server and ovs-vswitchd in the service's namespace, their sockets
 * in OVS_DIR (OVS_RUNDIR, which the service's ovs-vsctl reads too), and a
 * bridge of the userspace datapath. */
static void
ovs_start (const char *netns)
{
  g_free (vb_test_run ("rm -rf " OVS_DIR));
  g_assert_cmpint (g_mkdir_with_parents (OVS_DIR, 0700), ==, 0);
  g_free (
    vb_test_run ("ovsdb-tool create " OVS_DIR "/conf.db /usr/share/openvswitch/vswitch.ovsschema"));
  g_free (vb_test_run ("ip netns exec %s ovsdb-server " OVS_DIR "/conf.db --remote=punix:" OVS_DIR
                       "/db.sock --pidfile=" OVS_DIR "/ovsdb-server.pid --unixctl=" OVS_DIR
                       "/ovsdb.ctl --detach --log-file=" OVS_DIR "/ovsdb.log",
                       netns));
  g_free (vb_test_run ("ovs-vsctl --timeout=10 --no-wait init"));
  g_free (vb_test_run ("ip netns exec %s ovs-vswitchd unix:" OVS_DIR "/db.sock --pidfile=" OVS_DIR
                       "/ovs-vswitchd.pid --unixctl=" OVS_DIR
                       "/vswitchd.ctl --detach --log-file=" OVS_DIR "/vswitchd.log",
                       netns));
  g_free (vb_test_run ("ovs-vsctl --timeout=10 add-br " OVS_BRIDGE " -- set bridge " OVS_BRIDGE
                       " datapath_type=netdev"));
  g_free (vb_test_run ("ip -n %s addr add 10.77.9.1/24 dev " OVS_BRIDGE, netns));
  g_free (vb_test_run ("ip -n %s link set " OVS_BRIDGE " up", netns));
}

/* Ends the two daemons the test started, by the PIDs they wrote. */
static void
ovs_stop (void)
{
  const char *const names[] = { "ovs-vswitchd", "ovsdb-server" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_strdup_printf (OVS_DIR "/%s.pid", names[i]);
      g_autofree char *text = NULL;
      gint64 pid;

      if (!g_file_get_contents (file, &text, NULL, NULL))
        continue;
      pid = g_ascii_strtoll (text, NULL, 10);
      if (pid > 1)
        kill ((pid_t) pid, SIGTERM);
    }
}

static void
ovs_tear_down (Fixture *f, gconstpointer data)
{
  vb_guest_fixture_tear_down (f, data);
  ovs_stop ();
}

static char *
ovs_ports (void)
{
  return vb_test_run ("ovs-vsctl --timeout=10 list-ports " OVS_BRIDGE);
}

/* The guest's tap is a port of the Open vSwitch bridge, with libvirt's
 * external-ids and its <vlan> as the port's tag; the guest reaches the
 * bridge's own interface through it; the ports go when the guest ends. */
static void
test_openvswitch (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = NULL;
  g_autofree char *ports = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *tag = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *link = NULL;

  if (!have_ovs ())
    {
      g_test_skip ("Open vSwitch is not installed (openvswitch-switch)");
      return;
    }
  ovs_start (f->netns);
  xml = vb_test_guest_xml_on (
    "net-ovs", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='bridge'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <source bridge='" OVS_BRIDGE "'/>\n      <target dev='vbtest-ovs0'/>\n"
    "      <virtualport type='openvswitch'>\n"
    "        <parameters interfaceid='" OVS_IFACE_ID "' profileid='bob'/>\n"
    "      </virtualport>\n      <model type='virtio'/>\n    </interface>\n"
    "    <interface type='bridge'>\n      <mac address='52:54:00:07:08:03'/>\n"
    "      <source bridge='" OVS_BRIDGE "'/>\n      <target dev='vbtest-ovs1'/>\n"
    "      <vlan>\n        <tag id='42'/>\n      </vlan>\n"
    "      <virtualport type='openvswitch'/>\n      <model type='virtio'/>\n"
    "    </interface>\n");
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);

  ports = ovs_ports ();
  g_test_message ("ports: %s", ports);
  g_assert_nonnull (strstr (ports, "vbtest-ovs0"));
  g_assert_nonnull (strstr (ports, "vbtest-ovs1"));
  ids = vb_test_run ("ovs-vsctl --timeout=10 get Interface vbtest-ovs0 external-ids");
  g_test_message ("external-ids: %s", ids);
  g_assert_nonnull (strstr (ids, "iface-id=\"" OVS_IFACE_ID "\""));
  g_assert_nonnull (strstr (ids, "attached-mac=\"" GUEST_MAC "\""));
  g_assert_nonnull (strstr (ids, "port-profile=bob"));
  g_assert_nonnull (strstr (ids, "iface-status=active"));
  g_assert_nonnull (strstr (ids, "vm-id="));
  tag = vb_test_run ("ovs-vsctl --timeout=10 get Port vbtest-ovs1 tag");
  g_assert_cmpint (g_ascii_strtoll (tag, NULL, 10), ==, 42);
  /* Not also on a Linux bridge. */
  link = vb_test_run ("ip -n %s -o link show vbtest-ovs0", f->netns);
  g_assert_null (strstr (link, "master"));

  before = vb_test_run ("ovs-vsctl --timeout=10 get Interface vbtest-ovs0 statistics:rx_packets");
  g_free (vb_test_console_output (f->console,
                                  "ip link set eth0 up; ip addr add 10.77.9.2/24 dev eth0; "
                                  "ping -c 3 -W 2 10.77.9.1",
                                  30000));
  /* ovs-vswitchd refreshes an interface's statistics every few seconds
   * (stats-update-interval): wait for the count to move. */
  for (guint i = 0; i < 40; i++)
    {
      g_free (after);
      after = vb_test_run ("ovs-vsctl --timeout=10 get Interface vbtest-ovs0 statistics:rx_packets");
      if (g_ascii_strtoull (after, NULL, 10) > g_ascii_strtoull (before, NULL, 10))
        break;
      g_usleep (G_USEC_PER_SEC / 2);
    }
  g_test_message ("OVS port rx packets: %s -> %s", before, after);
  g_assert_cmpuint (g_ascii_strtoull (after, NULL, 10), >, g_ascii_strtoull (before, NULL, 10));

  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  for (guint i = 0; i < 100; i++)
    {
      g_free (ports);
      ports = ovs_ports ();
      if (!*g_strstrip (ports))
        break;
      g_usleep (100000);
    }
  g_assert_cmpstr (ports, ==, "");

  /* A bridge Open vSwitch does not have: refused by name at Start. */
  vb_test_expect_start_refused (
    f->env,
    (refused = vb_test_guest_xml_on (
       "net-ovs-nobr", GUEST_MIB, "pc", TRUE, NULL,
       "    <interface type='bridge'>\n      <mac address='" GUEST_MAC "'/>\n"
       "      <source bridge='vbtest-nobr'/>\n      <virtualport type='openvswitch'/>\n"
       "    </interface>\n")),
    "<virtualport type='openvswitch'>: Open vSwitch could not add tap");
  g_free (ports);
  ports = ovs_ports ();
  g_assert_cmpstr (g_strstrip (ports), ==, "");
}

/* A VF's port profile: defined, refused by name at Start (before the VF
 * itself is looked for). */
static void
test_vf_port_profiles (Fixture *f, gconstpointer data)
{
  const char *const kinds[][2] = {
    { "802.1Qbg", "<parameters managerid='11' typeid='1193047' typeidversion='2' "
                  "instanceid='" OVS_IFACE_ID "'/>" },
    { "802.1Qbh", "<parameters profileid='finance'/>" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *devices = g_strdup_printf (
        "    <interface type='hostdev' managed='yes'>\n      <mac address='" GUEST_MAC "'/>\n"
        "      <source>\n        <address type='pci' domain='0x0000' bus='0x21' slot='0x1c' "
        "function='0x6'/>\n      </source>\n      <vlan>\n        <tag id='42'/>\n"
        "      </vlan>\n      <virtualport type='%s'>\n        %s\n      </virtualport>\n"
        "    </interface>\n",
        kinds[i][0], kinds[i][1]);
      g_autofree char *xml =
        vb_test_guest_xml_on ("net-vf-port", GUEST_MIB, "pc", TRUE, NULL, devices);
      g_autofree char *words = g_strdup_printf ("<virtualport type='%s'> on a VF", kinds[i][0]);

      vb_test_expect_start_refused (f->env, xml, words);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Where ovs-vsctl (the test's and the service's) finds the test's
   * ovsdb-server. */
  g_setenv ("OVS_RUNDIR", OVS_DIR, TRUE);
  g_setenv ("OVS_DBDIR", OVS_DIR, TRUE);
  g_setenv ("OVS_LOGDIR", OVS_DIR, TRUE);
  g_test_add ("/xml-net/coalesce", Fixture, "vbtest-co", vb_guest_fixture_set_up_in_netns,
              test_coalesce, vb_guest_fixture_tear_down);
  g_test_add ("/xml-net/backend-refusals", Fixture, NULL, vb_guest_fixture_set_up,
              test_backend_refusals, vb_guest_fixture_tear_down);
  g_test_add ("/xml-net/openvswitch", Fixture, "vbtest-ovs", vb_guest_fixture_set_up_in_netns,
              test_openvswitch, ovs_tear_down);
  g_test_add ("/xml-net/vf-port-profiles", Fixture, NULL, vb_guest_fixture_set_up,
              test_vf_port_profiles, vb_guest_fixture_tear_down);
  return g_test_run ();
}
