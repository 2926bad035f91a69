/* The properties of a disk's QEMU device that its XML sets besides the
 * bus: <blockio>, <geometry>, <serial>, <wwn>, <vendor>, <product>,
 * <target removable rotation_rate>, <shareable/>, and from <driver> the
 * error policies, the guest's write cache (cache=) and virtio-blk's queues.
 * One typed list for both the command line and device_add (hotplug). A
 * property the device model lacks is refused naming the element, as
 * libvirt does, never left out. */
#include "qemu-command-private.h"

/* Which properties each device model has (QEMU 7.2's -device X,help). */
enum {
  HAS_GEOMETRY = 1 << 0,
  HAS_TRANS = 1 << 1,
  HAS_SERIAL = 1 << 2,
  HAS_WWN = 1 << 3,
  HAS_VENDOR = 1 << 4,
  HAS_REMOVABLE = 1 << 5,
  HAS_ROTATION = 1 << 6,
  HAS_ERROR = 1 << 7,
  HAS_WRITE_CACHE = 1 << 8,
  HAS_QUEUES = 1 << 9,
  HAS_BLOCKIO = 1 << 10,
  HAS_VIRTIO = 1 << 11, /* libvirt's virtio options */
  HAS_MODEL = 1 << 12,  /* ATA's model string: <product>, no vendor */
};

static const struct {
  const char *model;
  guint has;
} models[] = {
  { "virtio-blk-pci", HAS_GEOMETRY | HAS_SERIAL | HAS_ERROR | HAS_WRITE_CACHE | HAS_QUEUES
                        | HAS_BLOCKIO | HAS_VIRTIO },
  { "scsi-hd", HAS_GEOMETRY | HAS_SERIAL | HAS_WWN | HAS_VENDOR | HAS_REMOVABLE | HAS_ROTATION
                 | HAS_ERROR | HAS_WRITE_CACHE | HAS_BLOCKIO },
  { "scsi-cd", HAS_SERIAL | HAS_WWN | HAS_VENDOR | HAS_ERROR | HAS_BLOCKIO },
  { "scsi-block", HAS_ROTATION | HAS_ERROR },
  { "ide-hd", HAS_GEOMETRY | HAS_TRANS | HAS_SERIAL | HAS_WWN | HAS_ROTATION | HAS_ERROR
                | HAS_WRITE_CACHE | HAS_BLOCKIO | HAS_MODEL },
  { "ide-cd", HAS_SERIAL | HAS_WWN | HAS_ERROR | HAS_BLOCKIO | HAS_MODEL },
  { "usb-storage", HAS_SERIAL | HAS_REMOVABLE | HAS_ERROR | HAS_WRITE_CACHE | HAS_BLOCKIO },
  { "floppy", HAS_WRITE_CACHE | HAS_BLOCKIO },
  /* Its <serial> is its NVMe controller's (qemu-command-disk-nvme.c). */
  { "nvme-ns", HAS_WRITE_CACHE | HAS_BLOCKIO },
};

/* libvirt's name of a virtio option and QEMU's property. */
static const char *const virtio_options[][2] = {
  { "iommu", "iommu_platform" }, { "ats", "ats" },
  { "packed", "packed" },        { "page_per_vq", "page-per-vq" },
  { "ioeventfd", "ioeventfd" },  { "event_idx", "event_idx" },
};

void
vb_qemu_virtio_props (xmlNode *driver, JsonObject *props)
{
  for (guint i = 0; i < G_N_ELEMENTS (virtio_options); i++)
    {
      g_autofree char *value = vb_xml_attr (driver, virtio_options[i][0]);

      if (value)
        json_object_set_boolean_member (props, virtio_options[i][1], g_str_equal (value, "on"));
    }
}

