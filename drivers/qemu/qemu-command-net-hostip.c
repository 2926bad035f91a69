/* <interface type='ethernet'><source><ip address prefix peer> and
 * <source><route address prefix gateway>: the host side of the tap the
 * service makes, set at Start before QEMU runs (qemu-tap-ip.c). Each value
 * is checked here as an address of one family, so only what
 * GInetAddress parsed reaches the kernel. */
#include <gio/gio.h>

#include "qemu-command-private.h"

static void
tap_ip_free (VbQemuTapIp *ip)
{
  g_free (ip->address);
  g_free (ip->peer);
  g_free (ip->gateway);
  g_free (ip);
}

/* @node's @attr as an address of the family its family= names (if it
 * does); NULL with @error otherwise. */
static char *
address (xmlNode *node, const char *attr, GSocketFamily *family, GError **error)
{
  g_autofree char *text = vb_xml_attr (node, attr);
  g_autoptr (GInetAddress) parsed = text ? g_inet_address_new_from_string (text) : NULL;
  GSocketFamily wanted = vb_xml_attr_is (node, "family", "ipv6")   ? G_SOCKET_FAMILY_IPV6
                         : vb_xml_attr_is (node, "family", "ipv4") ? G_SOCKET_FAMILY_IPV4
                                                                   : *family;

  if (!parsed)
    {
      refuse (error, node, "%s='%s' is not an IP address", attr, text ? text : "");
      return NULL;
    }
  if (wanted != G_SOCKET_FAMILY_INVALID && g_inet_address_get_family (parsed) != wanted)
    {
      refuse (error, node, "%s='%s' is not an %s address", attr, text,
              wanted == G_SOCKET_FAMILY_IPV6 ? "IPv6" : "IPv4");
      return NULL;
    }
  *family = g_inet_address_get_family (parsed);
  return g_inet_address_to_string (parsed);
}

/* prefix=, or as libvirt takes its absence: an IPv4 address's class
 * (A: 8, B: 16, C: 24), 64 for IPv6. */
static gboolean
prefix (xmlNode *node, const char *address_text, GSocketFamily family, guint *out, GError **error)
{
  guint max = family == G_SOCKET_FAMILY_IPV6 ? 128 : 32;

  if (xmlHasProp (node, BAD_CAST "prefix"))
    {
      *out = vb_xml_attr_uint (node, "prefix", max + 1);
      if (*out > max)
        return refuse (error, node, "prefix= is at most %u for %s", max, address_text);
      return TRUE;
    }
  if (family == G_SOCKET_FAMILY_IPV6)
    *out = 64;
  else
    {
      guint first = (guint) g_ascii_strtoull (address_text, NULL, 10);

      if (first >= 224)
        return refuse (error, node, "%s has no address class: give its prefix=", address_text);
      *out = first < 128 ? 8 : first < 192 ? 16 : 24;
    }
  return TRUE;
}

static gboolean
host_ip (xmlNode *node, gboolean route, GPtrArray *list, GError **error)
{
  GSocketFamily family = G_SOCKET_FAMILY_INVALID;
  VbQemuTapIp *ip = g_new0 (VbQemuTapIp, 1);

  g_ptr_array_add (list, ip);
  if (!(ip->address = address (node, "address", &family, error))
      || !prefix (node, ip->address, family, &ip->prefix, error))
    return FALSE;
  if (route)
    return (ip->gateway = address (node, "gateway", &family, error)) != NULL;
  if (xmlHasProp (node, BAD_CAST "peer"))
    return (ip->peer = address (node, "peer", &family, error)) != NULL;
  return TRUE;
}

gboolean
vb_qemu_tap_host_ips (xmlNode *iface, const char *type, VbQemuTap *tap, GError **error)
{
  xmlNode *source = vb_xml_child (iface, "source");
  xmlNode *first =
    vb_xml_child (source, "ip") ? vb_xml_child (source, "ip") : vb_xml_child (source, "route");
  g_autoptr (GPtrArray) list = NULL;

  if (!first)
    return TRUE;
  if (!g_str_equal (type, "ethernet") || !tap)
    return refuse (error, first,
                   "<source><%s> sets the host side of a tap the service makes: "
                   "type='ethernet' only",
                   (const char *) first->name);
  if (tap->existing)
    return refuse (error, first,
                   "<source><%s>: tap %s is the host's (managed='no'); the service does not "
                   "change its addresses or routes",
                   (const char *) first->name, tap->ifname);
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) tap_ip_free);
  for (xmlNode *ip = vb_xml_child (source, "ip"); ip; ip = vb_xml_next (ip, "ip"))
    if (!host_ip (ip, FALSE, list, error))
      return FALSE;
  for (xmlNode *route = vb_xml_child (source, "route"); route; route = vb_xml_next (route, "route"))
    if (!host_ip (route, TRUE, list, error))
      return FALSE;
  tap->host_ips = g_steal_pointer (&list);
  return TRUE;
}
