#include "xml-schema.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "vb-error.h"
#include "xml-limits.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlParserCtxt, xmlFreeParserCtxt)

/* libxml2 2.12 made the error passed to structured handlers const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError VbXmlErrorArg;
#else
typedef xmlError VbXmlErrorArg;
#endif

/* No network, no DTD, no entity substitution (XML_PARSE_NOENT is absent on
 * purpose), CDATA merged into text so the formatter sees one kind of text,
 * and real line numbers past 65535. The declared encoding is ignored: the
 * input was already checked to be UTF-8, the only encoding D-Bus carries. */
#define VB_XML_PARSE_OPTIONS                                                                       \
  (XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES |                \
   XML_PARSE_IGNORE_ENC)

/* "prefix:name" for an element or attribute in a prefixed namespace. */
static char *
qualified_name (const xmlChar *name, xmlNs *ns)
{
  if (ns != NULL && ns->prefix != NULL)
    return g_strdup_printf ("%s:%s", ns->prefix, name);
  return g_strdup ((const char *) name);
}

/* The same, appended to @out. */
static void
append_qualified_name (GString *out, const xmlChar *name, xmlNs *ns)
{
  if (ns != NULL && ns->prefix != NULL) {
    g_string_append (out, (const char *) ns->prefix);
    g_string_append_c (out, ':');
  }
  g_string_append (out, (const char *) name);
}

/* ------------------------------------------------------------------------ */
/* Parsing */

/* What the libxml2 callbacks of one parse found; reached from the parser
 * context's _private so each parse (each thread) has its own. */
typedef struct {
  char *message;
  long line;
  gboolean saw_doctype;
} ParseState;

static void
parse_state_clear (ParseState *state)
{
  g_clear_pointer (&state->message, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ParseState, parse_state_clear)

static void
on_parse_error (void *user_data, VbXmlErrorArg *err)
{
  xmlParserCtxt *ctxt = user_data;
  ParseState *state = ctxt != NULL ? ctxt->_private : NULL;

  /* Warnings are not failures, and the first error is the one that explains
   * the rest. */
  if (state == NULL || err == NULL || err->level < XML_ERR_ERROR || state->message != NULL)
    return;
  state->message = g_strstrip (g_strdup (err->message != NULL ? err->message : "parse error"));
  state->line = err->line;
}

/* A DOCTYPE is where entity bombs and external entities live, and libvirt
 * XML never needs one: stop the parser before it reads the internal subset. */
static void
on_doctype (void *user_data, const xmlChar *name, const xmlChar *external_id,
            const xmlChar *system_id)
{
  xmlParserCtxt *ctxt = user_data;
  ParseState *state = ctxt->_private;

  state->saw_doctype = TRUE;
  state->line = ctxt->input != NULL ? ctxt->input->line : 0;
  xmlStopParser (ctxt);
}

static gpointer
init_libxml (gpointer data)
{
  xmlInitParser ();
  return NULL;
}

void
vb_xml_init (void)
{
  static GOnce init_once = G_ONCE_INIT;

  g_once (&init_once, init_libxml, NULL);
}

static gboolean
check_size (gsize len, GError **error)
{
  if (len <= VB_XML_MAX_SIZE)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "the XML document is too large: %" G_GSIZE_FORMAT " bytes, the limit is 16 MiB",
               len);
  return FALSE;
}

static gboolean
check_utf8 (const char *xml, gsize len, GError **error)
{
  const char *end = NULL;
  long line = 1;

  if (g_utf8_validate_len (xml, len, &end))
    return TRUE;
  for (const char *p = xml; p < end; p++)
    if (*p == '\n')
      line++;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "the XML document is not valid UTF-8: bad byte 0x%02x at line %ld (offset %ld)",
               (guint) (guchar) *end, line, (long) (end - xml));
  return FALSE;
}

static gboolean
check_not_blank (const char *xml, GError **error)
{
  for (const char *p = xml; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return TRUE;
  g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_XML, "the XML document is empty");
  return FALSE;
}

/* libxml2 asks its input to grow at nearly every token within its lookahead
 * (250 bytes) of the end; a memory input cannot, and each attempt costs.
 * Spaces after the root element are allowed and add no line: padded, the
 * document's own tokens all sit ahead of that window. */
#define PARSE_PADDING 256

