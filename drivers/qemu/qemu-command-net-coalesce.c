/* <interface><coalesce><rx><frames max='N'/>: the rx-max-coalesced-frames
 * of the host's tap, set with ETHTOOL_SCOALESCE before QEMU starts
 * (qemu-tap.c); the kernel's tun driver batches that many received frames
 * before it hands them on. As libvirt, only for taps it makes. */
#include "qemu-command-private.h"

gboolean
vb_qemu_nic_coalesce (Builder *b, xmlNode *iface, gboolean tap_backed, GError **error)
{
  xmlNode *coalesce = vb_xml_child (iface, "coalesce");
  xmlNode *frames = vb_xml_child (vb_xml_child (coalesce, "rx"), "frames");
  VbQemuTap *tap;

  if (!coalesce)
    return TRUE;
  if (!tap_backed)
    return refuse (error, coalesce,
                   "interrupt coalescing is set on the host's tap: types bridge, network and "
                   "ethernet only");
  if (vb_xml_attr_is (vb_xml_child (iface, "target"), "managed", "no"))
    return refuse (error, coalesce,
                   "the tap of managed='no' is the host administrator's, used as it is: its "
                   "coalescing is theirs to set");
  /* An empty <coalesce> or <rx> asks for nothing: the tap keeps the
   * kernel's setting, as libvirt does. */
  if (!frames)
    return TRUE;
  tap = b->command->taps->pdata[b->command->taps->len - 1];
  tap->rx_frames = (int) MIN (vb_xml_attr_uint (frames, "max", 0), (guint) G_MAXINT);
  return TRUE;
}
