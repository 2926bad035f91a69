/* Live values of a domain's devices: see domain-live-values.h. */
#include "domain-live-values.h"

#include "xml-schema.h"

/* <channel><target state='connected|disconnected'>: whether the guest side
 * of a virtio channel (the guest agent's) is open at this moment. libvirt
 * reads it only on a virtio target; elsewhere it is a contradiction. */
static gboolean
drop_channel_state (xmlNode *devices, GError **error)
{
  for (xmlNode *channel = vb_xml_child (devices, "channel"); channel;
       channel = vb_xml_next (channel, "channel"))
    {
      xmlNode *target = vb_xml_child (channel, "target");

      if (!target || !xmlHasProp (target, BAD_CAST "state"))
        continue;
      if (!vb_xml_attr_is (target, "type", "virtio"))
        return vb_xml_invalid (error, target, "state= is the connection of a virtio channel only");
      xmlUnsetProp (target, BAD_CAST "state");
    }
  return TRUE;
}

/* <disk><mirror>: the destination of a block job (a copy or an active
 * commit) in progress. Only the running QEMU that runs the job has it; a
 * definition cannot start one, so libvirt ignores it outside live and
 * status XML, and so does a define here (BlockCopy starts a copy). */
static void
drop_disk_mirrors (xmlNode *devices)
{
  for (xmlNode *disk = vb_xml_child (devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    {
      xmlNode *mirror;

      while ((mirror = vb_xml_child (disk, "mirror")))
        {
          xmlUnlinkNode (mirror);
          xmlFreeNode (mirror);
        }
    }
}

gboolean
vb_domain_drop_live_values (xmlNode *root, GError **error)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  if (devices)
    drop_disk_mirrors (devices);
  return !devices || drop_channel_state (devices, error);
}
