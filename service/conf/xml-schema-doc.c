#include "xml-schema-doc.h"

#include <string.h>

#include "domain-def.h"
#include "network-def.h"
#include "pool-def.h"
#include "volume-def.h"

/* Every device's <address> takes the same attributes: one table of its own. */
static gboolean
is_address_rule (const VbXmlRule *rule)
{
  return g_str_has_suffix (rule->path, "/address") && g_str_has_prefix (rule->path, "domain/devices/")
         && rule->attrs && g_str_has_prefix (rule->attrs, "!type=pci|");
}

static void
append_value (GString *out, const char *spec)
{
  if (g_str_equal (spec, "%u"))
    g_string_append (out, "unsigned integer");
  else if (g_str_equal (spec, "%i"))
    g_string_append (out, "integer");
  else if (g_str_equal (spec, "%x"))
    g_string_append (out, "unsigned integer, decimal or 0x hex");
  else if (g_str_equal (spec, "%o"))
    g_string_append (out, "octal digits");
  else if (g_str_equal (spec, "*"))
    g_string_append (out, "text");
  else if (g_str_equal (spec, VB_XML_UNITS))
    g_string_append (out, "a size unit (see Sizes above)");
  else
    {
      g_auto (GStrv) values = g_strsplit (spec, "|", -1);
      g_autofree char *joined = g_strjoinv (" \\| ", values);

      g_string_append (out, joined);
    }
}

static void
append_attrs (GString *out, const char *attrs)
{
  g_auto (GStrv) specs = g_strsplit (attrs ? attrs : "", " ", -1);
  gboolean first = TRUE;

  for (guint i = 0; specs[i]; i++)
    {
      const char *spec = specs[i];
      gboolean required = spec[0] == '!';
      const char *equals;

      if (!*spec)
        continue;
      spec += required;
      equals = strchr (spec, '=');
      if (!first)
        g_string_append (out, "<br>");
      first = FALSE;
      g_string_append_printf (out, "`%.*s`", equals ? (int) (equals - spec) : (int) strlen (spec),
                              spec);
      if (required)
        g_string_append (out, " (required)");
      if (equals)
        {
          g_string_append (out, ": ");
          append_value (out, equals + 1);
        }
    }
}

/* The number of times @segment repeats at the end of @path ("a/b/b/b": 3 for "b"). */
static guint
trailing_repeats (const char *path, const char *segment)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);
  guint count = 0;

  while (n > 0 && g_str_equal (parts[n - 1], segment))
    n--, count++;
  return count;
}

/* A segment that repeats right after itself ("backingStore/backingStore"):
 * a nested chain, shown once. */
static char *
nested_segment (const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = 1; parts[i]; i++)
    if (g_str_equal (parts[i], parts[i - 1]))
      return g_strdup (parts[i]);
  return NULL;
}

char *
vb_xml_schema_markdown (const VbXmlSchema *schema)
{
  g_autoptr (GString) out = g_string_new ("| element | attributes | content | repeats |\n"
                                          "| --- | --- | --- | --- |\n");
  g_autoptr (GHashTable) depth = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* How deep each nested chain goes, for the note on its first level. */
  for (gsize i = 0; i < schema->n_rules; i++)
    {
      g_autofree char *segment = nested_segment (schema->rules[i].path);

      if (segment)
        {
          guint repeats = trailing_repeats (schema->rules[i].path, segment);
          guint known = GPOINTER_TO_UINT (g_hash_table_lookup (depth, segment));

          g_hash_table_insert (depth, g_steal_pointer (&segment),
                               GUINT_TO_POINTER (MAX (repeats, known)));
        }
    }
  for (gsize i = 0; i < schema->n_rules; i++)
    {
      const VbXmlRule *rule = &schema->rules[i];
      g_autofree char *nested = nested_segment (rule->path);
      const char *last = strrchr (rule->path, '/');
      guint chain = last ? GPOINTER_TO_UINT (g_hash_table_lookup (depth, last + 1)) : 0;

      if (nested)
        continue;
      g_string_append_printf (out, "| `%s`", rule->path);
      if (chain > 1)
        g_string_append_printf (out, " (nested up to %u deep, plus an empty one)", chain - 1);
      if (is_address_rule (rule))
        {
          g_string_append (out, " | see [address](#the-address-element) | | |\n");
          continue;
        }
      g_string_append (out, " | ");
      append_attrs (out, rule->attrs);
      g_string_append (out, " | ");
      if (rule->flags & VB_XML_RULE_LIVE)
        g_string_append (out, "a running domain's state: dropped at define");
      else if (rule->flags & VB_XML_RULE_VERBATIM)
        g_string_append (out, "anything, kept verbatim");
      else if (rule->text)
        append_value (out, rule->text);
      g_string_append (out, " | ");
      if (rule->flags & VB_XML_RULE_REPEAT)
        g_string_append (out, "yes");
      g_string_append (out, " |\n");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

const VbXmlSchema *
vb_xml_schema_by_name (const char *name)
{
  if (g_str_equal (name, "domain"))
    return vb_domain_def_schema ();
  if (g_str_equal (name, "network"))
    return vb_network_def_schema ();
  if (g_str_equal (name, "pool"))
    return vb_pool_def_schema ();
  if (g_str_equal (name, "volume"))
    return vb_volume_def_schema ();
  return NULL;
}