static xmlDoc *
read_document (const char *xml, gsize len, GError **error)
{
  g_autoptr (xmlParserCtxt) ctxt = NULL;
  g_auto (ParseState) state = { 0 };
  g_autoptr (xmlDoc) doc = NULL;
  g_autofree char *padded = NULL;

  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL || ctxt->sax == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_FAILED, "cannot create an XML parser");
    return NULL;
  }
  /* Per-context handlers, not the process-wide ones: parses run in worker
   * threads and must neither print nor see each other's errors. */
  ctxt->_private = &state;
  ctxt->sax->serror = on_parse_error;
  ctxt->sax->internalSubset = on_doctype;

  /* No encoding named: libxml2 then reads UTF-8 as it is, where naming
   * "UTF-8" sends every byte through its UTF-8 to UTF-8 converter (a fifth
   * of libxml2's work on a small document). The input is checked UTF-8 without a NUL,
   * so its detection cannot take it for UTF-16 or UCS-4, and
   * XML_PARSE_IGNORE_ENC ignores a declared encoding either way. */
  padded = g_malloc (len + PARSE_PADDING + 1);
  memcpy (padded, xml, len);
  memset (padded + len, ' ', PARSE_PADDING);
  padded[len + PARSE_PADDING] = '\0';
  doc = xmlCtxtReadMemory (ctxt, padded, (int) (len + PARSE_PADDING), NULL, NULL,
                           VB_XML_PARSE_OPTIONS);
  ctxt->_private = NULL;

  if (state.saw_doctype) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "a DOCTYPE declaration at line %ld is not allowed", state.line);
    return NULL;
  }
  if (state.message != NULL || doc == NULL || !ctxt->wellFormed) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "malformed XML at line %ld: %s",
                 state.line, state.message != NULL ? state.message : "parse error");
    return NULL;
  }
  return g_steal_pointer (&doc);
}

xmlDoc *
vb_xml_parse (const char *xml, const char *root_name, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  xmlNode *root;
  gsize len;

  g_return_val_if_fail (xml != NULL, NULL);

  vb_xml_init ();

  len = strlen (xml);
  if (!check_size (len, error) || !check_utf8 (xml, len, error) || !check_not_blank (xml, error) ||
      !vb_xml_check_limits (xml, len, error))
    return NULL;

  doc = read_document (xml, len, error);
  if (doc == NULL)
    return NULL;

  root = xmlDocGetRootElement (doc);
  if (root == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_XML, "the XML document is empty");
    return NULL;
  }
  if (root->ns != NULL ||
      (root_name != NULL && g_strcmp0 ((const char *) root->name, root_name) != 0)) {
    g_autofree char *found = qualified_name (root->name, root->ns);
    /* A default namespace leaves the name alone: without the namespace the
     * message would read "expected <domain> but found <domain>". */
    g_autofree char *href = root->ns != NULL ? vb_xml_quote ((const char *) root->ns->href) : NULL;
    g_autofree char *in_ns = href != NULL ? g_strdup_printf (" in namespace %s", href) : NULL;

    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "expected the root element <%s> but found <%s>%s at line %ld", root_name, found,
                 in_ns != NULL ? in_ns : "", vb_xml_line (root));
    return NULL;
  }
  return g_steal_pointer (&doc);
}

/* ------------------------------------------------------------------------ */
/* Validation */

static gboolean
is_text_node (xmlNode *node)
{
  return node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE;
}

/* One "name=values" token of a rule's attrs string, pointing into it. */
typedef struct {
  const char *name;
  gsize name_len;
  const char *values; /* NULL: any value */
  gsize values_len;
  gboolean required;
} AttrSpec;

static gboolean
next_attr_spec (const char **cursor, AttrSpec *spec)
{
  const char *p = *cursor;
  const char *end;
  const char *eq;

  while (*p == ' ')
    p++;
  if (*p == '\0')
    return FALSE;
  end = strchr (p, ' ');
  if (end == NULL)
    end = p + strlen (p);

  spec->required = *p == '!';
  if (spec->required)
    p++;
  eq = memchr (p, '=', end - p);
  spec->name = p;
  spec->name_len = (eq != NULL ? eq : end) - p;
  spec->values = eq != NULL ? eq + 1 : NULL;
  spec->values_len = eq != NULL ? (gsize) (end - eq - 1) : 0;
  *cursor = end;
  return TRUE;
}

static gboolean
spec_names (const AttrSpec *spec, const char *name)
{
  return strlen (name) == spec->name_len && strncmp (spec->name, name, spec->name_len) == 0;
}

static gboolean
all_chars (const char *s, const char *allowed)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (strchr (allowed, *s) == NULL)
      return FALSE;
  return TRUE;
}

#define DIGITS "0123456789"
#define HEX_DIGITS "0123456789abcdefABCDEF"

/* Whether @value matches @values (an enumeration "a|b" or a %-kind); the
 * number kinds only check the syntax, ranges are the definitions' business. */
static gboolean
is_kind (const char *values, gsize values_len, const char *kind)
{
  return values_len == 2 && values[0] == kind[0] && values[1] == kind[1];
}

/* Read in place, not copied: every attribute and text of every definition
 * parsed comes through here (10,000 definitions at a start-up). */
static gboolean
value_matches (const char *values, gsize values_len, const char *value)
{
  const char *end = values + values_len;
  gsize value_len;

  if (is_kind (values, values_len, "%u"))
    return all_chars (value, DIGITS) && strlen (value) <= 20;
  if (is_kind (values, values_len, "%i"))
    return all_chars (value[0] == '-' ? value + 1 : value, DIGITS) && strlen (value) <= 20;
  if (is_kind (values, values_len, "%o"))
    return all_chars (value, "01234567") && strlen (value) <= 22;
  if (is_kind (values, values_len, "%x")) {
    if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X'))
      return all_chars (value + 2, HEX_DIGITS) && strlen (value) <= 18;
    return all_chars (value, DIGITS) && strlen (value) <= 20;
  }
  value_len = strlen (value);
  for (const char *p = values; p != NULL;) {
    const char *bar = memchr (p, '|', (gsize) (end - p));
    gsize n = bar != NULL ? (gsize) (bar - p) : (gsize) (end - p);

    if (value_len == n && strncmp (p, value, n) == 0)
      return TRUE;
    p = bar != NULL ? bar + 1 : NULL;
  }
  return FALSE;
}

