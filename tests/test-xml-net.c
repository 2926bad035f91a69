/* The host side of a guest's tap as the domain XML sets it: the interrupt
 * coalescing of <coalesce> read back from the tap (ETHTOOL_GCOALESCE), the
 * devices of <backend tap vhost> and Start's refusal of any other file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-net/coalesce", Fixture, "vbtest-co", vb_guest_fixture_set_up_in_netns,
              test_coalesce, vb_guest_fixture_tear_down);
  g_test_add ("/xml-net/backend-refusals", Fixture, NULL, vb_guest_fixture_set_up,
              test_backend_refusals, vb_guest_fixture_tear_down);
  return g_test_run ();
}
