/* <disk type='vhostuser'>: a disk served by a vhost-user-blk back end (a
 * storage daemon the administrator runs, e.g. qemu-storage-daemon
 * --export type=vhost-user-blk) on a unix socket QEMU connects to:
 * -chardev socket + vhost-user-blk-pci. The back end reads and writes the
 * guest's memory itself, so the memory must be shared; QEMU has no block
 * node of its own for it, so what a node would do (format, cache, I/O
 * limits, a read-only medium, a serial number) is refused by name.
 * docs/xml-subset.md, "Disk tail". */
#include "qemu-command-private.h"

/* The <disk> children a vhost-user disk may have; the others ask for what
 * only QEMU's own block layer does. */
static const char *const allowed_children[] = {
  "driver", "source", "target", "boot", "alias", "address", "acpi", NULL,
};

/* <driver> attributes that are properties of vhost-user-blk-pci or virtio
 * options; the others (cache, io, discard, ...) act on a QEMU block node. */
static const char *const allowed_driver_attrs[] = {
  "name", "type", "queues", "queue_size", "iommu", "ats", "packed", "page_per_vq", NULL,
};

static gboolean
children_fit (xmlNode *disk, GError **error)
{
  xmlNode *driver = vb_xml_child (disk, "driver");
  g_autofree char *format = vb_xml_attr (driver, "type");

  for (xmlNode *child = disk->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE
        && !g_strv_contains (allowed_children, (const char *) child->name))
      return refuse (error, child,
                     "a vhostuser disk has no <%s>: its back end, not QEMU, holds the storage",
                     (const char *) child->name);
  for (xmlAttr *attr = driver ? driver->properties : NULL; attr; attr = attr->next)
    if (!g_strv_contains (allowed_driver_attrs, (const char *) attr->name))
      return refuse (error, driver,
                     "a vhostuser disk has no %s=: its back end, not QEMU, holds the storage",
                     (const char *) attr->name);
  if (format && !g_str_equal (format, "raw"))
    return refuse (error, driver, "a vhostuser disk is of type 'raw', not '%s'", format);
  return TRUE;
}

gboolean
vb_qemu_build_vhostuser_disk (Builder *b, xmlNode *disk, const char *id, GError **error)
{
  xmlNode *target = vb_xml_child (disk, "target");
  xmlNode *source = vb_xml_child (disk, "source");
  xmlNode *driver = vb_xml_child (disk, "driver");
  xmlNode *reconnect = vb_xml_child (source, "reconnect");
  g_autofree char *bus = vb_xml_attr (target, "bus");
  g_autofree char *path = vb_xml_attr (source, "path");
  g_autofree char *chardev_id = g_strdup_printf ("chr-vu-%s", id);
  g_autoptr (GString) chardev = g_string_new ("socket");
  g_autoptr (GString) dev = g_string_new ("vhost-user-blk-pci");
  guint queues = vb_xml_attr_uint (driver, "queues", 0);
  guint queue_size = vb_xml_attr_uint (driver, "queue_size", 0);

  if (!vb_xml_attr_is (disk, "device", "disk") && vb_xml_attr (disk, "device"))
    return refuse (error, disk, "a vhostuser disk is device='disk'");
  if (bus && !g_str_equal (bus, "virtio"))
    return refuse (error, target, "a vhostuser disk sits on bus 'virtio', not '%s'", bus);
  if (vb_xml_attr (disk, "model"))
    return refuse (error, disk, "vhost-user-blk has no transitional model");
  if (!vb_xml_attr_is (source, "type", "unix") || !path || !g_path_is_absolute (path))
    return refuse (error, source ? source : disk,
                   "a vhostuser disk needs <source type='unix' path='/…'>, the back end's socket");
  if (!children_fit (disk, error))
    return FALSE;
  /* vhost-user: the back end maps the guest's memory. */
  if (!vb_qemu_shared_memory (b))
    return refuse (error, disk,
                   "a vhostuser disk needs the guest's memory shared with its back end: "
                   "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking> "
                   "(or a file, huge pages, or memAccess='shared' on every NUMA cell)");
  /* QEMU connects to the back end as it starts: it must listen by then. */
  if (!b->context->dry_run && !host_has (b->context, path))
    return refuse (error, source, "no vhost-user-blk back end listens at %s", path);
  vb_qemu_opt (chardev, "id", chardev_id);
  vb_qemu_opt (chardev, "path", path);
  if (reconnect
      && (!xmlHasProp (reconnect, BAD_CAST "enabled") || xmlHasProp (reconnect, BAD_CAST "delay")))
    return refuse (error, reconnect,
                   "a vhostuser disk's <reconnect> has enabled= (and timeout=); delay= is an nbd "
                   "disk's");
  if (vb_xml_attr_is (reconnect, "enabled", "yes"))
    {
      if (!vb_xml_attr_uint (reconnect, "timeout", 0))
        return refuse (error, reconnect, "<reconnect enabled='yes'> needs a timeout (seconds)");
      g_string_append_printf (chardev, ",reconnect=%u", vb_xml_attr_uint (reconnect, "timeout", 0));
    }
  add2 (b, "-chardev", chardev->str);
  vb_qemu_opt (dev, "chardev", chardev_id);
  if (queues)
    g_string_append_printf (dev, ",num-queues=%u", queues);
  if (queue_size)
    g_string_append_printf (dev, ",queue-size=%u", queue_size);
  if (!vb_qemu_virtio_options (disk, dev, error))
    return FALSE;
  if (!pci_address (b, disk, dev, error))
    return FALSE;
  vb_qemu_opt (dev, "id", id);
  boot_index (b, disk, dev);
  add2 (b, "-device", dev->str);
  return TRUE;
}
