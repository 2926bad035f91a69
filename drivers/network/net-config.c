#include "net-config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

static void
dhcp_host_free (VbNetDhcpHost *host)
{
  g_free (host->mac);
  g_free (host->ip);
  g_free (host->name);
  g_free (host);
}

static void
net_ip_free (VbNetIp *ip)
{
  g_free (ip->address);
  g_free (ip->subnet);
  g_ptr_array_unref (ip->ranges);
  g_ptr_array_unref (ip->hosts);
  g_free (ip);
}

void
vb_net_config_free (VbNetConfig *config)
{
  if (!config)
    return;
  g_free (config->name);
  g_free (config->uuid);
  g_free (config->bridge);
  g_free (config->forward_mode);
  g_ptr_array_unref (config->ips);
  g_free (config);
}

/* The first @prefix bits of @address, the rest cleared. */
static GInetAddress *
mask_address (GInetAddress *address, guint prefix)
{
  gsize size = g_inet_address_get_native_size (address);
  guint8 bytes[16];

  memcpy (bytes, g_inet_address_to_bytes (address), size);
  for (gsize i = 0; i < size; i++)
    {
      guint bits = prefix > i * 8 ? MIN (prefix - i * 8, 8) : 0;
      bytes[i] &= (guint8) (0xff00 >> bits);
    }
  return g_inet_address_new_from_bytes (bytes, g_inet_address_get_family (address));
}

static guint
ip_prefix (xmlNode *node, GInetAddress *address)
{
  g_autofree char *prefix = vb_xml_attr (node, "prefix");
  g_autofree char *netmask = vb_xml_attr (node, "netmask");
  g_autoptr (GInetAddressMask) mask = NULL;

  if (prefix)
    return (guint) g_ascii_strtoull (prefix, NULL, 10);
  if (netmask)
    {
      g_autoptr (GInetAddress) bits = g_inet_address_new_from_string (netmask);
      const guint8 *bytes = bits ? g_inet_address_to_bytes (bits) : NULL;
      guint n = 0;

      for (guint i = 0; bytes && i < 32; i++)
        n += (bytes[i / 8] >> (7 - i % 8)) & 1;
      return n;
    }
  return g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 ? 64 : 24;
}

/* @node's address attribute @attr written the one way GLib writes it, so
 * that only an address's characters reach dnsmasq's files; as given when it
 * does not parse (the writers then refuse it). */
static char *
canonical_address (xmlNode *node, const char *attr)
{
  g_autofree char *text = vb_xml_attr (node, attr);
  g_autoptr (GInetAddress) address = text ? g_inet_address_new_from_string (text) : NULL;

  return address ? g_inet_address_to_string (address) : g_steal_pointer (&text);
}

static VbNetIp *
read_ip (xmlNode *node)
{
  g_autofree char *text = vb_xml_attr (node, "address");
  g_autoptr (GInetAddress) address = text ? g_inet_address_new_from_string (text) : NULL;
  g_autoptr (GInetAddress) subnet = NULL;
  xmlNode *dhcp = vb_xml_child (node, "dhcp");
  VbNetIp *ip;

  if (!address)
    return NULL;
  ip = g_new0 (VbNetIp, 1);
  ip->family = g_inet_address_get_family (address);
  ip->address = g_inet_address_to_string (address);
  ip->prefix = ip_prefix (node, address);
  subnet = mask_address (address, ip->prefix);
  ip->subnet = g_inet_address_to_string (subnet);
  ip->ranges = g_ptr_array_new_with_free_func (g_free);
  ip->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) dhcp_host_free);
  for (xmlNode *range = vb_xml_child (dhcp, "range"); range; range = vb_xml_next (range, "range"))
    {
      g_autofree char *start = canonical_address (range, "start");
      g_autofree char *end = canonical_address (range, "end");

      g_ptr_array_add (ip->ranges, g_strdup_printf ("%s,%s", start, end));
    }
  for (xmlNode *host = vb_xml_child (dhcp, "host"); host; host = vb_xml_next (host, "host"))
    {
      VbNetDhcpHost *entry = g_new0 (VbNetDhcpHost, 1);

      entry->mac = vb_xml_attr (host, "mac");
      entry->ip = canonical_address (host, "ip");
      entry->name = vb_xml_attr (host, "name");
      g_ptr_array_add (ip->hosts, entry);
    }
  return ip;
}

