#include "qemu-graphics-expiry.h"

#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

gint64
vb_qemu_graphics_valid_to (const char *text)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) when = text ? g_date_time_new_from_iso8601 (text, utc) : NULL;
  gint64 seconds;

  /* A date alone (no 'T') is no xsd:dateTime. */
  if (!when || !strchr (text, 'T'))
    return -1;
  seconds = g_date_time_to_unix (when);
  return seconds < 0 ? -1 : seconds;
}

static gboolean
refuse_on (GError **error, xmlNode *node, const char *why)
{
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "<%s> at line %ld: %s",
               (const char *) node->name, vb_xml_line (node), why);
  return FALSE;
}

gboolean
vb_qemu_graphics_expiry_check (xmlNode *graphics, const char *type, GError **error)
{
  g_autofree char *valid_to = vb_xml_attr (graphics, "passwdValidTo");
  g_autofree char *connected = vb_xml_attr (graphics, "connected");
  gboolean server = g_strcmp0 (type, "vnc") == 0 || g_strcmp0 (type, "spice") == 0;

  if ((valid_to || connected) && !server)
    return refuse_on (error, graphics,
                      "passwdValidTo and connected are a VNC or SPICE server's password's");
  if (valid_to && vb_qemu_graphics_valid_to (valid_to) < 0)
    return refuse_on (error, graphics,
                      "passwdValidTo is a date and time such as 2011-05-31T16:11:22 (UTC), "
                      "after 1970");
  /* QEMU's VNC server keeps its clients when the password changes. */
  if (connected && g_str_equal (type, "vnc") && !g_str_equal (connected, "keep"))
    return refuse_on (error, graphics, "a VNC server keeps its clients (connected='keep' only)");
  return TRUE;
}
