/* <driver copy_on_read='on'>: what the guest reads from a backing image is
 * written into the disk's own image, so the next read finds it there. As
 * libvirt does it: a copy-on-read filter node over the format node. The
 * filter takes the disk's node name (driveN), what the device and the
 * service's block operations use; the format node under it, defined
 * inline, is driveN-format and goes with the filter when it is deleted.
 * docs/xml-subset.md, "Disk tail". */
#include "qemu-command-disk-format.h"

#include "qemu-command-private.h"

gboolean
vb_qemu_disk_copy_on_read (xmlNode *disk, const char *node_name, gboolean plugged,
                           JsonNode **format_node, GError **error)
{
  xmlNode *driver = vb_xml_child (disk, "driver");
  g_autofree char *inner = g_strdup_printf ("%s-format", node_name);
  JsonObject *fmt;
  JsonObject *cor;

  if (!vb_xml_attr_is (driver, "copy_on_read", "on"))
    return TRUE;
  if (vb_xml_child (disk, "readonly") || vb_xml_attr_is (disk, "device", "cdrom"))
    return refuse (error, driver,
                   "copy_on_read='on' writes what the guest reads into the image: not on a "
                   "read-only disk");
  if (plugged)
    return refuse (error, driver,
                   "a disk with copy_on_read='on' cannot be plugged into a running domain; "
                   "define it and start the domain");
  fmt = json_node_get_object (*format_node);
  json_object_set_string_member (fmt, "node-name", inner);
  cor = json_object_new ();
  json_object_set_string_member (cor, "driver", "copy-on-read");
  json_object_set_string_member (cor, "node-name", node_name);
  json_object_set_string_member (cor, "discard", "unmap");
  json_object_set_member (cor, "file", g_steal_pointer (format_node));
  *format_node = json_node_init_object (json_node_alloc (), cor);
  json_object_unref (cor);
  return TRUE;
}