/* The "expected ..." part of a message about a value outside @values. */
static char *
describe_values (const char *values, gsize values_len)
{
  g_autofree char *kind = g_strndup (values, values_len);
  g_auto (GStrv) choices = NULL;
  g_autofree char *joined = NULL;

  if (g_str_equal (kind, "%u"))
    return g_strdup ("an unsigned decimal integer");
  if (g_str_equal (kind, "%i"))
    return g_strdup ("a decimal integer");
  if (g_str_equal (kind, "%o"))
    return g_strdup ("an octal number");
  if (g_str_equal (kind, "%x"))
    return g_strdup ("an unsigned integer, decimal or 0x hexadecimal");
  choices = g_strsplit (kind, "|", -1);
  joined = g_strjoinv (", ", choices);
  return g_strdup_printf ("one of %s", joined);
}

/* @schema's rules by path, made at its first use and kept: the domain
 * schema has hundreds of rules, and a scan of them for each element was a
 * tenth of a stored definition's check at start-up. The first rule of a path
 * wins, as in a scan. */
static GHashTable *
rules_by_path (const VbXmlSchema *schema)
{
  static GMutex lock;
  static GHashTable *indexes; /* VbXmlSchema * → (path → VbXmlRule *) */
  GHashTable *index;

  g_mutex_lock (&lock);
  if (indexes == NULL)
    indexes = g_hash_table_new (NULL, NULL);
  index = g_hash_table_lookup (indexes, schema);
  if (index == NULL) {
    index = g_hash_table_new (g_str_hash, g_str_equal);
    for (gsize i = schema->n_rules; i > 0; i--)
      g_hash_table_insert (index, (gpointer) schema->rules[i - 1].path,
                           (gpointer) &schema->rules[i - 1]);
    g_hash_table_insert (indexes, (gpointer) schema, index);
  }
  g_mutex_unlock (&lock);
  return index;
}

static gboolean
check_attribute (xmlNode *node, xmlAttr *attr, const VbXmlRule *rule, GError **error)
{
  /* A copy only for a prefixed name, which no spec names (every attribute
   * of every definition comes through here). */
  g_autofree char *qualified = attr->ns != NULL ? qualified_name (attr->name, attr->ns) : NULL;
  const char *name = qualified != NULL ? qualified : (const char *) attr->name;
  g_autofree char *value = NULL;
  const char *cursor = rule->attrs != NULL ? rule->attrs : "";
  AttrSpec spec;

  while (next_attr_spec (&cursor, &spec)) {
    g_autofree char *expected = NULL;
    g_autofree char *quoted = NULL;

    if (attr->ns != NULL || !spec_names (&spec, name))
      continue;
    if (spec.values == NULL)
      return TRUE;
    value = vb_xml_attr (node, name);
    if (value_matches (spec.values, spec.values_len, value))
      return TRUE;
    expected = describe_values (spec.values, spec.values_len);
    quoted = vb_xml_quote (value);
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid value %s for attribute '%s' on <%s> at line %ld: expected %s", quoted,
                 name, node->name, vb_xml_line (node), expected);
    return FALSE;
  }
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "unsupported attribute '%s' on <%s> at line %ld", name, node->name,
               vb_xml_line (node));
  return FALSE;
}

