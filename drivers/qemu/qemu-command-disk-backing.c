/* A network disk's <backingStore> chain: the images below it, opened as
 * the XML names them (libvirt's way), never only recorded. The first level
 * may be on the network (type='network'); each level may be a host file
 * (type='file') or block device (type='block'). Each level is a read-only
 * pair of nodes whose format node is the backing node of the one above;
 * the chain ends where the XML ends (the last level's "backing" is null):
 * QEMU never opens a backing file a header names, which no host-path check
 * has seen. A file disk's chain is its image header's instead
 * (service/ops/host-files.c records it). */
#include "qemu-command-disk-format.h"
#include "qemu-command-disk-source.h"

#include "qemu-command-private.h"

xmlNode *
vb_qemu_disk_network_backing_of (xmlNode *disk)
{
  xmlNode *store = vb_xml_child (disk, "backingStore");

  if (!store || !vb_xml_child (store, "source"))
    return NULL;
  return vb_xml_attr_is (store, "type", "network") || vb_xml_attr_is (disk, "type", "network")
           ? store
           : NULL;
}

/* The storage node of the level @store: a network image (the first level
 * only), a host file or a block device. */
static gboolean
level_storage (xmlNode *store, guint level, const char *id, const VbQemuCommandContext *context,
               GPtrArray *secrets, JsonObject *proto, GError **error)
{
  xmlNode *source = vb_xml_child (store, "source");

  if (vb_xml_attr_is (store, "type", "network"))
    {
      if (level > 1)
        return refuse (error, store,
                       "a network <backingStore> is the first below a network disk; deeper "
                       "levels are files or block devices");
      for (xmlNode *host = vb_xml_child (source, "host"); host; host = vb_xml_next (host, "host"))
        if (vb_xml_attr_is (host, "transport", "unix"))
          return refuse (error, host, "a network backing store is reached over tcp");
      json_object_set_string_member (proto, "discard", "unmap");
      return vb_qemu_disk_network_source (store, id, context, secrets, proto, error);
    }
  {
    gboolean block = vb_xml_attr_is (store, "type", "block");
    g_autofree char *path = vb_xml_attr (source, block ? "dev" : "file");

    if (!path || !g_path_is_absolute (path))
      return refuse (error, source, "a backing image's <source %s> is an absolute path",
                     block ? "dev" : "file");
    if (!context->dry_run && !host_has (context, path))
      return refuse (error, source, "the backing image %s does not exist", path);
    json_object_set_string_member (proto, "driver", block ? "host_device" : "file");
    json_object_set_string_member (proto, "filename", path);
  }
  return TRUE;
}

gboolean
vb_qemu_disk_network_backing (xmlNode *disk, const char *node_name,
                              const VbQemuCommandContext *context, GPtrArray *secrets,
                              JsonObject *top, GPtrArray *nodes, GError **error)
{
  xmlNode *first = vb_qemu_disk_network_backing_of (disk);
  g_autoptr (GPtrArray) made = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  JsonObject *above = top;
  g_autofree char *above_format = child_attr (disk, "driver", "type");
  guint level = 0;

  if (!first)
    return TRUE;
  if (!vb_xml_attr_is (disk, "type", "network"))
    return refuse (error, first,
                   "a network <backingStore> is for network disks: a file disk's backing "
                   "chain is the one its image's header names");
  if (!secrets)
    return refuse (error, first,
                   "a disk with a network backing store cannot be plugged into a running "
                   "domain; define it and start the domain");
  for (xmlNode *store = first; store && vb_xml_child (store, "source");
       store = vb_xml_child (store, "backingStore"))
    {
      g_autofree char *format = child_attr (store, "format", "type");
      g_autofree char *id = level++ == 0 ? g_strdup_printf ("%s-backing", node_name)
                                         : g_strdup_printf ("%s-backing%u", node_name, level);
      g_autofree char *storage = g_strdup_printf ("%s-storage", id);
      xmlNode *below = vb_xml_child (store, "backingStore");
      JsonObject *proto = json_object_new ();
      JsonObject *fmt = json_object_new ();

      /* Kept (deepest first on the command line) before anything can fail. */
      g_ptr_array_add (made, json_node_init_object (json_node_alloc (), fmt));
      g_ptr_array_add (made, json_node_init_object (json_node_alloc (), proto));
      json_object_unref (fmt);
      json_object_unref (proto);
      if (!format)
        return refuse (error, store, "a network disk's <backingStore> names its <format type>");
      if (!vb_qemu_disk_format_known (format))
        return refuse (error, store, "backing format '%s' is not supported", format);
      /* QEMU's vmdk driver reads its parent only as vmdk (of a matching CID). */
      if (g_strcmp0 (above_format, "vmdk") == 0 && !g_str_equal (format, "vmdk"))
        return refuse (error, store,
                       "a vmdk image's backing image is a vmdk image too (QEMU's vmdk driver "
                       "reads no other), not '%s'",
                       format);
      g_free (above_format);
      above_format = g_strdup (format);
      if (vb_xml_child (vb_xml_child (store, "format"), "metadata_cache"))
        return refuse (error, store,
                       "<metadata_cache> tunes a file disk's backing image, not a network "
                       "disk's");
      json_object_set_string_member (proto, "node-name", storage);
      json_object_set_boolean_member (proto, "auto-read-only", TRUE);
      if (!level_storage (store, level, id, context, secrets, proto, error))
        return FALSE;
      json_object_set_string_member (fmt, "node-name", id);
      json_object_set_string_member (fmt, "driver", format);
      json_object_set_string_member (fmt, "file", storage);
      json_object_set_boolean_member (fmt, "read-only", TRUE);
      if (level == 1 && !vb_qemu_disk_slice (vb_xml_child (store, "source"), id, fmt, error))
        return FALSE;
      if (level > 1 && vb_xml_child (vb_xml_child (store, "source"), "slices"))
        return refuse (error, store, "only the first backing image may have <slices>");
      json_object_set_string_member (above, "backing", id);
      /* The chain ends where the XML's does, not at what a header names. */
      if (!(below && vb_xml_child (below, "source")) && vb_qemu_disk_format_has_backing (format))
        json_object_set_null_member (fmt, "backing");
      above = fmt;
    }
  /* Deepest first: a node names only nodes already added. */
  for (guint i = made->len; i > 0; i--)
    g_ptr_array_add (nodes, json_node_ref (made->pdata[i - 1]));
  return TRUE;
}
