#include "ctl-output.h"

#include <string.h>
#include <unistd.h>

typedef struct {
  JsonNode *value;
  char *text;
} Cell;

struct _CtlTable {
  const CtlColumn *columns;
  guint n_columns;
  GPtrArray *rows;   /* GPtrArray of Cell * */
  gboolean terminal; /* stdout is one: the texts escaped */
};

static void
cell_free (Cell *cell)
{
  if (cell->value)
    json_node_unref (cell->value);
  g_free (cell->text);
  g_free (cell);
}

CtlTable *
ctl_table_new (const CtlColumn *columns)
{
  CtlTable *table = g_new0 (CtlTable, 1);

  table->columns = columns;
  table->terminal = isatty (STDOUT_FILENO);
  while (columns[table->n_columns].key)
    table->n_columns++;
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  return table;
}

void
ctl_table_free (CtlTable *table)
{
  g_ptr_array_unref (table->rows);
  g_free (table);
}

void
ctl_table_add_row (CtlTable *table)
{
  g_ptr_array_add (table->rows, g_ptr_array_new_with_free_func ((GDestroyNotify) cell_free));
}

guint
ctl_table_n_rows (CtlTable *table)
{
  return table->rows->len;
}

void
ctl_table_add (CtlTable *table, JsonNode *value, const char *text)
{
  GPtrArray *row;
  Cell *cell = g_new0 (Cell, 1);

  g_return_if_fail (table->rows->len > 0);
  row = table->rows->pdata[table->rows->len - 1];
  g_return_if_fail (row->len < table->n_columns);
  cell->value = value ? value : json_node_new (JSON_NODE_NULL);
  cell->text =
    table->terminal ? ctl_escape_controls (text ? text : "-", FALSE) : g_strdup (text ? text : "-");
  g_ptr_array_add (row, cell);
}

void
ctl_table_add_string (CtlTable *table, const char *value)
{
  JsonNode *node = NULL;

  if (value)
    node = json_node_init_string (json_node_alloc (), value);
  ctl_table_add (table, node, value);
}

void
ctl_table_add_int (CtlTable *table, gint64 value, const char *text)
{
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, value);

  ctl_table_add (table, json_node_init_int (json_node_alloc (), value), text ? text : number);
}

void
ctl_table_add_bool (CtlTable *table, gboolean value)
{
  ctl_table_add (table, json_node_init_boolean (json_node_alloc (), value), value ? "yes" : "no");
}

static JsonNode *
row_object (CtlTable *table, GPtrArray *row)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  for (guint c = 0; c < row->len; c++)
    {
      Cell *cell = row->pdata[c];

      json_object_set_member (object, table->columns[c].key, json_node_ref (cell->value));
    }
  json_object_unref (object);
  return node;
}

static const char *
cell_text (GPtrArray *row, guint column)
{
  return column < row->len ? ((Cell *) row->pdata[column])->text : "";
}

/* Pads with spaces to @width characters (not bytes: names may be UTF-8). */
static void
append_padded (GString *line, const char *text, guint width)
{
  glong length = g_utf8_strlen (text, -1);

  g_string_append (line, text);
  for (glong i = length; i < (glong) width; i++)
    g_string_append_c (line, ' ');
}

