/* <throttlegroups> and <throttlefilters>, as libvirt runs them: each group
 * is a throttle-group object whose limits all the disks naming it share;
 * each filter is a throttle node (QEMU's "throttle" block driver) in the
 * disk's chain, above its format node, so the guest's requests pass every
 * group the disk names. define checked names and limits
 * (domain-throttle.c); docs/xml-subset.md, "Throttle groups". */
#include "qemu-command-throttle.h"

#include "disk-iotune.h"
#include "domain-throttle.h"

/* QEMU 7.2's properties of a throttle-group object (its ThrottleLimits,
 * flattened with "x-": what -object takes outside JSON), in
 * VbIoTuneValue's order. */
static const char *const group_properties[VB_IOTUNE_N_VALUES] = {
  "x-bps-total",
  "x-bps-read",
  "x-bps-write",
  "x-iops-total",
  "x-iops-read",
  "x-iops-write",
  "x-bps-total-max",
  "x-bps-read-max",
  "x-bps-write-max",
  "x-iops-total-max",
  "x-iops-read-max",
  "x-iops-write-max",
  "x-iops-size",
  "x-bps-total-max-length",
  "x-bps-read-max-length",
  "x-bps-write-max-length",
  "x-iops-total-max-length",
  "x-iops-read-max-length",
  "x-iops-write-max-length",
};

gboolean
vb_qemu_build_throttle_groups (Builder *b, GError **error)
{
  for (xmlNode *group = vb_xml_child (vb_xml_child (b->root, "throttlegroups"), "throttlegroup");
       group; group = vb_xml_next (group, "throttlegroup"))
    {
      VbDiskIoTune tune;
      g_autoptr (GString) object = g_string_new ("throttle-group");
      g_autofree char *id = NULL;

      if (!vb_throttle_group_read (group, &tune, error))
        return FALSE;
      id = g_strdup_printf ("throttle-%s", tune.group_name);
      vb_qemu_opt (object, "id", id);
      for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
        if (tune.values[i])
          g_string_append_printf (object, ",%s=%" G_GUINT64_FORMAT, group_properties[i],
                                  tune.values[i]);
      vb_disk_iotune_clear (&tune);
      add2 (b, "-object", object->str);
    }
  return TRUE;
}

static gboolean
has_filters (xmlNode *disk)
{
  return vb_xml_child (vb_xml_child (disk, "throttlefilters"), "throttlefilter") != NULL;
}

gboolean
vb_qemu_disk_throttle_check (xmlNode *disk, GError **error)
{
  xmlNode *filters = vb_xml_child (disk, "throttlefilters");

  if (!has_filters (disk))
    return TRUE;
  /* libvirt's rule: the two ways of limiting a disk exclude each other. */
  if (vb_xml_child (disk, "iotune"))
    return refuse (error, filters, "<throttlefilters> cannot be used together with <iotune>");
  if (vb_xml_attr_is (disk, "device", "cdrom") || vb_xml_attr_is (disk, "device", "floppy"))
    return refuse (error, filters,
                   "<throttlefilters> are for a disk: a changed medium would come without "
                   "them");
  if (vb_xml_attr_is (disk, "device", "lun"))
    return refuse (error, filters,
                   "<throttlefilters> are not for device='lun', whose SCSI commands go to the "
                   "host device itself");
  if (vb_xml_attr_is (disk, "type", "vhostuser"))
    return refuse (error, filters,
                   "a vhost-user disk's I/O is its back end's, never QEMU's: no "
                   "<throttlefilters>");
  if (!vb_xml_child (disk, "source"))
    return refuse (error, filters, "<throttlefilters> need a disk with a <source>");
  if (vb_xml_child (disk, "transient"))
    return refuse (error, filters,
                   "<throttlefilters> are not for a transient disk, whose overlay would sit "
                   "above them");
  return TRUE;
}

gboolean
vb_qemu_disk_throttle_filters (xmlNode *disk, const char *node_name, gboolean plugged,
                               JsonNode **format_node, GError **error)
{
  xmlNode *filters = vb_xml_child (disk, "throttlefilters");
  JsonObject *top = json_node_get_object (*format_node);
  g_autofree char *below = NULL;
  guint n = 0, i = 0;

  if (!has_filters (disk))
    return TRUE;
  if (plugged)
    return refuse (error, filters,
                   "a disk with <throttlefilters> cannot be plugged into a running domain; "
                   "define it and start the domain");
  for (xmlNode *f = vb_xml_child (filters, "throttlefilter"); f;
       f = vb_xml_next (f, "throttlefilter"))
    n++;
  below =
    g_strdup_printf ("%s-%s", node_name,
                     g_strcmp0 (json_object_get_string_member_with_default (top, "driver", NULL),
                                "copy-on-read")
                         == 0
                       ? "cor"
                       : "format");
  json_object_set_string_member (top, "node-name", below);
  for (xmlNode *f = vb_xml_child (filters, "throttlefilter"); f;
       f = vb_xml_next (f, "throttlefilter"), i++)
    {
      g_autofree char *group = vb_xml_attr (f, "group");
      g_autofree char *id = g_strdup_printf ("throttle-%s", g_strstrip (group));
      g_autofree char *name =
        i + 1 == n ? g_strdup (node_name) : g_strdup_printf ("%s-throttle%u", node_name, i);
      JsonObject *filter = json_object_new ();

      json_object_set_string_member (filter, "driver", "throttle");
      json_object_set_string_member (filter, "node-name", name);
      json_object_set_string_member (filter, "throttle-group", id);
      json_object_set_member (filter, "file", g_steal_pointer (format_node));
      *format_node = json_node_init_object (json_node_alloc (), filter);
      json_object_unref (filter);
    }
  return TRUE;
}

JsonObject *
vb_qemu_disk_format_below_filters (JsonObject *top)
{
  for (;;)
    {
      const char *driver = json_object_get_string_member_with_default (top, "driver", NULL);

      if (g_strcmp0 (driver, "throttle") != 0 && g_strcmp0 (driver, "copy-on-read") != 0)
        return top;
      top = json_object_get_object_member (top, "file");
    }
}
