/* What a local disk's XML asks of its -blockdev nodes beyond the image:
 * the qcow2 format node's options (<driver discard_no_unref>, <driver>
 * and <backingStore><format> <metadata_cache>, <source><dataStore>) and
 * the persistent-reservation manager of a SCSI LUN's storage node
 * (<source><reservations>). qemu-command-disk.c calls these where it makes
 * a disk's nodes; docs/xml-subset.md, "Local disk attributes". */
#include "qemu-command-disk-format.h"
#include "qemu-command-disk-source.h"

#include "qemu-command-private.h"

/* QEMU 8.1 added qcow2's discard-no-unref; QEMU 11.0 scsi-block's
 * migrate-pr (the reservation moves with a migration). */
#define DISCARD_NO_UNREF_VERSION 80100
#define MIGRATE_PR_VERSION 110000

gboolean
vb_qemu_disk_format_known (const char *format)
{
  static const char *const formats[] = { "raw", "qcow2", "qed", "vmdk", "vpc", "vdi", "vhdx", NULL };

  return format && g_strv_contains (formats, format);
}

gboolean
vb_qemu_disk_format_has_backing (const char *format)
{
  /* QEMU 7.2's vpc, vdi and vhdx drivers open no differencing image. */
  return g_strcmp0 (format, "qcow2") == 0 || g_strcmp0 (format, "qed") == 0
         || g_strcmp0 (format, "vmdk") == 0;
}

static gboolean
too_old (const VbQemuCommandContext *context, guint needed)
{
  return !context->dry_run && context->qemu_version && context->qemu_version < needed;
}

/* The size @node holds in its unit=, which libvirt reads in any case
 * ("kiB" is KiB); bytes by default. */
static gboolean
scaled_any_case (xmlNode *node, guint64 *bytes, GError **error)
{
  g_autofree char *unit = vb_xml_attr (node, "unit");
  g_autofree char *text = vb_xml_text (node);
  g_auto (GStrv) units = g_strsplit (VB_XML_UNITS, "|", -1);
  const char *canonical = unit;

  for (guint i = 0; unit && units[i]; i++)
    if (g_ascii_strcasecmp (units[i], unit) == 0)
      canonical = units[i];
  return vb_xml_scaled_value (node, text, canonical, "bytes", bytes, error);
}

/* <metadata_cache><max_size unit>: the most memory QEMU's qcow2 driver
 * spends on its L2 and refcount tables together (cache-size, which QEMU
 * shares out between the two). */
static gboolean
metadata_cache (xmlNode *cache, const char *format, JsonObject *fmt, GError **error)
{
  xmlNode *max_size = vb_xml_child (cache, "max_size");
  guint64 bytes = 0;

  if (!cache)
    return TRUE;
  if (g_strcmp0 (format, "qcow2") != 0)
    return refuse (error, cache, "<metadata_cache> is the cache of a qcow2 image's tables");
  if (!max_size)
    return refuse (error, cache, "<metadata_cache> needs <max_size>");
  if (!scaled_any_case (max_size, &bytes, error))
    return FALSE;
  if (bytes > G_MAXINT64)
    return refuse (error, max_size, "<max_size> is too large");
  json_object_set_int_member (fmt, "cache-size", (gint64) bytes);
  return TRUE;
}

/* The storage of a qcow2 image's external data file: a file, a host block
 * device or a network disk, raw. Its protocol node is given inline
 * ("@node_name-data"), with the cache mode of the image's own. */
