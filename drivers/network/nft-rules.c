#include "nft-rules.h"

#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

char *
vb_nft_table_name (const VbNetConfig *config)
{
  g_autofree char *clean = g_strndup (config->name, 32);
  gboolean changed = strlen (config->name) > 32;

  for (char *p = clean; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      {
        *p = '_';
        changed = TRUE;
      }
  if (changed)
    return g_strdup_printf ("virtbus_%s_%.8s", clean, config->uuid);
  return g_strdup_printf ("virtbus_%s", clean);
}

static const char *
family_word (const VbNetIp *ip)
{
  return ip->family == G_SOCKET_FAMILY_IPV6 ? "ip6" : "ip";
}

/* @name as an nft string literal. nft has no escape for '"' in a quoted
 * string, and reads a trailing '*' as a wildcard; so a name is written only
 * when it is a plain interface name, which needs no escaping. */
static char *
nft_ifname (const char *name, GError **error)
{
  g_autofree char *problem = vb_network_ifname_problem (name);

  if (problem)
    {
      g_autofree char *quoted = vb_xml_quote (name ? name : "");

      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Cannot write the interface name %s into an nft rule: %s", quoted, problem);
      return NULL;
    }
  return g_strdup_printf ("\"%s\"", name);
}

char *
vb_nft_ruleset (const VbNetConfig *config, const char *table, GError **error)
{
  const char *mode = config->forward_mode;
  gboolean nat = g_strcmp0 (mode, "nat") == 0;
  gboolean forwards = nat || g_strcmp0 (mode, "route") == 0;
  g_autofree char *br = NULL;
  GString *s;

  if (g_strcmp0 (mode, "open") == 0 || g_strcmp0 (mode, "bridge") == 0)
    return NULL;
  br = nft_ifname (config->bridge, error);
  if (!br)
    return NULL;
  s = g_string_new (NULL);
  /* "add" then "delete" then the body: a leftover table of an earlier run is
   * replaced, never merged with. */
  g_string_append_printf (s, "add table inet %s\ndelete table inet %s\n", table, table);
  g_string_append_printf (s, "table inet %s {\n", table);
  g_string_append (s, "  chain forward {\n"
                      "    type filter hook forward priority filter; policy accept;\n");
  g_string_append_printf (s, "    iifname %s oifname %s accept\n", br, br);
  for (guint i = 0; forwards && i < config->ips->len; i++)
    {
      const VbNetIp *ip = config->ips->pdata[i];
      const char *fam = family_word (ip);

      g_string_append_printf (s, "    iifname %s %s saddr %s/%u accept\n", br, fam, ip->subnet,
                              ip->prefix);
      /* IPv6 is never translated, as libvirt: a NAT network routes its IPv6
       * subnet, so replies and new connections from outside are both let in. */
      if (nat && ip->family == G_SOCKET_FAMILY_IPV4)
        g_string_append_printf (s,
                                "    oifname %s %s daddr %s/%u ct state established,related "
                                "accept\n",
                                br, fam, ip->subnet, ip->prefix);
      else
        g_string_append_printf (s, "    oifname %s %s daddr %s/%u accept\n", br, fam, ip->subnet,
                                ip->prefix);
    }
  /* Anything else into or out of the bridge: isolated, or not ours to pass. */
  g_string_append_printf (s, "    iifname %s reject\n    oifname %s reject\n  }\n", br, br);
  if (nat)
    {
      g_string_append (s, "  chain postrouting {\n"
                          "    type nat hook postrouting priority srcnat; policy accept;\n");
      for (guint i = 0; i < config->ips->len; i++)
        {
          const VbNetIp *ip = config->ips->pdata[i];

          if (ip->family != G_SOCKET_FAMILY_IPV4)
            continue;
          /* Not to the subnet itself, nor to broadcast and multicast, as libvirt. */
          g_string_append_printf (s,
                                  "    ip saddr %s/%u ip daddr 224.0.0.0/24 return\n"
                                  "    ip saddr %s/%u ip daddr 255.255.255.255 return\n"
                                  "    ip saddr %s/%u ip daddr != %s/%u masquerade\n",
                                  ip->subnet, ip->prefix, ip->subnet, ip->prefix, ip->subnet,
                                  ip->prefix, ip->subnet, ip->prefix);
        }
      g_string_append (s, "  }\n");
    }
  g_string_append (s, "}\n");
  return g_string_free (s, FALSE);
}
