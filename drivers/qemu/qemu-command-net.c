/* The command line of <interface> (-netdev, -device, taps for bridges and
 * networks, failover pairs); <hostdev>: qemu-command-hostdev.c. */
#include "qemu-command-private.h"

gboolean
vb_qemu_build_interface (Builder *b, xmlNode *iface, GError **error)
{
  g_autofree char *type = vb_xml_attr (iface, "type");
  g_autofree char *model = child_attr (iface, "model", "type");
  g_autofree char *mac = child_attr (iface, "mac", "address");
  xmlNode *teaming = vb_xml_child (iface, "teaming");
  g_autofree char *netdev = g_strdup_printf ("hostnet%u", b->nets);
  g_autofree char *id = device_id (iface, g_strdup_printf ("net%u", b->nets));
  g_autoptr (GString) out = g_string_new (NULL);
  const char *device;

  b->nets++;
  if (!model)
    model = g_strdup ("virtio");
  device = g_str_equal (model, "virtio") ? "virtio-net-pci"
           : g_str_equal (model, "e1000") ? "e1000"
           : g_str_equal (model, "e1000e") ? "e1000e"
           : g_str_equal (model, "rtl8139") ? "rtl8139"
                                            : NULL;
  if (!device)
    return refuse (error, vb_xml_child (iface, "model"), "NIC model '%s' is not supported", model);

  if (g_str_equal (type, "user"))
    {
      add (b, "-netdev");
      addf (b, "user,id=%s", netdev);
    }
  else if (g_str_equal (type, "bridge") || g_str_equal (type, "network"))
    {
      VbQemuTap *tap = g_new0 (VbQemuTap, 1);
      g_autofree char *target = child_attr (iface, "target", "dev");

      if (g_str_equal (type, "bridge"))
        tap->bridge = child_attr (iface, "source", "bridge");
      else
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
      /* 15 characters at most; the UUID's first 8 hex digits keep guests apart. */
      tap->ifname = target && !g_str_has_prefix (target, "vnet")
                      ? g_strdup (target)
                      : g_strdup_printf ("vb%.8s-%u", b->def->uuid, b->nets - 1);
      tap->mac = g_strdup (mac);
      tap->fd = -1;
      tap->fd_arg = g_strdup_printf ("@TAPFD%u@", b->command->taps->len);
      add (b, "-netdev");
      addf (b, "tap,id=%s,fd=%s", netdev, tap->fd_arg);
      g_ptr_array_add (b->command->taps, tap);
    }
  else
    {
      return refuse (error, iface, "interface type '%s' is not supported", type);
    }

  g_string_append_printf (out, "%s,netdev=%s", device, netdev);
  vb_qemu_opt (out, "id", id);
  vb_qemu_opt (out, "mac", mac);
  if (teaming && vb_xml_attr_is (teaming, "type", "persistent"))
    {
      if (!g_str_equal (device, "virtio-net-pci"))
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

      if (g_str_equal (device, "virtio-net-pci"))
        return refuse (error, teaming,
                       "the transient member of a failover pair is a <hostdev> or an emulated "
                       "NIC, not virtio");
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
  if (!pci_address (b, iface, out, error))
    return FALSE;
  boot_index (b, iface, out);
  add2 (b, "-device", out->str);
  return TRUE;
}
