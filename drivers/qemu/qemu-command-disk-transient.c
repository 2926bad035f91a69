/* <disk><transient/>: the guest writes a qcow2 overlay the service makes
 * at Start in the domain's run directory, over the disk's image opened
 * read-only, and the overlay goes with that directory when QEMU stops: the
 * image itself is never written. libvirt's shareBacking='yes' (the image
 * shared read-only by several domains) is what this does in any case.
 * qemu-transient.c makes the overlay. */
#include "qemu-command-disk-source.h"

#include "qemu-command-private.h"

void
vb_qemu_transient_free (VbQemuTransient *transient)
{
  g_free (transient->overlay);
  g_free (transient->base);
  g_free (transient->base_format);
  g_free (transient);
}

const char *
vb_qemu_disk_transient_refusal (xmlNode *disk)
{
  if (!vb_xml_child (disk, "transient"))
    return NULL;
  if (!vb_xml_attr_is (disk, "device", "disk") && xmlHasProp (disk, BAD_CAST "device"))
    return "<transient/> is for a disk (device='disk'), not a CD-ROM, floppy or LUN";
  if (vb_xml_child (disk, "readonly"))
    return "a read-only disk is never written: <transient/> has nothing to undo";
  if (vb_xml_child (disk, "shareable"))
    return "a transient disk's writes are its own domain's: not with <shareable/>";
  if (!vb_xml_child (disk, "source"))
    return "a transient disk needs a <source> image";
  if (!(vb_xml_attr_is (disk, "type", "file") || vb_xml_attr_is (disk, "type", "block")
        || vb_xml_attr_is (disk, "type", "volume") || !xmlHasProp (disk, BAD_CAST "type")))
    return "a transient disk's overlay is made over a host file or block device: type 'file', "
           "'block' or 'volume'";
  if (vb_xml_attr_is (vb_xml_child (disk, "driver"), "copy_on_read", "on"))
    return "copy_on_read='on' writes into the image, which a transient disk never writes";
  /* qemu-img makes the overlay from the image alone: as large as all of
   * it, without its key or the data file the XML gives. */
  if (vb_xml_child (vb_xml_child (disk, "source"), "slices"))
    return "a transient disk's overlay covers the whole image: not with <slices>";
  if (vb_xml_child (disk, "encryption")
      || vb_xml_child (vb_xml_child (disk, "source"), "encryption"))
    return "a transient disk's overlay is made without the image's key: not with <encryption>";
  if (vb_xml_child (vb_xml_child (disk, "source"), "dataStore"))
    return "a transient disk's overlay is made from the image's header alone: not with "
           "<dataStore>";
  return NULL;
}

gboolean
vb_qemu_disk_transient (Builder *b, xmlNode *disk, const char *node_name, JsonObject *base_proto,
                        JsonObject *base_fmt, JsonNode **overlay_proto, JsonNode **overlay_fmt,
                        GError **error)
{
  g_autofree char *file = g_strdup_printf ("transient-%s.qcow2", node_name);
  g_autofree char *base_name = g_strdup_printf ("%s-base", node_name);
  g_autofree char *storage = g_strdup_printf ("%s-storage", node_name);
  JsonObject *proto = json_object_new ();
  JsonObject *fmt = json_object_new ();
  VbQemuTransient *transient;
  const char *refusal = vb_qemu_disk_transient_refusal (disk);

  *overlay_proto = *overlay_fmt = NULL;
  if (refusal)
    {
      json_object_unref (proto);
      json_object_unref (fmt);
      return refuse (error, vb_xml_child (disk, "transient"), "%s", refusal);
    }
  /* The image: read-only under the overlay. */
  json_object_set_boolean_member (base_fmt, "read-only", TRUE);
  json_object_set_string_member (proto, "driver", "file");
  json_object_set_string_member (proto, "filename", file);
  json_object_set_string_member (proto, "node-name", storage);
  json_object_set_string_member (proto, "discard", "unmap");
  if (json_object_has_member (base_proto, "cache"))
    json_object_set_member (proto, "cache",
                            json_node_copy (json_object_get_member (base_proto, "cache")));
  json_object_set_string_member (fmt, "node-name", node_name);
  json_object_set_string_member (fmt, "driver", "qcow2");
  json_object_set_string_member (fmt, "file", storage);
  json_object_set_string_member (fmt, "backing", base_name);
  json_object_set_boolean_member (fmt, "read-only", FALSE);
  for (const char *const *member =
         (const char *const[]){ "discard", "detect-zeroes", "cache", NULL };
       *member; member++)
    if (json_object_has_member (base_fmt, *member))
      json_object_set_member (fmt, *member,
                              json_node_copy (json_object_get_member (base_fmt, *member)));
  /* The overlay's path: in the run directory, a file QEMU's user owns. */
  {
    g_autofree char *path = g_build_filename (b->context->domain_dir, file, NULL);

    json_object_set_string_member (proto, "filename", path);
    transient = g_new0 (VbQemuTransient, 1);
    transient->overlay = g_steal_pointer (&path);
  }
  transient->base =
    g_strdup (json_object_get_string_member_with_default (base_proto, "filename", ""));
  transient->base_format =
    g_strdup (json_object_get_string_member_with_default (base_fmt, "driver", "raw"));
  g_ptr_array_add (b->command->transients, transient);
  *overlay_proto = json_node_init_object (json_node_alloc (), proto);
  *overlay_fmt = json_node_init_object (json_node_alloc (), fmt);
  json_object_unref (proto);
  json_object_unref (fmt);
  return TRUE;
}
