/* What only a virtio NIC reads: see domain-nic-virtio.h. */
#include "domain-nic-virtio.h"

#include "xml-schema.h"

static gboolean
emulated_model (xmlNode *iface)
{
  xmlNode *node = vb_xml_child (iface, "model");
  g_autofree char *model = node ? vb_xml_attr (node, "type") : NULL;

  /* No <model>: the driver's default, virtio. */
  return model && !g_str_has_prefix (model, "virtio");
}

void
vb_domain_drop_virtio_only_nic_options (xmlNode *root)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  for (xmlNode *iface = devices ? vb_xml_child (devices, "interface") : NULL; iface;
       iface = vb_xml_next (iface, "interface"))
    {
      xmlNode *driver = vb_xml_child (iface, "driver");
      xmlNode *backend = vb_xml_child (iface, "backend");

      /* A VF is the host's hardware: the guest sees the VF's own NIC, and
       * libvirt reads no <model> for it; its <driver name='vfio'> stays. */
      if (vb_xml_attr_is (iface, "type", "hostdev"))
        {
          xmlNode *model = vb_xml_child (iface, "model");

          if (model)
            {
              xmlUnlinkNode (model);
              xmlFreeNode (model);
            }
          continue;
        }
      if (!emulated_model (iface))
        continue;
      if (driver)
        {
          xmlUnlinkNode (driver);
          xmlFreeNode (driver);
        }
      if (backend)
        xmlUnsetProp (backend, BAD_CAST "vhost");
    }
}
