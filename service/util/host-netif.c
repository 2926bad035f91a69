/* Host network interfaces: see host-netif.h. A caller's name becomes a
 * sysfs path only after it was found among the entries of the directory,
 * so "..", "a/b" or an empty name can never reach the file system. */
#include "host-netif.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "vb-error.h"

void
vb_host_netif_free (VbHostNetif *netif)
{
  if (!netif)
    return;
  g_free (netif->name);
  g_free (netif->type);
  g_free (netif->mac);
  g_free (netif->link_state);
  g_strfreev (netif->bridged);
  g_ptr_array_unref (netif->addresses);
  g_free (netif);
}

static void
address_free (VbHostAddress *address)
{
  g_free (address->family);
  g_free (address->address);
  g_free (address);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The entries of @dir, sorted (none when it cannot be read). Linux allows
 * any bytes in a name; one that is not UTF-8 cannot go on D-Bus and is left
 * out. */
static GStrv
sorted_entries (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new ();
  const char *name;

  while (listing && (name = g_dir_read_name (listing)))
    if (g_utf8_validate (name, -1, NULL))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

/* The first line of @dir/@name, stripped, or NULL. */
static char *
read_attr (const char *dir, const char *name)
{
  g_autofree char *file = g_build_filename (dir, name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (file, &text, NULL, NULL))
    return NULL;
  text[strcspn (text, "\n")] = '\0';
  return g_strstrip (text);
}

static gint64
read_number (const char *dir, const char *name, int base, gint64 fallback)
{
  g_autofree char *text = read_attr (dir, name);
  char *end = NULL;
  gint64 value;

  if (!text || !*text)
    return fallback;
  value = g_ascii_strtoll (text, &end, base);
  return *end ? fallback : value;
}

static gboolean
is_up (const char *dir)
{
  /* "flags" is the hex IFF_* mask. */
  return (read_number (dir, "flags", 16, 0) & IFF_UP) != 0;
}

GStrv
vb_host_netif_list (const char *root, guint flags, GError **error)
{
  g_autofree char *net = g_build_filename (root, "sys", "class", "net", NULL);
  g_auto (GStrv) names = NULL;
  GPtrArray *selected;
  gboolean all = (flags & (VB_HOST_NETIF_ACTIVE | VB_HOST_NETIF_INACTIVE)) == 0
                 || (flags & (VB_HOST_NETIF_ACTIVE | VB_HOST_NETIF_INACTIVE))
                      == (VB_HOST_NETIF_ACTIVE | VB_HOST_NETIF_INACTIVE);

  if (flags & ~(VB_HOST_NETIF_ACTIVE | VB_HOST_NETIF_INACTIVE))
    {
      vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT, "Unsupported flags 0x%x", flags);
      return NULL;
    }
  names = sorted_entries (net);
  selected = g_ptr_array_new ();
  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *dir = g_build_filename (net, names[i], NULL);
      gboolean up = is_up (dir);

      if (all || (up && (flags & VB_HOST_NETIF_ACTIVE))
          || (!up && (flags & VB_HOST_NETIF_INACTIVE)))
        g_ptr_array_add (selected, g_strdup (names[i]));
    }
  g_ptr_array_add (selected, NULL);
  return (GStrv) g_ptr_array_free (selected, FALSE);
}

static char *
netif_type (const char *dir)
{
  g_autofree char *bridge = g_build_filename (dir, "bridge", NULL);
  g_autofree char *bonding = g_build_filename (dir, "bonding", NULL);

  if (g_file_test (bridge, G_FILE_TEST_IS_DIR))
    return g_strdup ("bridge");
  if (g_file_test (bonding, G_FILE_TEST_IS_DIR))
    return g_strdup ("bond");
  return g_strdup ("ethernet");
}

VbHostNetif *
vb_host_netif_read (const char *root, const char *name, GError **error)
{
  g_autofree char *net = g_build_filename (root, "sys", "class", "net", NULL);
  g_auto (GStrv) names = sorted_entries (net);
  g_autoptr (VbHostNetif) netif = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *ports = NULL;
  g_autofree char *mac = NULL;

  if (!g_strv_contains ((const char *const *) names, name) || strchr (name, '/')
      || g_str_equal (name, ".") || g_str_equal (name, ".."))
    {
      vb_error_refuse (error, VB_ERROR_NOT_FOUND, "The host has no network interface of this name");
      return NULL;
    }
  dir = g_build_filename (net, name, NULL);
  netif = g_new0 (VbHostNetif, 1);
  netif->name = g_strdup (name);
  netif->type = netif_type (dir);
  mac = read_attr (dir, "address");
  netif->mac = g_strdup (mac ? mac : "");
  netif->active = is_up (dir);
  netif->link_state = read_attr (dir, "operstate");
  if (!netif->link_state)
    netif->link_state = g_strdup ("unknown");
  /* The kernel answers -1 (or EINVAL) for a link without a speed. */
  netif->speed = (int) CLAMP (read_number (dir, "speed", 10, -1), -1, G_MAXINT);
  if (netif->speed == 0)
    netif->speed = -1;
  netif->mtu = (guint) CLAMP (read_number (dir, "mtu", 10, 0), 0, G_MAXUINT);
  ports = g_build_filename (dir, "brif", NULL);
  netif->bridged =
    g_str_equal (netif->type, "bridge") ? sorted_entries (ports) : g_new0 (char *, 1);
  netif->addresses = g_ptr_array_new_with_free_func ((GDestroyNotify) address_free);
  return g_steal_pointer (&netif);
}

