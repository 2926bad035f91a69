#include "network-def.h"
#include "network-portgroup.h"

#include <string.h>

#include <gio/gio.h>

#include "vb-error.h"
#include "xml-schema.h"

#define NETWORK_NAME_MAX 200
/* Linux interface names: IFNAMSIZ less the terminating NUL. */
#define BRIDGE_NAME_MAX 15
#define IFNAME_CHARS                                                                               \
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
/* RFC 1123 (and 1035): a whole name, and one label of it. */
#define HOSTNAME_MAX 253
#define LABEL_MAX 63

static const VbXmlRule network_rules[] = {
  /* connections= is a live count libvirt reports; accepted and dropped. */
  { "network", "connections=%u", NULL, 0 },
  { "network/name", NULL, "*", 0 },
  { "network/uuid", NULL, "*", 0 },
  { "network/metadata", NULL, "*", VB_XML_RULE_VERBATIM },
  { "network/forward", "mode=nat|route|open|bridge dev", NULL, 0 },
  { "network/forward/nat", "ipv6=yes|no", NULL, 0 },
  { "network/forward/nat/address", "!start !end", NULL, 0 },
  { "network/forward/nat/port", "!start=%u !end=%u", NULL, 0 },
  { "network/forward/interface", "!dev", NULL, VB_XML_RULE_REPEAT },
  { "network/bridge", "name stp=on|off delay=%u", NULL, 0 },
  { "network/mac", "!address", NULL, 0 },
  { "network/domain", "!name localOnly=yes|no", NULL, 0 },
  { "network/mtu", "!size=%u", NULL, 0 },
  { "network/dns", "enable=yes|no forwardPlainNames=yes|no", NULL, 0 },
  { "network/dns/forwarder", "addr domain", NULL, VB_XML_RULE_REPEAT },
  { "network/dns/host", "!ip", NULL, VB_XML_RULE_REPEAT },
  { "network/dns/host/hostname", NULL, "*", VB_XML_RULE_REPEAT },
  { "network/ip", "address netmask prefix=%u family=ipv4|ipv6 localPtr=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "network/ip/tftp", "!root", NULL, 0 },
  { "network/ip/dhcp", NULL, NULL, 0 },
  { "network/ip/dhcp/range", "!start !end", NULL, VB_XML_RULE_REPEAT },
  { "network/ip/dhcp/host", "mac name ip", NULL, VB_XML_RULE_REPEAT },
  { "network/ip/dhcp/bootp", "!file server", NULL, 0 },
  /* Portgroups: limits a domain's interface on this network takes when it
   * names the group, or the default one, and has no <bandwidth> of its own
   * (network-portgroup.c). */
  { "network/portgroup", "!name default=yes|no", NULL, VB_XML_RULE_REPEAT },
  { "network/portgroup/bandwidth", NULL, NULL, 0 },
  { "network/portgroup/bandwidth/inbound", "!average=%u peak=%u burst=%u", NULL, 0 },
  { "network/portgroup/bandwidth/outbound", "!average=%u peak=%u burst=%u", NULL, 0 },
};

static const VbXmlSchema network_schema = { network_rules, G_N_ELEMENTS (network_rules) };

/* ------------------------------------------------------------------------ */
/* Names */

/* Interface names (the bridge, <forward dev>) reach `ip` argv, nft rules and
 * dnsmasq's interface=: beyond the kernel's rules (1 to 15 bytes, no '/',
 * ':' or whitespace, not '.' or '..'), only [A-Za-z0-9_.-], so that no
 * wildcard of nft or dnsmasq ('*'), of iptables ('+'), no quote and no
 * line break can get in. */
char *
vb_network_ifname_problem (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > BRIDGE_NAME_MAX)
    return g_strdup_printf ("expected 1 to %d characters", BRIDGE_NAME_MAX);
  if (strspn (name, IFNAME_CHARS) != strlen (name))
    return g_strdup ("expected only letters, digits, '_', '.' and '-' (no wildcard such as "
                     "'*' or '+')");
  if (g_str_equal (name, ".") || g_str_equal (name, ".."))
    return g_strdup ("'.' and '..' are not interface names");
  return NULL;
}

