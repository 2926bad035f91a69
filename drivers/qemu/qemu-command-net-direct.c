/* <interface type='direct'>: a macvtap link on the host device <source dev>,
 * made at Start (qemu-macvtap.c, from qemu-host.c) and handed to QEMU as a
 * tap's fd; the command line is a tap's, vhost and its other options too. */
#include "qemu-command-private.h"

#include "qemu-macvtap.h"

gboolean
vb_qemu_build_direct_netdev (Builder *b, xmlNode *iface, const char *netdev, const char *mac,
                             GError **error)
{
  xmlNode *source = vb_xml_child (iface, "source");
  xmlNode *target = vb_xml_child (iface, "target");
  g_autofree char *dev = source ? vb_xml_attr (source, "dev") : NULL;
  g_autofree char *mode = source ? vb_xml_attr (source, "mode") : NULL;
  g_autofree char *target_dev = target ? vb_xml_attr (target, "dev") : NULL;
  g_autoptr (GString) opts = g_string_new (NULL);
  VbQemuTap *tap;

  /* A host interface's name reaches the kernel only: still one it takes. */
  if (!dev)
    return refuse (error, source ? source : iface,
                   "interface type 'direct' needs <source dev>, the host's network device");
  if (!vb_macvtap_valid_ifname (dev))
    return refuse (error, source, "'%s' is not a network device name", dev);
  if (vb_macvtap_mode (mode) == 0)
    return refuse (error, source,
                   "mode '%s' is not a macvtap mode (vepa, bridge, private, passthrough)", mode);
  if (target_dev && !vb_macvtap_valid_ifname (target_dev))
    return refuse (error, target, "'%s' is not an interface name", target_dev);
  if (!mac)
    return refuse (error, iface, "a macvtap needs the guest's <mac address>");
  if (vb_xml_child (iface, "backend")
      && xmlHasProp (vb_xml_child (iface, "backend"), BAD_CAST "tap"))
    return refuse (error, vb_xml_child (iface, "backend"),
                   "<backend tap> names the tun device; a macvtap is opened through its own "
                   "/dev/tapN");
  /* The host's device: checked when the guest starts, refused by name. */
  if (!b->context->dry_run)
    {
      g_autofree char *sys = g_strdup_printf ("/sys/class/net/%s", dev);

      if (!host_has (b->context, sys))
        return refuse (error, source,
                       "the host has no network device '%s' for the macvtap (<source dev>)", dev);
    }

  tap = g_new0 (VbQemuTap, 1);
  tap->fd = -1;
  tap->rx_frames = -1;
  tap->ifname = vb_macvtap_requested_name (target_dev);
  tap->mac = g_strdup (mac);
  tap->macvtap_dev = g_steal_pointer (&dev);
  tap->macvtap_mode = vb_macvtap_mode (mode);
  tap->fd_arg = g_strdup_printf ("@TAPFD%u@", b->command->taps->len);
  /* <driver queues='N'>: /dev/tapN opened N times, a queue each. */
  tap->queues = vb_xml_attr_uint (vb_xml_child (iface, "driver"), "queues", 1);
  g_ptr_array_add (b->command->taps, tap);
  if (!vb_qemu_netdev_tap_options (b, iface, opts, error)
      || !vb_qemu_interface_virtualport (b, iface, "direct", tap, error)
      || !vb_qemu_tap_host_ips (iface, "direct", tap, error)
      || !vb_qemu_tap_scripts (b, iface, tap, error))
    return FALSE;
  add (b, "-netdev");
  addf (b, "tap,id=%s,%s=%s%s", netdev, tap->queues > 1 ? "fds" : "fd", tap->fd_arg, opts->str);
  return TRUE;
}
