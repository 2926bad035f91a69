/* Safe parsing, table-driven validation and canonical formatting of the
 * libvirt-format XML documents virtbus accepts, plus the checks the domain,
 * network, pool and volume definitions share (names, UUIDs, MACs, units). */
#pragma once

#include "xml-quote.h"

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Documents larger than this are refused before libxml2 sees them. */
#define VB_XML_MAX_SIZE (16 * 1024 * 1024)

/* The unit= values of a scaled size, as libvirt documents them: decimal
 * KB/MB/... and binary k/KiB/M/MiB/... */
#define VB_XML_UNITS "b|bytes|KB|k|KiB|MB|M|MiB|GB|G|GiB|TB|T|TiB|PB|P|PiB|EB|E|EiB"

typedef enum {
  VB_XML_RULE_REPEAT = 1 << 0,   /* may appear more than once under one parent */
  VB_XML_RULE_VERBATIM = 1 << 1, /* subtree kept as written, contents not checked */
  VB_XML_RULE_LIVE = 1 << 2,     /* a running domain's state: contents not checked, dropped
                                    at define (domain-live-values.c) */
} VbXmlRuleFlags;

/* One element the schema knows.
 *
 * @path: the element names from the root, joined by '/': "domain/devices/disk".
 * @attrs: space separated attribute specs, NULL for none. A spec is "name"
 *   (any value), "name=a|b|c" (one of the listed values), "name=%u" (unsigned
 *   decimal), "name=%i" (signed decimal), "name=%x" (unsigned, decimal or 0x
 *   hexadecimal) or "name=%o" (octal digits); a leading '!' makes it required.
 * @text: NULL when the element holds no text (only child elements), "*" for
 *   any text, or "%u", "%i", "%x" or "a|b|c" as for attributes. */
typedef struct {
  const char *path;
  const char *attrs;
  const char *text;
  VbXmlRuleFlags flags;
} VbXmlRule;

typedef struct {
  const VbXmlRule *rules;
  gsize n_rules;
} VbXmlSchema;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

/* Initialises libxml2 once (xmlInitParser(), which libxml2 2.9 needs before
 * a second thread uses it); vb_xml_parse() calls it, virtbusd's main() calls
 * it before it starts any thread. */
void vb_xml_init (void);

/* Parses @xml without network access, DTD loading or entity expansion and
 * checks that its root element is <@root_name> (any name when NULL; never
 * one in a namespace). Errors (VB_ERROR_INVALID_XML)
 * carry libxml2's message and line; nothing is printed. Thread safe. */
xmlDoc *vb_xml_parse (const char *xml, const char *root_name, GError **error);

/* Checks every element under (and including) @root against @schema. Fails
 * with VB_ERROR_INVALID_XML naming the first offending element, attribute or
 * value with its line. @schema lives as long as the process (a static one):
 * its rules are indexed at its first use and the index kept. */
gboolean vb_xml_validate (xmlNode *root, const VbXmlSchema *schema, GError **error);

/* The canonical text of @doc: the root element only, 2-space indentation,
 * attributes in document order in single quotes, no XML declaration, no
 * comments, a trailing newline. Formatting its own output again gives the
 * same bytes. */
char *vb_xml_format (xmlDoc *doc);
/* The same, and in @source_lines (a GArray of long) the line of @doc's
 * source text that each line of the result comes from (0 when unknown). */
char *vb_xml_format_mapped (xmlDoc *doc, GArray **source_lines);
/* Rewrites each "at line N" in @error's message, N a line of a document
 * formatted by vb_xml_format_mapped(), into the line of the source text
 * (checks that run on the canonical form report the caller's lines). */
void vb_xml_error_map_lines (GError *error, GArray *source_lines);


/* Tree helpers. Strings returned are g_malloc'd. */
long vb_xml_line (xmlNode *node);
/* Sets @error to InvalidXML "<NODE> at line N: why" and returns FALSE: for
 * the checks across elements that refuse a definition. */
gboolean vb_xml_invalid (GError **error, xmlNode *node, const char *format, ...)
  G_GNUC_PRINTF (3, 4);
xmlNode *vb_xml_child (xmlNode *parent, const char *name);
xmlNode *vb_xml_next (xmlNode *node, const char *name);
char *vb_xml_text (xmlNode *node);
char *vb_xml_attr (xmlNode *node, const char *name);
/* Whether @node (may be NULL) has @name="@value". */
gboolean vb_xml_attr_is (xmlNode *node, const char *name, const char *value);
/* @node's (may be NULL) @name as an unsigned number, decimal or 0x-prefixed
 * hex (libvirt writes PCI numbers so); @fallback when absent, empty, not a
 * number or above G_MAXUINT. */
guint vb_xml_attr_uint (xmlNode *node, const char *name, guint fallback);
void vb_xml_set_text (xmlNode *node, const char *text);
/* Creates <@name>@text</@name> (text may be NULL) right after @sibling, or as
 * the first child of @parent when @sibling is NULL. */
xmlNode *vb_xml_insert_after (xmlNode *parent, xmlNode *sibling, const char *name,
                              const char *text);
/* Unlinks and frees every child element of @parent called @name. */
void vb_xml_remove_children (xmlNode *parent, const char *name);

/* What is wrong with @name under the naming rules shared by domains,
 * networks, pools and volumes (non-empty, at most @max_len bytes, no '/', no
 * control characters, no leading '.'), or NULL when it is fine. */
char *vb_xml_name_problem (const char *name, gsize max_len);
/* Checks the text of the required <name> child of @root with those rules and
 * returns it; errors are VB_ERROR_INVALID_XML naming <name> and its line. */
char *vb_xml_def_name (xmlNode *root, gsize max_len, GError **error);

/* Normalises the <uuid> child of @root to lower-case 8-4-4-4-12 form, or adds
 * a random one after <name> when absent; returns the UUID. */
char *vb_xml_def_uuid (xmlNode *root, GError **error);
/* Normalises the UUID that is @node's text the same way (<uuid>, <hwuuid>);
 * returns it, or NULL with a VB_ERROR_INVALID_XML naming the element. */
char *vb_xml_uuid_node (xmlNode *node, GError **error);
/* Parses a UUID written as 32 hex digits, optionally split by '-' in the usual
 * places; returns it in lower-case 8-4-4-4-12 form or NULL. */
char *vb_xml_uuid_normalize (const char *text);

/* Parses a unicast MAC address "xx:xx:xx:xx:xx:xx"; returns it in lower case
 * or NULL. */
char *vb_xml_mac_normalize (const char *text);
/* A random address in QEMU's 52:54:00 range. */
char *vb_xml_mac_random (void);

/* Reads @text, the digits of @base (2 to 10) and nothing else, as a number
 * up to @max. Unlike g_ascii_string_to_unsigned() it never looks at errno,
 * which another thread can leave set at start-up (see xml-schema.c). */
gboolean vb_xml_parse_unsigned (const char *text, guint base, guint64 max, guint64 *value);

/* Reads the text of @node as a number scaled by its unit= attribute (b,
 * bytes, KB, k, KiB, MB, M, MiB, ... EiB; @default_unit when absent) and
 * returns it in bytes. */
gboolean vb_xml_scaled_bytes (xmlNode *node, const char *default_unit, guint64 *bytes,
                              GError **error);
/* The same for a number @text with unit @unit (NULL: @default_unit) that
 * @node carries elsewhere, e.g. in attributes (<cell memory= unit=>). */
gboolean vb_xml_scaled_value (xmlNode *node, const char *text, const char *unit,
                              const char *default_unit, guint64 *bytes, GError **error);

G_END_DECLS
