/* The command line of <disk>: -blockdev (a protocol node under a format
 * node) and the -device of its bus; and the blockdev-add objects a plugged
 * disk gets, built the same way. */
#include "qemu-command-private.h"
#include "qemu-command-disk-format.h"
#include "qemu-command-disk-source.h"
#include "qemu-iotune.h"
#include "qemu-command-throttle.h"

#define PR_HELPER_BINARY "/usr/bin/qemu-pr-helper"
/* Where Debian's QEMU would load the libblkio block drivers from. */
#define QEMU_BLKIO_MODULE "/usr/lib/x86_64-linux-gnu/qemu/block-blkio.so"

const char *
vb_qemu_virtio_blk_model (xmlNode *disk)
{
  if (vb_xml_attr_is (disk, "model", "virtio-transitional"))
    return "virtio-blk-pci-transitional";
  if (vb_xml_attr_is (disk, "model", "virtio-non-transitional"))
    return "virtio-blk-pci-non-transitional";
  return "virtio-blk-pci";
}

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

/* The PCI address of an NVMe disk's controller ("0000:01:00.0"). QEMU
 * drives it through VFIO: at start it must be bound to vfio-pci already,
 * as for a <hostdev> (the service rebinds no host device, managed='yes' or
 * not). */
static char *
nvme_controller (xmlNode *source, const VbQemuCommandContext *context, GError **error)
{
  xmlNode *address = vb_xml_child (source, "address");
  g_autofree char *pci = g_strdup_printf (
    "%04x:%02x:%02x.%x", vb_xml_attr_uint (address, "domain", 0),
    vb_xml_attr_uint (address, "bus", 0), vb_xml_attr_uint (address, "slot", 0),
    vb_xml_attr_uint (address, "function", 0));
  g_autofree char *bound = g_strdup_printf ("/sys/bus/pci/drivers/vfio-pci/%s", pci);

  if (!context->dry_run && !host_has (context, bound))
    {
      refuse (error, source,
              "the NVMe controller %s is not bound to vfio-pci (virtbus does not rebind host "
              "devices; bind it first)",
              pci);
      return NULL;
    }
  return g_steal_pointer (&pci);
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
  g_autofree char *zeroes = driver ? vb_xml_attr (driver, "detect_zeroes") : NULL;
  gboolean readonly =
    vb_xml_child (disk, "readonly") != NULL || vb_xml_attr_is (disk, "device", "cdrom");
  g_autofree char *path = NULL;
  g_autoptr (JsonBuilder) proto = json_builder_new ();
  g_autoptr (JsonBuilder) fmt = json_builder_new ();
  gboolean direct = g_strcmp0 (cache, "none") == 0 || g_strcmp0 (cache, "directsync") == 0;
  gboolean no_flush = g_strcmp0 (cache, "unsafe") == 0;
  gboolean network = FALSE;
  g_autofree char *fdgroup = vb_xml_attr (source, "fdgroup");

  /* A plugged disk is never given an overlay: refused, not run writable. */
  if (!secrets && vb_xml_child (disk, "transient"))
    return refuse (error, vb_xml_child (disk, "transient"),
                   "a transient disk cannot be plugged into a running domain; define it and "
                   "start the domain");
  /* libvirt reads a disk without type= as a file disk. */
  if (!type)
    type = g_strdup ("file");
  if (!g_str_equal (type, "network") && vb_xml_child (source, "reconnect"))
    return refuse (error, vb_xml_child (source, "reconnect"),
                   "<reconnect> is for nbd disks (delay=) and vhostuser disks");
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
  else if (g_str_equal (type, "nvme"))
    {
      if (!(path = nvme_controller (source, context, error)))
        return FALSE;
    }
  else if (g_str_equal (type, "vhostvdpa"))
    {
      /* QEMU's libblkio driver, which reads and writes the guest's memory
       * only without the host's page cache (it refuses cache.direct=off). */
      path = vb_xml_attr (source, "dev");
      if (cache && !direct)
        return refuse (error, driver,
                       "a vhostvdpa disk bypasses the host's page cache: cache='%s' is not "
                       "possible, use 'none' or 'directsync'",
                       cache);
      direct = TRUE;
      if (format && !g_str_equal (format, "raw"))
        return refuse (error, driver, "a vhostvdpa disk is of type 'raw', not '%s'", format);
    }
  else if (g_str_equal (type, "dir"))
    {
      /* QEMU's vvfat: a FAT file system made of the directory, read-only
       * (its writable mode is experimental; libvirt does not use it). */
      path = vb_xml_attr (source, "dir");
      if (!readonly)
        return refuse (error, disk, "a directory disk is read-only: add <readonly/>");
      if (format && !g_str_equal (format, "fat"))
        return refuse (error, driver, "a directory disk has format 'fat', not '%s'", format);
      g_free (format);
      format = g_strdup ("raw");
    }
  else
    return refuse (error, disk, "disk type '%s' is not supported", type);
  if (io
      && (network || g_str_equal (type, "dir") || g_str_equal (type, "nvme")
          || g_str_equal (type, "vhostvdpa")))
    return refuse (error, driver, "io= is for file and block disks");
  if (!format)
    format = g_strdup ("raw");
  if (!vb_qemu_disk_format_known (format))
    return refuse (error, driver,
                   "disk format '%s' is not supported (raw, qcow2, qed, vmdk, vpc, vdi, vhdx)",
                   format);
  /* writethrough and directsync differ from writeback and none in the
   * device's write-cache (qemu-command-disk-props.c), not in the nodes. */
  if (g_strcmp0 (io, "native") == 0 && !direct)
    return refuse (error, driver, "io='native' needs cache='none' or 'directsync'");
  if (g_str_equal (type, "vhostvdpa") && !context->dry_run && !host_has (context, path))
    return refuse (error, source, "the vhost-vdpa device %s does not exist on this host", path);
  if (fdgroup)
    {
      /* The file a client handed over (qemu-command-fdgroup.c): its path
       * is only the name libvirt shows, never opened. */
      if (!g_str_equal (type, "file"))
        return refuse (error, source, "fdgroup= is for file disks (type='file')");
      if (!secrets)
        return refuse (error, source,
                       "a disk from an fd group cannot be plugged into a running domain; "
                       "define it and start the domain");
      if (vb_xml_child (disk, "transient"))
        return refuse (error, vb_xml_child (disk, "transient"),
                       "a transient disk's overlay names its image by path: not one from "
                       "an fd group");
      g_free (path);
      path = g_strdup_printf ("/dev/fdset/%u", vb_qemu_fdgroup_set (disk, fdgroup));
    }
  else if (!network && !context->dry_run && !g_str_equal (type, "nvme")
           && !host_has (context, path))
    return refuse (error, source, "the disk image %s does not exist", path);

  json_builder_begin_object (proto);
  if (g_str_equal (type, "dir"))
    {
      json_builder_set_member_name (proto, "driver");
      json_builder_add_string_value (proto, "vvfat");
      json_builder_set_member_name (proto, "dir");
      json_builder_add_string_value (proto, path);
      json_builder_set_member_name (proto, "floppy");
      json_builder_add_boolean_value (proto, vb_xml_attr_is (disk, "device", "floppy"));
      json_builder_set_member_name (proto, "rw");
      json_builder_add_boolean_value (proto, FALSE);
    }
  else if (g_str_equal (type, "nvme"))
    {
      /* QEMU's own NVMe driver, on the controller through VFIO. */
      json_builder_set_member_name (proto, "driver");
      json_builder_add_string_value (proto, "nvme");
      json_builder_set_member_name (proto, "device");
      json_builder_add_string_value (proto, path);
      json_builder_set_member_name (proto, "namespace");
      json_builder_add_int_value (proto, vb_xml_attr_uint (source, "namespace", 1));
    }
  else if (g_str_equal (type, "vhostvdpa"))
    {
      json_builder_set_member_name (proto, "driver");
      json_builder_add_string_value (proto, "virtio-blk-vhost-vdpa");
      json_builder_set_member_name (proto, "path");
      json_builder_add_string_value (proto, path);
    }
  else if (!network)
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
  /* QEMU takes from an fdset the descriptor whose access mode matches how
   * it opens: with auto-read-only it would open read-only first, then
   * read-write for the device; the disk's own mode instead, so that one
   * descriptor of that mode serves it. */
  json_builder_set_member_name (proto, fdgroup ? "read-only" : "auto-read-only");
  json_builder_add_boolean_value (proto, fdgroup ? readonly : TRUE);
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
  if (zeroes)
    {
      /* As libvirt: zeroes become holes only where discards do. */
      json_builder_set_member_name (fmt, "detect-zeroes");
      json_builder_add_string_value (
        fmt, g_str_equal (zeroes, "unmap") && g_strcmp0 (discard, "unmap") != 0 ? "on" : zeroes);
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
  /* Only the command line builds a network backing store's nodes. */
  if (!secrets && vb_qemu_disk_network_backing_of (disk))
    {
      g_clear_pointer (protocol, json_node_unref);
      g_clear_pointer (format_node, json_node_unref);
      return refuse (error, vb_qemu_disk_network_backing_of (disk),
                     "a disk with a network backing store cannot be plugged into a running "
                     "domain; define it and start the domain");
    }
  if ((network
       && !vb_qemu_disk_network_source (disk, node_name, context, secrets,
                                        json_node_get_object (*protocol), error))
      || !vb_qemu_disk_encryption (disk, node_name, format, context, secrets,
                                   network ? json_node_get_object (*protocol) : NULL,
                                   json_node_get_object (*format_node), error)
      || !vb_qemu_disk_format_options (disk, node_name, format, context, secrets,
                                       json_node_get_object (*protocol),
                                       json_node_get_object (*format_node), error)
      || !vb_qemu_disk_slice (source, node_name, json_node_get_object (*format_node), error)
      || !vb_qemu_disk_reservations (disk, node_name, context, secrets == NULL,
                                     json_node_get_object (*protocol), error))
    {
      g_clear_pointer (protocol, json_node_unref);
      g_clear_pointer (format_node, json_node_unref);
      return FALSE;
    }
  /* A network image's header is the server's to write: QEMU must not open
   * the backing file it names (a path on this host, another guest's disk).
   * Its backing chain is what the XML says (<backingStore type='network'>,
   * which names the node in place of this null), else none. */
  /* So is the header of an image from an fd group the client's: its
   * backing file would be a path QEMU opens on nobody's authority. */
  if ((network || fdgroup) && vb_qemu_disk_format_has_backing (format)
      && !json_object_has_member (json_node_get_object (*format_node), "backing"))
    json_object_set_null_member (json_node_get_object (*format_node), "backing");
  /* Last: the filters go over the format node as it is now. */
  if (!vb_qemu_disk_copy_on_read (disk, node_name, secrets == NULL, format_node, error)
      || !vb_qemu_disk_throttle_filters (disk, node_name, secrets == NULL, format_node, error))
    {
      g_clear_pointer (protocol, json_node_unref);
      g_clear_pointer (format_node, json_node_unref);
      return FALSE;
    }
  return TRUE;
}

/* The pr-manager-helper object a disk's <reservations> name, once per
 * object; for managed='yes' the qemu-pr-helper the service runs beside
 * QEMU (as root: it sends the reservation commands QEMU may not). */
static gboolean
pr_manager (Builder *b, xmlNode *disk, const char *node_name, GError **error)
{
  g_autofree char *id = vb_qemu_disk_pr_manager_id (disk, node_name);
  xmlNode *reservations = vb_xml_child (vb_xml_child (disk, "source"), "reservations");
  g_autoptr (GString) object = g_string_new ("pr-manager-helper");
  g_autofree char *socket_path = NULL;
  VbQemuHelperSpec *spec;

  if (!id || (b->pr_helper && g_str_equal (id, "pr-helper0")))
    return TRUE;
  if (vb_xml_attr_is (reservations, "managed", "yes"))
    {
      if (!b->context->dry_run && !host_has (b->context, PR_HELPER_BINARY))
        return refuse (error, reservations,
                       "qemu-pr-helper %s is missing (Debian package qemu-system-common)",
                       PR_HELPER_BINARY);
      socket_path = g_build_filename (b->context->domain_dir, "pr-helper0.sock", NULL);
      spec = g_new0 (VbQemuHelperSpec, 1);
      spec->id = g_strdup (id);
      spec->what = g_strdup ("qemu-pr-helper");
      spec->needs_root = TRUE;
      spec->element = g_strdup ("reservations");
      spec->socket_path = g_strdup (socket_path);
      spec->argv = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (spec->argv, g_strdup (PR_HELPER_BINARY));
      g_ptr_array_add (spec->argv, g_strdup ("-k"));
      g_ptr_array_add (spec->argv, g_strdup (socket_path));
      g_ptr_array_add (spec->argv, NULL);
      g_ptr_array_add (b->command->helpers, spec);
      b->pr_helper = TRUE;
    }
  else
    {
      /* The administrator's qemu-pr-helper: QEMU needs it listening. */
      socket_path = child_attr (reservations, "source", "path");
      if (!b->context->dry_run && !host_has (b->context, socket_path))
        return refuse (error, reservations,
                       "no qemu-pr-helper listens at %s (managed='no': the administrator "
                       "runs it)",
                       socket_path);
    }
  vb_qemu_opt (object, "id", id);
  vb_qemu_opt (object, "path", socket_path);
  add2 (b, "-object", object->str);
  return TRUE;
}

/* The -blockdev pair (protocol, then format) for a disk with a source,
 * after the pair of its network backing store if it has one. */
static gboolean
disk_blockdev (Builder *b, xmlNode *disk, const char *node_name, GError **error)
{
  g_autoptr (JsonNode) proto_node = NULL;
  g_autoptr (JsonNode) fmt_node = NULL;
  g_autoptr (GPtrArray) backing = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) overlay_proto = NULL;
  g_autoptr (JsonNode) overlay_fmt = NULL;
  guint known = b->command->secrets->len;
  gboolean transient = vb_xml_child (disk, "transient") != NULL;
  g_autofree char *image_name =
    transient ? g_strdup_printf ("%s-base", node_name) : g_strdup (node_name);
  JsonObject *format_object;

  if (!vb_qemu_disk_blockdev (disk, image_name, b->context, b->command->secrets, &proto_node,
                              &fmt_node, error))
    return FALSE;
  if (transient
      && !vb_qemu_disk_transient (b, disk, node_name, json_node_get_object (proto_node),
                                  json_node_get_object (fmt_node), &overlay_proto, &overlay_fmt,
                                  error))
    return FALSE;
  /* Under copy-on-read and throttle filters, the format node is their "file". */
  format_object = vb_qemu_disk_format_below_filters (json_node_get_object (fmt_node));
  if (!vb_qemu_disk_network_backing (disk, node_name, b->context, b->command->secrets,
                                     format_object, backing, error)
      || !vb_qemu_disk_nbdkit (b, disk, node_name, error))
    return FALSE;
  /* Before the nodes that name them; QEMU reads each from the descriptor
   * the service passes it (qemu-host.c). */
  for (guint i = known; i < b->command->secrets->len; i++)
    {
      VbQemuSecret *secret = b->command->secrets->pdata[i];

      addf (b, "-object");
      addf (b, "secret,id=%s,format=raw,file=/proc/self/fd/%s", secret->id, secret->fd_arg);
    }
  if (!pr_manager (b, disk, node_name, error))
    return FALSE;
  {
    g_autofree char *tls = NULL;

    if (!vb_qemu_disk_tls_object (b->context, disk, json_node_get_object (proto_node), &tls,
                                  error))
      return FALSE;
    if (tls)
      add2 (b, "-object", tls);
  }
  for (guint i = 0; i < backing->len; i++)
    {
      json_generator_set_root (generator, backing->pdata[i]);
      add (b, "-blockdev");
      g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
    }
  json_generator_set_root (generator, proto_node);
  add (b, "-blockdev");
  g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
  json_generator_set_root (generator, fmt_node);
  add (b, "-blockdev");
  g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
  for (JsonNode **node = (JsonNode *[]){ overlay_proto, overlay_fmt, NULL }; *node; node++)
    {
      json_generator_set_root (generator, *node);
      add (b, "-blockdev");
      g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
    }
  return TRUE;
}