static gboolean
check_attributes (xmlNode *node, const VbXmlRule *rule, GError **error)
{
  const char *cursor = rule->attrs != NULL ? rule->attrs : "";
  AttrSpec spec;

  for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next)
    if (!check_attribute (node, attr, rule, error))
      return FALSE;

  while (next_attr_spec (&cursor, &spec)) {
    g_autofree char *name = NULL;

    if (!spec.required)
      continue;
    name = g_strndup (spec.name, spec.name_len);
    if (xmlHasNsProp (node, (const xmlChar *) name, NULL) == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "missing attribute '%s' on <%s> at line %ld", name, node->name,
                   vb_xml_line (node));
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
is_blank (const char *text)
{
  for (; text != NULL && *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static char *
quote_stripped (const char *text)
{
  g_autofree char *copy = g_strdup (text);

  return vb_xml_quote (g_strstrip (copy));
}

/* Only the element's own text: its children's is theirs to check. */
static gboolean
check_no_text (xmlNode *node, GError **error)
{
  for (xmlNode *child = node->children; child != NULL; child = child->next) {
    g_autofree char *quoted = NULL;

    if (!is_text_node (child) || is_blank ((const char *) child->content))
      continue;
    quoted = quote_stripped ((const char *) child->content);
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "unexpected text %s in <%s> at line %ld",
                 quoted, node->name, vb_xml_line (child));
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_text (xmlNode *node, const VbXmlRule *rule, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *expected = NULL;

  if (rule->text != NULL && g_str_equal (rule->text, "*"))
    return TRUE;

  if (rule->text == NULL)
    return check_no_text (node, error);

  text = vb_xml_text (node);
  if (value_matches (rule->text, strlen (rule->text), text))
    return TRUE;
  /* Unstripped: stray spaces may be exactly what is wrong with it. */
  quoted = vb_xml_quote (text);
  expected = describe_values (rule->text, strlen (rule->text));
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "invalid value %s in <%s> at line %ld: expected %s", quoted, node->name,
               vb_xml_line (node), expected);
  return FALSE;
}

static gboolean
check_not_repeated (xmlNode *node, const VbXmlRule *rule, const char *path, GError **error)
{
  if (rule->flags & VB_XML_RULE_REPEAT)
    return TRUE;
  for (xmlNode *prev = node->prev; prev != NULL; prev = prev->prev) {
    if (prev->type == XML_ELEMENT_NODE && xmlStrEqual (prev->name, node->name) &&
        (prev->ns == NULL ? node->ns == NULL
                          : node->ns != NULL && xmlStrEqual (prev->ns->href, node->ns->href))) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "element <%s> at line %ld (%s) may appear only once in <%s>", node->name,
                   vb_xml_line (node), path, node->parent->name);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean check_element (GHashTable *rules, GString *path, xmlNode *node,
                               GError **error);

#define LIBVIRT_QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

/* Whether @node is in libvirt's QEMU namespace, whatever its prefix (qemu:,
 * ns0:, or none under a default namespace). */
static gboolean
in_qemu_ns (xmlNode *node)
{
  return node->ns != NULL && xmlStrEqual (node->ns->href, (const xmlChar *) LIBVIRT_QEMU_NS);
}

/* @node's name in a rule's path: an element of libvirt's QEMU namespace is
 * "qemu:name" whichever prefix the caller chose, so one rule matches every
 * spelling; NULL for any other namespace, which no rule names. */
static gboolean
append_rule_name (GString *path, xmlNode *node)
{
  if (node->ns == NULL) {
    g_string_append (path, (const char *) node->name);
    return TRUE;
  }
  if (in_qemu_ns (node)) {
    g_string_append (path, "qemu:");
    g_string_append (path, (const char *) node->name);
    return TRUE;
  }
  return FALSE;
}

/* Refuses @node, an element in a namespace, at @path. */
static gboolean
refuse_namespaced (xmlNode *node, const char *path, GError **error)
{
  g_autofree char *name = qualified_name (node->name, node->ns);

  if (in_qemu_ns (node))
    /* <qemu:commandline> has a rule; the rest of the namespace overrides
     * what the driver itself decided (capabilities, device properties). */
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "unsupported element <%s> at line %ld (%s): of libvirt's QEMU namespace (%s) "
                 "only <commandline> with <arg> and <env> is supported",
                 name, vb_xml_line (node), path, LIBVIRT_QEMU_NS);
  else if (node->ns->prefix == NULL)
    /* A default namespace hides in an ancestor: say why <devices> fails. */
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "unsupported element <%s> in namespace '%s' at line %ld (%s)", name,
                 node->ns->href, vb_xml_line (node), path);
  else
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "unsupported element <%s> at line %ld (%s)",
                 name, vb_xml_line (node), path);
  return FALSE;
}

static gboolean
check_children (GHashTable *rules, GString *path, xmlNode *node, GError **error)
{
  for (xmlNode *child = node->children; child != NULL; child = child->next) {
    if (child->type == XML_ELEMENT_NODE && !check_element (rules, path, child, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
check_element (GHashTable *rules, GString *path, xmlNode *node, GError **error)
{
  gsize parent_len = path->len;
  const VbXmlRule *rule = NULL;

  if (path->len > 0)
    g_string_append_c (path, '/');
  /* The path is built in place, without a copy of each name: every element
   * of every definition parsed comes through here. */
  if (append_rule_name (path, node))
    rule = g_hash_table_lookup (rules, path->str);
  else
    append_qualified_name (path, node->name, node->ns);
  if (node->ns != NULL && rule == NULL)
    return refuse_namespaced (node, path->str, error);
  if (rule == NULL) {
    g_autofree char *name = qualified_name (node->name, node->ns);

    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "unsupported element <%s> at line %ld (%s)",
                 name, vb_xml_line (node), path->str);
    return FALSE;
  }
  if (!check_not_repeated (node, rule, path->str, error))
    return FALSE;

  if (!(rule->flags & VB_XML_RULE_VERBATIM)) {
    /* A namespace declaration alone means nothing (libvirt's tests declare
     * unused ones on <domain>): what an element or attribute in a namespace
     * asks for is checked where it is used, and refused there unless a rule
     * names it. */
    if (!check_attributes (node, rule, error) || !check_text (node, rule, error) ||
        !check_children (rules, path, node, error))
      return FALSE;
  }

  g_string_truncate (path, parent_len);
  return TRUE;
}

gboolean
vb_xml_validate (xmlNode *root, const VbXmlSchema *schema, GError **error)
{
  g_autoptr (GString) path = g_string_new (NULL);

  g_return_val_if_fail (root != NULL, FALSE);
  g_return_val_if_fail (schema != NULL, FALSE);

  return check_element (rules_by_path (schema), path, root, error);
}

/* ------------------------------------------------------------------------ */
/* Canonical formatting */

/* The formatter runs for every definition parsed (10,000 at a start-up
 * with as many domains): it appends, without printf or a copy per name. */
static void
append_indent (GString *out, guint depth)
{
  for (guint i = 0; i < depth; i++)
    g_string_append_len (out, "  ", 2);
}

static void
append_escaped (GString *out, const char *text, gboolean attribute)
{
  for (const char *p = text; *p != '\0'; p++) {
    switch (*p) {
    case '&': g_string_append (out, "&amp;"); break;
    case '<': g_string_append (out, "&lt;"); break;
    case '>': g_string_append (out, "&gt;"); break;
    case '\r': g_string_append (out, "&#13;"); break;
    /* Attribute values are normalised by every parser: quotes would end
     * them and raw tabs and newlines would come back as spaces. */
    case '\'': g_string_append (out, attribute ? "&apos;" : "'"); break;
    case '"': g_string_append (out, attribute ? "&quot;" : "\""); break;
    case '\t': g_string_append (out, attribute ? "&#9;" : "\t"); break;
    case '\n': g_string_append (out, attribute ? "&#10;" : "\n"); break;
    default: g_string_append_c (out, *p); break;
    }
  }
}

static void
append_start_tag (GString *out, xmlNode *node)
{
  g_string_append_c (out, '<');
  append_qualified_name (out, node->name, node->ns);
  /* libxml2 keeps namespace declarations apart from attributes, so their
   * position among the attributes is lost: they always come first. */
  for (xmlNs *ns = node->nsDef; ns != NULL; ns = ns->next) {
    if (ns->prefix != NULL)
      g_string_append_printf (out, " xmlns:%s='", ns->prefix);
    else
      g_string_append (out, " xmlns='");
    append_escaped (out, (const char *) ns->href, TRUE);
    g_string_append_c (out, '\'');
  }
  for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next) {
    /* An attribute's value is one text node (no entity is substituted):
     * read in place; anything else is concatenated by libxml2. */
    gboolean one_text = attr->children != NULL && attr->children->next == NULL &&
                        attr->children->type == XML_TEXT_NODE && attr->children->content != NULL;
    xmlChar *value = one_text ? NULL : xmlNodeGetContent ((xmlNode *) attr);

    g_string_append_c (out, ' ');
    append_qualified_name (out, attr->name, attr->ns);
    g_string_append_len (out, "='", 2);
    append_escaped (out,
                    one_text ? (const char *) attr->children->content
                             : value != NULL ? (const char *) value : "",
                    TRUE);
    g_string_append_c (out, '\'');
    xmlFree (value);
  }
}

static void
format_inline (GString *out, xmlNode *node)
{
  gboolean empty = TRUE;

  append_start_tag (out, node);
  for (xmlNode *child = node->children; child != NULL; child = child->next) {
    if (!is_text_node (child) && child->type != XML_ELEMENT_NODE)
      continue;
    if (empty)
      g_string_append_c (out, '>');
    empty = FALSE;
    if (is_text_node (child))
      append_escaped (out, (const char *) child->content, FALSE);
    else
      format_inline (out, child);
  }
  if (empty)
    g_string_append (out, "/>");
  else {
    g_string_append_len (out, "</", 2);
    append_qualified_name (out, node->name, node->ns);
    g_string_append_c (out, '>');
  }
}

/* An element with child elements and only blank text is laid out one child
 * per line; anything else (text only, or text mixed with elements) is written
 * as it is, since added whitespace would change its content. */
/* The caller's line of @node: inserted elements (a default UUID, a MAC)
 * have none and take their parent's. */
static long
source_line (xmlNode *node)
{
  for (; node != NULL && node->type == XML_ELEMENT_NODE; node = node->parent) {
    long line = xmlGetLineNo (node);

    if (line > 0)
      return line;
  }
  return 0;
}

/* Records @node's source line for every line written to @out since
 * @from (text kept as written may span several). */
static void
note_lines (GArray *lines, GString *out, gsize from, xmlNode *node)
{
  long line = lines != NULL ? source_line (node) : 0;

  if (lines == NULL)
    return;
  for (gsize i = from; i < out->len; i++)
    if (out->str[i] == '\n')
      g_array_append_val (lines, line);
}

static void
format_pretty (GString *out, xmlNode *node, guint depth, GArray *lines)
{
  gsize from = out->len;
  gboolean has_elements = FALSE;

  for (xmlNode *child = node->children; child != NULL; child = child->next) {
    if (is_text_node (child) && !is_blank ((const char *) child->content)) {
      append_indent (out, depth);
      format_inline (out, node);
      g_string_append_c (out, '\n');
      note_lines (lines, out, from, node);
      return;
    }
    has_elements |= child->type == XML_ELEMENT_NODE;
  }
  if (!has_elements) {
    append_indent (out, depth);
    format_inline (out, node);
    g_string_append_c (out, '\n');
    note_lines (lines, out, from, node);
    return;
  }

  append_indent (out, depth);
  append_start_tag (out, node);
  g_string_append (out, ">\n");
  note_lines (lines, out, from, node);
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      format_pretty (out, child, depth + 1, lines);
  from = out->len;
  append_indent (out, depth);
  g_string_append_len (out, "</", 2);
  append_qualified_name (out, node->name, node->ns);
  g_string_append_len (out, ">\n", 2);
  note_lines (lines, out, from, node);
}

char *
vb_xml_format (xmlDoc *doc)
{
  return vb_xml_format_mapped (doc, NULL);
}

char *
vb_xml_format_mapped (xmlDoc *doc, GArray **source_lines)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GArray) lines = source_lines != NULL ? g_array_new (FALSE, FALSE, sizeof (long)) : NULL;
  xmlNode *root;

  g_return_val_if_fail (doc != NULL, NULL);

  root = xmlDocGetRootElement (doc);
  if (root != NULL)
    format_pretty (out, root, 0, lines);
  if (source_lines != NULL)
    *source_lines = g_steal_pointer (&lines);
  /* Kept as long as the definition: without the room the string grew. */
  {
    gsize len = out->len;

    return g_realloc (g_string_free (g_steal_pointer (&out), FALSE), len + 1);
  }
}

void
vb_xml_error_map_lines (GError *error, GArray *source_lines)
{
  static GRegex *at_line;
  g_autoptr (GString) out = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  gint last = 0;

  if (error == NULL || source_lines == NULL)
    return;
  if (g_once_init_enter (&at_line))
    g_once_init_leave (&at_line, g_regex_new ("at line ([0-9]{1,9})", G_REGEX_OPTIMIZE, 0, NULL));
  out = g_string_new (NULL);
  g_regex_match (at_line, error->message, 0, &match);
  while (g_match_info_matches (match)) {
    g_autofree char *digits = g_match_info_fetch (match, 1);
    guint64 line = g_ascii_strtoull (digits, NULL, 10);
    gint start, end;

    g_match_info_fetch_pos (match, 1, &start, &end);
    g_string_append_len (out, error->message + last, start - last);
    if (line >= 1 && line <= source_lines->len && g_array_index (source_lines, long, line - 1) > 0)
      g_string_append_printf (out, "%ld", g_array_index (source_lines, long, line - 1));
    else
      g_string_append (out, digits);
    last = end;
    g_match_info_next (match, NULL);
  }
  g_string_append (out, error->message + last);
  g_free (error->message);
  error->message = g_string_free (g_steal_pointer (&out), FALSE);
}

/* ------------------------------------------------------------------------ */
/* Tree helpers */

long
vb_xml_line (xmlNode *node)
{
  return node != NULL ? xmlGetLineNo (node) : 0;
}

gboolean
vb_xml_invalid (GError **error, xmlNode *node, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "<%s> at line %ld: %s", node->name,
               vb_xml_line (node), why);
  return FALSE;
}

