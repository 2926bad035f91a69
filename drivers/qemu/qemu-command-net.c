/* The command line of <interface> (-netdev, -device, taps for bridges and
 * networks, failover pairs); <hostdev>: qemu-command-hostdev.c. */
#include "qemu-command-private.h"

static gboolean
has_attr (xmlNode *node, const char *name)
{
  return node && xmlHasProp (node, BAD_CAST name);
}

gboolean
vb_qemu_build_interface (Builder *b, xmlNode *iface, GError **error)
{
  g_autofree char *type = vb_xml_attr (iface, "type");
  g_autofree char *mac = child_attr (iface, "mac", "address");
  xmlNode *teaming = vb_xml_child (iface, "teaming");
  g_autofree char *netdev = g_strdup_printf ("hostnet%u", b->nets);
  g_autofree char *id = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  const char *device;
  gboolean tap_backed;

  /* passt's elements on any other kind (a VF's too): never dropped. */
  if (!vb_qemu_passt_only_check (iface, type, error))
    return FALSE;
  if (g_str_equal (type, "hostdev"))
    return vb_qemu_build_interface_hostdev (b, iface, error);
  /* What only a VF has: never dropped from another type (a <vlan> is also
   * an Open vSwitch port's: qemu-command-virtualport.c). */
  if (vb_xml_child (vb_xml_child (iface, "source"), "address"))
    return refuse (error, vb_xml_child (vb_xml_child (iface, "source"), "address"),
                   "a <source><address> names a VF (type='hostdev')");
  if (xmlHasProp (iface, BAD_CAST "managed"))
    return refuse (error, iface, "managed= is for type='hostdev'");
  id = device_id (iface, g_strdup_printf ("net%u", b->nets));
  b->nets++;
  device = vb_qemu_nic_device (iface, error);
  if (!device || !vb_qemu_interface_source_fits (iface, type, error))
    return FALSE;

  tap_backed = g_str_equal (type, "bridge") || g_str_equal (type, "network")
               || g_str_equal (type, "ethernet") || g_str_equal (type, "direct");
  /* A macvtap's fd is a tap's to QEMU: qemu-command-net-direct.c. */
  if (g_str_equal (type, "direct"))
    {
      if (!vb_qemu_build_direct_netdev (b, iface, netdev, mac, error))
        return FALSE;
    }
  else if (tap_backed)
    {
      VbQemuTap *tap = g_new0 (VbQemuTap, 1);
      g_autofree char *target = child_attr (iface, "target", "dev");
      g_autoptr (GString) opts = g_string_new (NULL);

      if (g_str_equal (type, "bridge"))
        tap->bridge = child_attr (iface, "source", "bridge");
      else if (g_str_equal (type, "network"))
        {
          g_autofree char *network = child_attr (iface, "source", "network");

          /* A check at define time must not depend on the network running now. */
          if (b->context->dry_run)
            tap->bridge = g_strdup_printf ("bridge-of-%s", network);
          else if (!b->context->network_bridge)
            {
              g_free (tap);
              return refuse (error, iface, "network '%s' cannot be resolved to a bridge here",
                             network);
            }
          else
            tap->bridge = b->context->network_bridge (network, b->context->network_data, error);
          if (!tap->bridge)
            {
              g_free (tap);
              return FALSE;
            }
        }
      /* ethernet: a tap on no bridge (type='ethernet' leaves the host side
       * to the host's administrator); the kernel refuses a name that is not
       * an interface name, and so does the check here. */
      if (target && !vb_qemu_plain_word (target, NULL))
        {
          g_free (tap->bridge);
          g_free (tap);
          return refuse (error, vb_xml_child (iface, "target"), "'%s' is not an interface name",
                         target);
        }
      /* 15 characters at most; the UUID's first 8 hex digits keep guests apart. */
      tap->ifname = target && !g_str_has_prefix (target, "vnet")
                      ? g_strdup (target)
                      : g_strdup_printf ("vb%.8s-%u", b->def->uuid, b->nets - 1);
      tap->mac = g_strdup (mac);
      tap->existing = vb_xml_attr_is (vb_xml_child (iface, "target"), "managed", "no");
      tap->fd = -1;
      tap->rx_frames = -1;
      tap->fd_arg = g_strdup_printf ("@TAPFD%u@", b->command->taps->len);
      tap->queues = vb_xml_attr_uint (vb_xml_child (iface, "driver"), "queues", 1);
      g_ptr_array_add (b->command->taps, tap);
      if (!vb_qemu_netdev_tap_options (b, iface, opts, error)
          || !vb_qemu_interface_virtualport (b, iface, type, tap, error)
          || !vb_qemu_tap_host_ips (iface, type, tap, error)
          || !vb_qemu_tap_scripts (b, iface, tap, error)
          || !vb_qemu_interface_port (iface, tap, error))
        return FALSE;
      add (b, "-netdev");
      addf (b, "tap,id=%s,%s=%s%s", netdev, tap->queues > 1 ? "fds" : "fd", tap->fd_arg, opts->str);
    }
  else if (!vb_qemu_build_netdev (b, iface, type, netdev, error)
           || !vb_qemu_interface_virtualport (b, iface, type, NULL, error)
           || !vb_qemu_tap_host_ips (iface, type, NULL, error)
           || !vb_qemu_interface_port (iface, NULL, error))
    return FALSE;
  /* The devices a tap is opened through name nothing on another type. */
  if (!tap_backed
      && (has_attr (vb_xml_child (iface, "backend"), "tap")
          || has_attr (vb_xml_child (iface, "backend"), "vhost")))
    return refuse (error, vb_xml_child (iface, "backend"),
                   "<backend tap vhost> name the tun and vhost-net devices of a tap (types "
                   "bridge, network, ethernet)");

  g_string_append_printf (out, "%s,netdev=%s", device, netdev);
  vb_qemu_opt (out, "id", id);
  vb_qemu_opt (out, "mac", mac);
  if (teaming && vb_xml_attr_is (teaming, "type", "persistent"))
    {
      if (!g_str_has_prefix (device, "virtio-net-pci"))
        return refuse (error, teaming, "failover needs a virtio NIC");
      if (!b->context->virtio_net_failover)
        return refuse (error, teaming,
                       "this QEMU's virtio-net-pci has no 'failover' property");
      g_string_append (out, ",failover=on");
    }
  else if (teaming)
    {
      /* Beyond libvirt, which wants a <hostdev>: an emulated NIC may be the
       * transient member too. QEMU treats it the same (its own failover
       * tests do this), so the unplug during migration works without a VF. */
      g_autofree char *partner = vb_xml_attr (teaming, "persistent");

      /* libvirt's network of VFs (forward mode='hostdev') hands out a VF
       * at start; a virtbus network is a bridge and has none. */
      if (g_str_equal (type, "network") && g_str_has_prefix (device, "virtio-net-pci"))
        return refuse (error, teaming,
                       "the transient member of a failover pair is a VF; a virtbus network has "
                       "no pool of VFs (forward mode='hostdev'): use <interface type='hostdev'>");
      if (g_str_has_prefix (device, "virtio-net-pci") || g_str_equal (device, "usb-net"))
        return refuse (error, teaming,
                       "the transient member of a failover pair is a <hostdev> or an emulated "
                       "PCI NIC, not virtio or USB");
      if (!b->context->virtio_net_failover)
        return refuse (error, teaming,
                       "this QEMU's virtio-net-pci has no 'failover' property");
      /* QEMU unplugs it by PCIe hotplug: it must sit on a root port. */
      if (!b->command->q35 || vb_xml_attr_uint (vb_xml_child (iface, "address"), "bus", 0) == 0)
        return refuse (error, teaming,
                       "the transient member of a failover pair must sit on a pcie-root-port of a "
                       "q35 machine (an <address type='pci'> with bus > 0)");
      /* No option ROM: the destination realizes the device only once the
       * guest has negotiated failover again, so a ROM's RAM block would be
       * unknown there and refuse the stream. */
      vb_qemu_opt (out, "failover_pair_id", partner);
      g_string_append (out, ",romfile=");
    }
  if (vb_xml_attr_is (vb_xml_child (iface, "link"), "state", "down"))
    g_ptr_array_add (b->command->link_down, g_strdup (id));
  if (!vb_qemu_nic_options (b, iface, device, tap_backed, out, error))
    return FALSE;
  if (g_str_equal (device, "usb-net"))
    {
      if (!need_usb (b, iface, error))
        return FALSE;
      usb_address (iface, out);
    }
  else if (!pci_address (b, iface, out, error))
    return FALSE;
  boot_index (b, iface, out);
  add2 (b, "-device", out->str);
  return TRUE;
}