/* device='lun' passes the guest's SCSI commands through (scsi-block, or
 * virtio-blk's scsi=on): to a host SCSI device (type='block'), or to an
 * iSCSI LUN, whose QEMU driver takes them too; raw, since a format would
 * have no SCSI commands. */
static gboolean
lun_source (xmlNode *disk, const char *bus, GError **error)
{
  g_autofree char *format = vb_xml_attr (vb_xml_child (disk, "driver"), "type");
  gboolean iscsi = vb_xml_attr_is (disk, "type", "network")
                   && vb_xml_attr_is (vb_xml_child (disk, "source"), "protocol", "iscsi");

  if ((!g_str_equal (bus, "scsi") && !g_str_equal (bus, "virtio"))
      || (!vb_xml_attr_is (disk, "type", "block") && !iscsi))
    return refuse (error, disk,
                   "device='lun' passes SCSI commands through: type='block' or an iscsi "
                   "network disk, on bus 'scsi' or 'virtio'");
  if (iscsi && format && !g_str_equal (format, "raw"))
    return refuse (error, vb_xml_child (disk, "driver"),
                   "device='lun' reads the LUN itself: <driver type='raw'>");
  return TRUE;
}

/* sgio= is the host SCSI device's (its unpriv_sgio), set at Start for
 * every block LUN as libvirt does: filtered unless 'unfiltered'. */