static gboolean
is_element_named (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
         xmlStrEqual (node->name, (const xmlChar *) name);
}

xmlNode *
vb_xml_child (xmlNode *parent, const char *name)
{
  if (parent == NULL)
    return NULL;
  for (xmlNode *child = parent->children; child != NULL; child = child->next)
    if (is_element_named (child, name))
      return child;
  return NULL;
}

xmlNode *
vb_xml_next (xmlNode *node, const char *name)
{
  for (xmlNode *next = node != NULL ? node->next : NULL; next != NULL; next = next->next)
    if (is_element_named (next, name))
      return next;
  return NULL;
}

/* Whether @node's content is exactly one text node. */
static gboolean
one_text_child (xmlNode *node)
{
  xmlNode *child = node->children;

  return child != NULL && child->next == NULL && child->type == XML_TEXT_NODE &&
         child->content != NULL;
}

char *
vb_xml_text (xmlNode *node)
{
  xmlChar *content;
  char *text;

  /* The usual element, one text node: copied once, not twice. */
  if (node->type == XML_ELEMENT_NODE && one_text_child (node))
    return g_strdup ((const char *) node->children->content);
  content = xmlNodeGetContent (node);
  text = g_strdup (content != NULL ? (const char *) content : "");

  xmlFree (content);
  return text;
}