gboolean
vb_qemu_virtio_modern_only (Builder *b, xmlNode *device, xmlNode *driver, GError **error)
{
  xmlNode *address = vb_xml_child (device, "address");
  gboolean on_root_port = b->command->q35 && vb_xml_attr_is (address, "type", "pci")
                          && vb_xml_attr_uint (address, "bus", 0) != 0;

  if (!vb_xml_attr_is (driver, "iommu", "on")
      || vb_xml_attr_is (device, "model", "virtio-non-transitional")
      || (on_root_port && !vb_xml_attr_is (device, "model", "virtio-transitional")))
    return TRUE;
  return refuse (error, driver,
                 "iommu='on' needs a virtio device without legacy mode: model "
                 "'virtio-non-transitional', or a PCIe root port of a q35 machine");
}

static guint
model_has (const char *model)
{
  /* The (non-)transitional virtio-blk models are virtio-blk-pci's twins. */
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    if (g_str_equal (models[i].model, model)
        || (g_str_has_prefix (model, "virtio-blk-pci-") && i == 0))
      return models[i].has;
  return 0;
}

static gboolean
lacks (GError **error, xmlNode *node, const char *what, const char *model)
{
  return refuse (error, node, "%s is not supported on a %s device", what, model);
}

/* A size QEMU's block properties take: a power of two from 512 B to 2 MiB. */
static gboolean
block_size (xmlNode *node, const char *attr, JsonObject *props, const char *key, GError **error)
{
  g_autofree char *text = vb_xml_attr (node, attr);
  guint value = vb_xml_attr_uint (node, attr, 0);

  if (!text)
    return TRUE;
  if (value < 512 || value > 2 * 1024 * 1024 || (value & (value - 1)))
    return refuse (error, node, "%s must be a power of two from 512 to 2097152, not %s", attr,
                   text);
  json_object_set_int_member (props, key, value);
  return TRUE;
}

static gboolean
blockio (xmlNode *disk, guint has, const char *model, JsonObject *props, GError **error)
{
  xmlNode *node = vb_xml_child (disk, "blockio");
  g_autofree char *granularity = node ? vb_xml_attr (node, "discard_granularity") : NULL;

  if (!node)
    return TRUE;
  if (!(has & HAS_BLOCKIO))
    return lacks (error, node, "<blockio>", model);
  if (!block_size (node, "logical_block_size", props, "logical_block_size", error)
      || !block_size (node, "physical_block_size", props, "physical_block_size", error))
    return FALSE;
  if (granularity)
    json_object_set_int_member (props, "discard_granularity",
                                vb_xml_attr_uint (node, "discard_granularity", 0));
  return TRUE;
}

static gboolean
geometry (xmlNode *disk, guint has, const char *model, JsonObject *props, GError **error)
{
  xmlNode *node = vb_xml_child (disk, "geometry");
  g_autofree char *trans = node ? vb_xml_attr (node, "trans") : NULL;

  if (!node)
    return TRUE;
  if (!(has & HAS_GEOMETRY))
    return lacks (error, node, "<geometry>", model);
  json_object_set_int_member (props, "cyls", vb_xml_attr_uint (node, "cyls", 0));
  json_object_set_int_member (props, "heads", vb_xml_attr_uint (node, "heads", 0));
  json_object_set_int_member (props, "secs", vb_xml_attr_uint (node, "secs", 0));
  if (trans && !(has & HAS_TRANS))
    return lacks (error, node, "trans= of <geometry> (a BIOS translation of IDE disks)", model);
  if (trans)
    json_object_set_string_member (props, "bios-chs-trans", trans);
  return TRUE;
}

/* The text of @disk's <@name> as the property @key, checked: at most @max
 * printable ASCII characters (SCSI's INQUIRY fields, libvirt's limits), 0
 * for any length. */