static guint
prefix_of (const struct sockaddr *mask)
{
  const guint8 *bytes;
  gsize len;
  guint prefix = 0;

  if (!mask)
    return 0;
  if (mask->sa_family == AF_INET)
    {
      bytes = (const guint8 *) &((const struct sockaddr_in *) mask)->sin_addr;
      len = 4;
    }
  else
    {
      bytes = (const guint8 *) &((const struct sockaddr_in6 *) mask)->sin6_addr;
      len = 16;
    }
  for (gsize i = 0; i < len; i++)
    for (guint8 bit = 0x80; bit; bit >>= 1)
      prefix += (bytes[i] & bit) ? 1 : 0;
  return prefix;
}

void
vb_host_netif_add_addresses (VbHostNetif *netif)
{
  struct ifaddrs *all = NULL;

  if (getifaddrs (&all) < 0)
    return;
  for (struct ifaddrs *one = all; one; one = one->ifa_next)
    {
      char text[INET6_ADDRSTRLEN];
      const void *raw;
      VbHostAddress *address;
      int family = one->ifa_addr ? one->ifa_addr->sa_family : AF_UNSPEC;

      if (g_strcmp0 (one->ifa_name, netif->name) != 0 || (family != AF_INET && family != AF_INET6))
        continue;
      raw = family == AF_INET ? (const void *) &((struct sockaddr_in *) one->ifa_addr)->sin_addr
                              : (const void *) &((struct sockaddr_in6 *) one->ifa_addr)->sin6_addr;
      if (!inet_ntop (family, raw, text, sizeof text))
        continue;
      address = g_new0 (VbHostAddress, 1);
      address->family = g_strdup (family == AF_INET ? "ipv4" : "ipv6");
      address->address = g_strdup (text);
      address->prefix = prefix_of (one->ifa_netmask);
      g_ptr_array_add (netif->addresses, address);
    }
  freeifaddrs (all);
}

static void append_escaped (GString *xml, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
append_escaped (GString *xml, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_markup_vprintf_escaped (format, args);
  va_end (args);
  g_string_append (xml, text);
}

static void
append_protocol (GString *xml, const VbHostNetif *netif, const char *family)
{
  gboolean open = FALSE;

  for (guint i = 0; i < netif->addresses->len; i++)
    {
      const VbHostAddress *address = netif->addresses->pdata[i];

      if (!g_str_equal (address->family, family))
        continue;
      if (!open)
        g_string_append_printf (xml, "  <protocol family='%s'>\n", family);
      open = TRUE;
      append_escaped (xml, "    <ip address='%s' prefix='%u'/>\n", address->address,
                      address->prefix);
    }
  if (open)
    g_string_append (xml, "  </protocol>\n");
}

char *
vb_host_netif_format_xml (const VbHostNetif *netif)
{
  GString *xml = g_string_new (NULL);

  append_escaped (xml, "<interface type='%s' name='%s'>\n", netif->type, netif->name);
  if (*netif->mac)
    append_escaped (xml, "  <mac address='%s'/>\n", netif->mac);
  if (netif->speed > 0)
    append_escaped (xml, "  <link speed='%d' state='%s'/>\n", netif->speed, netif->link_state);
  else
    append_escaped (xml, "  <link state='%s'/>\n", netif->link_state);
  if (netif->mtu)
    g_string_append_printf (xml, "  <mtu size='%u'/>\n", netif->mtu);
  if (g_str_equal (netif->type, "bridge"))
    {
      if (!netif->bridged[0])
        g_string_append (xml, "  <bridge/>\n");
      else
        {
          g_string_append (xml, "  <bridge>\n");
          for (guint i = 0; netif->bridged[i]; i++)
            append_escaped (xml, "    <interface type='ethernet' name='%s'/>\n", netif->bridged[i]);
          g_string_append (xml, "  </bridge>\n");
        }
    }
  append_protocol (xml, netif, "ipv4");
  append_protocol (xml, netif, "ipv6");
  g_string_append (xml, "</interface>\n");
  return g_string_free (xml, FALSE);
}

GVariant *
vb_host_netif_to_variant (const VbHostNetif *netif)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&builder, "{sv}", "Name", g_variant_new_string (netif->name));
  g_variant_builder_add (&builder, "{sv}", "MAC", g_variant_new_string (netif->mac));
  g_variant_builder_add (&builder, "{sv}", "Active", g_variant_new_boolean (netif->active));
  g_variant_builder_add (&builder, "{sv}", "Type", g_variant_new_string (netif->type));
  g_variant_builder_add (&builder, "{sv}", "LinkState", g_variant_new_string (netif->link_state));
  g_variant_builder_add (&builder, "{sv}", "Speed", g_variant_new_int32 (netif->speed));
  g_variant_builder_add (&builder, "{sv}", "MTU", g_variant_new_uint32 (netif->mtu));
  return g_variant_builder_end (&builder);
}
