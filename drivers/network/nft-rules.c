#include "nft-rules.h"

#include <string.h>

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

char *
vb_nft_ruleset (const VbNetConfig *config, const char *table)
{
  const char *mode = config->forward_mode;
  gboolean nat = g_strcmp0 (mode, "nat") == 0;
  gboolean forwards = nat || g_strcmp0 (mode, "route") == 0;
  const char *br = config->bridge;
  GString *s;

  if (g_strcmp0 (mode, "open") == 0 || g_strcmp0 (mode, "bridge") == 0)
    return NULL;
  s = g_string_new (NULL);
  /* "add" then "delete" then the body: a leftover table of an earlier run is
   * replaced, never merged with. */
  g_string_append_printf (s, "add table inet %s\ndelete table inet %s\n", table, table);
  g_string_append_printf (s, "table inet %s {\n", table);
  g_string_append (s, "  chain forward {\n"
                      "    type filter hook forward priority filter; policy accept;\n");
  g_string_append_printf (s, "    iifname \"%s\" oifname \"%s\" accept\n", br, br);
  for (guint i = 0; forwards && i < config->ips->len; i++)
    {
      const VbNetIp *ip = config->ips->pdata[i];
      const char *fam = family_word (ip);

      g_string_append_printf (s, "    iifname \"%s\" %s saddr %s/%u accept\n", br, fam, ip->subnet,
                              ip->prefix);
      /* IPv6 is never translated, as libvirt: a NAT network routes its IPv6
       * subnet, so replies and new connections from outside are both let in. */
      if (nat && ip->family == G_SOCKET_FAMILY_IPV4)
        g_string_append_printf (s,
                                "    oifname \"%s\" %s daddr %s/%u ct state established,related "
                                "accept\n",
                                br, fam, ip->subnet, ip->prefix);
      else
        g_string_append_printf (s, "    oifname \"%s\" %s daddr %s/%u accept\n", br, fam,
                                ip->subnet, ip->prefix);
    }
  /* Anything else into or out of the bridge: isolated, or not ours to pass. */
  g_string_append_printf (s, "    iifname \"%s\" reject\n    oifname \"%s\" reject\n  }\n", br,
                          br);
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
