/* A UEFI variable store on a network disk (<nvram type='network'> with a
 * <source protocol name><host/></source>): -blockdev of the protocol
 * (qemu-command-disk-source.c, as for a disk) and of the store's format,
 * which the machine's pflash1 property names; the code stays
 * -drive if=pflash,unit=0 (QEMU takes the two ways per unit). The store
 * must exist on the server: the service makes no network store from a
 * template. */
#include "qemu-command-private.h"

#include "qemu-command-disk-source.h"

#define NVRAM_NODE "nvram0"

static gboolean
has_attr (xmlNode *node, const char *name)
{
  return node && xmlHasProp (node, (const xmlChar *) name) != NULL;
}

gboolean
vb_qemu_nvram_is_network (Builder *b)
{
  xmlNode *nvram = vb_xml_child (vb_xml_child (b->root, "os"), "nvram");

  return nvram && vb_xml_attr_is (nvram, "type", "network");
}

void
vb_qemu_nvram_machine_opts (Builder *b, GString *opts)
{
  if (vb_qemu_nvram_is_network (b))
    vb_qemu_opt (opts, "pflash1", NVRAM_NODE);
}

static void
add_blockdev (Builder *b, JsonObject *object)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), object);

  json_generator_set_root (generator, node);
  add (b, "-blockdev");
  g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
}

gboolean
vb_qemu_build_network_nvram (Builder *b, xmlNode *nvram, const char *format, GError **error)
{
  xmlNode *source = vb_xml_child (nvram, "source");
  g_autoptr (JsonObject) proto = json_object_new ();
  g_autoptr (JsonObject) fmt = json_object_new ();
  g_autofree char *path = vb_xml_text (nvram);
  guint known = b->command->secrets->len;

  if (!source || !has_attr (source, "protocol"))
    return refuse (error, source ? source : nvram,
                   "<nvram type='network'> names its store with <source protocol name>");
  if (path && *g_strstrip (path))
    return refuse (error, nvram, "<nvram type='network'> has no path: its store is its <source>");
  if (has_attr (source, "file"))
    return refuse (error, source, "file= is for <nvram type='file'>");
  for (xmlNode *host = vb_xml_child (source, "host"); host; host = vb_xml_next (host, "host"))
    if (vb_xml_attr_is (host, "transport", "unix"))
      return refuse (error, host, "a network variable store is reached over tcp");
  json_object_set_string_member (proto, "node-name", NVRAM_NODE "-storage");
  json_object_set_boolean_member (proto, "auto-read-only", TRUE);
  json_object_set_string_member (proto, "discard", "unmap");
  if (!vb_qemu_disk_network_source (nvram, NVRAM_NODE, b->context, b->command->secrets, proto,
                                    error))
    return FALSE;
  for (guint i = known; i < b->command->secrets->len; i++)
    {
      VbQemuSecret *secret = b->command->secrets->pdata[i];

      add (b, "-object");
      addf (b, "secret,id=%s,format=raw,file=/proc/self/fd/%s", secret->id, secret->fd_arg);
    }
  json_object_set_string_member (fmt, "node-name", NVRAM_NODE);
  json_object_set_string_member (fmt, "driver", format);
  json_object_set_string_member (fmt, "file", NVRAM_NODE "-storage");
  json_object_set_boolean_member (fmt, "read-only", FALSE);
  /* A qcow2 store's header comes from the server the XML names: QEMU must
   * not open the backing file it names (a host file of QEMU's user's, such
   * as another guest's disk, which no authorization checked). */
  if (!g_str_equal (format, "raw"))
    json_object_set_null_member (fmt, "backing");
  add_blockdev (b, proto);
  add_blockdev (b, fmt);
  return TRUE;
}
