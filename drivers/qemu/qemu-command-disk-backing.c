/* A network disk's <backingStore type='network'>: the image below it on
 * the network, opened as the backing node of the disk's format node
 * (libvirt's way), never only recorded. What follows it: nothing (QEMU
 * reads the rest of the chain from that image's header) or an empty
 * <backingStore/> (the chain ends there: "backing": null). */
#include "qemu-command-disk-format.h"
#include "qemu-command-disk-source.h"

#include "qemu-command-private.h"

xmlNode *
vb_qemu_disk_network_backing_of (xmlNode *disk)
{
  xmlNode *store = vb_xml_child (disk, "backingStore");

  return store && vb_xml_attr_is (store, "type", "network") ? store : NULL;
}

gboolean
vb_qemu_disk_network_backing (xmlNode *disk, const char *node_name,
                              const VbQemuCommandContext *context, GPtrArray *secrets,
                              JsonObject *top, JsonNode **protocol, JsonNode **format_node,
                              GError **error)
{
  xmlNode *store = vb_qemu_disk_network_backing_of (disk);
  xmlNode *below = vb_xml_child (store, "backingStore");
  g_autofree char *format = child_attr (store, "format", "type");
  g_autofree char *backing = g_strdup_printf ("%s-backing", node_name);
  g_autofree char *storage = g_strdup_printf ("%s-backing-storage", node_name);
  g_autoptr (JsonObject) proto = json_object_new ();
  g_autoptr (JsonObject) fmt = json_object_new ();

  *protocol = *format_node = NULL;
  if (!store)
    return TRUE;
  if (!vb_xml_attr_is (disk, "type", "network"))
    return refuse (error, store,
                   "a network <backingStore> is for network disks: a file disk's backing "
                   "chain is the one its image's header names");
  if (!secrets)
    return refuse (error, store,
                   "a disk with a network backing store cannot be plugged into a running "
                   "domain; define it and start the domain");
  if (!format)
    return refuse (error, store, "a network <backingStore> names its <format type>");
  if (below && vb_xml_child (below, "source"))
    return refuse (error, below,
                   "below a network <backingStore> is only the end of the chain "
                   "(<backingStore/>)");
  for (xmlNode *host = vb_xml_child (vb_xml_child (store, "source"), "host"); host;
       host = vb_xml_next (host, "host"))
    if (vb_xml_attr_is (host, "transport", "unix"))
      return refuse (error, host, "a network backing store is reached over tcp");
  json_object_set_string_member (proto, "node-name", storage);
  json_object_set_boolean_member (proto, "auto-read-only", TRUE);
  json_object_set_string_member (proto, "discard", "unmap");
  if (!vb_qemu_disk_network_source (store, backing, context, secrets, proto, error))
    return FALSE;
  json_object_set_string_member (fmt, "node-name", backing);
  json_object_set_string_member (fmt, "driver", format);
  json_object_set_string_member (fmt, "file", storage);
  json_object_set_boolean_member (fmt, "read-only", TRUE);
  if (!vb_qemu_disk_slice (vb_xml_child (store, "source"), backing, fmt, error))
    return FALSE;
  /* Below it, nothing: not the backing file the server's header names (a
   * raw image has no backing to end). */
  if (!g_str_equal (format, "raw"))
    json_object_set_null_member (fmt, "backing");
  json_object_set_string_member (top, "backing", backing);
  *protocol = json_node_init_object (json_node_alloc (), proto);
  *format_node = json_node_init_object (json_node_alloc (), fmt);
  return TRUE;
}
