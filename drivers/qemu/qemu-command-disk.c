/* The command line of <disk>: -blockdev (a protocol node under a format
 * node) and the -device of its bus; and the blockdev-add objects a plugged
 * disk gets, built the same way. */
#include "qemu-command-private.h"

#include "qemu-command-disk-source.h"

char *
vb_qemu_disk_id (const char *alias, const char *target)
{
  return alias ? g_strdup (alias) : g_strdup_printf ("disk-%s", target);
}

static const char *
disk_id (Builder *b, xmlNode *disk, const char *target, char **owned)
{
  g_autofree char *alias = child_attr (disk, "alias", "name");

  *owned = vb_qemu_disk_id (alias, target);
  if (!alias)
    record_alias (disk, *owned);
  return *owned;
}

gboolean
vb_qemu_disk_blockdev (xmlNode *disk, const char *node_name, const VbQemuCommandContext *context,
                       GPtrArray *secrets, JsonNode **protocol, JsonNode **format_node,
                       GError **error)
{
  g_autofree char *type = vb_xml_attr (disk, "type");
  xmlNode *source = vb_xml_child (disk, "source");
  xmlNode *driver = vb_xml_child (disk, "driver");
  g_autofree char *format = driver ? vb_xml_attr (driver, "type") : NULL;
  g_autofree char *cache = driver ? vb_xml_attr (driver, "cache") : NULL;
  g_autofree char *discard = driver ? vb_xml_attr (driver, "discard") : NULL;
  g_autofree char *io = driver ? vb_xml_attr (driver, "io") : NULL;
  gboolean readonly =
    vb_xml_child (disk, "readonly") != NULL || vb_xml_attr_is (disk, "device", "cdrom");
  g_autofree char *path = NULL;
  g_autoptr (JsonBuilder) proto = json_builder_new ();
  g_autoptr (JsonBuilder) fmt = json_builder_new ();
  gboolean direct = g_strcmp0 (cache, "none") == 0 || g_strcmp0 (cache, "directsync") == 0;
  gboolean no_flush = g_strcmp0 (cache, "unsafe") == 0;
  gboolean network = FALSE;

  /* libvirt reads a disk without type= as a file disk. */
  if (!type)
    type = g_strdup ("file");
  if (g_str_equal (type, "file"))
    path = vb_xml_attr (source, "file");
  else if (g_str_equal (type, "block"))
    path = vb_xml_attr (source, "dev");
  else if (g_str_equal (type, "volume"))
    {
      g_autofree char *pool = vb_xml_attr (source, "pool");
      g_autofree char *volume = vb_xml_attr (source, "volume");
      g_autofree char *volume_format = NULL;

      /* A check at define time must not depend on the pool running now. */
      if (context->dry_run)
        path = g_strdup_printf ("/volume-of-%s/%s", pool, volume);
      else if (!context->volume_path)
        return refuse (error, disk, "volume '%s' of pool '%s' cannot be resolved here", volume,
                       pool);
      else if (!(path = context->volume_path (pool, volume, &volume_format,
                                                 context->volume_data, error)))
        return FALSE;
      if (!format && volume_format)
        format = g_steal_pointer (&volume_format);
      g_free (type);
      type = g_strdup ("file");
    }
  else if (g_str_equal (type, "network"))
    network = TRUE; /* qemu-command-disk-source.c */
  else
    return refuse (error, disk, "disk type '%s' is not supported", type);
  if (network && io)
    return refuse (error, driver, "io= is for file and block disks");
  if (!format)
    format = g_strdup ("raw");
  if (!g_str_equal (format, "raw") && !g_str_equal (format, "qcow2"))
    return refuse (error, driver, "disk format '%s' is not supported (raw or qcow2)", format);
  if (cache && !direct && !no_flush && !g_str_equal (cache, "writeback") && !g_str_equal (cache, "default"))
    return refuse (error, driver, "cache mode '%s' is not supported", cache);
  if (g_strcmp0 (io, "native") == 0 && !direct)
    return refuse (error, driver, "io='native' needs cache='none' or 'directsync'");
  if (!network && !context->dry_run && !host_has (context, path))
    return refuse (error, source, "the disk image %s does not exist", path);

  json_builder_begin_object (proto);
  if (!network)
    {
      json_builder_set_member_name (proto, "driver");
      json_builder_add_string_value (proto, g_str_equal (type, "block") ? "host_device" : "file");
      json_builder_set_member_name (proto, "filename");
      json_builder_add_string_value (proto, path);
    }
  json_builder_set_member_name (proto, "node-name");
  {
    g_autofree char *storage = g_strdup_printf ("%s-storage", node_name);
    json_builder_add_string_value (proto, storage);
  }
  if (io)
    {
      json_builder_set_member_name (proto, "aio");
      json_builder_add_string_value (proto, io);
    }
  json_builder_set_member_name (proto, "auto-read-only");
  json_builder_add_boolean_value (proto, TRUE);
  json_builder_set_member_name (proto, "discard");
  json_builder_add_string_value (proto, "unmap");
  json_builder_set_member_name (proto, "cache");
  json_builder_begin_object (proto);
  json_builder_set_member_name (proto, "direct");
  json_builder_add_boolean_value (proto, direct);
  json_builder_set_member_name (proto, "no-flush");
  json_builder_add_boolean_value (proto, no_flush);
  json_builder_end_object (proto);
  json_builder_end_object (proto);

  json_builder_begin_object (fmt);
  json_builder_set_member_name (fmt, "node-name");
  json_builder_add_string_value (fmt, node_name);
  json_builder_set_member_name (fmt, "driver");
  json_builder_add_string_value (fmt, format);
  json_builder_set_member_name (fmt, "file");
  {
    g_autofree char *storage = g_strdup_printf ("%s-storage", node_name);
    json_builder_add_string_value (fmt, storage);
  }
  json_builder_set_member_name (fmt, "read-only");
  json_builder_add_boolean_value (fmt, readonly);
  if (discard)
    {
      json_builder_set_member_name (fmt, "discard");
      json_builder_add_string_value (fmt, discard);
    }
  json_builder_set_member_name (fmt, "cache");
  json_builder_begin_object (fmt);
  json_builder_set_member_name (fmt, "direct");
  json_builder_add_boolean_value (fmt, direct);
  json_builder_set_member_name (fmt, "no-flush");
  json_builder_add_boolean_value (fmt, no_flush);
  json_builder_end_object (fmt);
  json_builder_end_object (fmt);

  *protocol = json_builder_get_root (proto);
  *format_node = json_builder_get_root (fmt);
  if ((network
       && !vb_qemu_disk_network_source (disk, node_name, context, secrets,
                                        json_node_get_object (*protocol), error))
      || !vb_qemu_disk_encryption (disk, node_name, format, context, secrets,
                                   json_node_get_object (*format_node), error))
    {
      g_clear_pointer (protocol, json_node_unref);
      g_clear_pointer (format_node, json_node_unref);
      return FALSE;
    }
  return TRUE;
}