static gboolean
data_file (xmlNode *store, const char *node_name, const char *format,
           const VbQemuCommandContext *context, GPtrArray *secrets, JsonObject *proto,
           JsonObject *fmt, GError **error)
{
  g_autofree char *type = vb_xml_attr (store, "type");
  g_autofree char *data_format = child_attr (store, "format", "type");
  g_autofree char *id = g_strdup_printf ("%s-data", node_name);
  xmlNode *source = vb_xml_child (store, "source");
  g_autoptr (JsonObject) data = json_object_new ();

  if (g_strcmp0 (format, "qcow2") != 0)
    return refuse (error, store, "<dataStore> is the external data file of a qcow2 image");
  if (data_format && !g_str_equal (data_format, "raw"))
    return refuse (error, store, "a qcow2 data file is raw, not '%s'", data_format);
  if (!source)
    return refuse (error, store, "<dataStore> needs a <source>");
  if (!type || g_str_equal (type, "file") || g_str_equal (type, "block"))
    {
      gboolean block = g_strcmp0 (type, "block") == 0;
      g_autofree char *path = vb_xml_attr (source, block ? "dev" : "file");

      if (!path || !g_path_is_absolute (path))
        return refuse (error, source, "a data file's <source %s> is an absolute path",
                       block ? "dev" : "file");
      if (!context->dry_run && !host_has (context, path))
        return refuse (error, source, "the data file %s does not exist", path);
      json_object_set_string_member (data, "driver", block ? "host_device" : "file");
      json_object_set_string_member (data, "filename", path);
    }
  else if (g_str_equal (type, "network"))
    {
      /* <dataStore> is laid out as a <disk>: its <source protocol> and hosts. */
      if (!vb_qemu_disk_network_source (store, id, context, secrets, data, error))
        return FALSE;
    }
  else
    return refuse (error, store, "a data file is of type file, block or network, not '%s'", type);
  json_object_set_string_member (data, "node-name", id);
  /* The data file is written as the image is: the same cache mode. */
  if (json_object_has_member (proto, "cache"))
    json_object_set_member (data, "cache",
                            json_node_copy (json_object_get_member (proto, "cache")));
  if (json_object_has_member (proto, "aio") && !g_str_equal (type ? type : "file", "network"))
    json_object_set_string_member (data, "aio", json_object_get_string_member (proto, "aio"));
  json_object_set_boolean_member (data, "auto-read-only", TRUE);
  json_object_set_string_member (data, "discard", "unmap");
  json_object_set_object_member (fmt, "data-file", g_steal_pointer (&data));
  return TRUE;
}

/* <backingStore><format><metadata_cache>: QEMU opens the backing chain the
 * image's header names; a cache size for a backing image is given on that
 * image's node, so the chain down to the deepest such level is spelled out
 * ("backing" objects inline: format over file), each level's own backing
 * again left to its header. */
static gboolean
backing_caches (xmlNode *disk, const char *node_name, JsonObject *fmt, GError **error)
{
  xmlNode *deepest = NULL;
  JsonObject *parent = fmt;
  guint level = 0;

  /* A network backing store's nodes are qemu-command-disk-backing.c's. */
  if (vb_qemu_disk_network_backing_of (disk))
    return TRUE;
  for (xmlNode *store = vb_xml_child (disk, "backingStore"); store;
       store = vb_xml_child (store, "backingStore"))
    if (vb_xml_child (vb_xml_child (store, "format"), "metadata_cache")
        || vb_xml_child (vb_xml_child (store, "source"), "slices"))
      deepest = store;
  if (!deepest)
    return TRUE;
  for (xmlNode *store = vb_xml_child (disk, "backingStore"); store;
       store = vb_xml_child (store, "backingStore"))
    {
      xmlNode *format_node = vb_xml_child (store, "format");
      g_autofree char *format = vb_xml_attr (format_node, "type");
      g_autofree char *file = vb_xml_attr (vb_xml_child (store, "source"), "file");
      g_autofree char *id = g_strdup_printf ("%s-backing%u", node_name, ++level);
      g_autofree char *storage = g_strdup_printf ("%s-storage", id);
      JsonObject *backing = json_object_new ();
      JsonObject *protocol = json_object_new ();

      json_object_set_object_member (parent, "backing", backing);
      if (!file || !format)
        return refuse (error, store,
                       "a backing image with a <metadata_cache> or <slices>, and each one "
                       "above it, needs its <format> and <source file>");
      json_object_set_string_member (protocol, "driver", "file");
      json_object_set_string_member (protocol, "filename", file);
      json_object_set_string_member (protocol, "node-name", storage);
      json_object_set_boolean_member (protocol, "auto-read-only", TRUE);
      json_object_set_string_member (backing, "driver", format);
      json_object_set_string_member (backing, "node-name", id);
      json_object_set_object_member (backing, "file", protocol);
      if (!metadata_cache (vb_xml_child (format_node, "metadata_cache"), format, backing, error)
          || !vb_qemu_disk_slice (vb_xml_child (store, "source"), id, backing, error))
        return FALSE;
      if (store == deepest)
        break;
      parent = backing;
    }
  return TRUE;
}