/* Host and domain names reach dnsmasq's hosts file and configuration: RFC
 * 1123 labels (letters, digits, '-' not first or last, 1 to 63 characters)
 * joined by single dots, at most 253 characters, nothing else. */
char *
vb_network_hostname_problem (const char *name)
{
  gsize length = name != NULL ? strlen (name) : 0;
  gsize label = 0;

  if (length == 0 || length > HOSTNAME_MAX)
    return g_strdup_printf ("expected 1 to %d characters", HOSTNAME_MAX);
  for (const char *p = name;; p++) {
    if (*p == '.' || *p == '\0') {
      if (label == 0 || label > LABEL_MAX || p[-1] == '-')
        return g_strdup_printf ("expected labels of 1 to %d letters, digits or '-' (not at "
                                "either end) joined by '.'",
                                LABEL_MAX);
      if (*p == '\0')
        return NULL;
      label = 0;
      continue;
    }
    if (!g_ascii_isalnum (*p) && !(*p == '-' && label > 0))
      return g_strdup ("expected only letters, digits, '-' and '.'");
    label++;
  }
}

static gboolean
check_ifname_attr (xmlNode *node, const char *attr, char **name_out, GError **error)
{
  g_autofree char *name = node != NULL ? vb_xml_attr (node, attr) : NULL;
  g_autofree char *problem = NULL;
  g_autofree char *quoted = NULL;

  if (name == NULL)
    return TRUE;
  problem = vb_network_ifname_problem (name);
  if (problem != NULL) {
    quoted = vb_xml_quote (name);
    if (g_str_equal ((const char *) node->name, "bridge"))
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "invalid bridge name %s on <bridge> at line %ld: %s", quoted,
                   vb_xml_line (node), problem);
    else
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "invalid interface name %s for attribute '%s' on <%s> at line %ld: %s", quoted,
                   attr, node->name, vb_xml_line (node), problem);
    return FALSE;
  }
  if (name_out != NULL)
    *name_out = g_steal_pointer (&name);
  return TRUE;
}

/* A host or domain name in attribute @attr of @node, or (@attr NULL) its text. */
static gboolean
check_hostname (xmlNode *node, const char *attr, GError **error)
{
  g_autofree char *name = attr != NULL ? vb_xml_attr (node, attr) : vb_xml_text (node);
  g_autofree char *problem = NULL;
  g_autofree char *quoted = NULL;

  if (name == NULL && attr != NULL)
    return TRUE;
  problem = vb_network_hostname_problem (name);
  if (problem == NULL)
    return TRUE;
  quoted = vb_xml_quote (name != NULL ? name : "");
  if (attr != NULL)
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid value %s for attribute '%s' on <%s> at line %ld: expected a host name "
                 "(%s)",
                 quoted, attr, node->name, vb_xml_line (node), problem);
  else
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid value %s in <%s> at line %ld: expected a host name (%s)", quoted,
                 node->name, vb_xml_line (node), problem);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Addresses */

static GInetAddress *
parse_address (xmlNode *node, const char *attr, GSocketFamily family, GError **error)
{
  g_autofree char *text = vb_xml_attr (node, attr);
  g_autoptr (GInetAddress) address = NULL;

  if (text == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "missing attribute '%s' on <%s> at line %ld", attr, node->name,
                 vb_xml_line (node));
    return NULL;
  }
  address = g_inet_address_new_from_string (text);
  if (address == NULL ||
      (family != G_SOCKET_FAMILY_INVALID && g_inet_address_get_family (address) != family)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid value '%s' for attribute '%s' on <%s> at line %ld: "
                 "expected an %s address",
                 text, attr, node->name, vb_xml_line (node),
                 family == G_SOCKET_FAMILY_IPV6   ? "IPv6"
                 : family == G_SOCKET_FAMILY_IPV4 ? "IPv4"
                                                  : "IP");
    return NULL;
  }
  return g_steal_pointer (&address);
}