/* The -blockdev pair (protocol, then format) for a disk with a source. */
static gboolean
disk_blockdev (Builder *b, xmlNode *disk, const char *node_name, GError **error)
{
  g_autoptr (JsonNode) proto_node = NULL;
  g_autoptr (JsonNode) fmt_node = NULL;
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  guint known = b->command->secrets->len;

  if (!vb_qemu_disk_blockdev (disk, node_name, b->context, b->command->secrets, &proto_node,
                              &fmt_node, error))
    return FALSE;
  /* Before the nodes that name them; QEMU reads each from the descriptor
   * the service passes it (qemu-host.c). */
  for (guint i = known; i < b->command->secrets->len; i++)
    {
      VbQemuSecret *secret = b->command->secrets->pdata[i];

      addf (b, "-object");
      addf (b, "secret,id=%s,format=raw,file=/proc/self/fd/%s", secret->id, secret->fd_arg);
    }
  json_generator_set_root (generator, proto_node);
  add (b, "-blockdev");
  g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
  json_generator_set_root (generator, fmt_node);
  add (b, "-blockdev");
  g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
  return TRUE;
}


/* "hda" → 0, "hdb" → 1, "sdc" → 2, "vdaa" → 26: the place on its bus the
 * name asks for (two-letter prefixes: hd, sd, vd). */
static int
target_index (const char *dev)
{
  int index = 0;

  if (!dev || strlen (dev) < 3)
    return -1;
  for (const char *p = dev + 2; *p; p++)
    {
      if (!g_ascii_islower (*p))
        return -1;
      index = index * 26 + (*p - 'a' + 1);
    }
  return index - 1;
}

