/* The command line of <interface type='hostdev'>: an SR-IOV virtual
 * function of the host passed through with vfio-pci, as a <hostdev> is,
 * but a network interface of the definition: its <mac> and <vlan> are set
 * on the VF through its physical function at Start (qemu-host-vf.c), where
 * the guest cannot change them, and it may be the transient member of a
 * virtio-net failover pair. What the host must have (the device, VFIO, that
 * it is a VF) is checked at Start, as for a <hostdev>. */
#include "qemu-command-private.h"

/* What the other interface types have and a VF has not: refused by name,
 * never dropped. */
static const char *const allowed[] = { "mac",     "source",      "vlan",    "driver",
                                       "address", "alias",       "teaming", "boot",
                                       "rom",     "virtualport", "acpi",    NULL };

void
vb_qemu_vf_free (VbQemuVf *vf)
{
  if (!vf)
    return;
  g_free (vf->pci);
  g_free (vf->mac);
  g_free (vf);
}

static gboolean
vlan_tag (xmlNode *iface, int *vlan, GError **error)
{
  xmlNode *vlan_node = vb_xml_child (iface, "vlan");
  xmlNode *tag = vb_xml_child (vlan_node, "tag");
  guint id;

  *vlan = 0;
  if (!vlan_node)
    return TRUE;
  /* A VF carries one tag, which the PF adds and strips. */
  if (!tag || vb_xml_next (tag, "tag") || vb_xml_attr_is (vlan_node, "trunk", "yes"))
    return refuse (error, vlan_node, "a VF carries one VLAN tag (no trunk)");
  if (xmlHasProp (tag, BAD_CAST "nativeMode"))
    return refuse (error, tag, "nativeMode is for Open vSwitch ports, not a VF");
  id = vb_xml_attr_uint (tag, "id", 0);
  if (id < 1 || id > 4094)
    return refuse (error, tag, "a VLAN tag is from 1 to 4094");
  *vlan = (int) id;
  return TRUE;
}

/* <driver name='vfio'/> or none: the NIC options of the other types
 * (queues, <host>, <guest>, ...) are not a VF's. */
static gboolean
driver_is_vfio_only (xmlNode *driver)
{
  if (!driver)
    return TRUE;
  for (xmlAttr *attr = driver->properties; attr; attr = attr->next)
    if (!xmlStrEqual (attr->name, BAD_CAST "name"))
      return FALSE;
  for (xmlNode *child = driver->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      return FALSE;
  return TRUE;
}

/* Six pairs of hex digits: what reaches `ip link set … vf N mac`. */
static gboolean
plain_mac (const char *mac)
{
  if (!mac || strlen (mac) != 17)
    return FALSE;
  for (guint i = 0; i < 17; i++)
    if (i % 3 == 2 ? mac[i] != ':' : !g_ascii_isxdigit (mac[i]))
      return FALSE;
  return TRUE;
}

gboolean
vb_qemu_build_interface_hostdev (Builder *b, xmlNode *iface, GError **error)
{
  xmlNode *source = vb_xml_child (iface, "source");
  xmlNode *address = vb_xml_child (source, "address");
  xmlNode *teaming = vb_xml_child (iface, "teaming");
  g_autofree char *mac = child_attr (iface, "mac", "address");
  g_autofree char *driver = child_attr (iface, "driver", "name");
  g_autofree char *id = NULL;
  g_autofree char *pci = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  VbQemuVf *vf;
  int vlan;

  for (xmlNode *child = iface->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && !g_strv_contains (allowed, (const char *) child->name))
      return refuse (error, child,
                     "<%s> does not apply to an interface of type 'hostdev' (a VF of the host)",
                     child->name);
  if (driver && !g_str_equal (driver, "vfio"))
    return refuse (error, vb_xml_child (iface, "driver"),
                   "a VF is passed through with driver 'vfio', not '%s'", driver);
  if (!driver_is_vfio_only (vb_xml_child (iface, "driver")))
    return refuse (error, vb_xml_child (iface, "driver"), "a VF's <driver> has only name='vfio'");
  if (!address || (source && (source->properties || vb_xml_next (address, "address"))))
    return refuse (error, source ? source : iface,
                   "an interface of type 'hostdev' needs <source><address type='pci'>");
  if (!plain_mac (mac))
    return refuse (error, iface, "the MAC address '%s' is not six hex pairs", mac ? mac : "");
  if (!vlan_tag (iface, &vlan, error)
      || !vb_qemu_interface_virtualport (b, iface, "hostdev", NULL, error))
    return FALSE;
  pci =
    g_strdup_printf ("%04x:%02x:%02x.%x", vb_xml_attr_uint (address, "domain", 0),
                     vb_xml_attr_uint (address, "bus", 0), vb_xml_attr_uint (address, "slot", 0),
                     vb_xml_attr_uint (address, "function", 0));
  if (!b->context->dry_run)
    {
      g_autofree char *sys = g_strdup_printf ("/sys/bus/pci/devices/%s", pci);
      g_autofree char *physfn = g_strdup_printf ("%s/physfn", sys);

      if (!host_has (b->context, sys))
        return refuse (error, source, "the host has no PCI device %s", pci);
      if (!host_has (b->context, physfn))
        return refuse (error, source,
                       "PCI device %s is not an SR-IOV virtual function (it has no physfn): "
                       "its MAC address can be set only through a physical function",
                       pci);
      if (!host_has (b->context, "/dev/vfio/vfio"))
        return refuse (error, iface, "the host has no VFIO (/dev/vfio/vfio) to pass %s through",
                       pci);
    }
  id = device_id (iface, g_strdup_printf ("hostdev%u", b->hostdevs++));
  g_string_append_printf (out, "vfio-pci,host=%s", pci);
  vb_qemu_opt (out, "id", id);
  if (teaming)
    {
      g_autofree char *partner = vb_xml_attr (teaming, "persistent");

      if (!vb_xml_attr_is (teaming, "type", "transient") || !partner)
        return refuse (error, teaming, "a VF teams as type='transient' with persistent='ALIAS'");
      if (!b->context->virtio_net_failover)
        return refuse (error, teaming, "this QEMU's virtio-net-pci has no 'failover' property");
      vb_qemu_opt (out, "failover_pair_id", partner);
    }
  if (!vb_qemu_hostdev_rom_options (iface, out, error) || !pci_address (b, iface, out, error))
    return FALSE;
  boot_index (b, iface, out);
  add2 (b, "-device", out->str);
  vf = g_new0 (VbQemuVf, 1);
  vf->pci = g_steal_pointer (&pci);
  vf->mac = g_ascii_strdown (mac, -1);
  vf->vlan = vlan;
  g_ptr_array_add (b->command->vfs, vf);
  return TRUE;
}
