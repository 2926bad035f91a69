/* Bridge networks for real (virtbusd --network-driver=bridge), in network
 * namespaces of the test's own: a NAT network whose guest gets a lease,
 * reaches its gateway and, through the NAT, a second namespace playing the
 * outside world; an isolated network that does not; a clash refused with
 * nothing left behind; dnsmasq restarted when killed and adopted again after
 * a service restart; Stop cleaning up the bridge, dnsmasq and the nft table;
 * a dual-stack network with its IPv6 address, DHCPv6 range and routed rules,
 * and an IPv6-only isolated one with router advertisements only; a network
 * whose name holds ' #"\' (dnsmasq's comment and quote characters). */
#include <dirent.h>
#include <gio/gunixfdlist.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define OUTSIDE "10.203.0.2"
#define NAT_GATEWAY "10.210.0.1"
#define ISO_GATEWAY "10.211.0.1"
#define NAT_MAC "52:54:00:10:00:01"
#define ISO_MAC "52:54:00:11:00:01"

static const char *const daemon_args[] = { "--network-driver=bridge", NULL };

/* ---- namespaces: the service's, and "the outside world" ---- */

typedef struct {
  VbTestEnv *env;
  char *netns;
  char *outside;
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  f->netns = vb_test_netns_add ("vbnbr-", NULL);
  f->outside = vb_test_netns_add ("vbnbr-", "-o");
  g_free (vb_test_run ("ip -n %s link add vbout0 type veth peer name vbout1 netns %s", f->netns,
                      f->outside));
  g_free (vb_test_run ("ip -n %s addr add 10.203.0.1/24 dev vbout0", f->netns));
  g_free (vb_test_run ("ip -n %s addr add " OUTSIDE "/24 dev vbout1", f->outside));
  g_free (vb_test_run ("ip -n %s link set vbout0 up", f->netns));
  g_free (vb_test_run ("ip -n %s link set vbout1 up", f->outside));
  g_free (vb_test_run ("ip -n %s route add default via " OUTSIDE, f->netns));
  vb_test_env_start_daemon_in_netns (f->env, f->netns, daemon_args);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  /* Kills dnsmasq of a network the test left running, and anything else. */
  vb_test_netns_del (f->netns);
  vb_test_netns_del (f->outside);
  g_free (f->netns);
  g_free (f->outside);
}

/* ---- calls ---- */

static char *
define_network (VbTestEnv *env, const char *xml)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                                                g_variant_new ("(su)", xml, 0));
  char *path;

  g_variant_get (reply, "(o)", &path);
  return path;
}

static void
network_call (VbTestEnv *env, const char *path, const char *method)
{
  g_variant_unref (vb_test_call_ok (env, path, IFACE_NETWORK, method, g_variant_new ("(u)", 0)));
}

static char *
network_bridge (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) value = vb_test_get_property (env, path, IFACE_NETWORK, "Bridge");
  return g_variant_dup_string (value, NULL);
}

static char *
network_xml (const char *name, const char *forward, const char *gateway, const char *bridge)
{
  g_autofree char *base = g_strndup (gateway, strlen (gateway) - 1);

  return g_strdup_printf ("<network>\n"
                          "  <name>%s</name>\n"
                          "%s%s%s%s"
                          "  <ip address='%s' prefix='24'>\n"
                          "    <dhcp>\n"
                          "      <range start='%s100' end='%s150'/>\n"
                          "    </dhcp>\n"
                          "  </ip>\n"
                          "</network>\n",
                          name, forward ? forward : "", bridge ? "  <bridge name='" : "",
                          bridge ? bridge : "", bridge ? "'/>\n" : "", gateway, base, base);
}

static GVariant *
leases (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, path, IFACE_NETWORK, "GetDHCPLeases", g_variant_new ("(u)", 0));
  return g_variant_get_child_value (reply, 0);
}

static char *
file_text (const char *path)
{
  char *contents = NULL;
  return g_file_get_contents (path, &contents, NULL, NULL) ? contents : g_strdup ("");
}

static int
dnsmasq_pid (VbTestEnv *env, const char *name)
{
  g_autofree char *path = g_build_filename (env->run_dir, "network", name, "dnsmasq.pid", NULL);
  g_autofree char *text = file_text (path);

  return atoi (text);
}

