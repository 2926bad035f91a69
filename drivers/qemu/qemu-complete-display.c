/* The display a domain gets when a device of it renders through OpenGL and
 * none of its displays has it: a <video> with <acceleration accel3d='yes'>
 * (virtio-vga-gl) or a host device with display='on' shows nothing, and
 * QEMU refuses to start ("opengl is not available"), without a display that
 * gives QEMU an OpenGL context. virtbus adds <graphics type='egl-headless'/>
 * (OpenGL on a render node, no window; a VNC or SPICE display beside it
 * shows what it renders), the pairing libvirt's documentation gives for
 * these devices. It is written into the stored definition at define, so
 * what runs is what the definition says; the render node is checked at
 * Start as for any egl-headless display. */
#include "qemu-complete.h"
#include "xml-schema.h"

static gboolean
renders_with_gl (xmlNode *devices)
{
  for (xmlNode *video = vb_xml_child (devices, "video"); video;
       video = vb_xml_next (video, "video"))
    if (vb_xml_attr_is (vb_xml_child (vb_xml_child (video, "model"), "acceleration"), "accel3d",
                        "yes"))
      return TRUE;
  /* A mediated (or PCI) device's display is shown on the domain's VNC or
   * SPICE one: without any <graphics> it is refused (qemu-command-hostdev.c). */
  for (xmlNode *hostdev = vb_xml_child (devices, "hostdev"); hostdev;
       hostdev = vb_xml_next (hostdev, "hostdev"))
    if ((vb_xml_attr_is (hostdev, "type", "mdev") || vb_xml_attr_is (hostdev, "type", "pci"))
        && vb_xml_attr_is (hostdev, "display", "on") && vb_xml_child (devices, "graphics"))
      return TRUE;
  return FALSE;
}

void
vb_qemu_complete_gl_display (xmlNode *devices)
{
  xmlNode *last = NULL;
  xmlNode *display;

  if (!renders_with_gl (devices))
    return;
  for (xmlNode *g = vb_xml_child (devices, "graphics"); g; g = vb_xml_next (g, "graphics"))
    {
      /* A dbus display is QEMU's one -display: its own <gl> gives OpenGL
       * (qemu-command-dbus.c refuses it without). */
      if (vb_xml_attr_is (g, "type", "egl-headless") || vb_xml_attr_is (g, "type", "dbus")
          || vb_xml_attr_is (vb_xml_child (g, "gl"), "enable", "yes"))
        return;
      last = g;
    }
  display = xmlNewDocNode (devices->doc, NULL, BAD_CAST "graphics", NULL);
  xmlSetProp (display, BAD_CAST "type", BAD_CAST "egl-headless");
  if (last)
    xmlAddNextSibling (last, display);
  else
    xmlAddChild (devices, display);
}