char *
vb_xml_attr (xmlNode *node, const char *name)
{
  xmlAttr *attr = xmlHasNsProp (node, (const xmlChar *) name, NULL);
  xmlChar *value;
  char *copy;

  /* The usual attribute, one text node: copied once, not twice. */
  if (attr != NULL && attr->type == XML_ATTRIBUTE_NODE && one_text_child ((xmlNode *) attr))
    return g_strdup ((const char *) attr->children->content);
  value = xmlGetNoNsProp (node, (const xmlChar *) name);
  copy = g_strdup ((const char *) value);

  xmlFree (value);
  return copy;
}

gboolean
vb_xml_attr_is (xmlNode *node, const char *name, const char *value)
{
  g_autofree char *actual = node ? vb_xml_attr (node, name) : NULL;

  return g_strcmp0 (actual, value) == 0;
}

guint
vb_xml_attr_uint (xmlNode *node, const char *name, guint fallback)
{
  g_autofree char *text = node ? vb_xml_attr (node, name) : NULL;
  char *end = NULL;
  guint64 value;

  if (!text || !*text)
    return fallback;
  value = g_ascii_strtoull (text, &end, 0);
  return *end || value > G_MAXUINT ? fallback : (guint) value;
}

void
vb_xml_set_text (xmlNode *node, const char *text)
{
  xmlNode *child = node->children;

  /* Already so (a stored definition's UUID and sizes): left as it is. */
  if (text != NULL && *text != '\0' && one_text_child (node) &&
      g_str_equal ((const char *) child->content, text))
    return;
  /* Not xmlNodeSetContent(): it would read '&' in @text as an entity. */
  while (child != NULL) {
    xmlNode *next = child->next;

    xmlUnlinkNode (child);
    xmlFreeNode (child);
    child = next;
  }
  if (text != NULL && *text != '\0')
    xmlAddChild (node, xmlNewDocText (node->doc, (const xmlChar *) text));
}

