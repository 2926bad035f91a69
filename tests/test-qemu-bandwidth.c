/* <interface><bandwidth> and network portgroups (unit): the tc argvs a
 * tap's limits become, the limits an interface on a network takes from its
 * portgroup (the one it names, else the default one; its own win), and what
 * a network's portgroups may say. */
#include <glib.h>
#include <string.h>

#include "domain-def.h"
#include "network-def.h"
#include "network-portgroup.h"
#include "qemu-command.h"
#include "qemu-tap-tc.h"
#include "vb-error.h"

#define NETWORK                                                                          \
  "<network><name>net</name><bridge name='virbr9'/>"                                     \
  "<portgroup name='fast'><bandwidth><inbound average='5000'/></bandwidth></portgroup>"  \
  "<portgroup name='slow' default='yes'><bandwidth><inbound average='100' burst='200'/>" \
  "<outbound average='50' peak='60'/></bandwidth></portgroup>"                           \
  "<portgroup name='open'/></network>"

static VbNetworkDef *network;

static char *
fake_bridge (const char *name, gpointer data, GError **error)
{
  return g_strdup ("virbr9");
}

static char *
fake_portgroup (const char *name, const char *portgroup, gpointer data, GError **error)
{
  return vb_network_portgroup_bandwidth (network, portgroup, error);
}

static VbQemuCommand *
build (const char *iface, gboolean dry_run, GError **error)
{
  static const char *const machines[] = { "pc", "pc-i440fx-7.2", NULL };
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .dry_run = dry_run,
    .network_bridge = fake_bridge,
    .network_portgroup_bandwidth = fake_portgroup,
    .qemu_version = 70222,
  };
  g_autofree char *xml =
    g_strdup_printf ("<domain type='qemu'><name>d</name>"
                     "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                     "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                     "<devices>%s<memballoon model='none'/></devices></domain>",
                     iface);
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &parse_error);

  if (!def)
    {
      g_propagate_error (error, g_steal_pointer (&parse_error));
      return NULL;
    }
  return vb_qemu_command_build (def, &context, error);
}

/* The tc lines of the first tap, one a line. */
static char *
tc_lines (const char *iface, gboolean dry_run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (iface, dry_run, &error);
  g_autoptr (GPtrArray) argvs = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  argvs = vb_qemu_tc_argvs (command->taps->pdata[0]);
  for (guint i = 0; i < argvs->len; i++)
    {
      g_autofree char *line = g_strjoinv (" ", argvs->pdata[i]);

      g_string_append_printf (out, "%s\n", line);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define BRIDGE(bw)                                                                    \
  "<interface type='bridge'><mac address='52:54:00:00:09:01'/><source bridge='br0'/>" \
  "<target dev='vbtap0'/>" bw "</interface>"
#define ON_NETWORK(source, bw)                                                               \
  "<interface type='network'><mac address='52:54:00:00:09:01'/><source network='net'" source \
  "/><target dev='vbtap0'/>" bw "</interface>"

static void
test_tc_argvs (void)
{
  g_autofree char *both =
    tc_lines (BRIDGE ("<bandwidth><inbound average='1000' peak='4000' burst='1024'/>"
                      "<outbound average='128' peak='256' burst='32768'/></bandwidth>"),
              TRUE);
  g_autofree char *in_only =
    tc_lines (BRIDGE ("<bandwidth><inbound average='7'/></bandwidth>"), TRUE);
  g_autofree char *out_only =
    tc_lines (BRIDGE ("<bandwidth><outbound average='300'/></bandwidth>"), TRUE);
  g_autofree char *none = tc_lines (BRIDGE (""), TRUE);
  g_autofree char *fast =
    tc_lines (BRIDGE ("<bandwidth><outbound average='4294967295'/></bandwidth>"), TRUE);

  g_assert_cmpstr (both, ==,
                   VB_TC " qdisc add dev vbtap0 root handle 1: htb default 1\n" VB_TC
                         " class add dev vbtap0 parent 1: classid 1:1 htb rate 1000kbps ceil "
                         "4000kbps burst 1024kb\n" VB_TC " qdisc add dev vbtap0 ingress\n" VB_TC
                         " filter add dev vbtap0 parent ffff: protocol all u32 match u32 0 0 "
                         "police rate 128kbps burst 32768kb peakrate 256kbps mtu 64kb drop "
                         "flowid :1\n");
  g_assert_cmpstr (in_only, ==,
                   VB_TC " qdisc add dev vbtap0 root handle 1: htb default 1\n" VB_TC
                         " class add dev vbtap0 parent 1: classid 1:1 htb rate 7kbps\n");
  /* Without a burst, the policer's bucket holds a second's worth. */
  g_assert_cmpstr (out_only, ==,
                   VB_TC " qdisc add dev vbtap0 ingress\n" VB_TC
                         " filter add dev vbtap0 parent ffff: protocol all u32 match u32 0 0 "
                         "police rate 300kbps burst 300kb mtu 64kb drop flowid :1\n");
  g_assert_cmpstr (none, ==, "");
  /* A second's worth at 4 TB/s is more than tc takes: its largest. */
  g_assert_nonnull (strstr (fast, "police rate 4294967295kbps burst 4194303kb mtu 64kb"));
}

static void
test_portgroups (void)
{
  g_autofree char *named = tc_lines (ON_NETWORK (" portgroup='fast'", ""), FALSE);
  g_autofree char *by_default = tc_lines (ON_NETWORK ("", ""), FALSE);
  g_autofree char *group_unlimited = tc_lines (ON_NETWORK (" portgroup='open'", ""), FALSE);
  g_autofree char *own =
    tc_lines (ON_NETWORK (" portgroup='slow'", "<bandwidth><outbound average='9'/></bandwidth>"),
              FALSE);
  /* At define the network is not asked (it may not be there yet). */
  g_autofree char *at_define = tc_lines (ON_NETWORK (" portgroup='fast'", ""), TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) missing = NULL;

  g_assert_cmpstr (named, ==,
                   VB_TC " qdisc add dev vbtap0 root handle 1: htb default 1\n" VB_TC
                         " class add dev vbtap0 parent 1: classid 1:1 htb rate 5000kbps\n");
  g_assert_cmpstr (by_default, ==,
                   VB_TC " qdisc add dev vbtap0 root handle 1: htb default 1\n" VB_TC
                         " class add dev vbtap0 parent 1: classid 1:1 htb rate 100kbps burst "
                         "200kb\n" VB_TC " qdisc add dev vbtap0 ingress\n" VB_TC
                         " filter add dev vbtap0 parent ffff: protocol all u32 match u32 0 0 "
                         "police rate 50kbps burst 50kb peakrate 60kbps mtu 64kb drop "
                         "flowid :1\n");
  g_assert_cmpstr (group_unlimited, ==, "");
  /* The interface's own <bandwidth> wins, whole: no inbound from 'slow'. */
  g_assert_cmpstr (own, ==,
                   VB_TC " qdisc add dev vbtap0 ingress\n" VB_TC
                         " filter add dev vbtap0 parent ffff: protocol all u32 match u32 0 0 "
                         "police rate 9kbps burst 9kb mtu 64kb drop flowid :1\n");
  g_assert_cmpstr (at_define, ==, "");
  missing = build (ON_NETWORK (" portgroup='nosuch'", ""), FALSE, &error);
  g_assert_null (missing);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "network 'net' has no portgroup 'nosuch'"));
  /* Its own limits do not make a portgroup the network lacks go unnoticed. */
  g_clear_error (&error);
  g_clear_pointer (&missing, vb_qemu_command_free);
  missing =
    build (ON_NETWORK (" portgroup='nosuch'", "<bandwidth><outbound average='9'/></bandwidth>"),
           FALSE, &error);
  g_assert_null (missing);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "network 'net' has no portgroup 'nosuch'"));
}