static gboolean
alive (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = file_text (path);
  const char *after = strrchr (stat, ')');

  return pid > 0 && after && after[2] != 'Z' && after[2] != 'X';
}

static gboolean
link_exists (const char *netns, const char *name)
{
  g_autofree char *command = g_strdup_printf ("ip -n %s link show %s >/dev/null 2>&1", netns, name);
  return vb_test_shell_succeeds (command);
}

static gboolean
table_exists (const char *netns, const char *table)
{
  g_autofree char *command =
    g_strdup_printf ("ip netns exec %s nft list table inet %s >/dev/null 2>&1", netns, table);
  return vb_test_shell_succeeds (command);
}

/* What a stopped network must have left: no bridge, no dnsmasq, no table, no files. */
static void
assert_cleaned_up (Fixture *f, const char *name, const char *bridge, int pid)
{
  g_autofree char *dir = g_build_filename (f->env->run_dir, "network", name, NULL);
  g_autofree char *table = g_strdup_printf ("virtbus_%s", name);
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while ((link_exists (f->netns, bridge) || alive (pid) || table_exists (f->netns, table)
          || g_file_test (dir, G_FILE_TEST_EXISTS))
         && g_get_monotonic_time () < end)
    g_usleep (50000);
  g_assert_false (link_exists (f->netns, bridge));
  g_assert_false (alive (pid));
  g_assert_false (table_exists (f->netns, table));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static char *
guest_xml (const char *devices)
{
  return vb_test_guest_xml ("netguest", 192, "vb.counter=0", devices);
}

static gboolean
lease_for (GVariant *list, const char *mac, char **ip)
{
  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr (GVariant) lease = g_variant_get_child_value (list, i);
      const char *m = NULL;

      if (g_variant_lookup (lease, "mac", "&s", &m) && g_str_equal (m, mac))
        {
          g_assert_true (g_variant_lookup (lease, "ipaddr", "s", ip));
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- NAT and isolated, with a guest ---- */

/* udhcpc's script: the guest's busybox has none. An isolated network sends no router. */
#define UDHCPC_SCRIPT                                                                         \
  "printf '#!/bin/sh\\n[ \"$1\" = bound ] || exit 0\\nip addr add $ip/$mask dev $interface\\n" \
  "[ -n \"$router\" ] && ip route add default via $router dev $interface\\n"                  \
  "echo vb-router-$interface-${router:-none}\\nexit 0\\n' > /tmp/dhcp.sh; chmod +x /tmp/dhcp.sh"

static GVariant *
interface_addresses (VbTestEnv *env, const char *domain, guint source)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, domain, IFACE_DOMAIN, "InterfaceAddresses",
                                                g_variant_new ("(uu)", source, 0));

  return g_variant_get_child_value (reply, 0);
}

static void
test_nat_and_isolated (Fixture *f, gconstpointer data)
{
  g_autofree char *nat_xml = network_xml ("vbnat", "  <forward mode='nat'/>\n", NAT_GATEWAY, NULL);
  g_autofree char *iso_xml = network_xml ("vbiso", NULL, ISO_GATEWAY, NULL);
  g_autofree char *nat = define_network (f->env, nat_xml);
  g_autofree char *iso = define_network (f->env, iso_xml);
  g_autofree char *domain_xml = guest_xml ("    <interface type='network'>\n"
                                           "      <mac address='" NAT_MAC "'/>\n"
                                           "      <source network='vbnat'/>\n"
                                           "      <model type='virtio'/>\n"
                                           "    </interface>\n"
                                           "    <interface type='network'>\n"
                                           "      <mac address='" ISO_MAC "'/>\n"
                                           "      <source network='vbiso'/>\n"
                                           "      <model type='virtio'/>\n"
                                           "    </interface>\n");
  g_autofree char *domain = NULL;
  g_autofree char *nat_bridge = NULL;
  g_autofree char *iso_bridge = NULL;
  g_autofree char *nat_ip = NULL;
  g_autofree char *iso_ip = NULL;
  g_autoptr (VbTestConsole) console = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  gint64 started, leased = 0;
  int nat_pid, iso_pid;

  started = g_get_monotonic_time ();
  network_call (f->env, nat, "Start");
  network_call (f->env, iso, "Start");
  nat_bridge = network_bridge (f->env, nat);
  iso_bridge = network_bridge (f->env, iso);
  /* No <bridge> given: virbrN, allocated without clashing. */
  g_assert_cmpstr (nat_bridge, ==, "virbr0");
  g_assert_cmpstr (iso_bridge, ==, "virbr1");
  g_assert_true (link_exists (f->netns, nat_bridge));
  g_assert_true (table_exists (f->netns, "virtbus_vbnat"));
  g_assert_true (table_exists (f->netns, "virtbus_vbiso"));
  nat_pid = dnsmasq_pid (f->env, "vbnat");
  iso_pid = dnsmasq_pid (f->env, "vbiso");
  g_assert_true (alive (nat_pid));
  g_assert_true (alive (iso_pid));
  {
    g_autofree char *forward = vb_test_run ("ip netns exec %s cat /proc/sys/net/ipv4/ip_forward",
                                           f->netns);
    g_assert_cmpstr (g_strstrip (forward), ==, "1");
  }

  /* The guest, on both. */
  reply = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                           g_variant_new ("(su)", domain_xml, 0));
  g_variant_get (reply, "(o)", &domain);
  g_variant_unref (vb_test_call_ok (f->env, domain, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  console = vb_test_console_open (f->env, domain);
  g_free (vb_test_console_expect (console, 0, READY, 90000));
  g_assert_cmpint (vb_test_console_run (console, UDHCPC_SCRIPT, 10000), ==, 0);
  g_assert_cmpint (vb_test_console_run (console, "ip link set eth0 up; ip link set eth1 up; "
                                          "udhcpc -i eth0 -n -q -t 10 -s /tmp/dhcp.sh",
                                60000),
                   ==, 0);
  g_free (vb_test_console_expect (console, 0, "vb-router-eth0-" NAT_GATEWAY, 1000));

  /* The lease, as the service reports it. */
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; !nat_ip;)
    {
      g_autoptr (GVariant) list = leases (f->env, nat);

      if (lease_for (list, NAT_MAC, &nat_ip))
        {
          g_autoptr (GVariant) first = g_variant_get_child_value (list, 0);
          const char *iface = NULL;
          guint32 prefix = 0;

          leased = g_get_monotonic_time ();
          g_assert_true (g_variant_lookup (first, "iface", "&s", &iface));
          g_assert_cmpstr (iface, ==, nat_bridge);
          g_assert_true (g_variant_lookup (first, "prefix", "u", &prefix));
          g_assert_cmpuint (prefix, ==, 24);
          break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (100000);
    }
  g_test_message ("NAT lease %s, %.1f s after Start", nat_ip,
                  (leased - started) / (double) G_USEC_PER_SEC);
  g_assert_true (g_str_has_prefix (nat_ip, "10.210.0.1"));

  /* The gateway, and the outside world through the NAT. */
  g_assert_cmpint (vb_test_console_run (console, "ping -c 2 -W 2 " NAT_GATEWAY " >/dev/null", 20000), ==, 0);
  g_assert_cmpint (vb_test_console_run (console, "ping -c 2 -W 3 " OUTSIDE " >/dev/null", 20000), ==, 0);

  /* The isolated network: a lease without a router; its gateway answers, the
   * world does not, even when the guest routes there itself. */
  g_assert_cmpint (vb_test_console_run (console, "udhcpc -i eth1 -n -q -t 10 -s /tmp/dhcp.sh", 60000), ==,
                   0);
  g_free (vb_test_console_expect (console, 0, "vb-router-eth1-none", 1000));
  {
    g_autoptr (GVariant) list = leases (f->env, iso);
    g_assert_true (lease_for (list, ISO_MAC, &iso_ip));
    g_assert_true (g_str_has_prefix (iso_ip, "10.211.0.1"));
  }
  g_assert_cmpint (vb_test_console_run (console, "ping -c 2 -W 2 " ISO_GATEWAY " >/dev/null", 20000), ==, 0);
  g_assert_cmpint (vb_test_console_run (console,
                                "ip route del default; ip route add default via " ISO_GATEWAY
                                " dev eth1; ping -c 2 -W 2 " OUTSIDE " >/dev/null",
                                20000),
                   !=, 0);
  g_clear_pointer (&console, vb_test_console_free);

  /* Domain.InterfaceAddresses: from the leases, and from the neighbour
   * table the pings filled; each interface named by its tap. */
  {
    g_autofree char *uuid = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "UUID");
    g_autoptr (GVariant) by_lease = interface_addresses (f->env, domain, 0);
    g_autoptr (GVariant) by_arp = interface_addresses (f->env, domain, 2);
    g_autofree char *lease_text = g_variant_print (by_lease, FALSE);
    g_autofree char *arp_text = g_variant_print (by_arp, FALSE);
    g_autofree char *expected_lease =
      g_strdup_printf ("[('vb%.8s-0', '" NAT_MAC "', [(0, '%s', 24)]), ('vb%.8s-1', '" ISO_MAC
                       "', [(0, '%s', 24)])]",
                       uuid, nat_ip, uuid, iso_ip);
    g_autofree char *expected_arp =
      g_strdup_printf ("[('vb%.8s-0', '" NAT_MAC "', [(0, '%s', 0)]), ('vb%.8s-1', '" ISO_MAC
                       "', [(0, '%s', 0)])]",
                       uuid, nat_ip, uuid, iso_ip);

    g_assert_cmpstr (lease_text, ==, expected_lease);
    g_assert_cmpstr (arp_text, ==, expected_arp);
  }

  /* Stop while the guest runs: refused, naming it (docs/networks.md). */
  g_assert_null (vb_test_call (f->env, nat, IFACE_NETWORK, "Stop", g_variant_new ("(u)", 0),
                               &error));
  {
    g_autofree char *remote = g_dbus_error_get_remote_error (error);
    g_assert_cmpstr (remote, ==, "org.virtbus.Virt1.Error.OperationInvalid");
    g_assert_nonnull (strstr (error->message, "'netguest'"));
  }
  g_assert_true (link_exists (f->netns, nat_bridge));

  /* With the guest gone, Stop removes the bridge, dnsmasq and the table. */
  g_variant_unref (
    vb_test_call_ok (f->env, domain, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_assert_true (vb_test_wait_property (f->env, domain, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 10000));
  network_call (f->env, nat, "Stop");
  network_call (f->env, iso, "Stop");
  assert_cleaned_up (f, "vbnat", nat_bridge, nat_pid);
  assert_cleaned_up (f, "vbiso", iso_bridge, iso_pid);
}

/* ---- clashes ---- */

static void
expect_refused (Fixture *f, const char *path, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *links = NULL;

  g_assert_null (vb_test_call (f->env, path, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0),
                               &error));
  remote = g_dbus_error_get_remote_error (error);
  g_test_message ("refused: %s", error->message);
  g_assert_cmpstr (remote, ==, "org.virtbus.Virt1.Error.OperationInvalid");
  g_assert_nonnull (strstr (error->message, needle));
  links = vb_test_run ("ip -n %s -o link show", f->netns);
  g_assert_null (strstr (links, "virbr"));
}

static void
test_clash (Fixture *f, gconstpointer data)
{
  g_autofree char *overlap_xml = network_xml ("vboverlap", NULL, "10.204.0.1", NULL);
  g_autofree char *named_xml = network_xml ("vbnamed", NULL, "10.205.0.1", "vbclash");
  g_autofree char *overlap = NULL;
  g_autofree char *named = NULL;
  g_autofree char *run = g_build_filename (f->env->run_dir, "network", NULL);
  g_autofree char *tables = NULL;

  g_free (vb_test_run ("ip -n %s link add vbclash type bridge", f->netns));
  g_free (vb_test_run ("ip -n %s addr add 10.204.0.7/16 dev vbclash", f->netns));
  overlap = define_network (f->env, overlap_xml);
  named = define_network (f->env, named_xml);
  expect_refused (f, overlap, "overlaps 10.204.0.7/16 on interface 'vbclash'");
  expect_refused (f, named, "'vbclash' exists already");
  tables = vb_test_run ("ip netns exec %s nft list tables", f->netns);
  g_assert_null (strstr (tables, "virtbus_"));
  {
    g_autoptr (GDir) dir = g_dir_open (run, 0, NULL);
    g_assert_true (dir == NULL || g_dir_read_name (dir) == NULL);
  }
  g_assert_false (vb_test_get_property (f->env, overlap, IFACE_NETWORK, "Active") == NULL);
}

/* ---- a network name with what dnsmasq's configuration reader treats
 * specially: its run directory (and so dnsmasq's pid, lease and hosts file
 * paths) holds the name ---- */

#define ODD_NAME "vb #q\"z\\"

static void
test_name_in_paths (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = network_xml (ODD_NAME, NULL, "10.213.0.1", NULL);
  g_autofree char *path = define_network (f->env, xml);
  g_autofree char *cut = g_build_filename (f->env->run_dir, "network", "vb", NULL);
  int pid;

  /* Unquoted, " #" started a comment: dnsmasq wrote its pid to
   * <run>/network/vb and the start failed. */
  network_call (f->env, path, "Start");
  pid = dnsmasq_pid (f->env, ODD_NAME);
  g_assert_cmpint (pid, >, 0);
  g_assert_true (alive (pid));
  g_assert_false (g_file_test (cut, G_FILE_TEST_EXISTS));
  network_call (f->env, path, "Stop");
  g_assert_false (alive (pid));
}

/* ---- dnsmasq supervision, Update, service restart ---- */

static void
test_supervision (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = network_xml ("vbsup", "  <forward mode='nat'/>\n", "10.212.0.1", NULL);
  g_autofree char *path = define_network (f->env, xml);
  g_autofree char *hosts_path = g_build_filename (f->env->run_dir, "network", "vbsup",
                                                  "dnsmasq.hostsfile", NULL);
  g_autofree char *bridge = NULL;
  g_autofree char *hosts = NULL;
  g_autoptr (GVariant) live = NULL;
  int pid, again;

  network_call (f->env, path, "Start");
  bridge = network_bridge (f->env, path);
  pid = dnsmasq_pid (f->env, "vbsup");
  g_assert_true (alive (pid));

  /* Killed: the service starts another. */
  kill (pid, SIGKILL);
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;)
    {
      again = dnsmasq_pid (f->env, "vbsup");
      if (again != pid && alive (again))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (50000);
    }
  g_test_message ("dnsmasq %d killed, %d runs", pid, again);

  /* Update: a DHCP host, live and persistent, reaches dnsmasq's hosts file. */
  g_variant_unref (vb_test_call_ok (
    f->env, path, IFACE_NETWORK, "Update",
    g_variant_new ("(uuisu)", 4, 4, -1,
                   "<host mac='52:54:00:12:34:56' name='fixed' ip='10.212.0.50'/>", 3)));
  hosts = file_text (hosts_path);
  g_assert_cmpstr (hosts, ==, "52:54:00:12:34:56,10.212.0.50,fixed\n");
  live = vb_test_call_ok (f->env, path, IFACE_NETWORK, "GetXMLDesc", g_variant_new ("(u)", 1));
  g_assert_nonnull (strstr (g_variant_get_string (g_variant_get_child_value (live, 0), NULL),
                            "name='fixed'"));
  vb_test_call_expect_error (
    f->env, path, IFACE_NETWORK, "Update",
    g_variant_new ("(uuisu)", 3, 4, -1, "<host mac='52:54:00:12:34:56' ip='10.212.0.51'/>", 0),
    "org.virtbus.Virt1.Error.OperationInvalid");
  g_variant_unref (vb_test_call_ok (
    f->env, path, IFACE_NETWORK, "Update",
    g_variant_new ("(uuisu)", 2, 4, -1, "<host mac='52:54:00:12:34:56'/>", 0)));
  g_free (hosts);
  hosts = file_text (hosts_path);
  g_assert_cmpstr (hosts, ==, "");
  /* A host name that would add a line of its own to the hosts file. */
  vb_test_call_expect_error_saying (
    f->env, path, IFACE_NETWORK, "Update",
    g_variant_new ("(uuisu)", 3, 4, -1,
                   "<host mac='52:54:00:12:34:57' ip='10.212.0.51' "
                   "name='a&#10;52:54:00:00:00:02,10.212.0.60,evil'/>",
                   0),
    ERROR_PREFIX "InvalidXML", "attribute 'name' on <host>");
  g_free (hosts);
  hosts = file_text (hosts_path);
  g_assert_cmpstr (hosts, ==, "");

  /* A service restart: the network runs on, its dnsmasq adopted. */
  vb_test_env_stop_daemon (f->env, FALSE);
  {
    g_autofree char *log = vb_test_env_daemon_log (f->env);
    g_autofree char *line = g_strdup_printf ("network/vbsup: keeps running (bridge %s)\n", bridge);

    g_assert_nonnull (strstr (log, "Exiting: 0 domains and 1 network keep running"));
    g_assert_nonnull (strstr (log, line));
  }
  g_assert_true (alive (again));
  g_assert_true (link_exists (f->netns, bridge));
  vb_test_env_start_daemon_in_netns (f->env, f->netns, daemon_args);
  g_assert_true (g_variant_get_boolean (
    vb_test_get_property (f->env, path, IFACE_NETWORK, "Active")));
  g_assert_cmpint (dnsmasq_pid (f->env, "vbsup"), ==, again);
  g_variant_unref (leases (f->env, path));
  /* ... and still supervised. */
  kill (again, SIGKILL);
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;)
    {
      pid = dnsmasq_pid (f->env, "vbsup");
      if (pid != again && alive (pid))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (50000);
    }
  network_call (f->env, path, "Stop");
  assert_cleaned_up (f, "vbsup", bridge, pid);
}

