/* <interface type='direct'> (macvtap) at the driver: libvirt's name and
 * mode rules, what the builder keeps for the Start, its refusals at define
 * and at Start (a <source dev> the host lacks, 802.1Qbg/Qbh profiles). */
#define _GNU_SOURCE /* unshare */
#include <gio/gio.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "qemu-host.h"
#include "qemu-macvtap.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", NULL };

/* At Start: this host has eth0 and nothing else asked about. */
static gboolean
host_path (const char *path)
{
  return g_str_equal (path, "/sys/class/net/eth0");
}

static VbQemuCommand *
build (const char *iface, gboolean dry_run, GError **error)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .dry_run = dry_run,
    .path_exists = dry_run ? NULL : host_path,
  };
  g_autofree char *xml =
    g_strdup_printf ("<domain type='qemu'><name>d</name>"
                     "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                     "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                     "<devices>%s<memballoon model='none'/></devices></domain>",
                     iface);
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, error);

  if (!def)
    return NULL;
  return vb_qemu_command_build (def, &context, error);
}

#define DIRECT(source, rest)                                                             \
  "<interface type='direct'><mac address='52:54:00:00:00:01'/><source " source "/>" rest \
  "<model type='virtio'/></interface>"

static void
test_modes (void)
{
  g_assert_cmpuint (vb_macvtap_mode (NULL), ==, MACVLAN_MODE_VEPA);
  g_assert_cmpuint (vb_macvtap_mode ("vepa"), ==, MACVLAN_MODE_VEPA);
  g_assert_cmpuint (vb_macvtap_mode ("bridge"), ==, MACVLAN_MODE_BRIDGE);
  g_assert_cmpuint (vb_macvtap_mode ("private"), ==, MACVLAN_MODE_PRIVATE);
  g_assert_cmpuint (vb_macvtap_mode ("passthrough"), ==, MACVLAN_MODE_PASSTHRU);
  g_assert_cmpuint (vb_macvtap_mode ("client"), ==, 0);
  g_assert_cmpuint (vb_macvtap_mode ("passthru"), ==, 0);
}

static void
test_names (void)
{
  g_autofree char *own = vb_macvtap_requested_name ("guestnic0");

  /* libvirt's generated prefixes: the host picks macvtapN. */
  g_assert_null (vb_macvtap_requested_name (NULL));
  g_assert_null (vb_macvtap_requested_name ("macvtap3"));
  g_assert_null (vb_macvtap_requested_name ("macvlan0"));
  g_assert_null (vb_macvtap_requested_name ("vnet7"));
  g_assert_cmpstr (own, ==, "guestnic0");
  g_assert_true (vb_macvtap_valid_ifname ("eth0"));
  g_assert_true (vb_macvtap_valid_ifname ("enp3s0f1.100"));
  g_assert_true (vb_macvtap_valid_ifname ("abcdefghijklmno"));
  g_assert_false (vb_macvtap_valid_ifname ("abcdefghijklmnop"));
  g_assert_false (vb_macvtap_valid_ifname (""));
  g_assert_false (vb_macvtap_valid_ifname ("-x"));
  g_assert_false (vb_macvtap_valid_ifname (".."));
  g_assert_false (vb_macvtap_valid_ifname ("eth0:1"));
  g_assert_false (vb_macvtap_valid_ifname ("a/b"));
  g_assert_false (vb_macvtap_valid_ifname ("a b"));
  g_assert_false (vb_macvtap_valid_ifname ("eth0,fd=3"));
}

static void
test_kept (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command =
    build (DIRECT ("dev='eth0' mode='bridge'", "<target dev='guestnic0'/>"
                                               "<driver name='vhost'/>")
             DIRECT ("dev='eth1'", "<target dev='macvtap5'/>"),
           TRUE, &error);
  VbQemuTap *tap;
  gboolean found = FALSE;

  g_assert_no_error (error);
  g_assert_cmpuint (command->taps->len, ==, 2);
  tap = command->taps->pdata[0];
  g_assert_cmpstr (tap->macvtap_dev, ==, "eth0");
  g_assert_cmpuint (tap->macvtap_mode, ==, MACVLAN_MODE_BRIDGE);
  g_assert_cmpstr (tap->ifname, ==, "guestnic0");
  g_assert_cmpstr (tap->mac, ==, "52:54:00:00:00:01");
  g_assert_null (tap->bridge);
  g_assert_false (tap->macvtap_made);
  tap = command->taps->pdata[1];
  g_assert_cmpstr (tap->macvtap_dev, ==, "eth1");
  g_assert_cmpuint (tap->macvtap_mode, ==, MACVLAN_MODE_VEPA);
  g_assert_null (tap->ifname);
  for (guint i = 0; i < command->argv->len && command->argv->pdata[i]; i++)
    found = found || g_str_equal (command->argv->pdata[i], "tap,id=hostnet0,fd=@TAPFD0@,vhost=on");
  g_assert_true (found);
}

static void
expect_refused (const char *iface, gboolean dry_run, int code, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (iface, dry_run, &error);

  g_assert_null (command);
  g_assert_error (error, VB_ERROR, code);
  if (!strstr (error->message, words))
    g_error ("unexpected refusal: %s", error->message);
}