xmlNode *
vb_xml_insert_after (xmlNode *parent, xmlNode *sibling, const char *name, const char *text)
{
  xmlNode *node = xmlNewDocNode (parent->doc, NULL, (const xmlChar *) name, NULL);

  if (text != NULL)
    vb_xml_set_text (node, text);
  if (sibling != NULL)
    return xmlAddNextSibling (sibling, node);
  if (parent->children != NULL)
    return xmlAddPrevSibling (parent->children, node);
  return xmlAddChild (parent, node);
}

void
vb_xml_remove_children (xmlNode *parent, const char *name)
{
  xmlNode *child = vb_xml_child (parent, name);

  while (child != NULL) {
    xmlNode *next = vb_xml_next (child, name);

    xmlUnlinkNode (child);
    xmlFreeNode (child);
    child = next;
  }
}

/* ------------------------------------------------------------------------ */
/* Checks shared by the definitions */

char *
vb_xml_name_problem (const char *name, gsize max_len)
{
  if (name == NULL || *name == '\0')
    return g_strdup ("a name must not be empty");
  if (strlen (name) > max_len)
    return g_strdup_printf ("a name must be at most %" G_GSIZE_FORMAT " bytes long", max_len);
  if (strchr (name, '/') != NULL)
    return g_strdup ("a name must not contain '/'");
  if (name[0] == '.')
    return g_strdup ("a name must not start with '.'");
  if (!g_utf8_validate (name, -1, NULL))
    return g_strdup ("a name must be valid UTF-8");
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_type (c) == G_UNICODE_CONTROL)
      return g_strdup_printf ("a name must not contain control characters (U+%04X)", (guint) c);
    if (vb_xml_is_invisible (c))
      return g_strdup_printf ("a name must not contain invisible format characters (U+%04X)",
                              (guint) c);
  }
  return NULL;
}

char *
vb_xml_def_name (xmlNode *root, gsize max_len, GError **error)
{
  xmlNode *node = vb_xml_child (root, "name");
  g_autofree char *name = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *quoted = NULL;

  if (node == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "missing element <name> in <%s>",
                 root->name);
    return NULL;
  }
  name = vb_xml_text (node);
  problem = vb_xml_name_problem (name, max_len);
  if (problem != NULL) {
    quoted = vb_xml_quote (name);
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "invalid name %s in <name> at line %ld: %s",
                 quoted, vb_xml_line (node), problem);
    return NULL;
  }
  return g_steal_pointer (&name);
}

static int
hex_value (char c)
{
  return g_ascii_xdigit_value (c);
}

char *
vb_xml_uuid_normalize (const char *text)
{
  static const int dash_after[] = { 8, 12, 16, 20 }; /* hex digits before each '-' */
  char out[37];  /* written in place: every definition parsed has a UUID */
  gsize len = 0;
  gsize n_digits = 0;
  gsize n_dashes = 0;

  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '-') {
      /* Dashes are optional, but only where the usual form has them. */
      if (n_dashes >= G_N_ELEMENTS (dash_after) || (int) n_digits != dash_after[n_dashes])
        return NULL;
      n_dashes++;
      continue;
    }
    if (hex_value (*p) < 0 || n_digits == 32)
      return NULL;
    if (n_digits == 8 || n_digits == 12 || n_digits == 16 || n_digits == 20)
      out[len++] = '-';
    out[len++] = g_ascii_tolower (*p);
    n_digits++;
  }
  if (n_digits != 32 || (n_dashes != 0 && n_dashes != 4))
    return NULL;
  /* 37 bytes: kept by every definition. */
  return g_strndup (out, len);
}

char *
vb_xml_uuid_node (xmlNode *node, GError **error)
{
  g_autofree char *text = vb_xml_text (node);
  g_autofree char *uuid = vb_xml_uuid_normalize (text);
  g_autofree char *quoted = NULL;

  if (uuid == NULL) {
    quoted = vb_xml_quote (text);
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid UUID %s in <%s> at line %ld: expected 32 hexadecimal digits "
                 "such as 4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
                 quoted, (const char *) node->name, vb_xml_line (node));
    return NULL;
  }
  vb_xml_set_text (node, uuid);
  return g_steal_pointer (&uuid);
}

