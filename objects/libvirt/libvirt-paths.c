#include "libvirt-paths.h"

#include <string.h>

#define UUID_LEN 36

static gboolean
is_plain (guchar c)
{
  return g_ascii_isalnum (c);
}

char *
vb_lv_encode_str (const char *str)
{
  static const char hex[] = "0123456789abcdef";
  GString *out = g_string_sized_new (strlen (str) * 3);

  for (const guchar *p = (const guchar *) str; *p; p++)
    {
      if (is_plain (*p))
        g_string_append_c (out, (char) *p);
      else
        {
          g_string_append_c (out, '_');
          g_string_append_c (out, hex[*p >> 4]);
          g_string_append_c (out, hex[*p & 0xf]);
        }
    }
  return g_string_free (out, FALSE);
}

char *
vb_lv_decode_str (const char *str)
{
  GString *out = g_string_sized_new (strlen (str));

  for (const char *p = str; *p; p++)
    {
      int high, low;

      if (is_plain ((guchar) *p))
        {
          g_string_append_c (out, *p);
          continue;
        }
      if (*p != '_' || (high = g_ascii_xdigit_value (p[1])) < 0
          || (low = g_ascii_xdigit_value (p[2])) < 0 || (high == 0 && low == 0))
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_c (out, (char) ((high << 4) | low));
      p += 2;
    }
  return g_string_free (out, FALSE);
}

/* "_" + @uuid with '_' for '-'. */
static char *
encode_uuid (const char *uuid)
{
  char *out = g_strconcat ("_", uuid, NULL);

  return g_strdelimit (out, "-", '_');
}

/* The UUID of @encoded's first 37 bytes (as encode_uuid wrote them). */
static char *
decode_uuid (const char *encoded, gsize len)
{
  char *uuid;

  if (len != UUID_LEN + 1 || encoded[0] != '_')
    return NULL;
  uuid = g_strndup (encoded + 1, UUID_LEN);
  g_strdelimit (uuid, "_", '-');
  for (const char *p = uuid; *p; p++)
    if (!g_ascii_isxdigit (*p) && *p != '-')
      {
        g_free (uuid);
        return NULL;
      }
  return uuid;
}

/* What follows "@connect_path/@node/" in @path, or NULL. */
static const char *
below (const char *connect_path, const char *node, const char *path)
{
  gsize connect_len = strlen (connect_path);
  gsize node_len = strlen (node);

  if (strncmp (path, connect_path, connect_len) != 0 || path[connect_len] != '/'
      || strncmp (path + connect_len + 1, node, node_len) != 0
      || path[connect_len + 1 + node_len] != '/')
    return NULL;
  return path + connect_len + 1 + node_len + 1;
}

char *
vb_lv_domain_path (const char *connect_path, const char *uuid)
{
  g_autofree char *encoded = encode_uuid (uuid);

  return g_strdup_printf ("%s/" VB_LV_DOMAIN_NODE "/%s", connect_path, encoded);
}

char *
vb_lv_domain_uuid_from_path (const char *connect_path, const char *path)
{
  const char *rest = below (connect_path, VB_LV_DOMAIN_NODE, path);

  return rest ? decode_uuid (rest, strlen (rest)) : NULL;
}

char *
vb_lv_snapshot_path (const char *connect_path, const char *domain_uuid, const char *name)
{
  g_autofree char *uuid = encode_uuid (domain_uuid);
  g_autofree char *encoded = vb_lv_encode_str (name);

  return g_strdup_printf ("%s/" VB_LV_SNAPSHOT_NODE "/%s_%s", connect_path, uuid, encoded);
}

gboolean
vb_lv_snapshot_from_path (const char *connect_path, const char *path, char **domain_uuid,
                          char **name)
{
  const char *rest = below (connect_path, VB_LV_SNAPSHOT_NODE, path);
  g_autofree char *uuid = NULL;
  g_autofree char *decoded = NULL;

  if (!rest || strlen (rest) < UUID_LEN + 3 || rest[UUID_LEN + 1] != '_')
    return FALSE;
  uuid = decode_uuid (rest, UUID_LEN + 1);
  decoded = vb_lv_decode_str (rest + UUID_LEN + 2);
  if (!uuid || !decoded || !*decoded)
    return FALSE;
  *domain_uuid = g_steal_pointer (&uuid);
  *name = g_steal_pointer (&decoded);
  return TRUE;
}

char *
vb_lv_child_path (const char *connect_path, const char *node, const char *key)
{
  g_autofree char *encoded = vb_lv_encode_str (key);

  return g_strdup_printf ("%s/%s/%s", connect_path, node, encoded);
}

char *
vb_lv_child_from_path (const char *connect_path, const char *node, const char *path)
{
  const char *rest = below (connect_path, node, path);
  g_autofree char *decoded = rest ? vb_lv_decode_str (rest) : NULL;

  if (!decoded || !*decoded || !g_utf8_validate (decoded, -1, NULL))
    return NULL;
  return g_steal_pointer (&decoded);
}

const char *
vb_lv_interface_key (const char *name, const char *mac, gboolean mac_unique)
{
  return mac_unique && strchr (mac, ':') ? mac : name;
}
