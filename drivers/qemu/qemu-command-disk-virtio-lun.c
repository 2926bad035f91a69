/* <disk device='lun'> on bus 'virtio': virtio-blk's SCSI passthrough
 * (scsi=on), which virtio 1.0 dropped, so QEMU refuses it on a device that
 * offers the modern interface ("Please set scsi=off for virtio-blk devices
 * in order to use virtio 1.0"): the device is made legacy-only
 * (disable-modern=on). That needs plain virtio-blk-pci (no model=) and a
 * conventional PCI slot (not a q35 root port, where legacy is off), and
 * none of virtio 1.0's features. */
#include "qemu-command-private.h"

gboolean
vb_qemu_virtio_lun (Builder *b, xmlNode *disk, GString *out, GError **error)
{
  static const char *const modern_features[] = { "iommu", "ats", "packed", "page_per_vq" };
  xmlNode *driver = vb_xml_child (disk, "driver");
  xmlNode *address = vb_xml_child (disk, "address");

  g_autofree char *model = vb_xml_attr (disk, "model");

  /* The (non-)transitional models always offer virtio 1.0 (they have no
   * disable-modern): only plain virtio-blk-pci can be legacy-only. */
  if (model && !g_str_equal (model, "virtio"))
    return refuse (error, disk,
                   "device='lun' on bus 'virtio' is legacy virtio (SCSI passthrough is not in "
                   "virtio 1.0): model '%s' always offers virtio 1.0; leave model= out",
                   model);
  if (b->command->q35 && vb_xml_attr_is (address, "type", "pci")
      && vb_xml_attr_uint (address, "bus", 0) != 0)
    return refuse (error, disk,
                   "device='lun' on bus 'virtio' is legacy virtio (SCSI passthrough is not in "
                   "virtio 1.0), which a PCIe root port does not take: put it on bus 0 or a "
                   "pcie-to-pci-bridge, or use bus 'scsi'");
  for (guint i = 0; i < G_N_ELEMENTS (modern_features); i++)
    if (vb_xml_attr_is (driver, modern_features[i], "on"))
      return refuse (error, driver,
                     "%s='on' is a virtio 1.0 feature; device='lun' on bus 'virtio' is legacy "
                     "virtio (SCSI passthrough is not in virtio 1.0)",
                     modern_features[i]);
  g_string_append (out, ",scsi=on,disable-modern=on");
  return TRUE;
}
