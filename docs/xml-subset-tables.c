/* Keeps the element tables of docs/xml-subset.md equal to the schemas the
 * service validates with. Each table sits between
 *   <!-- generated: KIND elements (ninja -C build update-xml-subset) -->
 *   <!-- end of generated table -->
 * and is written from vb_KIND_def_schema().
 *
 *   xml-subset-tables --check FILE   fails (status 1) when a table differs
 *   xml-subset-tables --update FILE  rewrites the tables in place */
#include <glib.h>
#include <string.h>

#include "xml-schema-doc.h"

#define OPEN "<!-- generated: "
#define OPEN_END " elements (ninja -C build update-xml-subset) -->\n"
#define CLOSE "<!-- end of generated table -->\n"

/* @doc with every generated table written anew; NULL (and a message) when a
 * marker is malformed. */
static char *
regenerate (const char *doc, guint *tables)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const char *at = doc;
  const char *open;

  *tables = 0;
  while ((open = strstr (at, OPEN)))
    {
      const char *kind = open + strlen (OPEN);
      const char *kind_end = strstr (kind, OPEN_END);
      const char *line_end = strchr (kind, '\n');
      const char *close;
      g_autofree char *name = NULL;
      g_autofree char *table = NULL;
      const VbXmlSchema *schema;

      /* Another generated part (the refusals: tests/check-xml-refusals.py). */
      if (!kind_end || (line_end && kind_end > line_end))
        {
          g_string_append_len (out, at, kind - at);
          at = kind;
          continue;
        }
      name = g_strndup (kind, kind_end - kind);
      schema = vb_xml_schema_by_name (name);
      close = strstr (kind_end, CLOSE);
      if (!schema || !close)
        {
          g_printerr ("xml-subset-tables: no schema '%s' or no end marker\n", name);
          return NULL;
        }
      table = vb_xml_schema_markdown (schema);
      g_string_append_len (out, at, kind_end + strlen (OPEN_END) - at);
      g_string_append (out, table);
      g_string_append (out, CLOSE);
      at = close + strlen (CLOSE);
      (*tables)++;
    }
  g_string_append (out, at);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

int
main (int argc, char **argv)
{
  g_autofree char *doc = NULL;
  g_autofree char *fresh = NULL;
  g_autoptr (GError) error = NULL;
  guint tables = 0;

  if (argc != 3 || (!g_str_equal (argv[1], "--check") && !g_str_equal (argv[1], "--update")))
    {
      g_printerr ("usage: %s --check|--update docs/xml-subset.md\n", argv[0]);
      return 2;
    }
  if (!g_file_get_contents (argv[2], &doc, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  fresh = regenerate (doc, &tables);
  if (!fresh)
    return 2;
  if (tables < 4)
    {
      g_printerr ("xml-subset-tables: expected the domain, network, pool and volume tables in %s, "
                  "found %u\n", argv[2], tables);
      return 1;
    }
  if (g_str_equal (argv[1], "--update"))
    {
      if (!g_file_set_contents (argv[2], fresh, -1, &error))
        {
          g_printerr ("%s\n", error->message);
          return 2;
        }
      return 0;
    }
  if (g_str_equal (fresh, doc))
    return 0;
  g_printerr ("%s: its element tables differ from the schemas in service/conf; "
              "run 'ninja -C build update-xml-subset' and review the diff\n", argv[2]);
  return 1;
}
