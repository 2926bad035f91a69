/* <interface><virtualport>: an Open vSwitch port for a tap on a bridge or
 * network (the tap joins the bridge with ovs-vsctl at Start, qemu-ovs.c,
 * with its <vlan> as the port's tag or trunks); an 802.1Qbg/Qbh port
 * profile on a VF, which a capable host negotiates with its switch and
 * which Start refuses here by name. */
#include "qemu-command-private.h"

#define OVS_VSCTL "/usr/bin/ovs-vsctl"

/* <vlan> as Port columns, as libvirt gives them to Open vSwitch: one tag
 * is tag=N, trunk='yes' is trunks=A,B,...; a tag with nativeMode is the
 * untagged VLAN of a trunk (vlan_mode=native-tagged|native-untagged). */
static gboolean
ovs_vlan (xmlNode *iface, VbQemuTap *tap, GError **error)
{
  xmlNode *vlan = vb_xml_child (iface, "vlan");
  g_autoptr (GPtrArray) columns = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) trunks = g_string_new ("trunks=");
  gboolean trunk = vb_xml_attr_is (vlan, "trunk", "yes");
  guint count = 0, native = 0;

  if (!vlan)
    return TRUE;
  for (xmlNode *tag = vb_xml_child (vlan, "tag"); tag; tag = vb_xml_next (tag, "tag"))
    {
      guint id = vb_xml_attr_uint (tag, "id", 0);

      if (id > 4095)
        return refuse (error, tag, "a VLAN tag is from 0 to 4095");
      if (xmlHasProp (tag, BAD_CAST "nativeMode"))
        {
          if (native)
            return refuse (error, tag, "one tag of a trunk is the native VLAN");
          native = id;
          g_ptr_array_add (columns, g_strdup_printf ("vlan_mode=native-%s",
                                                     vb_xml_attr_is (tag, "nativeMode", "tagged")
                                                       ? "tagged"
                                                       : "untagged"));
          g_ptr_array_add (columns, g_strdup_printf ("tag=%u", id));
        }
      g_string_append_printf (trunks, "%s%u", count ? "," : "", id);
      count++;
    }
  if (count == 0)
    return refuse (error, vlan, "a <vlan> needs a <tag id>");
  if (count > 1 && !trunk)
    return refuse (error, vlan, "several VLAN tags are a trunk: <vlan trunk='yes'>");
  if (native && !trunk)
    return refuse (error, vlan, "nativeMode is for a trunk: <vlan trunk='yes'>");
  if (trunk)
    g_ptr_array_add (columns, g_string_free (g_steal_pointer (&trunks), FALSE));
  else
    g_ptr_array_add (
      columns, g_strdup_printf ("tag=%u", vb_xml_attr_uint (vb_xml_child (vlan, "tag"), "id", 0)));
  g_ptr_array_add (columns, NULL);
  tap->ovs_vlan = (GStrv) g_ptr_array_free (g_steal_pointer (&columns), FALSE);
  return TRUE;
}

static gboolean
openvswitch (Builder *b, xmlNode *iface, xmlNode *port, const char *type, VbQemuTap *tap,
             GError **error)
{
  xmlNode *params = vb_xml_child (port, "parameters");

  if (!tap || g_str_equal (type, "ethernet") || g_str_equal (type, "direct"))
    return refuse (error, port,
                   "an Open vSwitch port is a tap on a bridge: type='bridge' or 'network'");
  /* An argument of ovs-vsctl's: an interface name, never an option. A
   * network's bridge is the network driver's own. */
  if (g_str_equal (type, "bridge")
      && (!vb_qemu_plain_word (tap->bridge, NULL) || tap->bridge[0] == '-'))
    return refuse (error, vb_xml_child (iface, "source"), "'%s' is not a bridge name",
                   tap->bridge ? tap->bridge : "");
  /* What this host needs: checked when the guest starts. */
  if (!b->context->dry_run && !host_has (b->context, OVS_VSCTL))
    return refuse (error, port,
                   "<virtualport type='openvswitch'> needs Open vSwitch (" OVS_VSCTL
                   "), which this host lacks");
  tap->ovs = TRUE;
  /* domain-virtualport.c checked both and gave every port an interfaceid. */
  tap->ovs_iface_id = vb_xml_attr (params, "interfaceid");
  tap->ovs_profile_id = params ? vb_xml_attr (params, "profileid") : NULL;
  tap->ovs_vm_id = g_strdup (b->def->uuid);
  return ovs_vlan (iface, tap, error);
}