VbNetConfig *
vb_net_config_new (const VbNetworkDef *def, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "network", error);
  g_autoptr (VbNetConfig) config = NULL;
  xmlNode *root;

  if (!doc)
    return NULL;
  root = xmlDocGetRootElement (doc);
  config = g_new0 (VbNetConfig, 1);
  config->name = g_strdup (def->name);
  config->uuid = g_strdup (def->uuid);
  config->bridge = g_strdup (def->bridge);
  config->forward_mode = g_strdup (def->forward_mode);
  config->ips = g_ptr_array_new_with_free_func ((GDestroyNotify) net_ip_free);
  for (xmlNode *node = vb_xml_child (root, "ip"); node; node = vb_xml_next (node, "ip"))
    {
      VbNetIp *ip = read_ip (node);

      if (ip)
        g_ptr_array_add (config->ips, ip);
    }
  return g_steal_pointer (&config);
}

gboolean
vb_net_config_has_dhcp (const VbNetConfig *config)
{
  for (guint i = 0; i < config->ips->len; i++)
    {
      VbNetIp *ip = config->ips->pdata[i];

      if (ip->ranges->len || ip->hosts->len)
        return TRUE;
    }
  return FALSE;
}

/* Whether @a/@a_prefix and @b/@b_prefix share an address. */
static gboolean
overlaps (GInetAddress *a, guint a_prefix, GInetAddress *b, guint b_prefix)
{
  guint prefix = MIN (a_prefix, b_prefix);
  g_autoptr (GInetAddress) x = NULL;
  g_autoptr (GInetAddress) y = NULL;

  if (g_inet_address_get_family (a) != g_inet_address_get_family (b))
    return FALSE;
  x = mask_address (a, prefix);
  y = mask_address (b, prefix);
  return g_inet_address_equal (x, y);
}

static JsonArray *
parse_links (JsonParser *parser, const char *ip_json)
{
  if (!ip_json || !json_parser_load_from_data (parser, ip_json, -1, NULL)
      || !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    return NULL;
  return json_node_get_array (json_parser_get_root (parser));
}

GHashTable *
vb_net_interface_names (const char *ip_json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *links = parse_links (parser, ip_json);
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; links && i < json_array_get_length (links); i++)
    {
      JsonObject *link = json_array_get_object_element (links, i);
      const char *name = link ? json_object_get_string_member_with_default (link, "ifname", NULL)
                              : NULL;

      if (name)
        g_hash_table_add (names, g_strdup (name));
    }
  return names;
}

gboolean
vb_net_config_check_clash (const VbNetConfig *config, const char *ip_json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *links = parse_links (parser, ip_json);

  for (guint i = 0; links && i < json_array_get_length (links); i++)
    {
      JsonObject *link = json_array_get_object_element (links, i);
      const char *ifname = json_object_get_string_member_with_default (link, "ifname", "?");
      JsonArray *addresses = json_object_has_member (link, "addr_info")
                               ? json_object_get_array_member (link, "addr_info")
                               : NULL;

      if (config->bridge && g_str_equal (ifname, config->bridge))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "Cannot start network '%s': an interface named '%s' exists already",
                       config->name, ifname);
          return FALSE;
        }
      for (guint j = 0; addresses && j < json_array_get_length (addresses); j++)
        {
          JsonObject *info = json_array_get_object_element (addresses, j);
          const char *local = json_object_get_string_member_with_default (info, "local", NULL);
          guint prefix = (guint) json_object_get_int_member_with_default (info, "prefixlen", 32);
          g_autoptr (GInetAddress) theirs = local ? g_inet_address_new_from_string (local) : NULL;

          if (!theirs || g_inet_address_get_is_link_local (theirs))
            continue;
          for (guint k = 0; k < config->ips->len; k++)
            {
              VbNetIp *ip = config->ips->pdata[k];
              g_autoptr (GInetAddress) ours = g_inet_address_new_from_string (ip->address);

              if (overlaps (ours, ip->prefix, theirs, prefix))
                {
                  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Cannot start network '%s': its subnet %s/%u overlaps %s/%u "
                               "on interface '%s'",
                               config->name, ip->subnet, ip->prefix, local, prefix, ifname);
                  return FALSE;
                }
            }
        }
    }
  return TRUE;
}