/* Whether the first @prefix bits of @a and @b are equal. */
static gboolean
same_subnet (GInetAddress *a, GInetAddress *b, guint prefix)
{
  const guint8 *x = g_inet_address_to_bytes (a);
  const guint8 *y = g_inet_address_to_bytes (b);
  guint full = prefix / 8;
  guint8 mask = (guint8) (0xff << (8 - prefix % 8));

  if (memcmp (x, y, full) != 0)
    return FALSE;
  return prefix % 8 == 0 || ((x[full] ^ y[full]) & mask) == 0;
}

/* The prefix length of a contiguous netmask, or -1. */
static int
netmask_prefix (GInetAddress *netmask)
{
  const guint8 *bytes = g_inet_address_to_bytes (netmask);
  gsize size = g_inet_address_get_native_size (netmask);
  int prefix = 0;
  gboolean ended = FALSE;

  for (gsize i = 0; i < size * 8; i++) {
    gboolean bit = (bytes[i / 8] >> (7 - i % 8)) & 1;

    if (bit && ended)
      return -1;
    ended |= !bit;
    prefix += bit;
  }
  return prefix;
}

/* The address and prefix length of one <ip>, once checked. */
typedef struct {
  GInetAddress *address;
  GSocketFamily family;
  guint prefix;
} IpSubnet;

static void
ip_subnet_clear (IpSubnet *subnet)
{
  g_clear_object (&subnet->address);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IpSubnet, ip_subnet_clear)

static gboolean
read_prefix (xmlNode *ip, IpSubnet *subnet, GError **error)
{
  g_autofree char *prefix = vb_xml_attr (ip, "prefix");
  g_autofree char *netmask_text = vb_xml_attr (ip, "netmask");
  g_autoptr (GInetAddress) netmask = NULL;
  guint max = subnet->family == G_SOCKET_FAMILY_IPV6 ? 128 : 32;
  guint64 n = 0;

  if (prefix != NULL && netmask_text != NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "<ip> at line %ld has both 'netmask' and 'prefix': give one", vb_xml_line (ip));
    return FALSE;
  }
  if (prefix != NULL) {
    if (!vb_xml_parse_unsigned (prefix, 10, max, &n) || n == 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "invalid value '%s' for attribute 'prefix' on <ip> at line %ld: "
                   "expected 1 to %u",
                   prefix, vb_xml_line (ip), max);
      return FALSE;
    }
    subnet->prefix = (guint) n;
    return TRUE;
  }
  if (netmask_text == NULL || subnet->family == G_SOCKET_FAMILY_IPV6) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "<ip> at line %ld needs %s", vb_xml_line (ip),
                 subnet->family == G_SOCKET_FAMILY_IPV6 ? "'prefix' (IPv6 has no netmask)"
                                                         : "'netmask' or 'prefix'");
    return FALSE;
  }
  netmask = parse_address (ip, "netmask", G_SOCKET_FAMILY_IPV4, error);
  if (netmask == NULL)
    return FALSE;
  if (netmask_prefix (netmask) <= 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid value '%s' for attribute 'netmask' on <ip> at line %ld: expected a "
                 "contiguous netmask such as 255.255.255.0",
                 netmask_text, vb_xml_line (ip));
    return FALSE;
  }
  subnet->prefix = (guint) netmask_prefix (netmask);
  return TRUE;
}

static gboolean
read_subnet (xmlNode *ip, IpSubnet *subnet, GError **error)
{
  g_autofree char *family = vb_xml_attr (ip, "family");

  subnet->family = g_strcmp0 (family, "ipv6") == 0 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
  subnet->address = parse_address (ip, "address", subnet->family, error);
  return subnet->address != NULL && read_prefix (ip, subnet, error);
}

