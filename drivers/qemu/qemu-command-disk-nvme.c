/* libvirt's NVMe disks: <target dev='nvmeCnN' bus='nvme'> is namespace N
 * (an nvme-ns) of NVMe controller C (<controller type='nvme' index='C'>,
 * QEMU's nvme, a PCI device; define adds it when missing, as libvirt
 * does). An <address type='drive' controller='C' unit='U'> places the disk
 * instead, namespace U + 1. QEMU's controller needs a serial number: the
 * controller's <serial>, else the one its disks' <serial> give (libvirt
 * takes it from there too; a namespace has none of its own). */
#include "qemu-command-private.h"

#define PLACE_RULE                                                                     \
  "an NVMe disk is named nvmeCnN (namespace N of controller C, from 1), or placed by " \
  "<address type='drive' controller unit>"

/* The namespaces a QEMU 7.2 nvme controller has (NVME_MAX_NAMESPACES). */
#define NVME_NAMESPACES 256u

static char *
child_text (xmlNode *node, const char *name)
{
  xmlNode *child = vb_xml_child (node, name);

  return child ? vb_xml_text (child) : NULL;
}

/* Where @disk sits: its controller and namespace id, FALSE when its
 * address and its name say neither. */
static gboolean
nvme_place (xmlNode *disk, guint *controller, guint *nsid)
{
  xmlNode *address = vb_xml_child (disk, "address");
  g_autofree char *dev = child_attr (disk, "target", "dev");
  guint64 c, n;
  char *end = NULL;

  if (vb_xml_attr_is (address, "type", "drive"))
    {
      *controller = vb_xml_attr_uint (address, "controller", 0);
      *nsid = vb_xml_attr_uint (address, "unit", 0) + 1;
      return *nsid > 0;
    }
  if (!dev || !g_str_has_prefix (dev, "nvme") || !g_ascii_isdigit (dev[4]))
    return FALSE;
  c = g_ascii_strtoull (dev + 4, &end, 10);
  if (*end != 'n' || !g_ascii_isdigit (end[1]))
    return FALSE;
  n = g_ascii_strtoull (end + 1, &end, 10);
  if (*end || c > G_MAXUINT16 || n == 0 || n > G_MAXUINT16)
    return FALSE;
  *controller = (guint) c;
  *nsid = (guint) n;
  return TRUE;
}

static gboolean
is_nvme_disk (xmlNode *node)
{
  return node->type == XML_ELEMENT_NODE && g_str_equal ((const char *) node->name, "disk")
         && vb_xml_attr_is (vb_xml_child (node, "target"), "bus", "nvme");
}

static xmlNode *
nvme_controller (Builder *b, guint index)
{
  for (xmlNode *c = vb_xml_child (b->devices, "controller"); c; c = vb_xml_next (c, "controller"))
    if (vb_xml_attr_is (c, "type", "nvme") && vb_xml_attr_uint (c, "index", 0) == index)
      return c;
  return NULL;
}

gboolean
vb_qemu_nvme_namespace (Builder *b, xmlNode *disk, GString *out, GError **error)
{
  xmlNode *target = vb_xml_child (disk, "target");
  guint controller, nsid;

  if (!vb_xml_attr_is (disk, "device", "disk") && vb_xml_attr (disk, "device"))
    return refuse (error, disk, "an NVMe namespace is a disk (device='disk')");
  if (!nvme_place (disk, &controller, &nsid))
    return refuse (error, target, PLACE_RULE);
  /* QEMU's NVME_MAX_NAMESPACES: it refuses a higher nsid at Start. */
  if (nsid > NVME_NAMESPACES)
    return refuse (error, target,
                   "namespace %u: QEMU's NVMe controller has namespaces 1 to %u (unit 0 to %u)",
                   nsid, NVME_NAMESPACES, NVME_NAMESPACES - 1);
  if (!nvme_controller (b, controller))
    return refuse (error, target, "no NVMe controller with index %u", controller);
  /* QEMU refuses a namespace id twice on one controller. */
  for (xmlNode *other = b->devices->children; other && other != disk; other = other->next)
    {
      guint c, n;

      if (is_nvme_disk (other) && nvme_place (other, &c, &n) && c == controller && n == nsid)
        return refuse (error, target, "namespace %u of NVMe controller %u is another disk's", nsid,
                       controller);
    }
  g_string_append_printf (out, "nvme-ns,bus=nvme%u,nsid=%u", controller, nsid);
  return TRUE;
}