static void
expect_network_refused (const char *groups, const char *words)
{
  g_autofree char *xml =
    g_strdup_printf ("<network><name>n</name><bridge name='virbr8'/>%s</network>", groups);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbNetworkDef) def = vb_network_def_parse (xml, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  if (!strstr (error->message, words))
    g_error ("expected '%s' in: %s", words, error->message);
}

static void
test_network_checks (void)
{
  expect_network_refused ("<portgroup name='a'/><portgroup name='a'/>",
                          "two portgroups are named 'a'");
  expect_network_refused ("<portgroup name='a' default='yes'/><portgroup name='b' default='yes'/>",
                          "one default portgroup at most");
  expect_network_refused (
    "<portgroup name='a'><bandwidth><inbound average='1' burst='1024'/></bandwidth></portgroup>",
    "must not last more than 274 seconds");
  expect_network_refused (
    "<portgroup name='a'><bandwidth><outbound average='10' peak='5'/></bandwidth></portgroup>",
    "must not be below its average");
  expect_network_refused (
    "<portgroup name='a'><bandwidth><inbound average='0'/></bandwidth></portgroup>",
    "must be at least 1");
  /* A Linux bridge has no VLANs of its own: a group's <vlan> is refused. */
  expect_network_refused ("<portgroup name='a'><vlan><tag id='42'/></vlan></portgroup>", "vlan");
  /* Kept as written, for GetXMLDesc. */
  if (!strstr (network->xml, "<portgroup name='slow' default='yes'>\n"
                             "    <bandwidth>\n      <inbound average='100' burst='200'/>"))
    g_error ("portgroup not kept: %s", network->xml);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  network = vb_network_def_parse (NETWORK, &error);
  g_assert_no_error (error);
  g_test_add_func ("/qemu-bandwidth/tc-argvs", test_tc_argvs);
  g_test_add_func ("/qemu-bandwidth/portgroups", test_portgroups);
  g_test_add_func ("/qemu-bandwidth/network-checks", test_network_checks);
  ret = g_test_run ();
  vb_network_def_free (network);
  return ret;
}
