/* <interface type='direct'> (macvtap): in a network namespace of the
 * test's, the service makes a macvtap link with the guest's MAC on a veth
 * (the host device), QEMU gets its /dev/tapN, the guest reaches the veth's
 * peer through it, and the link is gone after Destroy, after an unplug and
 * after restarts of the service; a multiqueue one; Start refuses a
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
  /* The live XML names the link, as libvirt's does. */
  {
    g_autoptr (GVariant) reply =
      vb_test_call_ok (f->env, f->path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
    const char *live = NULL;

    g_variant_get (reply, "(&s)", &live);
    g_assert_nonnull (strstr (live, "<target dev='macvtap0'/>"));
  }

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

/* <driver queues='2'>: /dev/tapN opened twice; the guest (two vCPUs, so
 * its driver uses both) sees two queue pairs, and pings are answered. */
static void
test_multiqueue (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "macvtap-mq", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='direct'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <source dev='vbmv0' mode='bridge'/>\n"
    "      <model type='virtio'/>\n      <driver queues='2'/>\n    </interface>\n");
  g_autoptr (GString) two_vcpus = g_string_new (xml);
  g_autofree char *queues = NULL;
  g_autofree char *ping = NULL;

  g_assert_cmpuint (g_string_replace (two_vcpus, "<vcpu>1</vcpu>", "<vcpu>2</vcpu>", 1), ==, 1);
  g_free (vb_test_run ("ip -n %s link add vbmv0 type veth peer name vbmv1", f->netns));
  g_free (vb_test_run ("ip -n %s link set vbmv0 up", f->netns));
  g_free (vb_test_run ("ip -n %s addr add 10.77.11.1/24 dev vbmv1", f->netns));
  g_free (vb_test_run ("ip -n %s link set vbmv1 up", f->netns));
  vb_guest_fixture_boot (f, two_vcpus->str, BOOT_TIMEOUT_MS);
  queues = vb_test_console_output (
    f->console,
    "v=$(basename $(readlink /sys/class/net/eth0/device)); "
    "echo vb-vectors-$(grep -c \" $v-input\\.\" /proc/interrupts)-"
    "$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)",
    30000);
  g_test_message ("%s", queues);
  g_assert_nonnull (strstr (queues, "vb-vectors-2-2"));
  ping = vb_test_console_output (f->console,
                                 "ip link set eth0 up; ip addr add 10.77.11.2/24 dev eth0; "
                                 "echo REPLIES=$(ping -c 3 -W 2 10.77.11.1 | "
                                 "grep -c 'bytes from 10.77.11.1')",
                                 40000);
  g_assert_nonnull (strstr (ping, "REPLIES="));
  g_assert_cmpuint (g_ascii_strtoull (strstr (ping, "REPLIES=") + strlen ("REPLIES="), NULL, 10),
                    >=, 1);
}

static void
wait_link_gone (const char *netns, const char *name)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (has_link (netns, name) && g_get_monotonic_time () < deadline)
    g_usleep (100000);
  g_assert_false (has_link (netns, name));
}

static void
add_veth (const char *netns)
{
  g_free (vb_test_run ("ip -n %s link add vbmv0 type veth peer name vbmv1", netns));
  g_free (vb_test_run ("ip -n %s link set vbmv0 up", netns));
}

/* Kills the namespace's QEMU (the service is stopped: QEMU is all there is). */
static void
kill_qemu (const char *netns)
{
  g_autofree char *pids = vb_test_run ("ip netns pids %s", netns);
  g_auto (GStrv) lines = g_strsplit (g_strstrip (pids), "\n", -1);
  guint killed = 0;

  for (guint i = 0; lines[i]; i++)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/%s/comm", lines[i]);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (comm_path, &comm, NULL, NULL)
          && g_str_has_prefix (comm, "qemu-system"))
        {
          g_free (vb_test_run ("kill -9 %s", lines[i]));
          killed++;
        }
    }
  g_assert_cmpuint (killed, ==, 1);
}