gboolean
vb_qemu_nvme_controller (Builder *b, xmlNode *node, guint index, GString *dev, GError **error)
{
  xmlNode *driver = vb_xml_child (node, "driver");
  g_autofree char *serial = child_text (node, "serial");
  static const char *const not_nvme[] = { "iothread", "cmd_per_lun", "max_sectors", "iommu",
                                          "ats",      "packed",      "page_per_vq", NULL };

  xmlNode *first = NULL;

  for (guint i = 0; driver && not_nvme[i]; i++)
    if (xmlHasProp (driver, BAD_CAST not_nvme[i]))
      return refuse (error, driver, "QEMU's NVMe controller has no %s=", not_nvme[i]);
  /* Else the serial its disks give: one, the same on each that has one. */
  for (xmlNode *disk = b->devices->children; disk; disk = disk->next)
    {
      guint c, n;

      if (!is_nvme_disk (disk))
        continue;
      /* Controllers are built before disks: a name that places no disk
       * is refused here, before a controller misses the disk's serial. */
      if (!nvme_place (disk, &c, &n))
        return refuse (error, vb_xml_child (disk, "target"), PLACE_RULE);
      if (c != index)
        continue;
      first = first ? first : disk;
      if (!serial)
        serial = child_text (disk, "serial");
    }
  for (xmlNode *disk = b->devices->children; serial && disk; disk = disk->next)
    {
      g_autofree char *other = child_text (disk, "serial");
      guint c, n;

      if (is_nvme_disk (disk) && nvme_place (disk, &c, &n) && c == index && other
          && !g_str_equal (other, serial) && !vb_xml_child (node, "serial"))
        return refuse (error, vb_xml_child (disk, "serial"),
                       "the disks of NVMe controller %u give it two serial numbers ('%s' and "
                       "'%s'): a controller has one (set its <serial>)",
                       index, serial, other);
    }
  /* A controller define added has no line of the caller's: name its disk. */
  if (!serial || !*serial)
    return refuse (error, vb_xml_line (node) > 0 || !first ? node : first,
                   "QEMU's NVMe controller (index %u) needs a serial number: give the "
                   "controller (or one of its disks) a <serial>",
                   index);
  g_string_append_printf (dev, "nvme,id=nvme%u", index);
  vb_qemu_opt (dev, "serial", serial);
  if (driver && xmlHasProp (driver, BAD_CAST "queues"))
    {
      guint queues = vb_xml_attr_uint (driver, "queues", 0);

      /* libvirt's queues= is QEMU's num_queues, the admin queue and the
       * I/O queue pairs, which QEMU 7.2 deprecates for max_ioqpairs (the
       * pairs alone, at least 1). */
      if (queues < 2)
        return refuse (error, driver,
                       "queues= counts the admin queue and the I/O queues: at least 2");
      /* QEMU's NVME_MAX_IOQPAIRS: it refuses more at Start, on every host. */
      if (queues - 1 > 65535)
        return refuse (error, driver,
                       "queues= counts the admin queue and the I/O queues: at most 65536 "
                       "(QEMU's nvme has up to 65535 I/O queue pairs)");
      g_string_append_printf (dev, ",max_ioqpairs=%u", queues - 1);
    }
  if (driver && xmlHasProp (driver, BAD_CAST "ioeventfd"))
    g_string_append_printf (dev, ",ioeventfd=%s",
                            vb_xml_attr_is (driver, "ioeventfd", "on") ? "on" : "off");
  return TRUE;
}