/* ---- the default network ---- */

static gboolean
property_bool (VbTestEnv *env, const char *path, const char *name)
{
  g_autoptr (GVariant) value = vb_test_get_property (env, path, IFACE_NETWORK, name);
  return g_variant_get_boolean (value);
}

/* --default-network: made, started and autostarted on the first start;
 * once undefined, not made again. */
static void
test_default_network (Fixture *f, gconstpointer data)
{
  const char *const with_default[] = { "--network-driver=bridge", "--default-network", NULL };
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *path = NULL;
  g_autofree char *bridge = NULL;
  g_autofree char *addresses = NULL;

  vb_test_env_stop_daemon (f->env, FALSE);
  vb_test_env_start_daemon_in_netns (f->env, f->netns, with_default);
  /* Defined once the service owns its name: a moment after it appears. */
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; !reply;)
    {
      reply = g_dbus_connection_call_sync (f->env->client, "org.virtbus.Virt1", MANAGER,
                                           IFACE_MANAGER, "LookupNetworkByName",
                                           g_variant_new ("(s)", "default"), NULL,
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      if (!reply)
        g_usleep (50000);
    }
  g_variant_get (reply, "(o)", &path);
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       !property_bool (f->env, path, "Active");)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (50000);
    }
  g_assert_true (property_bool (f->env, path, "Persistent"));
  g_assert_true (property_bool (f->env, path, "Autostart"));
  bridge = network_bridge (f->env, path);
  g_assert_true (g_str_has_prefix (bridge, "virbr"));
  addresses = vb_test_run ("ip -n %s -4 -o addr show dev %s", f->netns, bridge);
  g_assert_nonnull (strstr (addresses, "192.168.122.1/24"));

  /* Stop answers once the bridge is gone. */
  network_call (f->env, path, "Stop");
  g_assert_false (link_exists (f->netns, bridge));

  /* The user removes it: a restart does not bring it back. */
  network_call (f->env, path, "Undefine");
  vb_test_env_stop_daemon (f->env, FALSE);
  vb_test_env_start_daemon_in_netns (f->env, f->netns, with_default);
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupNetworkByName",
                             g_variant_new ("(s)", "default"), "org.virtbus.Virt1.Error.NotFound");
  g_assert_false (link_exists (f->netns, bridge));
}

