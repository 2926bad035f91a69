#include "domain-stat-devices.h"

#include "xml-schema.h"

void
vb_stat_disk_free (VbStatDisk *disk)
{
  if (!disk)
    return;
  g_free (disk->target);
  g_free (disk->device);
  g_free (disk->file);
  g_free (disk->pool);
  g_free (disk->volume);
  g_free (disk->format);
  g_free (disk->alias);
  g_free (disk);
}

void
vb_stat_nic_free (VbStatNic *nic)
{
  if (!nic)
    return;
  g_free (nic->type);
  g_free (nic->mac);
  g_free (nic->network);
  g_free (nic->target);
  g_free (nic);
}

static xmlNode *
devices_of (xmlDoc *doc)
{
  return doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
}

GPtrArray *
vb_domain_stat_disks (const char *xml)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", NULL);
  GPtrArray *disks = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_stat_disk_free);

  for (xmlNode *node = vb_xml_child (devices_of (doc), "disk"); node;
       node = vb_xml_next (node, "disk"))
    {
      VbStatDisk *disk = g_new0 (VbStatDisk, 1);
      xmlNode *source = vb_xml_child (node, "source");

      disk->target = vb_xml_attr (vb_xml_child (node, "target"), "dev");
      disk->device = vb_xml_attr (node, "device");
      if (!disk->device)
        disk->device = g_strdup ("disk");
      disk->file = vb_xml_attr (source, "file");
      if (!disk->file)
        disk->file = vb_xml_attr (source, "dev");
      if (disk->file && !*disk->file)
        g_clear_pointer (&disk->file, g_free);
      disk->pool = vb_xml_attr (source, "pool");
      disk->volume = vb_xml_attr (source, "volume");
      disk->format = vb_xml_attr (vb_xml_child (node, "driver"), "type");
      disk->alias = vb_xml_attr (vb_xml_child (node, "alias"), "name");
      g_ptr_array_add (disks, disk);
    }
  return disks;
}

GPtrArray *
vb_domain_stat_nics (const char *xml)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", NULL);
  GPtrArray *nics = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_stat_nic_free);

  for (xmlNode *node = vb_xml_child (devices_of (doc), "interface"); node;
       node = vb_xml_next (node, "interface"))
    {
      VbStatNic *nic = g_new0 (VbStatNic, 1);
      g_autofree char *mac = vb_xml_attr (vb_xml_child (node, "mac"), "address");

      nic->type = vb_xml_attr (node, "type");
      nic->mac = mac ? g_ascii_strdown (mac, -1) : NULL;
      if (g_strcmp0 (nic->type, "network") == 0)
        nic->network = vb_xml_attr (vb_xml_child (node, "source"), "network");
      nic->target = vb_xml_attr (vb_xml_child (node, "target"), "dev");
      g_ptr_array_add (nics, nic);
    }
  return nics;
}

gboolean
vb_domain_has_guest_agent (const char *xml)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", NULL);

  for (xmlNode *node = vb_xml_child (devices_of (doc), "channel"); node;
       node = vb_xml_next (node, "channel"))
    {
      xmlNode *target = vb_xml_child (node, "target");

      if (vb_xml_attr_is (target, "type", "virtio")
          && vb_xml_attr_is (target, "name", "org.qemu.guest_agent.0"))
        return TRUE;
    }
  return FALSE;
}
