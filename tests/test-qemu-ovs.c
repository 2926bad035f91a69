/* Open vSwitch ports (<virtualport type='openvswitch'>): the ovs-vsctl
 * argv a tap's port is added with (libvirt's external-ids, <vlan> as the
 * port's tag, trunks and native VLAN), Start's refusal on a host without
 * ovs-vsctl, and what define refuses about virtual ports and VLANs. */
#include <glib.h>
#include <string.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "qemu-ovs.h"
#include "vb-error.h"

static gboolean has_ovs_vsctl;

static gboolean
path_exists (const char *path)
{
  return g_str_equal (path, VB_OVS_VSCTL) ? has_ovs_vsctl : TRUE;
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
    .path_exists = path_exists,
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

static char *
add_port_line (const char *iface)
{
  g_autoptr (GError) error = NULL;
  VbQemuCommand *command;
  g_auto (GStrv) argv = NULL;

  has_ovs_vsctl = TRUE;
  command = build (iface, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (command->taps->len, ==, 1);
  argv = vb_qemu_ovs_add_port_argv (command->taps->pdata[0]);
  vb_qemu_command_free (command);
  return g_strjoinv (" ", argv);
}

#define PORT(vlan, params)                                                                 \
  "<interface type='bridge'><mac address='52:54:00:00:09:01'/><source bridge='ovsbr0'/>"   \
  "<target dev='vbtap0'/>" vlan "<virtualport type='openvswitch'>" params "</virtualport>" \
  "</interface>"
#define IFACE_ID "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"
#define VM_ID "c7a5fdbd-edaf-9455-926a-d65c16db1809"

static void
test_add_port_argv (void)
{
  g_autofree char *plain = add_port_line (PORT ("", "<parameters interfaceid='" IFACE_ID "'/>"));
  g_autofree char *tagged =
    add_port_line (PORT ("<vlan><tag id='42'/></vlan>",
                         "<parameters interfaceid='" IFACE_ID "' profileid='bob'/>"));
  g_autofree char *trunk =
    add_port_line (PORT ("<vlan trunk='yes'><tag id='42'/><tag id='48' nativeMode='untagged'/>"
                         "<tag id='456'/></vlan>",
                         "<parameters interfaceid='" IFACE_ID "'/>"));

  g_assert_cmpstr (plain, ==,
                   VB_OVS_VSCTL " --timeout=5 -- --may-exist add-port ovsbr0 vbtap0 -- set "
                                "Interface vbtap0 external-ids:attached-mac=\"52:54:00:00:09:01\" "
                                "external-ids:iface-id=\"" IFACE_ID "\" "
                                "external-ids:vm-id=\"" VM_ID
                                "\" external-ids:iface-status=active");
  g_assert_nonnull (strstr (tagged, "add-port ovsbr0 vbtap0 tag=42 -- set"));
  g_assert_true (g_str_has_suffix (tagged, "external-ids:port-profile=\"bob\""));
  g_assert_nonnull (
    strstr (trunk, "add-port ovsbr0 vbtap0 vlan_mode=native-untagged tag=48 trunks=42,48,456 --"));
}

/* No interfaceid: define gives the port one, kept in the definition. */
static void
test_interface_id_given (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def =
    vb_domain_def_parse ("<domain type='qemu'><name>d</name><memory>131072</memory>"
                         "<os><type>hvm</type></os><devices>" PORT ("", "") "</devices></domain>",
                         &error);
  const char *at;
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  at = strstr (def->xml, "interfaceid='");
  g_assert_nonnull (at);
  id = g_strndup (at + strlen ("interfaceid='"), 36);
  g_assert_true (g_uuid_string_is_valid (id));
}

static void
expect_refused (const char *iface, gboolean dry_run, GQuark domain, int code, const char *words)
{
  g_autoptr (GError) error = NULL;
  VbQemuCommand *command = build (iface, dry_run, &error);

  g_assert_null (command);
  g_assert_error (error, domain, code);
  if (!strstr (error->message, words))
    g_error ("expected '%s' in: %s", words, error->message);
}

static void
test_refusals (void)
{
  /* This host: ovs-vsctl missing, at Start only. */
  g_autoptr (GError) error = NULL;
  VbQemuCommand *command;

  has_ovs_vsctl = FALSE;
  command = build (PORT ("", ""), TRUE, &error);
  g_assert_no_error (error);
  vb_qemu_command_free (command);
  expect_refused (PORT ("", ""), FALSE, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                  "<virtualport type='openvswitch'> needs Open vSwitch (/usr/bin/ovs-vsctl)");
  has_ovs_vsctl = TRUE;

  /* No host could: at define. */
  expect_refused (PORT ("<vlan><tag id='42'/><tag id='48'/></vlan>", ""), TRUE, VB_ERROR,
                  VB_ERROR_NOT_SUPPORTED, "several VLAN tags are a trunk");
  expect_refused (PORT ("", "<parameters interfaceid='x'/>"), TRUE, VB_ERROR, VB_ERROR_INVALID_XML,
                  "interfaceid='x' is not a UUID");
  expect_refused (PORT ("", "<parameters profileid='a b'/>"), TRUE, VB_ERROR, VB_ERROR_INVALID_XML,
                  "is not a profile name");
  expect_refused (PORT ("", "<parameters managerid='1'/>"), TRUE, VB_ERROR, VB_ERROR_INVALID_XML,
                  "managerid is not a parameter of a openvswitch port");
  expect_refused ("<interface type='bridge'><source bridge='br0'/><vlan><tag id='42'/></vlan>"
                  "</interface>",
                  TRUE, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "this interface is neither");
  expect_refused ("<interface type='bridge'><source bridge='br0'/>"
                  "<virtualport type='802.1Qbg'/></interface>",
                  TRUE, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "port profiles are for macvtap");
  expect_refused ("<interface type='ethernet'><virtualport type='openvswitch'/></interface>", TRUE,
                  VB_ERROR, VB_ERROR_NOT_SUPPORTED, "an Open vSwitch port is a tap on a bridge");
  expect_refused ("<interface type='bridge'><source bridge='-x'/>"
                  "<virtualport type='openvswitch'/></interface>",
                  TRUE, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "'-x' is not a bridge name");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-ovs/add-port-argv", test_add_port_argv);
  g_test_add_func ("/qemu-ovs/interface-id-given", test_interface_id_given);
  g_test_add_func ("/qemu-ovs/refusals", test_refusals);
  return g_test_run ();
}
