/* <hostdev type='scsi'>: a host's SCSI device given to the guest as QEMU's
 * scsi-generic (the guest's SCSI commands pass through): a local one by
 * its adapter (scsi_hostN) and address, opened through its /dev/sgM node
 * (host_device), or an iSCSI LUN (protocol='iscsi', QEMU's iscsi driver,
 * as a network disk's). <readonly/> makes the node read-only. libvirt's
 * layout; the device sits on the SCSI controller its <address
 * type='drive'> names. */
#include "qemu-command-disk-source.h"

#include "qemu-command-private.h"

/* "scsi_host3" → 3. */
static gboolean
adapter_host (const char *adapter, guint *host)
{
  guint64 value = 0;

  if (!adapter || !g_str_has_prefix (adapter, "scsi_host"))
    return FALSE;
  if (!g_ascii_string_to_unsigned (adapter + strlen ("scsi_host"), 10, 0, G_MAXUINT32, &value,
                                   NULL))
    return FALSE;
  *host = (guint) value;
  return TRUE;
}

char *
vb_qemu_scsi_hostdev_sysfs (xmlNode *hostdev)
{
  xmlNode *source = vb_xml_child (hostdev, "source");
  xmlNode *address = vb_xml_child (source, "address");
  g_autofree char *adapter = child_attr (source, "adapter", "name");
  guint host = 0;

  if (vb_xml_attr (source, "protocol") || !address || !adapter_host (adapter, &host))
    return NULL;
  return g_strdup_printf ("/sys/bus/scsi/devices/%u:%u:%u:%u", host,
                          vb_xml_attr_uint (address, "bus", 0),
                          vb_xml_attr_uint (address, "target", 0),
                          vb_xml_attr_uint (address, "unit", 0));
}

/* The /dev/sgM node of the host SCSI device at @sysfs; in a dry run a name
 * that says which device it stands for. */
static char *
sg_node (const VbQemuCommandContext *context, xmlNode *source, const char *sysfs, GError **error)
{
  g_autofree char *dir = g_build_filename (sysfs, "scsi_generic", NULL);
  g_autoptr (GDir) listing = NULL;
  const char *entry;

  if (context->dry_run)
    return g_strdup_printf ("/dev/sg-of-%s", strrchr (sysfs, '/') + 1);
  listing = g_dir_open (dir, 0, NULL);
  entry = listing ? g_dir_read_name (listing) : NULL;
  if (!entry || !g_str_has_prefix (entry, "sg") || strchr (entry, '/'))
    {
      refuse (error, source, "the host has no SCSI device %s with a /dev/sg node (the sg module)",
              strrchr (sysfs, '/') + 1);
      return NULL;
    }
  return g_strdup_printf ("/dev/%s", entry);
}

gboolean
vb_qemu_build_hostdev_scsi (Builder *b, xmlNode *hostdev, GString *out, GError **error)
{
  xmlNode *source = vb_xml_child (hostdev, "source");
  xmlNode *address = vb_xml_child (hostdev, "address");
  g_autofree char *protocol = vb_xml_attr (source, "protocol");
  g_autofree char *node_name = g_strdup_printf ("hostdev%u-scsi", b->hostdevs);
  g_autoptr (JsonObject) proto = json_object_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  guint known = b->command->secrets->len;

  if (!address || !vb_xml_attr_is (address, "type", "drive"))
    return refuse (error, hostdev,
                   "a SCSI host device names its place on a SCSI controller: <address "
                   "type='drive' controller bus target unit>");
  json_object_set_string_member (proto, "node-name", node_name);
  if (protocol)
    {
      if (!g_str_equal (protocol, "iscsi"))
        return refuse (error, source, "a SCSI host device's protocol is 'iscsi', not '%s'",
                       protocol);
      if (vb_xml_child (source, "adapter") || vb_xml_child (source, "address"))
        return refuse (error, source, "an iSCSI host device is named by name= and <host>");
      if (!vb_qemu_disk_network_source (hostdev, node_name, b->context, b->command->secrets, proto,
                                        error))
        return FALSE;
    }
  else
    {
      g_autofree char *sysfs = vb_qemu_scsi_hostdev_sysfs (hostdev);
      g_autofree char *sg = NULL;

      if (!sysfs)
        return refuse (error, source,
                       "a SCSI host device is <adapter name='scsi_hostN'> and <address bus "
                       "target unit>");
      if (vb_xml_child (source, "host") || vb_xml_child (source, "auth")
          || vb_xml_child (source, "initiator") || vb_xml_attr (source, "name"))
        return refuse (error, source,
                       "<host>, <auth>, <initiator> and name= are for an iSCSI host device");
      if (!(sg = sg_node (b->context, source, sysfs, error)))
        return FALSE;
      json_object_set_string_member (proto, "driver", "host_device");
      json_object_set_string_member (proto, "filename", sg);
    }
  json_object_set_boolean_member (proto, "read-only", vb_xml_child (hostdev, "readonly") != NULL);
  /* The secrets (an iSCSI password) before the node that names them. */
  for (guint i = known; i < b->command->secrets->len; i++)
    {
      VbQemuSecret *secret = b->command->secrets->pdata[i];

      addf (b, "-object");
      addf (b, "secret,id=%s,format=raw,file=/proc/self/fd/%s", secret->id, secret->fd_arg);
    }
  root = json_node_init_object (json_node_alloc (), proto);
  json_generator_set_root (generator, root);
  add (b, "-blockdev");
  g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
  g_string_append (out, "scsi-generic");
  if (!vb_qemu_scsi_place (b, hostdev, -1, out, error))
    return FALSE;
  vb_qemu_opt (out, "drive", node_name);
  return TRUE;
}