static gboolean
check_in_subnet (xmlNode *node, const char *attr, const IpSubnet *subnet, GInetAddress **out,
                 GError **error)
{
  g_autoptr (GInetAddress) address = parse_address (node, attr, subnet->family, error);
  g_autofree char *text = NULL;

  if (address == NULL)
    return FALSE;
  if (!same_subnet (address, subnet->address, subnet->prefix)) {
    text = g_inet_address_to_string (address);
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "address %s of '%s' on <%s> at line %ld is outside the network's <ip> subnet",
                 text, attr, node->name, vb_xml_line (node));
    return FALSE;
  }
  if (out != NULL)
    *out = g_steal_pointer (&address);
  return TRUE;
}

static gboolean
check_range (xmlNode *range, const IpSubnet *subnet, GError **error)
{
  g_autoptr (GInetAddress) start = NULL;
  g_autoptr (GInetAddress) end = NULL;

  if (!check_in_subnet (range, "start", subnet, &start, error) ||
      !check_in_subnet (range, "end", subnet, &end, error))
    return FALSE;
  if (memcmp (g_inet_address_to_bytes (start), g_inet_address_to_bytes (end),
              g_inet_address_get_native_size (start)) <= 0)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "DHCP <range> at line %ld starts after it ends", vb_xml_line (range));
  return FALSE;
}

static gboolean
check_dhcp_host (xmlNode *host, const IpSubnet *subnet, GError **error)
{
  g_autofree char *mac = vb_xml_attr (host, "mac");
  g_autofree char *normal = NULL;

  if (xmlHasProp (host, (const xmlChar *) "ip") != NULL &&
      !check_in_subnet (host, "ip", subnet, NULL, error))
    return FALSE;
  if (!check_hostname (host, "name", error))
    return FALSE;
  if (mac == NULL)
    return TRUE;
  normal = vb_xml_mac_normalize (mac);
  if (normal == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid MAC address '%s' on <host> at line %ld: expected a unicast address "
                 "written as six pairs of hexadecimal digits separated by ':'",
                 mac, vb_xml_line (host));
    return FALSE;
  }
  xmlSetProp (host, (const xmlChar *) "mac", (const xmlChar *) normal);
  return TRUE;
}

static gboolean
check_ip (xmlNode *ip, GError **error)
{
  g_auto (IpSubnet) subnet = { 0 };
  xmlNode *dhcp = vb_xml_child (ip, "dhcp");

  if (!read_subnet (ip, &subnet, error))
    return FALSE;
  for (xmlNode *range = vb_xml_child (dhcp, "range"); range != NULL;
       range = vb_xml_next (range, "range"))
    if (!check_range (range, &subnet, error))
      return FALSE;
  for (xmlNode *host = vb_xml_child (dhcp, "host"); host != NULL; host = vb_xml_next (host, "host"))
    if (!check_dhcp_host (host, &subnet, error))
      return FALSE;
  return TRUE;
}

static gboolean
check_dns (xmlNode *root, GError **error)
{
  xmlNode *dns = vb_xml_child (root, "dns");
  xmlNode *domain = vb_xml_child (root, "domain");

  if (domain != NULL && !check_hostname (domain, "name", error))
    return FALSE;
  for (xmlNode *host = vb_xml_child (dns, "host"); host != NULL;
       host = vb_xml_next (host, "host")) {
    g_autoptr (GInetAddress) address = parse_address (host, "ip", G_SOCKET_FAMILY_INVALID, error);

    if (address == NULL)
      return FALSE;
    for (xmlNode *name = vb_xml_child (host, "hostname"); name != NULL;
         name = vb_xml_next (name, "hostname"))
      if (!check_hostname (name, NULL, error))
        return FALSE;
  }
  for (xmlNode *forwarder = vb_xml_child (dns, "forwarder"); forwarder != NULL;
       forwarder = vb_xml_next (forwarder, "forwarder")) {
    g_autoptr (GInetAddress) address = NULL;

    if (xmlHasProp (forwarder, (const xmlChar *) "addr") != NULL) {
      address = parse_address (forwarder, "addr", G_SOCKET_FAMILY_INVALID, error);
      if (address == NULL)
        return FALSE;
    }
    if (!check_hostname (forwarder, "domain", error))
      return FALSE;
  }
  return TRUE;
}