static void
test_refused (void)
{
  expect_refused (DIRECT ("mode='bridge'", ""), TRUE, VB_ERROR_NOT_SUPPORTED, "needs <source dev>");
  expect_refused (DIRECT ("dev='eth0,fd=3'", ""), TRUE, VB_ERROR_NOT_SUPPORTED,
                  "'eth0,fd=3' is not a network device name");
  expect_refused (DIRECT ("dev='averyverylongname0'", ""), TRUE, VB_ERROR_NOT_SUPPORTED,
                  "is not a network device name");
  expect_refused (DIRECT ("dev='eth0' mode='client'", ""), TRUE, VB_ERROR_NOT_SUPPORTED,
                  "mode 'client' is not a macvtap mode");
  expect_refused (DIRECT ("dev='eth0'", "<target dev='a:b'/>"), TRUE, VB_ERROR_NOT_SUPPORTED,
                  "'a:b' is not an interface name");
  expect_refused (DIRECT ("dev='eth0'", "<backend tap='/dev/net/tun'/>"), TRUE,
                  VB_ERROR_NOT_SUPPORTED, "<backend tap> names the tun device");
  expect_refused (DIRECT ("dev='eth0'", "<target dev='t0' managed='no'/>"), TRUE,
                  VB_ERROR_NOT_SUPPORTED, "managed='no' is for type='ethernet'");
  expect_refused (DIRECT ("dev='eth0'", "<virtualport type='openvswitch'/>"), TRUE,
                  VB_ERROR_NOT_SUPPORTED, "an Open vSwitch port is a tap on a bridge");
  /* At Start: what this host lacks, by name. */
  expect_refused (DIRECT ("dev='nosuchnic0'", ""), FALSE, VB_ERROR_NOT_SUPPORTED,
                  "the host has no network device 'nosuchnic0' for the macvtap");
}

static void
test_port_profiles (void)
{
  const char *qbg = DIRECT ("dev='eth0' mode='vepa'",
                            "<virtualport type='802.1Qbg'><parameters managerid='11' "
                            "typeid='1193047' typeidversion='2' "
                            "instanceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport>");
  const char *qbh =
    DIRECT ("dev='eth0' mode='passthrough'",
            "<virtualport type='802.1Qbh'><parameters profileid='finance'/></virtualport>");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (qbg, TRUE, &error);

  /* Built at define (a capable host runs them), refused here at Start. */
  g_assert_no_error (error);
  g_assert_nonnull (command);
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build (qbh, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (command);
  expect_refused (qbg, FALSE, VB_ERROR_NOT_SUPPORTED,
                  "802.1Qbg'> on a macvtap is a VSI association");
  expect_refused (qbh, FALSE, VB_ERROR_NOT_SUPPORTED, "802.1Qbh'> on a macvtap is a port profile");
}

static gboolean
sh (const char *command)
{
  int status = 0;

  return g_spawn_command_line_sync (command, NULL, NULL, &status, NULL)
         && g_spawn_check_wait_status (status, NULL);
}

/* The kernel deletes a macvtap with its lower device (a NIC unplugged, a
 * veth or VLAN deleted): the name the status
 * keeps may then be another link's, made since (another domain's macvtap0).
 * Ending the first domain must leave that link alone. Run in a network
 * namespace of its own (root only), in a child. */
static void
test_name_reused_child (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (0);
  g_auto (GStrv) records = NULL;

  if (!g_test_subprocess ())
    return; /* test_name_reused runs it */
  if (unshare (CLONE_NEWNET | CLONE_NEWNS) != 0
      || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0
      || umount2 ("/sys", MNT_DETACH) != 0 || mount ("sysfs", "/sys", "sysfs", 0, NULL) != 0
      || !sh ("ip link add vbl0 type veth peer name vbl3") || !sh ("ip link set vbl0 up")
      || !sh ("ip link add vbl1 type veth peer name vbl2")
      || !sh ("ip tuntap add dev vbl4 mode tap"))
    {
      g_print ("SKIP: no network namespace with taps here\n");
      return;
    }
  command = build (DIRECT ("dev='vbl0' mode='bridge'", ""), TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (vb_qemu_host_open_taps (command, fds, launcher, &error));
  g_assert_no_error (error);
  records = vb_qemu_macvtaps_of (command);
  g_assert_nonnull (records[0]);
  g_assert_true (g_str_has_prefix (records[0], "macvtap0:"));
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  /* The lower device goes, and its macvtap with it; another takes the name. */
  g_assert_true (sh ("ip link del vbl0"));
  g_assert_cmpuint (if_nametoindex ("macvtap0"), ==, 0);
  g_assert_true (sh ("ip link add macvtap0 link vbl1 type macvtap"));
  vb_macvtap_delete_all ((const char *const *) records, "test");
  g_assert_cmpuint (if_nametoindex ("macvtap0"), !=, 0);

  /* Nor is a tap a lower device: another guest's (type='ethernet'), whose
   * traffic a passthru macvtap would take and which its owner deletes. */
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build (DIRECT ("dev='vbl4' mode='passthrough'", ""), TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (vb_qemu_host_open_taps (command, fds, launcher, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "'vbl4' is a tap"));
  g_print ("OK\n");
}

static void
test_name_reused (void)
{
  if (getuid () != 0)
    {
      g_test_skip ("needs root for a network namespace");
      return;
    }
  g_test_trap_subprocess ("/qemu-macvtap/name-reused/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-macvtap/modes", test_modes);
  g_test_add_func ("/qemu-macvtap/names", test_names);
  g_test_add_func ("/qemu-macvtap/kept", test_kept);
  g_test_add_func ("/qemu-macvtap/refused", test_refused);
  g_test_add_func ("/qemu-macvtap/port-profiles", test_port_profiles);
  g_test_add_func ("/qemu-macvtap/name-reused", test_name_reused);
  g_test_add_func ("/qemu-macvtap/name-reused/subprocess", test_name_reused_child);
  return g_test_run ();
}