char *
vb_xml_def_uuid (xmlNode *root, GError **error)
{
  xmlNode *node = vb_xml_child (root, "uuid");
  g_autofree char *uuid = NULL;

  if (node == NULL) {
    uuid = g_uuid_string_random ();
    vb_xml_insert_after (root, vb_xml_child (root, "name"), "uuid", uuid);
    return g_steal_pointer (&uuid);
  }
  return vb_xml_uuid_node (node, error);
}

char *
vb_xml_mac_normalize (const char *text)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (text == NULL || strlen (text) != 17)
    return NULL;
  for (int i = 0; i < 17; i++) {
    gboolean separator = i % 3 == 2;

    if (separator ? text[i] != ':' : hex_value (text[i]) < 0)
      return NULL;
    g_string_append_c (out, g_ascii_tolower (text[i]));
  }
  /* The low bit of the first octet marks a group address, which no NIC may
   * use as its own. */
  if (hex_value (text[1]) & 1)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
vb_xml_mac_random (void)
{
  return g_strdup_printf ("52:54:00:%02x:%02x:%02x", (guint) g_random_int_range (0, 256),
                          (guint) g_random_int_range (0, 256), (guint) g_random_int_range (0, 256));
}

typedef struct {
  const char *unit;
  guint64 scale;
} UnitScale;

#define KILO G_GUINT64_CONSTANT (1000)
#define KIBI G_GUINT64_CONSTANT (1024)

static const UnitScale unit_scales[] = {
  { "b", 1 },
  { "bytes", 1 },
  { "KB", KILO },
  { "k", KIBI },
  { "KiB", KIBI },
  { "MB", KILO * KILO },
  { "M", KIBI * KIBI },
  { "MiB", KIBI * KIBI },
  { "GB", KILO * KILO * KILO },
  { "G", KIBI * KIBI * KIBI },
  { "GiB", KIBI * KIBI * KIBI },
  { "TB", KILO * KILO * KILO * KILO },
  { "T", KIBI * KIBI * KIBI * KIBI },
  { "TiB", KIBI * KIBI * KIBI * KIBI },
  { "PB", KILO * KILO * KILO * KILO * KILO },
  { "P", KIBI * KIBI * KIBI * KIBI * KIBI },
  { "PiB", KIBI * KIBI * KIBI * KIBI * KIBI },
  { "EB", KILO * KILO * KILO * KILO * KILO * KILO },
  { "E", KIBI * KIBI * KIBI * KIBI * KIBI * KIBI },
  { "EiB", KIBI * KIBI * KIBI * KIBI * KIBI * KIBI },
};

/* g_ascii_string_to_unsigned() sets errno to 0, calls g_ascii_strtoull() and
 * refuses the text if errno is set afterwards. The first g_ascii_strtoull()
 * of a process creates GLib's C locale under g_once, whose mutex, when
 * another thread holds it, can return from its futex wait with errno set to
 * EAGAIN (GLib 2.74 does not restore errno there): a valid number refused
 * once, at start-up, while the QEMU probe and GDBus threads start (issue 3b).
 * Our numbers are a few digits: read them without errno or locale. */
gboolean
vb_xml_parse_unsigned (const char *text, guint base, guint64 max, guint64 *value)
{
  guint64 n = 0;

  g_return_val_if_fail (base >= 2 && base <= 10, FALSE);
  if (text == NULL || *text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      guint digit;

      if (*p < '0' || *p >= (char) ('0' + base))
        return FALSE;
      digit = (guint) (*p - '0');
      if (digit > max || n > (max - digit) / base)
        return FALSE;
      n = n * base + digit;
    }
  *value = n;
  return TRUE;
}

gboolean
vb_xml_scaled_bytes (xmlNode *node, const char *default_unit, guint64 *bytes, GError **error)
{
  g_autofree char *unit = vb_xml_attr (node, "unit");
  g_autofree char *text = vb_xml_text (node);

  return vb_xml_scaled_value (node, text, unit, default_unit, bytes, error);
}

gboolean
vb_xml_scaled_value (xmlNode *node, const char *text, const char *unit, const char *default_unit,
                     guint64 *bytes, GError **error)
{
  const UnitScale *scale = NULL;
  guint64 value = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (unit_scales); i++)
    if (g_str_equal (unit_scales[i].unit, unit != NULL ? unit : default_unit))
      scale = &unit_scales[i];
  if (scale == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid value '%s' for attribute 'unit' on <%s> at line %ld",
                 unit != NULL ? unit : default_unit, node->name, vb_xml_line (node));
    return FALSE;
  }
  if (!vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &value)) {
    g_autofree char *quoted = vb_xml_quote (text);

    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid value %s in <%s> at line %ld: expected an unsigned decimal integer",
                 quoted, node->name, vb_xml_line (node));
    return FALSE;
  }
  if (value > G_MAXUINT64 / scale->scale) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "the value of <%s> at line %ld is too large", node->name, vb_xml_line (node));
    return FALSE;
  }
  *bytes = value * scale->scale;
  return TRUE;
}