/* Strings not written anywhere yet that would be dnsmasq option values
 * (tftp-root=, dhcp-boot=): nothing that ends a line, splits an option at a
 * comma, quotes or starts a comment. */
static gboolean
check_option_text (xmlNode *node, const char *attr, GError **error)
{
  g_autofree char *text = node != NULL ? vb_xml_attr (node, attr) : NULL;
  g_autofree char *quoted = NULL;

  if (text == NULL)
    return TRUE;
  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p) || strchr (",\"#\\", *p) != NULL) {
      quoted = vb_xml_quote (text);
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "invalid value %s for attribute '%s' on <%s> at line %ld: control "
                   "characters, ',', '\"', '#' and '\\' are not taken",
                   quoted, attr, node->name, vb_xml_line (node));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_unused_strings (xmlNode *root, GError **error)
{
  xmlNode *nat = vb_xml_child (vb_xml_child (root, "forward"), "nat");

  for (xmlNode *range = vb_xml_child (nat, "address"); range != NULL;
       range = vb_xml_next (range, "address")) {
    g_autoptr (GInetAddress) start = parse_address (range, "start", G_SOCKET_FAMILY_IPV4, error);
    g_autoptr (GInetAddress) end = start ? parse_address (range, "end", G_SOCKET_FAMILY_IPV4, error)
                                         : NULL;

    if (end == NULL)
      return FALSE;
  }
  for (xmlNode *ip = vb_xml_child (root, "ip"); ip != NULL; ip = vb_xml_next (ip, "ip")) {
    xmlNode *bootp = vb_xml_child (vb_xml_child (ip, "dhcp"), "bootp");

    if (!check_option_text (vb_xml_child (ip, "tftp"), "root", error) ||
        !check_option_text (bootp, "file", error) || !check_option_text (bootp, "server", error))
      return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Forwarding and the bridge */

/* The bridge, and the host devices <forward> names: none may be the other. */
static gboolean
check_interfaces (xmlNode *root, char **bridge_out, GError **error)
{
  xmlNode *forward = vb_xml_child (root, "forward");
  g_autofree char *dev = NULL;

  if (!check_ifname_attr (vb_xml_child (root, "bridge"), "name", bridge_out, error) ||
      !check_ifname_attr (forward, "dev", &dev, error))
    return FALSE;
  for (xmlNode *iface = vb_xml_child (forward, "interface"); iface != NULL;
       iface = vb_xml_next (iface, "interface"))
    if (!check_ifname_attr (iface, "dev", NULL, error))
      return FALSE;
  if (dev != NULL && g_strcmp0 (dev, *bridge_out) == 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "<forward dev='%s'> at line %ld names the network's own bridge: it must be the "
                 "host's uplink",
                 dev, vb_xml_line (forward));
    return FALSE;
  }
  return TRUE;
}

/* libvirt's default for a <forward> without mode= is NAT; writing it out
 * keeps the stored XML explicit. */
static char *
fill_forward_mode (xmlNode *root)
{
  xmlNode *forward = vb_xml_child (root, "forward");
  char *mode;

  if (forward == NULL)
    return NULL;
  mode = vb_xml_attr (forward, "mode");
  if (mode == NULL) {
    mode = g_strdup ("nat");
    xmlSetProp (forward, (const xmlChar *) "mode", (const xmlChar *) mode);
  }
  return mode;
}

/* A network in bridge mode only attaches guests to a host bridge or device
 * that exists already: it must name one and cannot run DHCP on it. */
static gboolean
check_bridge_mode (xmlNode *root, const VbNetworkDef *def, GError **error)
{
  xmlNode *forward = vb_xml_child (root, "forward");
  xmlNode *ip = vb_xml_child (root, "ip");

  if (g_strcmp0 (def->forward_mode, "bridge") != 0)
    return TRUE;
  if (def->bridge == NULL && vb_xml_child (forward, "interface") == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "<forward mode='bridge'> at line %ld needs <bridge name=…> or "
                 "<interface dev=…> inside <forward>",
                 vb_xml_line (forward));
    return FALSE;
  }
  if (ip != NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "<ip> at line %ld cannot be used with <forward mode='bridge'>", vb_xml_line (ip));
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_network_mac (xmlNode *root, GError **error)
{
  xmlNode *mac = vb_xml_child (root, "mac");
  g_autofree char *given = mac != NULL ? vb_xml_attr (mac, "address") : NULL;
  g_autofree char *normal = NULL;

  if (mac == NULL)
    return TRUE;
  normal = vb_xml_mac_normalize (given);
  if (normal == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid MAC address '%s' on <mac> at line %ld: expected a unicast address "
                 "written as six pairs of hexadecimal digits separated by ':'",
                 given, vb_xml_line (mac));
    return FALSE;
  }
  xmlSetProp (mac, (const xmlChar *) "address", (const xmlChar *) normal);
  return TRUE;
}

