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

static gboolean
has_element_child (xmlNode *node)
{
  for (xmlNode *child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      return TRUE;
  return FALSE;
}

/* A pty character device's terminal: libvirt's live XML names the
 * /dev/pts/N it allocated, as <source path> and (on a console) tty=. A
 * start allocates a new one (here: a socket in the run directory), so it
 * is not a setting; on another type tty= is a contradiction. */
static gboolean
drop_pty_paths (xmlNode *devices, GError **error)
{
  static const char *const kinds[] = { "serial", "console", "channel", "parallel" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    for (xmlNode *dev = vb_xml_child (devices, kinds[i]); dev; dev = vb_xml_next (dev, kinds[i]))
      {
        gboolean pty = vb_xml_attr_is (dev, "type", "pty");
        xmlNode *source = vb_xml_child (dev, "source");

        if (xmlHasProp (dev, BAD_CAST "tty") && !pty)
          return vb_xml_invalid (error, dev, "tty= is the terminal of a pty character device only");
        xmlUnsetProp (dev, BAD_CAST "tty");
        if (!pty || !source)
          continue;
        xmlUnsetProp (source, BAD_CAST "path");
        if (!source->properties && !has_element_child (source))
          {
            xmlUnlinkNode (source);
            xmlFreeNode (source);
          }
      }
  return TRUE;
}

/* A device's <seclabel labelskip='yes|no'>: libvirt's live report of
 * whether it left that image (or socket) unlabelled; libvirt reads it only
 * from live XML. What the label asks (its model, relabel=, <label>) stays
 * for the QEMU driver to judge, as libvirt's define reads it. */
static void
drop_label_skips (xmlNode *node)
{
  for (xmlNode *child = node->children; child; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (xmlStrEqual (child->name, BAD_CAST "seclabel"))
        xmlUnsetProp (child, BAD_CAST "labelskip");
      else
        drop_label_skips (child);
    }
}

gboolean
vb_domain_drop_live_values (xmlNode *root, GError **error)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  if (!devices)
    return TRUE;
  drop_disk_mirrors (devices);
  drop_label_skips (devices);
  return drop_channel_state (devices, error) && drop_pty_paths (devices, error);
}
