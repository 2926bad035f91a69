/* <video><model type='virtio' blob='on'>: virtio-gpu's blob resources,
 * guest memory the host display maps through /dev/udmabuf instead of
 * copying it. The kernel makes a udmabuf only from sealed memfd memory, so
 * the domain's memory must be memfd (checked at define); the device node
 * is this host's (checked at Start). */
#include "qemu-command-private.h"

#define UDMABUF_DEVICE "/dev/udmabuf"

gboolean
vb_qemu_video_blob (Builder *b, xmlNode *model, GString *out, GError **error)
{
  xmlNode *root = b->devices ? b->devices->parent : NULL;
  xmlNode *backing = root ? vb_xml_child (root, "memoryBacking") : NULL;
  g_autofree char *blob = vb_xml_attr (model, "blob");

  if (!blob)
    return TRUE;
  if (g_str_equal (blob, "off"))
    {
      g_string_append (out, ",blob=false");
      return TRUE;
    }
  if (vb_xml_attr_is (vb_xml_child (model, "acceleration"), "accel3d", "yes"))
    return refuse (error, model, "blob resources and accel3d exclude each other in QEMU 7.2");
  if (!vb_xml_attr_is (vb_xml_child (backing, "source"), "type", "memfd"))
    return refuse (error, model,
                   "blob resources need the domain's memory in memfd "
                   "(<memoryBacking><source type='memfd'/>)");
  if (!b->context->dry_run && !host_has (b->context, UDMABUF_DEVICE))
    return refuse (error, model,
                   "blob resources need %s, which this host lacks (the kernel's udmabuf "
                   "module)",
                   UDMABUF_DEVICE);
  g_string_append (out, ",blob=true");
  return TRUE;
}