static gboolean
check_ips (xmlNode *root, GError **error)
{
  for (xmlNode *ip = vb_xml_child (root, "ip"); ip != NULL; ip = vb_xml_next (ip, "ip"))
    if (!check_ip (ip, error))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */

VbNetworkDef *
vb_network_def_parse (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VbNetworkDef) def = NULL;
  xmlNode *root;

  g_return_val_if_fail (xml != NULL, NULL);

  doc = vb_xml_parse (xml, "network", error);
  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  if (!vb_xml_validate (root, &network_schema, error))
    return NULL;
  xmlUnsetProp (root, (const xmlChar *) "connections");

  def = g_new0 (VbNetworkDef, 1);
  def->name = vb_xml_def_name (root, NETWORK_NAME_MAX, error);
  if (def->name == NULL)
    return NULL;
  def->uuid = vb_xml_def_uuid (root, error);
  if (def->uuid == NULL)
    return NULL;
  def->forward_mode = fill_forward_mode (root);
  if (!check_interfaces (root, &def->bridge, error) || !check_bridge_mode (root, def, error) ||
      !check_network_mac (root, error) || !check_ips (root, error) || !check_dns (root, error) ||
      !check_unused_strings (root, error) || !vb_network_check_portgroups (root, error))
    return NULL;

  def->xml = vb_xml_format (doc);
  return g_steal_pointer (&def);
}

VbNetworkDef *
vb_network_def_copy (const VbNetworkDef *def)
{
  VbNetworkDef *copy;

  g_return_val_if_fail (def != NULL, NULL);

  copy = g_new0 (VbNetworkDef, 1);
  copy->xml = g_strdup (def->xml);
  copy->name = g_strdup (def->name);
  copy->uuid = g_strdup (def->uuid);
  copy->bridge = g_strdup (def->bridge);
  copy->forward_mode = g_strdup (def->forward_mode);
  return copy;
}

void
vb_network_def_free (VbNetworkDef *def)
{
  if (def == NULL)
    return;
  g_free (def->xml);
  g_free (def->name);
  g_free (def->uuid);
  g_free (def->bridge);
  g_free (def->forward_mode);
  g_free (def);
}

const VbXmlSchema *
vb_network_def_schema (void)
{
  return &network_schema;
}