gboolean
vb_qemu_build_disk (Builder *b, xmlNode *disk, GError **error)
{
  g_autofree char *device = vb_xml_attr (disk, "device");
  xmlNode *target = vb_xml_child (disk, "target");
  g_autofree char *dev = vb_xml_attr (target, "dev");
  g_autofree char *bus = vb_xml_attr (target, "bus");
  g_autofree char *id_owned = NULL;
  g_autofree char *node_name = NULL;
  gboolean cdrom = g_strcmp0 (device, "cdrom") == 0;
  gboolean has_source = vb_xml_child (disk, "source") != NULL;
  xmlNode *serial_node = vb_xml_child (disk, "serial");
  xmlNode *address = vb_xml_child (disk, "address");
  g_autoptr (GString) out = g_string_new (NULL);
  int index = target_index (dev);
  const char *id;

  if (g_strcmp0 (device, "floppy") == 0)
    return refuse (error, disk, "floppy disks are not supported");
  if (!bus)
    bus = g_strdup (g_str_has_prefix (dev, "vd") ? "virtio"
                    : g_str_has_prefix (dev, "hd") ? "ide"
                                                   : "sata");
  id = disk_id (b, disk, dev, &id_owned);
  node_name = g_strdup_printf ("drive%u", b->disks++);
  if (has_source && !disk_blockdev (b, disk, node_name, error))
    return FALSE;

  if (g_str_equal (bus, "virtio"))
    {
      if (cdrom)
        return refuse (error, target, "a CD-ROM cannot sit on bus 'virtio'; use sata or scsi");
      g_string_append (out, "virtio-blk-pci");
      if (!pci_address (b, disk, out, error) || !vb_qemu_iothread_option (b, disk, TRUE, out, error))
        return FALSE;
    }
  else if (g_str_equal (bus, "sata") || g_str_equal (bus, "ide"))
    {
      guint unit =
        address && vb_xml_attr_is (address, "type", "drive")
          ? vb_xml_attr_uint (address, "unit", 0) + 2 * vb_xml_attr_uint (address, "bus", 0)
          : (guint) MAX (index, 0);
      gboolean sata = g_str_equal (bus, "sata");

      if (!cdrom && vb_xml_child (disk, "readonly"))
        return refuse (error, vb_xml_child (disk, "readonly"),
                       "IDE and SATA hard disks cannot be read-only in QEMU; use virtio or scsi");

      g_string_append (out, cdrom ? "ide-cd" : "ide-hd");
      if (sata && b->command->q35)
        g_string_append_printf (out, ",bus=ide.%u", unit);
      else if (sata)
        {
          /* Its controller is in the XML by now (vb_qemu_assign_addresses()). */
          if (!b->sata_controller)
            return refuse (error, target, "a SATA disk needs a <controller type='sata'>");
          g_string_append_printf (out, ",bus=sata0.%u", unit);
        }
      else if (b->command->q35)
        return refuse (error, target, "q35 machines have no IDE bus: use bus='sata'");
      else
        {
          if (unit > 3)
            return refuse (error, target, "IDE has 4 places (hda to hdd)");
          g_string_append_printf (out, ",bus=ide.%u,unit=%u", unit / 2, unit % 2);
        }
    }
  else if (g_str_equal (bus, "scsi"))
    {
      guint controller = address ? vb_xml_attr_uint (address, "controller", 0) : 0;
      guint unit = address ? vb_xml_attr_uint (address, "unit", 0) : (guint) MAX (index, 0);

      /* libvirt adds the controller a SCSI disk needs; so did define
       * (vb_qemu_assign_addresses()). */
      if (!g_hash_table_contains (b->scsi_buses, GUINT_TO_POINTER (controller + 1)))
        return refuse (error, target, "no SCSI controller with index %u", controller);
      g_string_append_printf (out, "%s,bus=scsi%u.0,channel=0,scsi-id=0,lun=%u",
                              cdrom ? "scsi-cd" : "scsi-hd", controller, unit);
    }
  else if (g_str_equal (bus, "usb"))
    {
      if (cdrom)
        return refuse (error, target, "USB CD-ROMs are not supported");
      if (!need_usb (b, disk, error))
        return FALSE;
      g_string_append (out, "usb-storage");
      usb_address (disk, out);
    }
  else
    {
      return refuse (error, target, "disk bus '%s' is not supported", bus);
    }
  if (!g_str_equal (bus, "virtio") && !vb_qemu_iothread_option (b, disk, FALSE, out, error))
    return FALSE;
  if (has_source)
    g_string_append_printf (out, ",drive=%s", node_name);
  vb_qemu_opt (out, "id", id);
  if (serial_node)
    {
      g_autofree char *text = vb_xml_text (serial_node);
      vb_qemu_opt (out, "serial", text);
    }
  if (vb_xml_child (disk, "shareable") && !cdrom)
    g_string_append (out, ",share-rw=on");
  boot_index (b, disk, out);
  add2 (b, "-device", out->str);
  return TRUE;
}
