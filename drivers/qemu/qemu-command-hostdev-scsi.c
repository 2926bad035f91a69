/* <hostdev mode='subsystem' type='scsi'>: a SCSI device of the host (its
 * <source><adapter name='scsi_hostN'/><address bus target unit/>) passed to
 * the guest whole, as libvirt does: its SCSI generic node (/dev/sgN, found
 * at Start through sysfs) as a host_device -blockdev, and scsi-generic on
 * the guest's SCSI controller at the hostdev's <address type='drive'>. The
 * guest's commands reach the device as they are. QEMU opens the node as its
 * own user, as it opens a disk's block device. */
#include "qemu-command-private.h"

#include <string.h>

static void
add_blockdev (Builder *b, JsonObject *object)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), object);

  json_generator_set_root (generator, node);
  add (b, "-blockdev");
  g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
}

/* "HOST:BUS:TARGET:LUN" of <source>, HOST from scsi_hostN; NULL with
 * @error when it names none. */
static char *
host_address (xmlNode *hostdev, GError **error)
{
  xmlNode *source = vb_xml_child (hostdev, "source");
  xmlNode *adapter = vb_xml_child (source, "adapter");
  xmlNode *address = vb_xml_child (source, "address");
  g_autofree char *name = adapter ? vb_xml_attr (adapter, "name") : NULL;
  const char *number = name && g_str_has_prefix (name, "scsi_host") ? name + 9 : NULL;

  if (vb_xml_attr (source, "protocol"))
    {
      refuse (error, source,
              "a host SCSI device over iSCSI is not supported: use <disk type='network' "
              "device='lun'> with <source protocol='iscsi'>");
      return NULL;
    }
  if (!number || !*number || strspn (number, "0123456789") != strlen (number))
    {
      refuse (error, adapter ? adapter : hostdev,
              "a host SCSI device needs <source><adapter name='scsi_hostN'/>");
      return NULL;
    }
  if (!address || !xmlHasProp (address, BAD_CAST "unit"))
    {
      refuse (error, source, "a host SCSI device needs <source><address bus target unit/>");
      return NULL;
    }
  return g_strdup_printf ("%s:%u:%u:%u", number, vb_xml_attr_uint (address, "bus", 0),
                          vb_xml_attr_uint (address, "target", 0),
                          vb_xml_attr_uint (address, "unit", 0));
}

gboolean
vb_qemu_build_scsi_hostdev (Builder *b, xmlNode *hostdev, GError **error)
{
  xmlNode *address = vb_xml_child (hostdev, "address");
  g_autofree char *host = host_address (hostdev, error);
  g_autofree char *sg = NULL;
  g_autofree char *id = NULL;
  g_autofree char *node_name = NULL;
  g_autoptr (JsonObject) backend = json_object_new ();
  g_autoptr (GString) out = g_string_new ("scsi-generic");

  if (!host)
    return FALSE;
  /* Define gave one without an <address> its place (qemu-pci-address.c). */
  if (address && !vb_xml_attr_is (address, "type", "drive"))
    return refuse (error, address,
                   "a host SCSI device sits on a SCSI controller: <address type='drive'>");
  if (vb_xml_child (hostdev, "rom") || vb_xml_child (hostdev, "teaming"))
    return refuse (error, hostdev, "<rom> and <teaming> are for PCI host devices");
  if (b->context->dry_run || !b->context->scsi_generic)
    sg = g_strdup_printf ("/dev/sg-%s", host);
  else if (!(sg = b->context->scsi_generic (host)))
    return refuse (error, vb_xml_child (hostdev, "source"),
                   "the host has no SCSI device %s with a SCSI generic node (/dev/sgN: the sg "
                   "module)",
                   host);
  id = device_id (hostdev, g_strdup_printf ("hostdev%u", b->hostdevs));
  b->hostdevs++;
  node_name = g_strdup_printf ("libvirt-%s-backend", id);
  json_object_set_string_member (backend, "driver", "host_device");
  json_object_set_string_member (backend, "filename", sg);
  json_object_set_string_member (backend, "node-name", node_name);
  json_object_set_boolean_member (backend, "read-only", vb_xml_child (hostdev, "readonly") != NULL);
  add_blockdev (b, g_steal_pointer (&backend));
  vb_qemu_opt (out, "drive", node_name);
  vb_qemu_opt (out, "id", id);
  if (!vb_qemu_scsi_place (b, hostdev, 0, out, error))
    return FALSE;
  boot_index (b, hostdev, out);
  add2 (b, "-device", out->str);
  return TRUE;
}