static gboolean
text_prop (xmlNode *disk, const char *name, gboolean ok, guint max, const char *model,
           const char *key, JsonObject *props, GError **error)
{
  xmlNode *node = vb_xml_child (disk, name);
  g_autofree char *text = node ? vb_xml_text (node) : NULL;
  g_autofree char *what = g_strdup_printf ("<%s>", name);

  if (!node)
    return TRUE;
  /* An ATA disk's IDENTIFY data has a model string (QEMU's model=, 40
   * characters of which libvirt's <product> fills 16) and no vendor. */
  if (!ok && g_str_equal (name, "vendor") && (model_has (model) & HAS_MODEL))
    return refuse (error, node,
                   "<vendor> is not supported on a %s device: ATA has no vendor field (<product> "
                   "is its model string)",
                   model);
  if (!ok)
    return lacks (error, node, what, model);
  if (max && (strlen (text) > max || !*text))
    return refuse (error, node, "<%s> has 1 to %u characters", name, max);
  for (const char *p = text; max && *p; p++)
    if (!g_ascii_isprint (*p))
      return refuse (error, node, "<%s> has printable ASCII characters only", name);
  json_object_set_string_member (props, key, text);
  return TRUE;
}

/* libvirt's <wwn>: 16 hex digits, "0x" before them allowed. */
static gboolean
wwn (xmlNode *disk, guint has, const char *model, JsonObject *props, GError **error)
{
  xmlNode *node = vb_xml_child (disk, "wwn");
  g_autofree char *text = node ? vb_xml_text (node) : NULL;
  const char *digits = text;
  g_autofree char *value = NULL;

  if (!node)
    return TRUE;
  if (!(has & HAS_WWN))
    return lacks (error, node, "<wwn>", model);
  if (g_str_has_prefix (digits, "0x") || g_str_has_prefix (digits, "0X"))
    digits += 2;
  if (strlen (digits) != 16)
    return refuse (error, node, "<wwn> is 16 hexadecimal digits, not '%s'", text);
  for (const char *p = digits; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return refuse (error, node, "<wwn> is 16 hexadecimal digits, not '%s'", text);
  value = g_strdup_printf ("0x%s", digits);
  json_object_set_string_member (props, "wwn", value);
  return TRUE;
}

static gboolean
target_props (xmlNode *disk, guint has, const char *model, JsonObject *props, GError **error)
{
  xmlNode *target = vb_xml_child (disk, "target");
  g_autofree char *removable = vb_xml_attr (target, "removable");
  g_autofree char *rate = vb_xml_attr (target, "rotation_rate");

  if (removable && !(has & HAS_REMOVABLE))
    return lacks (error, target, "removable=", model);
  if (removable)
    json_object_set_boolean_member (props, "removable", g_str_equal (removable, "on"));
  if (rate && !(has & HAS_ROTATION))
    return lacks (error, target, "rotation_rate=", model);
  if (rate)
    {
      guint value = vb_xml_attr_uint (target, "rotation_rate", G_MAXUINT);

      /* SCSI's and ATA's "nominal media rotation rate": 1 is a disk without
       * rotation, 0x401 to 0xfffe revolutions per minute. */
      if (value > 0xfffe)
        return refuse (error, target, "rotation_rate is at most 65534, not %s", rate);
      json_object_set_int_member (props, "rotation_rate", value);
    }
  return TRUE;
}

static gboolean
driver_props (xmlNode *disk, guint has, const char *model, gboolean cdrom, JsonObject *props,
              GError **error)
{
  xmlNode *driver = vb_xml_child (disk, "driver");
  g_autofree char *cache = driver ? vb_xml_attr (driver, "cache") : NULL;
  g_autofree char *werror = driver ? vb_xml_attr (driver, "error_policy") : NULL;
  g_autofree char *rerror = driver ? vb_xml_attr (driver, "rerror_policy") : NULL;
  g_autofree char *queues = driver ? vb_xml_attr (driver, "queues") : NULL;
  g_autofree char *queue_size = driver ? vb_xml_attr (driver, "queue_size") : NULL;

  if (!(has & HAS_VIRTIO))
    {
      for (guint i = 0; i < G_N_ELEMENTS (virtio_options); i++)
        if (vb_xml_attr (driver, virtio_options[i][0]))
          {
            g_autofree char *what = g_strdup_printf ("%s=", virtio_options[i][0]);

            return lacks (error, driver, what, model);
          }
    }
  else if (driver)
    vb_qemu_virtio_props (driver, props);
  if ((queues || queue_size) && !(has & HAS_QUEUES))
    return lacks (error, driver, queues ? "queues=" : "queue_size=", model);
  if (queues)
    {
      guint n = vb_xml_attr_uint (driver, "queues", 0);

      if (n < 1 || n > 1024)
        return refuse (error, driver, "queues= is 1 to 1024, not %s", queues);
      json_object_set_int_member (props, "num-queues", n);
    }
  if (queue_size)
    {
      guint n = vb_xml_attr_uint (driver, "queue_size", 0);

      if (n < 2 || n > 1024 || (n & (n - 1)))
        return refuse (error, driver, "queue_size= is a power of two from 2 to 1024, not %s",
                       queue_size);
      json_object_set_int_member (props, "queue-size", n);
    }
  /* The guest sees a volatile write cache (and flushes it) unless the
   * mode writes through: writethrough and directsync. */
  if (cache && !g_str_equal (cache, "default") && !cdrom && (has & HAS_WRITE_CACHE))
    json_object_set_string_member (
      props, "write-cache",
      g_str_equal (cache, "writethrough") || g_str_equal (cache, "directsync") ? "off" : "on");
  if ((werror || rerror) && !(has & HAS_ERROR))
    return lacks (error, driver, werror ? "error_policy=" : "rerror_policy=", model);
  /* As libvirt: QEMU spells enospace "enospc", and it is for writes only;
   * without rerror_policy reads fail as writes do. */
  if (werror)
    json_object_set_string_member (props, "werror",
                                   g_str_equal (werror, "enospace") ? "enospc" : werror);
  if (rerror)
    json_object_set_string_member (props, "rerror", rerror);
  else if (werror && !g_str_equal (werror, "enospace"))
    json_object_set_string_member (props, "rerror", werror);
  return TRUE;
}

gboolean
vb_qemu_disk_device_props (xmlNode *disk, const char *model, JsonObject *props, GError **error)
{
  guint has = model_has (model);
  gboolean cdrom = vb_xml_attr_is (disk, "device", "cdrom");

  if (!driver_props (disk, has, model, cdrom, props, error)
      || !blockio (disk, has, model, props, error) || !geometry (disk, has, model, props, error)
      || (!g_str_equal (model, "nvme-ns")
          && !text_prop (disk, "serial", has & HAS_SERIAL, 0, model, "serial", props, error))
      || !wwn (disk, has, model, props, error)
      || !text_prop (disk, "vendor", has & HAS_VENDOR, 8, model, "vendor", props, error)
      || !text_prop (disk, "product", has & (HAS_VENDOR | HAS_MODEL), 16, model,
                     has & HAS_MODEL ? "model" : "product", props, error)
      || !target_props (disk, has, model, props, error))
    return FALSE;
  if (vb_xml_child (disk, "shareable") && !cdrom)
    json_object_set_boolean_member (props, "share-rw", TRUE);
  return TRUE;
}

void
vb_qemu_props_to_opts (JsonObject *props, GString *out)
{
  g_autoptr (GList) members = json_object_get_members (props);

  for (GList *m = members; m; m = m->next)
    {
      JsonNode *node = json_object_get_member (props, m->data);
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_BOOLEAN)
        g_string_append_printf (out, ",%s=%s", (char *) m->data,
                                json_node_get_boolean (node) ? "on" : "off");
      else if (type == G_TYPE_INT64)
        g_string_append_printf (out, ",%s=%" G_GINT64_FORMAT, (char *) m->data,
                                json_node_get_int (node));
      else
        vb_qemu_opt (out, m->data, json_node_get_string (node));
    }
}
