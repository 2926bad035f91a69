/* <interface><bandwidth>: limits on the host's tap, set with tc at Start
 * before QEMU runs (qemu-tap-tc.c). Checked here, at define: what no host
 * could run (a peak below the average, a burst tc cannot take) and what
 * the service does not build (floor, a tap that is not its own) are
 * refused by name. */
#include "qemu-command-private.h"

/* tc takes a burst in bytes as an unsigned 32-bit number, and turns it
 * into the time it lasts at the average rate, in 64 ns ticks as an
 * unsigned 32-bit number too (274.8 s), silently wrapping what is longer.
 * tc's "kbps" is 1000 bytes per second, its "kb" 1024 bytes. */
#define MAX_BURST_KB (G_MAXUINT32 / 1024)
#define MAX_BURST_SECONDS 274

static gboolean
direction (xmlNode *node, guint *average, guint *peak, guint *burst, GError **error)
{
  const char *name = (const char *) node->name;

  if (xmlHasProp (node, BAD_CAST "floor"))
    return refuse (error, node,
                   "<inbound floor> (a share guaranteed within a network's own inbound limit) is "
                   "not supported: the service shapes the guest's tap alone");
  if (!xmlHasProp (node, BAD_CAST "average"))
    return refuse (error, node, "<%s> needs an average (kilobytes per second)", name);
  *average = vb_xml_attr_uint (node, "average", 0);
  *peak = vb_xml_attr_uint (node, "peak", 0);
  *burst = vb_xml_attr_uint (node, "burst", 0);
  if (*average == 0)
    return refuse (error, node, "<%s average> must be at least 1 (kilobytes per second)", name);
  if (xmlHasProp (node, BAD_CAST "peak") && *peak < *average)
    return refuse (error, node, "<%s peak> must not be below its average", name);
  if (xmlHasProp (node, BAD_CAST "burst") && (*burst == 0 || *burst > MAX_BURST_KB))
    return refuse (error, node, "<%s burst> must be from 1 to %u (kilobytes)", name,
                   (guint) MAX_BURST_KB);
  if ((guint64) *burst * 1024 > (guint64) *average * 1000 * MAX_BURST_SECONDS)
    return refuse (error, node,
                   "<%s burst> must not last more than %u seconds at the average rate (tc's "
                   "limit): %u kilobytes at most",
                   name, MAX_BURST_SECONDS,
                   (guint) ((guint64) *average * 1000 * MAX_BURST_SECONDS / 1024));
  return TRUE;
}

/* An interface on a network without limits of its own takes those of its
 * portgroup (<source portgroup>, else the network's default group), as
 * libvirt; known only at Start, when the network is there. */
static xmlDoc *
portgroup_bandwidth (Builder *b, xmlNode *iface, GError **error)
{
  xmlNode *source = vb_xml_child (iface, "source");
  g_autofree char *network = source ? vb_xml_attr (source, "network") : NULL;
  g_autofree char *portgroup = source ? vb_xml_attr (source, "portgroup") : NULL;
  g_autofree char *text = NULL;
  GError *local = NULL;
  xmlDoc *doc;

  if (!network || b->context->dry_run || !b->context->network_portgroup_bandwidth)
    return NULL;
  text =
    b->context->network_portgroup_bandwidth (network, portgroup, b->context->network_data, &local);
  if (local)
    {
      refuse (error, source, "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  if (!text)
    return NULL;
  doc = vb_xml_parse (text, "bandwidth", error);
  return doc;
}

gboolean
vb_qemu_nic_bandwidth (Builder *b, xmlNode *iface, gboolean tap_backed, GError **error)
{
  xmlNode *bandwidth = vb_xml_child (iface, "bandwidth");
  g_autoptr (xmlDoc) group = NULL;
  xmlNode *inbound, *outbound;
  VbQemuTap *tap;

  /* The interface's own <bandwidth> wins over its portgroup's, whole; the
   * portgroup it names is looked up all the same, so one the network does
   * not have is refused rather than ignored. */
  if (tap_backed && vb_xml_attr_is (iface, "type", "network"))
    {
      GError *local = NULL;

      group = portgroup_bandwidth (b, iface, &local);
      if (local)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      if (!bandwidth)
        bandwidth = group ? xmlDocGetRootElement (group) : NULL;
    }
  inbound = vb_xml_child (bandwidth, "inbound");
  outbound = vb_xml_child (bandwidth, "outbound");
  if (!bandwidth)
    return TRUE;
  if (!tap_backed)
    return refuse (error, bandwidth,
                   "bandwidth limits are set with tc on the host's tap: types bridge, network "
                   "and ethernet only");
  if (vb_xml_attr_is (vb_xml_child (iface, "target"), "managed", "no"))
    return refuse (error, bandwidth,
                   "the tap of managed='no' is the host administrator's, used as it is (and it "
                   "outlives the guest): its limits are theirs to set");
  tap = b->command->taps->pdata[b->command->taps->len - 1];
  if (inbound && !direction (inbound, &tap->in_average, &tap->in_peak, &tap->in_burst, error))
    return FALSE;
  if (outbound && !direction (outbound, &tap->out_average, &tap->out_peak, &tap->out_burst, error))
    return FALSE;
  return TRUE;
}
