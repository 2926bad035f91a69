/* <interface type='direct'> (macvtap): in a network namespace of the
 * test's, the service makes a macvtap link with the guest's MAC on a veth
 * (the host device), QEMU gets its /dev/tapN, the guest reaches the veth's
 * peer through it, and the link is gone after Destroy; Start refuses a
 * <source dev> the host lacks, by name. */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-host.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define GUEST_MAC "52:54:00:07:7a:01"

typedef VbGuestFixture Fixture;

static char *
direct (const char *dev, const char *mode)
{
  return g_strdup_printf ("    <interface type='direct'>\n      <mac address='" GUEST_MAC "'/>\n"
                          "      <source dev='%s' mode='%s'/>\n"
                          "      <model type='virtio'/>\n    </interface>\n",
                          dev, mode);
}

/* Whether namespace @netns has a link named @name. */
static gboolean
has_link (const char *netns, const char *name)
{
  g_autofree char *command = g_strdup_printf ("ip -n %s link show dev %s", netns, name);

  return vb_test_shell_succeeds (command);
}

static void
test_guest_nic (Fixture *f, gconstpointer data)
{
  g_autofree char *iface = direct ("vbmv0", "bridge");
  g_autofree char *xml = vb_test_guest_xml_on ("macvtap", GUEST_MIB, "pc", TRUE, NULL, iface);
  g_autofree char *links = NULL;
  g_autofree char *ping = NULL;
  const char *replies;
  gint64 deadline;

  /* The host device: one end of a veth pair, the other end the "network". */
  g_free (vb_test_run ("ip -n %s link add vbmv0 type veth peer name vbmv1", f->netns));
  g_free (vb_test_run ("ip -n %s link set vbmv0 up", f->netns));
  g_free (vb_test_run ("ip -n %s addr add 10.77.10.1/24 dev vbmv1", f->netns));
  g_free (vb_test_run ("ip -n %s link set vbmv1 up", f->netns));
  g_assert_false (has_link (f->netns, "macvtap0"));

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  links = vb_test_run ("ip -n %s -d link show dev macvtap0", f->netns);
  g_test_message ("%s", links);
  g_assert_nonnull (strstr (links, "macvtap0@vbmv0"));
  g_assert_nonnull (strstr (links, "link/ether " GUEST_MAC));
  g_assert_nonnull (strstr (links, "macvtap mode bridge"));

  /* The guest has the NIC, with its MAC, and reaches the veth's peer. */
  ping = vb_test_console_output (f->console,
                                 "cat /sys/class/net/eth0/address; ip link set eth0 up; "
                                 "ip addr add 10.77.10.2/24 dev eth0; "
                                 "echo REPLIES=$(ping -c 3 -W 2 10.77.10.1 | "
                                 "grep -c 'bytes from 10.77.10.1')",
                                 40000);
  g_test_message ("guest: %s", ping);
  g_assert_nonnull (strstr (ping, GUEST_MAC));
  replies = strstr (ping, "REPLIES=");
  g_assert_nonnull (replies);
  g_assert_cmpuint (g_ascii_strtoull (replies + strlen ("REPLIES="), NULL, 10), >=, 1);

  /* A macvtap outlives QEMU's descriptor: the service deletes it. */
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (has_link (f->netns, "macvtap0") && g_get_monotonic_time () < deadline)
    g_usleep (100000);
  g_assert_false (has_link (f->netns, "macvtap0"));
  g_assert_true (has_link (f->netns, "vbmv0"));
}

/* A host device this host lacks: defined, refused at Start by its name,
 * and no link left behind. */
static void
test_missing_dev (Fixture *f, gconstpointer data)
{
  g_autofree char *iface = direct ("vbmvnone0", "vepa");
  g_autofree char *xml =
    vb_test_guest_xml_on ("macvtap-missing", GUEST_MIB, "pc", TRUE, NULL, iface);

  vb_test_expect_start_refused (f->env, xml,
                                "the host has no network device 'vbmvnone0' for the macvtap");
  g_assert_false (has_link (f->netns, "macvtap0"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-macvtap/missing-dev", Fixture, "vbtest-mvt1", vb_guest_fixture_set_up_in_netns,
              test_missing_dev, vb_guest_fixture_tear_down);
  g_test_add ("/xml-macvtap/guest-nic", Fixture, "vbtest-mvt0", vb_guest_fixture_set_up_in_netns,
              test_guest_nic, vb_guest_fixture_tear_down);
  return g_test_run ();
}
