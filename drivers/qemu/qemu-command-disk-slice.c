/* <source><slices><slice type='storage' offset size/>: the guest sees
 * only @size bytes of the storage, from @offset on. As libvirt does: on a
 * raw image without encryption the raw format node itself takes offset=
 * and size=; otherwise (qcow2, a LUKS container) a raw node over the
 * storage node cuts the slice out and the format node sits on it.
 * docs/xml-subset.md, "Disk slices". */
#include "qemu-command-disk-format.h"

#include "qemu-command-private.h"

/* Reads @source's storage slice into @offset and @size; FALSE with
 * @error for a malformed one, FALSE without for none. */
static gboolean
read_slice (xmlNode *source, guint64 *offset, guint64 *size, gboolean *found, GError **error)
{
  xmlNode *slices = vb_xml_child (source, "slices");
  xmlNode *slice = vb_xml_child (slices, "slice");
  g_autofree char *offset_text = vb_xml_attr (slice, "offset");
  g_autofree char *size_text = vb_xml_attr (slice, "size");

  *found = FALSE;
  if (!slices)
    return TRUE;
  if (!slice)
    return refuse (error, slices, "<slices> needs a <slice type='storage'>");
  if (vb_xml_next (slice, "slice"))
    return refuse (error, slices, "a disk source has one <slice type='storage'>");
  if (!vb_xml_parse_unsigned (offset_text, 10, G_MAXINT64, offset)
      || !vb_xml_parse_unsigned (size_text, 10, G_MAXINT64, size))
    return refuse (error, slice, "a slice's offset= and size= are byte counts");
  /* QEMU's raw driver takes sizes of whole 512-byte sectors only ("Specified
   * size is not multiple of 512"), any offset. */
  if (*size == 0 || *size % 512 != 0)
    return refuse (error, slice,
                   "a slice's size= is a non-zero multiple of 512 bytes, not %s: QEMU's raw "
                   "driver takes whole sectors only",
                   size_text);
  *found = TRUE;
  return TRUE;
}

gboolean
vb_qemu_disk_slice (xmlNode *source, const char *node_name, JsonObject *fmt, GError **error)
{
  guint64 offset = 0, size = 0;
  gboolean found = FALSE;
  JsonObject *slice;

  if (!read_slice (source, &offset, &size, &found, error))
    return FALSE;
  if (!found)
    return TRUE;
  if (g_strcmp0 (json_object_get_string_member_with_default (fmt, "driver", NULL), "raw") == 0)
    {
      json_object_set_int_member (fmt, "offset", (gint64) offset);
      json_object_set_int_member (fmt, "size", (gint64) size);
      return TRUE;
    }
  /* The format node's "file" (its storage, by name or inline) moves under
   * a raw node that cuts the slice out. */
  slice = json_object_new ();
  {
    g_autofree char *id = g_strdup_printf ("%s-slice", node_name);

    json_object_set_string_member (slice, "driver", "raw");
    json_object_set_string_member (slice, "node-name", id);
  }
  json_object_set_int_member (slice, "offset", (gint64) offset);
  json_object_set_int_member (slice, "size", (gint64) size);
  if (json_object_has_member (fmt, "read-only"))
    json_object_set_boolean_member (slice, "read-only",
                                    json_object_get_boolean_member (fmt, "read-only"));
  if (json_object_has_member (fmt, "cache"))
    json_object_set_member (slice, "cache", json_node_copy (json_object_get_member (fmt, "cache")));
  json_object_set_member (slice, "file", json_node_copy (json_object_get_member (fmt, "file")));
  json_object_set_object_member (fmt, "file", slice);
  return TRUE;
}
