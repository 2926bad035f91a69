/* libvirt's <disk><driver><statistics><statistic interval='N'/>: the
 * intervals (in seconds) over which QEMU keeps a disk's timed I/O
 * statistics (latencies, queue depths), the block device's stats-intervals
 * list, which QEMU 10.2 added to its storage devices (before, only the
 * legacy -drive had it). A list is JSON only, so such a disk's -device is
 * JSON (vb_qemu_disk_device_json()). Define builds it; Start refuses it by
 * name on an older QEMU, as it does any lack of this host. */
#include "qemu-command-private.h"

/* QEMU's storage devices with block properties; scsi-block and
 * vhost-user-blk have none (no BlockBackend of QEMU's own accounts). */
static const char *const with_stats[] = { "virtio-blk-pci",
                                          "virtio-blk-pci-transitional",
                                          "virtio-blk-pci-non-transitional",
                                          "scsi-hd",
                                          "scsi-cd",
                                          "ide-hd",
                                          "ide-cd",
                                          "floppy",
                                          "usb-storage",
                                          "nvme-ns",
                                          NULL };

gboolean
vb_qemu_disk_stats_intervals (Builder *b, xmlNode *disk, const char *model, JsonObject *props,
                              GError **error)
{
  xmlNode *statistics = vb_xml_child (vb_xml_child (disk, "driver"), "statistics");
  g_autoptr (JsonArray) intervals = NULL;

  if (!statistics || !vb_xml_child (statistics, "statistic"))
    return TRUE;
  if (model && !g_strv_contains (with_stats, model))
    return refuse (error, statistics,
                   "QEMU's %s keeps no I/O statistics of its own (it has no stats-intervals)",
                   model);
  intervals = json_array_new ();
  for (xmlNode *s = vb_xml_child (statistics, "statistic"); s; s = vb_xml_next (s, "statistic"))
    {
      guint interval = vb_xml_attr_uint (s, "interval", 0);

      /* QEMU's own rule; the schema took any unsigned number. */
      if (interval == 0 || interval > G_MAXINT32)
        return refuse (error, s, "interval= is a number of seconds, 1 to %d", G_MAXINT32);
      json_array_add_int_element (intervals, interval);
    }
  if (!vb_qemu_need_qemu (b, statistics, 100200,
                          "disk statistics intervals (the storage devices' stats-intervals)",
                          error))
    return FALSE;
  json_object_set_array_member (props, "stats-intervals", g_steal_pointer (&intervals));
  return TRUE;
}
