/* What commands print: a table (or one record) described once and printed
 * for people (aligned columns, "Label: value" lines) or for scripts
 * (--json: an array of objects, an object), and JSON documents. */
#pragma once

#include <json-glib/json-glib.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct {
  const char *label; /* the heading people read; NULL for a JSON-only column */
  const char *key;   /* the JSON member; NULL ends a list of columns */
} CtlColumn;

typedef struct _CtlTable CtlTable;

CtlTable *ctl_table_new (const CtlColumn *columns);
void ctl_table_free (CtlTable *table);
/* Starts a row; its cells follow in the order of the columns. */
void ctl_table_add_row (CtlTable *table);
/* A cell with its JSON value (owned; NULL: null) and its text (NULL: "-"),
 * which a terminal gets escaped (ctl_escape_controls()). */
void ctl_table_add (CtlTable *table, JsonNode *value, const char *text);
void ctl_table_add_string (CtlTable *table, const char *value);
void ctl_table_add_int (CtlTable *table, gint64 value, const char *text);
void ctl_table_add_bool (CtlTable *table, gboolean value);
guint ctl_table_n_rows (CtlTable *table);
/* The rows as a table, or as a JSON array of objects. */
void ctl_table_print (CtlTable *table, gboolean json);
/* The first row as "Label:  text" lines, or as a JSON object. */
void ctl_table_print_record (CtlTable *table, gboolean json);

/* @node as indented JSON and a newline on stdout; takes @node. */
void ctl_print_json (JsonNode *node);

/* "256 MiB", "1.5 GiB": an amount of KiB as people read it. */
char *ctl_format_kib (guint64 kib);

/* @text with what would drive or fool a terminal made visible: C0 and C1
 * controls, DEL and Unicode format characters (bidi marks, zero-width
 * characters) and line separators as \xHH, \uHHHH or \UHHHHHHHH, bytes
 * that are no UTF-8 as \xHH; newlines stay when @keep_newlines. */
char *ctl_escape_controls (const char *text, gboolean keep_newlines);
/* @text for @stream: escaped when it is a terminal (text of the service in
 * output for people); as it is for a pipe or a file. Not for dumpxml, --json
 * or the console, which carry the bytes as they are. */
char *ctl_terminal_text (FILE *stream, const char *text, gboolean keep_newlines);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtlTable, ctl_table_free)

G_END_DECLS