/* ---- IPv6 ---- */

/* A dual-stack NAT network: the bridge carries the IPv6 address, dnsmasq
 * serves the DHCPv6 range with router advertisements, and the firewall
 * routes the IPv6 subnet without translating it (docs/networks.md). */
static void
test_ipv6 (Fixture *f, gconstpointer data)
{
  const char *xml = "<network>\n"
                    "  <name>vbsix</name>\n"
                    "  <forward mode='nat'/>\n"
                    "  <ip address='10.214.0.1' prefix='24'>\n"
                    "    <dhcp><range start='10.214.0.100' end='10.214.0.150'/></dhcp>\n"
                    "  </ip>\n"
                    "  <ip family='ipv6' address='fd00:214::1' prefix='64'>\n"
                    "    <dhcp><range start='fd00:214::100' end='fd00:214::1ff'/></dhcp>\n"
                    "  </ip>\n"
                    "</network>\n";
  g_autofree char *path = define_network (f->env, xml);
  g_autofree char *conf_path =
    g_build_filename (f->env->run_dir, "network", "vbsix", "dnsmasq.conf", NULL);
  g_autofree char *bridge = NULL;
  g_autofree char *addresses = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *rules = NULL;
  g_autofree char *forwarding = NULL;
  g_autofree char *sockets = NULL;
  int pid;

  network_call (f->env, path, "Start");
  bridge = network_bridge (f->env, path);
  addresses = vb_test_run ("ip -n %s -6 -o addr show dev %s", f->netns, bridge);
  g_test_message ("%s", addresses);
  g_assert_nonnull (strstr (addresses, "inet6 fd00:214::1/64"));

  conf = file_text (conf_path);
  g_assert_nonnull (strstr (conf, "\ndhcp-range=fd00:214::100,fd00:214::1ff,64\n"));
  g_assert_nonnull (strstr (conf, "\nenable-ra\n"));
  g_assert_nonnull (strstr (conf, "\ndhcp-range=10.214.0.100,10.214.0.150,255.255.255.0\n"));
  pid = dnsmasq_pid (f->env, "vbsix");
  g_assert_true (alive (pid));
  /* dnsmasq took the configuration: it listens for DHCPv6 (port 547). */
  sockets = vb_test_run ("ip netns exec %s ss -H -u -l -n", f->netns);
  g_test_message ("%s", sockets);
  g_assert_nonnull (strstr (sockets, ":547 "));

  /* Routed, never masqueraded; IPv6 forwarding on. */
  rules = vb_test_run ("ip netns exec %s nft list table inet virtbus_vbsix", f->netns);
  g_assert_nonnull (strstr (rules, "ip6 saddr fd00:214::/64 accept"));
  g_assert_nonnull (strstr (rules, "ip6 daddr fd00:214::/64 accept"));
  g_assert_nonnull (strstr (rules, "ip saddr 10.214.0.0/24 ip daddr != 10.214.0.0/24 masquerade"));
  g_assert_null (strstr (rules, "ip6 saddr fd00:214::/64 masquerade"));
  forwarding = vb_test_run ("ip netns exec %s cat /proc/sys/net/ipv6/conf/all/forwarding", f->netns);
  g_assert_cmpstr (g_strstrip (forwarding), ==, "1");

  network_call (f->env, path, "Stop");
  assert_cleaned_up (f, "vbsix", bridge, pid);

  /* IPv6 alone, isolated, without <dhcp>: advertisements only, and no router. */
  {
    g_autofree char *iso =
      define_network (f->env, "<network><name>vbsixiso</name>"
                              "<ip family='ipv6' address='fd00:215::1' prefix='64'/></network>");
    g_autofree char *iso_conf_path =
      g_build_filename (f->env->run_dir, "network", "vbsixiso", "dnsmasq.conf", NULL);
    g_autofree char *iso_conf = NULL;
    g_autofree char *iso_bridge = NULL;

    network_call (f->env, iso, "Start");
    iso_bridge = network_bridge (f->env, iso);
    iso_conf = file_text (iso_conf_path);
    g_assert_nonnull (strstr (iso_conf, "\ndhcp-range=fd00:215::,ra-only,64\n"));
    g_assert_nonnull (strstr (iso_conf, "\nenable-ra\n"));
    g_assert_nonnull (strstr (iso_conf, "\nra-param=*,0,0\n"));
    pid = dnsmasq_pid (f->env, "vbsixiso");
    g_assert_true (alive (pid));
    network_call (f->env, iso, "Stop");
    assert_cleaned_up (f, "vbsixiso", iso_bridge, pid);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (getuid () != 0)
    {
      g_printerr ("network namespaces need root: run the suite as root\n");
      return 77;
    }
  g_test_add ("/network-bridge/clash", Fixture, NULL, set_up, test_clash, tear_down);
  g_test_add ("/network-bridge/ipv6", Fixture, NULL, set_up, test_ipv6, tear_down);
  g_test_add ("/network-bridge/default-network", Fixture, NULL, set_up, test_default_network,
              tear_down);
  g_test_add ("/network-bridge/supervision", Fixture, NULL, set_up, test_supervision, tear_down);
  g_test_add ("/network-bridge/name-in-paths", Fixture, NULL, set_up, test_name_in_paths,
              tear_down);
  g_test_add ("/network-bridge/nat-and-isolated", Fixture, NULL, set_up, test_nat_and_isolated,
              tear_down);
  return g_test_run ();
}