static void
print_table (CtlTable *table)
{
  g_autofree guint *widths = g_new0 (guint, table->n_columns);
  g_autoptr (GString) line = g_string_new (NULL);
  guint total = 0; /* the width of a line: the dashes under the headings */

  for (guint c = 0; c < table->n_columns; c++)
    {
      if (!table->columns[c].label)
        continue;
      widths[c] = g_utf8_strlen (table->columns[c].label, -1);
      for (guint r = 0; r < table->rows->len; r++)
        widths[c] =
          MAX (widths[c], (guint) g_utf8_strlen (cell_text (table->rows->pdata[r], c), -1));
      total += (total ? 3 : 1) + widths[c];
    }
  /* virsh's layout: a space before the first column, three between. */
  for (guint r = 0; r <= table->rows->len + 1; r++)
    {
      g_string_assign (line, "");
      if (r == 1)
        {
          for (guint i = 0; i < total; i++)
            g_string_append_c (line, '-');
          puts (line->str);
          continue;
        }
      for (guint c = 0; c < table->n_columns; c++)
        {
          if (!table->columns[c].label)
            continue;
          g_string_append (line, line->len ? "   " : " ");
          append_padded (line,
                         r == 0 ? table->columns[c].label
                                : cell_text (table->rows->pdata[r - 2], c),
                         widths[c]);
        }
      while (line->len && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      puts (line->str);
    }
}

void
ctl_table_print (CtlTable *table, gboolean json)
{
  JsonArray *array;

  if (!json)
    {
      print_table (table);
      return;
    }
  array = json_array_new ();
  for (guint r = 0; r < table->rows->len; r++)
    json_array_add_element (array, row_object (table, table->rows->pdata[r]));
  ctl_print_json (json_node_init_array (json_node_alloc (), array));
  json_array_unref (array);
}

void
ctl_table_print_record (CtlTable *table, gboolean json)
{
  GPtrArray *row;
  guint width = 0;

  g_return_if_fail (table->rows->len > 0);
  row = table->rows->pdata[0];
  if (json)
    {
      ctl_print_json (row_object (table, row));
      return;
    }
  for (guint c = 0; c < table->n_columns; c++)
    if (table->columns[c].label)
      width = MAX (width, (guint) g_utf8_strlen (table->columns[c].label, -1) + 1);
  for (guint c = 0; c < table->n_columns; c++)
    {
      g_autoptr (GString) line = g_string_new (NULL);
      g_autofree char *label = NULL;

      if (!table->columns[c].label)
        continue;
      label = g_strconcat (table->columns[c].label, ":", NULL);
      append_padded (line, label, width + 2);
      g_string_append (line, cell_text (row, c));
      puts (line->str);
    }
}

void
ctl_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  text = json_generator_to_data (generator, NULL);
  puts (text);
  json_node_unref (node);
}

char *
ctl_format_kib (guint64 kib)
{
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
  double value = kib;
  guint unit = 0;
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  while (value >= 1024 && unit + 1 < G_N_ELEMENTS (units))
    {
      value /= 1024;
      unit++;
    }
  if (value == (guint64) value)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", (guint64) value, units[unit]);
  /* Not printf's %f: the same text in every locale. */
  return g_strdup_printf ("%s %s", g_ascii_formatd (number, sizeof number, "%.1f", value),
                          units[unit]);
}

/* What a terminal would act on, or show as something else, rather than
 * print: C0 and C1 controls (escape sequences, carriage return, backspace),
 * DEL, format characters (bidi overrides and isolates, zero-width ones) and
 * the Unicode line and paragraph separators. */
static gboolean
is_hidden (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return TRUE;
    default:
      return FALSE;
    }
}

char *
ctl_escape_controls (const char *text, gboolean keep_newlines)
{
  const char *end = text + strlen (text);
  GString *out = g_string_sized_new (end - text);

  for (const char *p = text; p < end;)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      const char *next;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Not UTF-8: the byte, which a terminal might read as C1. */
          g_string_append_printf (out, "\\x%02x", (guint) (guchar) *p);
          p++;
          continue;
        }
      next = g_utf8_next_char (p);
      if (c == '\n' && keep_newlines)
        g_string_append_c (out, '\n');
      else if (c < 0x80 && is_hidden (c))
        g_string_append_printf (out, "\\x%02x", (guint) c);
      else if (is_hidden (c))
        g_string_append_printf (out, c > 0xffff ? "\\U%08x" : "\\u%04x", (guint) c);
      else
        g_string_append_len (out, p, next - p);
      p = next;
    }
  return g_string_free (out, FALSE);
}

char *
ctl_terminal_text (FILE *stream, const char *text, gboolean keep_newlines)
{
  if (!isatty (fileno (stream)))
    return g_strdup (text);
  return ctl_escape_controls (text, keep_newlines);
}
