/* <interface type='ethernet'><script path> and <downscript path>: kept on
 * the tap for the start (qemu-tap-script.c), which checks and runs them as
 * root; the command line is the same with or without them. The paths were
 * checked to be absolute at define (domain-host-root.c). */
#include "qemu-command-private.h"

gboolean
vb_qemu_tap_scripts (Builder *b, xmlNode *iface, VbQemuTap *tap, GError **error)
{
  xmlNode *script = vb_xml_child (iface, "script");
  xmlNode *downscript = vb_xml_child (iface, "downscript");

  tap->script = script ? vb_xml_attr (script, "path") : NULL;
  tap->downscript = downscript ? vb_xml_attr (downscript, "path") : NULL;
  return TRUE;
}