gboolean
vb_qemu_disk_format_options (xmlNode *disk, const char *node_name, const char *format,
                             const VbQemuCommandContext *context, GPtrArray *secrets,
                             JsonObject *proto, JsonObject *fmt, GError **error)
{
  xmlNode *driver = vb_xml_child (disk, "driver");
  xmlNode *source = vb_xml_child (disk, "source");
  g_autofree char *no_unref = vb_xml_attr (driver, "discard_no_unref");
  xmlNode *store = vb_xml_child (source, "dataStore");

  if (no_unref)
    {
      if (!g_str_equal (format, "qcow2"))
        return refuse (error, driver, "discard_no_unref= is an option of qcow2 images");
      if (too_old (context, DISCARD_NO_UNREF_VERSION))
        return refuse (error, driver,
                       "discard_no_unref= needs QEMU 8.1 or later (qcow2's discard-no-unref); "
                       "this QEMU is %u.%u",
                       context->qemu_version / 10000, context->qemu_version / 100 % 100);
      json_object_set_boolean_member (fmt, "discard-no-unref", g_str_equal (no_unref, "on"));
    }
  if (!metadata_cache (vb_xml_child (driver, "metadata_cache"), format, fmt, error))
    return FALSE;
  if (store && !data_file (store, node_name, format, context, secrets, proto, fmt, error))
    return FALSE;
  return backing_caches (disk, node_name, fmt, error);
}

/* ---- <reservations>: SCSI persistent reservations through qemu-pr-helper ---- */

char *
vb_qemu_disk_pr_manager_id (xmlNode *disk, const char *node_name)
{
  xmlNode *reservations = vb_xml_child (vb_xml_child (disk, "source"), "reservations");

  if (!reservations)
    return NULL;
  /* One helper the service runs serves every disk of the domain, as libvirt's. */
  if (vb_xml_attr_is (reservations, "managed", "yes"))
    return g_strdup ("pr-helper0");
  return g_strdup_printf ("pr-helper-%s", node_name);
}

gboolean
vb_qemu_disk_reservations (xmlNode *disk, const char *node_name,
                           const VbQemuCommandContext *context, gboolean plugged, JsonObject *proto,
                           GError **error)
{
  xmlNode *reservations = vb_xml_child (vb_xml_child (disk, "source"), "reservations");
  g_autofree char *id = vb_qemu_disk_pr_manager_id (disk, node_name);
  xmlNode *socket = vb_xml_child (reservations, "source");

  if (!reservations)
    return TRUE;
  if (!vb_xml_attr_is (disk, "device", "lun"))
    return refuse (error, reservations,
                   "persistent reservations are for a host SCSI device (device='lun')");
  if (plugged)
    return refuse (error, reservations,
                   "a disk with <reservations> cannot be plugged into a running domain; "
                   "define it and start the domain");
  if (vb_xml_attr_is (reservations, "managed", "yes"))
    {
      if (socket)
        return refuse (error, socket,
                       "managed='yes' reservations use the helper the service runs: no <source>");
    }
  else
    {
      g_autofree char *path = vb_xml_attr (socket, "path");

      if (!socket || !vb_xml_attr_is (socket, "type", "unix") || !path
          || !g_path_is_absolute (path))
        return refuse (error, reservations,
                       "managed='no' reservations need <source type='unix' path='…'> "
                       "naming qemu-pr-helper's socket");
      if (vb_xml_attr (socket, "mode") && !vb_xml_attr_is (socket, "mode", "client"))
        return refuse (error, socket, "QEMU connects to qemu-pr-helper: mode='client'");
    }
  if (vb_xml_attr_is (reservations, "migration", "yes") && too_old (context, MIGRATE_PR_VERSION))
    return refuse (error, reservations,
                   "migration='yes' needs QEMU 11.0 or later (scsi-block's migrate-pr); "
                   "this QEMU is %u.%u",
                   context->qemu_version / 10000, context->qemu_version / 100 % 100);
  json_object_set_string_member (proto, "pr-manager", id);
  return TRUE;
}

gboolean
vb_qemu_disk_pr_device_props (xmlNode *disk, const VbQemuCommandContext *context, JsonObject *props)
{
  xmlNode *reservations = vb_xml_child (vb_xml_child (disk, "source"), "reservations");
  g_autofree char *migration = vb_xml_attr (reservations, "migration");

  /* A QEMU before 11.0 never moves a reservation: migration='no' is what it
   * does already, and it has no property to say so. */
  if (!migration || (context->qemu_version && context->qemu_version < MIGRATE_PR_VERSION))
    return TRUE;
  json_object_set_boolean_member (props, "migrate-pr", g_str_equal (migration, "yes"));
  return TRUE;
}
