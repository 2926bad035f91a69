#include "net-update.h"

#include <libxml/tree.h>

#include "vb-error.h"
#include "xml-schema.h"

static xmlNode *
find_ip (xmlNode *root, int parent_index, GError **error)
{
  int i = 0;
  xmlNode *first_v4 = NULL;

  for (xmlNode *ip = vb_xml_child (root, "ip"); ip; ip = vb_xml_next (ip, "ip"), i++)
    {
      g_autofree char *family = vb_xml_attr (ip, "family");

      if (parent_index == i)
        return ip;
      if (parent_index < 0 && vb_xml_child (ip, "dhcp"))
        return ip;
      if (!first_v4 && g_strcmp0 (family, "ipv6") != 0)
        first_v4 = ip;
    }
  if (parent_index < 0 && first_v4)
    return first_v4;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
               parent_index < 0 ? "The network has no <ip> for DHCP hosts"
                                : "The network has no <ip> number %d (counting from 0)",
               parent_index);
  return NULL;
}

/* Whether @a and @b name the same host: by MAC when both have one, else by
 * name, else by address. */
static gboolean
same_host (xmlNode *a, xmlNode *b)
{
  const char *keys[] = { "mac", "name", "ip" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *x = vb_xml_attr (a, keys[i]);
      g_autofree char *y = vb_xml_attr (b, keys[i]);

      if (x && y)
        return g_ascii_strcasecmp (x, y) == 0;
    }
  return FALSE;
}

/* Whether @a and @b share a MAC, a name or an address. */
static gboolean
conflicts (xmlNode *a, xmlNode *b)
{
  const char *keys[] = { "mac", "name", "ip" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *x = vb_xml_attr (a, keys[i]);
      g_autofree char *y = vb_xml_attr (b, keys[i]);

      if (x && y && g_ascii_strcasecmp (x, y) == 0)
        return TRUE;
    }
  return FALSE;
}

char *
vb_net_update_dhcp_host (const char *network_xml, guint command, int parent_index,
                         const char *host_xml, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (network_xml, "network", error);
  g_autoptr (xmlDoc) host_doc = NULL;
  xmlNode *ip, *dhcp, *host, *match = NULL;

  if (!doc)
    return NULL;
  host_doc = vb_xml_parse (host_xml, "host", error);
  if (!host_doc)
    return NULL;
  host = xmlDocGetRootElement (host_doc);
  if (!xmlHasProp (host, BAD_CAST "mac") && !xmlHasProp (host, BAD_CAST "name"))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "A DHCP <host> needs 'mac' or 'name'");
      return NULL;
    }
  ip = find_ip (xmlDocGetRootElement (doc), parent_index, error);
  if (!ip)
    return NULL;
  dhcp = vb_xml_child (ip, "dhcp");
  if (!dhcp)
    dhcp = xmlNewChild (ip, NULL, BAD_CAST "dhcp", NULL);
  for (xmlNode *old = vb_xml_child (dhcp, "host"); old && !match; old = vb_xml_next (old, "host"))
    if (command == VB_NETWORK_UPDATE_ADD_FIRST || command == VB_NETWORK_UPDATE_ADD_LAST
          ? conflicts (old, host)
          : same_host (old, host))
      match = old;

  switch (command)
    {
    case VB_NETWORK_UPDATE_ADD_FIRST:
    case VB_NETWORK_UPDATE_ADD_LAST:
      if (match)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "The network has a DHCP host with that MAC, name or address already");
          return NULL;
        }
      {
        xmlNode *copy = xmlDocCopyNode (host, doc, 1);
        xmlNode *first = vb_xml_child (dhcp, "host");
        xmlNode *last = NULL;

        for (xmlNode *h = first; h; h = vb_xml_next (h, "host"))
          last = h;
        if (command == VB_NETWORK_UPDATE_ADD_FIRST && first)
          xmlAddPrevSibling (first, copy);
        else if (last)
          xmlAddNextSibling (last, copy);
        else
          xmlAddChild (dhcp, copy);
      }
      break;
    case VB_NETWORK_UPDATE_DELETE:
    case VB_NETWORK_UPDATE_MODIFY:
      if (!match)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "The network has no such DHCP host");
          return NULL;
        }
      if (command == VB_NETWORK_UPDATE_MODIFY)
        xmlAddNextSibling (match, xmlDocCopyNode (host, doc, 1));
      xmlUnlinkNode (match);
      xmlFreeNode (match);
      break;
    default:
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Unknown update command %u (1 modify, 2 delete, 3 add-last, 4 add-first)",
                   command);
      return NULL;
    }
  return vb_xml_format (doc);
}