static gboolean
lun_sgio (Builder *b, xmlNode *disk, gboolean lun, GError **error)
{
  VbQemuSgio *sgio;

  if (!lun || !vb_xml_attr_is (disk, "type", "block"))
    {
      if (xmlHasProp (disk, BAD_CAST "sgio"))
        return refuse (error, disk,
                       "sgio= filters the SCSI commands of a host SCSI device: a "
                       "<disk type='block' device='lun'>'s");
      return TRUE;
    }
  sgio = g_new0 (VbQemuSgio, 1);
  sgio->dev = child_attr (disk, "source", "dev");
  sgio->unfiltered = vb_xml_attr_is (disk, "sgio", "unfiltered");
  sgio->line = vb_xml_line (disk);
  if (!sgio->dev)
    {
      vb_qemu_sgio_free (sgio);
      return TRUE; /* no medium: nothing to pass through */
    }
  g_ptr_array_add (b->command->sgio, sgio);
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

/* The unit a floppy, IDE or SATA disk's <address type='drive'> gives,
 * else the place its name asks for. */
static guint
drive_unit (xmlNode *disk, int index)
{
  xmlNode *address = vb_xml_child (disk, "address");

  if (address && vb_xml_attr_is (address, "type", "drive"))
    return vb_xml_attr_uint (address, "unit", 0) + 2 * vb_xml_attr_uint (address, "bus", 0);
  return (guint) MAX (index, 0);
}

/* pc machines have a floppy controller built in; q35 gets one. */
static gboolean
floppy (Builder *b, xmlNode *disk, const char *bus, int index, GString *out, GError **error)
{
  xmlNode *target = vb_xml_child (disk, "target");
  guint unit = drive_unit (disk, index);
  guint order = vb_xml_attr_uint (vb_xml_child (disk, "boot"), "order", 0);

  if (!g_str_equal (bus, "fdc"))
    return refuse (error, target, "a floppy disk sits on bus 'fdc', not '%s'", bus);
  if (unit > 1)
    return refuse (error, target, "a floppy controller has 2 drives (fda and fdb)");
  if (b->command->q35 && !b->fdc)
    add2 (b, "-device", "isa-fdc,id=fdc0");
  b->fdc = TRUE;
  /* The floppy device has no bootindex: its controller has one per drive. */
  if (order)
    {
      add (b, "-global");
      addf (b, "isa-fdc.bootindex%c=%u", unit ? 'B' : 'A', order);
    }
  g_string_append_printf (out, "floppy,unit=%u", unit);
  return TRUE;
}

/* A SCSI disk or CD-ROM behind a USB bridge: usb-bot (bulk-only
 * transport, what a USB CD-ROM is without model=) or usb-uas (USB attached
 * SCSI, a USB 2 or 3 device only). */
static gboolean
usb_scsi_bridge (Builder *b, xmlNode *disk, const char *kind, const char *id, gboolean cdrom,
                 GString *out, GError **error)
{
  g_autoptr (GString) bridge = g_string_new (kind);
  g_autofree char *bridge_id = g_strdup_printf ("%s-%s", id, kind + strlen ("usb-"));
  xmlNode *address = vb_xml_child (disk, "address");
  guint bus = vb_xml_attr_is (address, "type", "usb") ? vb_xml_attr_uint (address, "bus", 0) : 0;

  if (!need_usb (b, disk, error))
    return FALSE;
  /* QEMU refuses to attach a high-speed-only device to a USB 1.1 bus. */
  if (g_str_equal (kind, "usb-uas") && !vb_qemu_usb_bus_high_speed (b, bus))
    return refuse (error, disk,
                   "model 'usb-uas' is a USB 2 or 3 device: its USB controller (index %u) must "
                   "be EHCI or xHCI (model ehci, ich9-ehci1, qemu-xhci or nec-xhci), not UHCI",
                   bus);
  vb_qemu_opt (bridge, "id", bridge_id);
  usb_address (disk, bridge);
  add2 (b, "-device", bridge->str);
  g_string_append (out, cdrom ? "scsi-cd" : "scsi-hd");
  vb_qemu_opt (out, "bus", bridge_id);
  g_string_append (out, ".0,scsi-id=0,lun=0");
  return TRUE;
}

/* A disk on bus 'usb': libvirt's model= (11.x) says which USB device it
 * is; without one, a disk is usb-storage and a CD-ROM a SCSI CD-ROM behind
 * usb-bot (usb-storage would show the guest a read-only hard disk). */
static gboolean
usb_disk (Builder *b, xmlNode *disk, const char *id, gboolean cdrom, GString *out, GError **error)
{
  g_autofree char *model = vb_xml_attr (disk, "model");

  if (model && !g_str_has_prefix (model, "usb-"))
    return refuse (error, disk,
                   "a disk on bus 'usb' is model usb-storage, usb-bot or usb-uas, not '%s'", model);
  if (g_strcmp0 (model, "usb-bot") == 0 || g_strcmp0 (model, "usb-uas") == 0)
    return usb_scsi_bridge (b, disk, model, id, cdrom, out, error);
  if (!model && cdrom)
    return usb_scsi_bridge (b, disk, "usb-bot", id, TRUE, out, error);
  if (!need_usb (b, disk, error))
    return FALSE;
  /* QEMU's usb-storage has no empty drive (it refuses one without drive=). */
  if (!vb_xml_child (disk, "source"))
    return refuse (error, disk,
                   "a usb-storage disk needs a <source> (QEMU's usb-storage has no empty drive): "
                   "use model='usb-bot' for an empty CD-ROM");
  g_string_append (out, "usb-storage");
  usb_address (disk, out);
  return TRUE;
}

gboolean
vb_qemu_scsi_place (Builder *b, xmlNode *disk, int index, GString *out, GError **error)
{
  xmlNode *target = vb_xml_child (disk, "target") ? vb_xml_child (disk, "target") : disk;
  xmlNode *address = vb_xml_child (disk, "address");
  guint controller = address ? vb_xml_attr_uint (address, "controller", 0) : 0;
  guint unit = address ? vb_xml_attr_uint (address, "unit", 0) : (guint) MAX (index, 0);
  guint scsi_target = address ? vb_xml_attr_uint (address, "target", 0) : 0;
  guint kind = GPOINTER_TO_UINT (
    g_hash_table_lookup (b->scsi_buses, GUINT_TO_POINTER (controller + 1)));

  /* libvirt adds the controller a SCSI disk needs; so did define
   * (vb_qemu_assign_addresses()). */
  if (!kind)
    return refuse (error, target, "no SCSI controller with index %u", controller);
  if (kind == SCSI_BY_LUN)
    g_string_append_printf (out, ",bus=scsi%u.0,channel=0,scsi-id=%u,lun=%u", controller,
                            scsi_target, unit);
  else
    g_string_append_printf (out, ",bus=scsi%u.0,scsi-id=%u,lun=0", controller, unit);
  return TRUE;
}

/* QEMU limits a medium's backend: set once QEMU runs (qemu-process.c). */
static gboolean
disk_iotune (Builder *b, xmlNode *disk, const char *id, gboolean has_source, GError **error)
{
  VbDiskIoTune tune;

  if (!vb_disk_iotune_read (disk, &tune, error))
    return FALSE;
  if (vb_disk_iotune_limits (&tune) && !has_source)
    {
      vb_disk_iotune_clear (&tune);
      return refuse (error, vb_xml_child (disk, "iotune"),
                     "I/O limits need a disk with a <source> (QEMU limits the medium)");
    }
  if (vb_disk_iotune_limits (&tune))
    {
      g_autofree char *device = vb_qemu_iotune_device (disk, id);

      g_ptr_array_add (b->command->throttles, vb_qemu_iotune_args (device, &tune));
    }
  vb_disk_iotune_clear (&tune);
  return TRUE;
}

/* QEMU's virtio-blk-vhost-vdpa block driver comes with libblkio, which
 * not every build has (Debian's QEMU 7.2 has not): its name is in the
 * binary or in the block module QEMU loads. Asked at Start only. */
static gboolean
vhost_vdpa_driver (Builder *b, xmlNode *disk, GError **error)
{
  const VbQemuCommandContext *context = b->context;

  if (context->dry_run || !context->program_has
      || context->program_has (b->command->binary, "virtio-blk-vhost-vdpa")
      || host_has (context, QEMU_BLKIO_MODULE))
    return TRUE;
  return refuse (error, disk,
                 "a vhostvdpa disk needs QEMU's virtio-blk-vhost-vdpa block driver "
                 "(libblkio), which %s does not have",
                 b->command->binary);
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
  g_autofree char *model = NULL;
  g_autofree char *model_attr = vb_xml_attr (disk, "model");
  gboolean cdrom = g_strcmp0 (device, "cdrom") == 0;
  gboolean lun = g_strcmp0 (device, "lun") == 0;
  gboolean has_source = vb_xml_child (disk, "source") != NULL;
  g_autoptr (JsonObject) props = json_object_new ();
  g_autoptr (JsonArray) mapping = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  int index = target_index (dev);
  const char *id;

  if (!bus)
    bus = g_strdup (g_str_has_prefix (dev, "vd") ? "virtio"
                    : g_str_has_prefix (dev, "hd") ? "ide"
                    : g_str_has_prefix (dev, "fd") ? "fdc"
                                                   : "sata");
  if (g_str_equal (bus, "fdc") && g_strcmp0 (device, "floppy") != 0)
    return refuse (error, target, "bus 'fdc' is for floppy disks (device='floppy')");
  if (model_attr && !g_str_equal (bus, "virtio") && !g_str_equal (bus, "usb"))
    return refuse (error, disk, "model= is for disks on bus 'virtio' or 'usb'");
  if (model_attr && g_str_equal (bus, "virtio") && g_str_has_prefix (model_attr, "usb-"))
    return refuse (error, disk, "model '%s' is for a disk on bus 'usb'", model_attr);
  if ((lun && !lun_source (disk, bus, error)) || !lun_sgio (b, disk, lun, error))
    return FALSE;
  if (!vb_qemu_disk_throttle_check (disk, error))
    return FALSE;
  id = disk_id (b, disk, dev, &id_owned);
  if (vb_xml_attr_is (disk, "type", "vhostuser"))
    return vb_qemu_disk_stats_intervals (b, disk, "vhost-user-blk-pci", props, error)
           && vb_qemu_build_vhostuser_disk (b, disk, id, error);
  if (vb_xml_attr_is (disk, "type", "vhostvdpa") && !vhost_vdpa_driver (b, disk, error))
    return FALSE;
  node_name = g_strdup_printf ("drive%u", b->disks++);
  if (has_source && !disk_blockdev (b, disk, node_name, error))
    return FALSE;

  if (g_strcmp0 (device, "floppy") == 0)
    {
      if (!floppy (b, disk, bus, index, out, error))
        return FALSE;
    }
  else if (g_str_equal (bus, "virtio"))
    {
      if (cdrom)
        return refuse (error, target, "a CD-ROM cannot sit on bus 'virtio'; use sata or scsi");
      g_string_append (out, vb_qemu_virtio_blk_model (disk));
      if ((lun && !vb_qemu_virtio_lun (b, disk, out, error))
          || !vb_qemu_virtio_modern_only (b, disk, vb_xml_child (disk, "driver"), error)
          || !pci_address (b, disk, out, error)
          || !vb_qemu_iothread_option (b, disk, TRUE, out, error)
          || !vb_qemu_disk_iothread_mapping (b, disk, &mapping, error))
        return FALSE;
    }
  else if (g_str_equal (bus, "sata") || g_str_equal (bus, "ide"))
    {
      guint unit = drive_unit (disk, index);
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
      g_string_append (out, cdrom ? "scsi-cd" : lun ? "scsi-block" : "scsi-hd");
      if (!vb_qemu_scsi_place (b, disk, index, out, error))
        return FALSE;
    }
  else if (g_str_equal (bus, "usb"))
    {
      if (!usb_disk (b, disk, id, cdrom, out, error))
        return FALSE;
    }
  else if (g_str_equal (bus, "nvme"))
    {
      if (!vb_qemu_nvme_namespace (b, disk, out, error))
        return FALSE;
    }
  else
    {
      return refuse (error, target, "disk bus '%s' is not supported", bus);
    }
  if (!g_str_equal (bus, "virtio") && !vb_qemu_iothread_option (b, disk, FALSE, out, error))
    return FALSE;
  model = g_strndup (out->str, strcspn (out->str, ","));
  if (!vb_qemu_disk_device_props (disk, model, props, error)
      || !vb_qemu_disk_pr_device_props (disk, b->context, props)
      || !vb_qemu_disk_stats_intervals (b, disk, model, props, error))
    return FALSE;
  if (has_source)
    g_string_append_printf (out, ",drive=%s", node_name);
  vb_qemu_opt (out, "id", id);
  /* Lists (iothreads per queue, statistics intervals) are JSON only. */
  if (mapping || json_object_has_member (props, "stats-intervals"))
    {
      add (b, "-device");
      g_ptr_array_add (b->command->argv, vb_qemu_disk_device_json (out->str, props, mapping, disk));
      return disk_iotune (b, disk, id, has_source, error);
    }
  vb_qemu_props_to_opts (props, out);
  if (!g_str_equal (model, "floppy"))
    boot_index (b, disk, out);
  add2 (b, "-device", out->str);
  return disk_iotune (b, disk, id, has_source, error);
}

/* libvirt's SCSI controller models and the QEMU devices they are. */
static const struct {
  const char *model;
  const char *device; /* NULL: this QEMU has none */
  guint kind;
} scsi_models[] = {
  { "virtio-scsi", "virtio-scsi-pci", SCSI_BY_LUN },
  { "virtio-transitional", "virtio-scsi-pci-transitional", SCSI_BY_LUN },
  { "virtio-non-transitional", "virtio-scsi-pci-non-transitional", SCSI_BY_LUN },
  { "lsilogic", "lsi53c895a", SCSI_BY_TARGET },
  { "lsisas1068", "mptsas1068", SCSI_BY_TARGET },
  { "lsisas1078", "megasas", SCSI_BY_LUN },
  { "vmpvscsi", "pvscsi", SCSI_BY_TARGET },
  { "am53c974", "am53c974", SCSI_BY_TARGET },
  { "dc390", "dc390", SCSI_BY_TARGET },
  { "ibmvscsi", NULL, 0 },
  { "ncr53c90", NULL, 0 },
};

gboolean
vb_qemu_scsi_controller (Builder *b, xmlNode *node, guint index, GString *dev, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  xmlNode *driver = vb_xml_child (node, "driver");
  static const char *const driver_attrs[][2] = {
    { "queues", "num_queues" }, { "cmd_per_lun", "cmd_per_lun" }, { "max_sectors", "max_sectors" }
  };
  guint i;

  /* The model define fills in (qemu-pci-address.c) when none is given. */
  for (i = 0; i < G_N_ELEMENTS (scsi_models); i++)
    if (g_str_equal (scsi_models[i].model, model ? model : "virtio-scsi"))
      break;
  if (i == G_N_ELEMENTS (scsi_models))
    return refuse (error, node, "SCSI controller model '%s' is not supported", model);
  if (!scsi_models[i].device)
    return refuse (error, node,
                   "SCSI controller model '%s' is not one an x86_64 QEMU 7.2 has", model);
  g_string_append_printf (dev, "%s,id=scsi%u", scsi_models[i].device, index);
  /* Tunables of virtio-scsi only. */
  for (guint a = 0; driver && a < G_N_ELEMENTS (driver_attrs); a++)
    {
      g_autofree char *value = vb_xml_attr (driver, driver_attrs[a][0]);

      if (!value)
        continue;
      if (scsi_models[i].kind != SCSI_BY_LUN || g_str_equal (scsi_models[i].device, "megasas"))
        return refuse (error, driver, "%s= is for virtio-scsi controllers", driver_attrs[a][0]);
      if (vb_xml_attr_uint (driver, driver_attrs[a][0], 0) == 0)
        return refuse (error, driver, "%s= must be at least 1", driver_attrs[a][0]);
      g_string_append_printf (dev, ",%s=%u", driver_attrs[a][1],
                              vb_xml_attr_uint (driver, driver_attrs[a][0], 0));
    }
  if (driver && g_str_has_prefix (scsi_models[i].device, "virtio-"))
    {
      g_autoptr (JsonObject) props = json_object_new ();

      if (!vb_qemu_virtio_modern_only (b, node, driver, error))
        return FALSE;
      vb_qemu_virtio_props (driver, props);
      vb_qemu_props_to_opts (props, dev);
    }
  else if (driver && (vb_xml_attr (driver, "iommu") || vb_xml_attr (driver, "ats")
                      || vb_xml_attr (driver, "packed") || vb_xml_attr (driver, "page_per_vq")
                      || vb_xml_attr (driver, "ioeventfd")))
    return refuse (error, driver, "virtio options are for virtio-scsi controllers");
  g_hash_table_insert (b->scsi_buses, GUINT_TO_POINTER (index + 1),
                       GUINT_TO_POINTER (scsi_models[i].kind));
  return TRUE;
}
