/* Older spellings of domain XML: see domain-old-spellings.h. */
#include "domain-old-spellings.h"

#include "xml-schema.h"

/* <graphics type='vnc' socket='P'> is <listen type='socket' socket='P'>
 * from before <listen> existed. */
static gboolean
vnc_socket_attribute (xmlNode *graphics, GError **error)
{
  g_autofree char *socket = vb_xml_attr (graphics, "socket");
  xmlNode *listen;

  if (!socket)
    return TRUE;
  if (!vb_xml_attr_is (graphics, "type", "vnc"))
    return vb_xml_invalid (error, graphics,
                           "socket= is for VNC (a SPICE socket is <listen type='socket'>)");
  if (xmlHasProp (graphics, BAD_CAST "listen") || xmlHasProp (graphics, BAD_CAST "port"))
    return vb_xml_invalid (error, graphics,
                           "a VNC server on socket %s has no listen address or port", socket);
  listen = vb_xml_child (graphics, "listen");
  if (listen && vb_xml_next (listen, "listen"))
    return vb_xml_invalid (error, graphics, "a VNC server on socket %s has one <listen>", socket);
  if (listen)
    {
      g_autofree char *other = vb_xml_attr (listen, "socket");

      if (!vb_xml_attr_is (listen, "type", "socket") || g_strcmp0 (other, socket) != 0)
        return vb_xml_invalid (error, listen,
                               "<graphics socket='%s'> and this <listen> name different places",
                               socket);
    }
  else
    {
      listen = xmlNewChild (graphics, NULL, BAD_CAST "listen", NULL);
      xmlSetProp (listen, BAD_CAST "type", BAD_CAST "socket");
      xmlSetProp (listen, BAD_CAST "socket", BAD_CAST socket);
    }
  xmlUnsetProp (graphics, BAD_CAST "socket");
  return TRUE;
}

/* A SPICE server with neither port nor tlsPort and no autoport='yes' is,
 * in libvirt, one that listens nowhere (QEMU's -spice without a port):
 * clients reach it only through OpenGraphics. libvirt rewrites it to
 * <listen type='none'/> when it reads it (virDomainDefPostParseGraphics), an
 * address it names included; so does this. A port of 0 is no port. VNC has
 * no such spelling: without a port it gets one of the service's choice. */
static void
spice_without_ports (xmlNode *graphics)
{
  static const char *const ports[] = { "port", "tlsPort" };
  xmlNode *listen = vb_xml_child (graphics, "listen");
  xmlNode *none;

  if (!vb_xml_attr_is (graphics, "type", "spice") || vb_xml_attr_is (graphics, "autoport", "yes"))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    if (xmlHasProp (graphics, BAD_CAST ports[i]) && vb_xml_attr_uint (graphics, ports[i], 1) != 0)
      return;
  if (listen && !vb_xml_attr_is (listen, "type", "address"))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    xmlUnsetProp (graphics, BAD_CAST ports[i]);
  xmlUnsetProp (graphics, BAD_CAST "autoport");
  xmlUnsetProp (graphics, BAD_CAST "listen");
  none = xmlNewDocNode (graphics->doc, NULL, BAD_CAST "listen", NULL);
  xmlSetProp (none, BAD_CAST "type", BAD_CAST "none");
  if (listen)
    {
      xmlReplaceNode (listen, none);
      xmlFreeNode (listen);
    }
  else if (graphics->children)
    xmlAddPrevSibling (graphics->children, none);
  else
    xmlAddChild (graphics, none);
}

gboolean
vb_domain_rewrite_old_spellings (xmlNode *root, GError **error)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  for (xmlNode *graphics = devices ? vb_xml_child (devices, "graphics") : NULL; graphics;
       graphics = vb_xml_next (graphics, "graphics"))
    {
      if (!vnc_socket_attribute (graphics, error))
        return FALSE;
      spice_without_ports (graphics);
    }
  return TRUE;
}