/* The links are in the status file: a service restarted while the guest
 * runs deletes its link when the guest is destroyed, and one that finds
 * the guest's QEMU ended while it was away deletes it at once. */
static void
test_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *iface = direct ("vbmv0", "vepa");
  g_autofree char *xml =
    vb_test_guest_xml_on ("macvtap-restart", GUEST_MIB, "pc", TRUE, NULL, iface);
  g_autoptr (GVariant) uuid = NULL;
  g_autofree char *status_path = NULL;
  g_autofree char *status = NULL;
  g_autofree char *links = NULL;

  add_veth (f->netns);
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  uuid = vb_test_get_property (f->env, f->path, IFACE_DOMAIN, "UUID");
  status_path = vb_test_env_status_path (f->env, g_variant_get_string (uuid, NULL));
  g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
  g_assert_nonnull (strstr (status, "\"macvtaps\""));
  g_assert_nonnull (strstr (strstr (status, "\"macvtaps\""), "\"macvtap0:"));
  links = vb_test_run ("ip -n %s -d link show dev macvtap0", f->netns);
  g_assert_nonnull (strstr (links, "macvtap mode vepa"));

  vb_test_env_stop_daemon (f->env, TRUE);
  vb_test_env_start_daemon_in_netns (f->env, f->netns, NULL);
  g_assert_true (has_link (f->netns, "macvtap0"));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  wait_link_gone (f->netns, "macvtap0");

  /* Again, with QEMU ending while the service is away. */
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (has_link (f->netns, "macvtap0"));
  vb_test_env_stop_daemon (f->env, TRUE);
  kill_qemu (f->netns);
  g_assert_true (has_link (f->netns, "macvtap0"));
  vb_test_env_start_daemon_in_netns (f->env, f->netns, NULL);
  wait_link_gone (f->netns, "macvtap0");
}

/* Unplugged from the running guest (DetachDevice by its MAC), the link goes
 * when the guest releases the NIC, and leaves the status file. */
static void
test_unplug (Fixture *f, gconstpointer data)
{
  g_autofree char *iface = direct ("vbmv0", "private");
  g_autofree char *xml =
    vb_test_guest_xml_on ("macvtap-unplug", GUEST_MIB, "pc", TRUE, NULL, iface);
  g_autoptr (GVariant) uuid = NULL;
  g_autofree char *status_path = NULL;
  g_autofree char *status = NULL;

  add_veth (f->netns);
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  g_assert_true (has_link (f->netns, "macvtap0"));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "DetachDevice",
                     g_variant_new ("(su)", "<interface><mac address='" GUEST_MAC "'/></interface>",
                                    1));
  wait_link_gone (f->netns, "macvtap0");
  uuid = vb_test_get_property (f->env, f->path, IFACE_DOMAIN, "UUID");
  status_path = vb_test_env_status_path (f->env, g_variant_get_string (uuid, NULL));
  /* The status file is written after the call returns: wait for it. */
  for (int tries = 0; tries < 100; tries++)
    {
      g_clear_pointer (&status, g_free);
      g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
      if (!strstr (status, "\"macvtap0:"))
        break;
      g_usleep (100000);
    }
  g_assert_null (strstr (status, "\"macvtap0:"));
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
  g_test_add ("/xml-macvtap/restart", Fixture, "vbtest-mvt2", vb_guest_fixture_set_up_in_netns,
              test_restart, vb_guest_fixture_tear_down);
  g_test_add ("/xml-macvtap/unplug", Fixture, "vbtest-mvt3", vb_guest_fixture_set_up_in_netns,
              test_unplug, vb_guest_fixture_tear_down);
  g_test_add ("/xml-macvtap/multiqueue", Fixture, "vbtest-mvt4", vb_guest_fixture_set_up_in_netns,
              test_multiqueue, vb_guest_fixture_tear_down);
  g_test_add ("/xml-macvtap/guest-nic", Fixture, "vbtest-mvt0", vb_guest_fixture_set_up_in_netns,
              test_guest_nic, vb_guest_fixture_tear_down);
  return g_test_run ();
}