/* 802.1Qbg (VDP, negotiated by lldpad with the adjacent switch) and
 * 802.1Qbh (a port profile the PF's driver, Cisco's enic, takes through
 * netlink): a capable host may run them, the service associates neither;
 * libvirt itself has no 802.1Qbg on a VF. Checked when the guest starts. */
static gboolean
vf_port_profile (Builder *b, xmlNode *port, const char *kind, GError **error)
{
  if (b->context->dry_run)
    return TRUE;
  if (g_str_equal (kind, "802.1Qbg"))
    return refuse (error, port,
                   "<virtualport type='802.1Qbg'> on a VF is a VSI association with the "
                   "adjacent switch through lldpad (VDP), which the service does not make "
                   "(libvirt has none on type='hostdev' either)");
  return refuse (error, port,
                 "<virtualport type='802.1Qbh'> on a VF is a port profile set through the "
                 "physical function's driver (netlink IFLA_VF_PORTS), which the service does "
                 "not set");
}

/* The same profiles on a macvtap: libvirt associates 802.1Qbg through
 * lldpad and 802.1Qbh through the lower device's netlink IFLA_VF_PORTS once
 * the link is made; the service does neither, so a capable host's profile
 * is built at define and refused by name at Start, before any link. */
static gboolean
macvtap_port_profile (Builder *b, xmlNode *port, const char *kind, GError **error)
{
  if (b->context->dry_run)
    return TRUE;
  if (g_str_equal (kind, "802.1Qbg"))
    return refuse (error, port,
                   "<virtualport type='802.1Qbg'> on a macvtap is a VSI association with the "
                   "adjacent switch through lldpad (VDP), which the service does not make");
  return refuse (error, port,
                 "<virtualport type='802.1Qbh'> on a macvtap is a port profile set through the "
                 "lower device's driver (netlink IFLA_VF_PORTS), which the service does not set");
}

gboolean
vb_qemu_interface_virtualport (Builder *b, xmlNode *iface, const char *type, VbQemuTap *tap,
                               GError **error)
{
  xmlNode *port = vb_xml_child (iface, "virtualport");
  g_autofree char *kind = port ? vb_xml_attr (port, "type") : NULL;

  if (g_str_equal (type, "hostdev"))
    {
      if (!port)
        return TRUE;
      if (g_str_equal (kind, "openvswitch"))
        return refuse (error, port,
                       "an Open vSwitch port is a tap on a bridge: type='bridge' or 'network'");
      return vf_port_profile (b, port, kind, error);
    }
  if (!port || !g_str_equal (kind, "openvswitch"))
    {
      /* What only a VF or an Open vSwitch port has: never dropped. */
      if (vb_xml_child (iface, "vlan"))
        return refuse (error, vb_xml_child (iface, "vlan"),
                       "a <vlan> is set on a VF (type='hostdev') or an Open vSwitch port "
                       "(<virtualport type='openvswitch'>); this interface is neither");
      if (port && g_str_equal (type, "direct"))
        return macvtap_port_profile (b, port, kind, error);
      if (port)
        return refuse (error, port,
                       "%s port profiles are for macvtap (type='direct') and VFs "
                       "(type='hostdev')",
                       kind);
      return TRUE;
    }
  return openvswitch (b, iface, port, type, tap, error);
}
