#include "volume-def.h"

#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

/* A volume's name is a file name in its pool's directory: NAME_MAX. */
#define VOLUME_NAME_MAX 255

static const VbXmlRule volume_rules[] = {
  { "volume", "type=file", NULL, 0 },
  { "volume/name", NULL, "*", 0 },
  /* key and target/path are chosen by the pool; accepted and dropped. */
  { "volume/key", NULL, "*", 0 },
  { "volume/capacity", "unit=" VB_XML_UNITS, "%u", 0 },
  { "volume/allocation", "unit=" VB_XML_UNITS, "%u", 0 },
  { "volume/target", NULL, NULL, 0 },
  { "volume/target/path", NULL, "*", 0 },
  { "volume/target/format", "!type=raw|qcow2", NULL, 0 },
  /* What virt-manager adds for qcow2 images. */
  { "volume/target/compat", NULL, "0.10|1.1", 0 },
  { "volume/target/features", NULL, NULL, 0 },
  { "volume/target/features/lazy_refcounts", NULL, NULL, 0 },
  { "volume/target/permissions", NULL, NULL, 0 },
  { "volume/target/permissions/mode", NULL, "%o", 0 },
  { "volume/target/permissions/owner", NULL, "%i", 0 },
  { "volume/target/permissions/group", NULL, "%i", 0 },
  { "volume/target/permissions/label", NULL, "*", 0 },
};

static const VbXmlSchema volume_schema = { volume_rules, G_N_ELEMENTS (volume_rules) };

/* The name becomes a file name, so a bad one is a bad argument rather than
 * merely bad XML (see volume-def.h). */
static char *
volume_name (xmlNode *root, GError **error)
{
  xmlNode *node = vb_xml_child (root, "name");
  g_autofree char *name = NULL;
  g_autofree char *problem = NULL;

  if (node == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_XML,
                         "missing element <name> in <volume>");
    return NULL;
  }
  name = vb_xml_text (node);
  problem = vb_xml_name_problem (name, VOLUME_NAME_MAX);
  if (problem != NULL) {
    g_autofree char *shown = vb_xml_quote (name);

    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                 "invalid volume name %s in <name> at line %ld: %s", shown,
                 vb_xml_line (node), problem);
    return NULL;
  }
  return g_steal_pointer (&name);
}

/* The child @name of @parent; when missing, a new one placed after @after,
 * or last when @after is NULL. */
static xmlNode *
ensure_child (xmlNode *parent, xmlNode *after, const char *name)
{
  xmlNode *node = vb_xml_child (parent, name);

  if (node != NULL)
    return node;
  if (after == NULL)
    return xmlAddChild (parent, xmlNewDocNode (parent->doc, NULL, (const xmlChar *) name, NULL));
  return vb_xml_insert_after (parent, after, name, NULL);
}

/* Writes @bytes as <@name unit='bytes'>, after @after when it is new. */
static xmlNode *
set_bytes (xmlNode *root, xmlNode *after, const char *name, guint64 bytes)
{
  xmlNode *node = ensure_child (root, after, name);
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);

  xmlSetProp (node, (const xmlChar *) "unit", (const xmlChar *) "bytes");
  vb_xml_set_text (node, text);
  return node;
}

static gboolean
fill_sizes (xmlNode *root, VbVolumeDef *def, GError **error)
{
  xmlNode *capacity = vb_xml_child (root, "capacity");
  xmlNode *allocation = vb_xml_child (root, "allocation");

  if (capacity == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_XML,
                         "missing element <capacity> in <volume>");
    return FALSE;
  }
  if (!vb_xml_scaled_bytes (capacity, "bytes", &def->capacity, error))
    return FALSE;
  if (allocation == NULL)
    def->allocation = g_str_equal (def->format, "qcow2") ? 0 : def->capacity;
  else if (!vb_xml_scaled_bytes (allocation, "bytes", &def->allocation, error))
    return FALSE;
  /* Preallocating more than the volume can hold would only waste space. */
  def->allocation = MIN (def->allocation, def->capacity);

  capacity = set_bytes (root, NULL, "capacity", def->capacity);
  set_bytes (root, capacity, "allocation", def->allocation);
  return TRUE;
}

/* Reads the format and writes it out when absent, and drops target/path:
 * where the volume lives is the pool's decision. */
static void
fill_target (xmlNode *root, VbVolumeDef *def)
{
  xmlNode *target = ensure_child (root, NULL, "target");
  xmlNode *format = vb_xml_child (target, "format");

  vb_xml_remove_children (target, "path");
  if (format == NULL) {
    format = vb_xml_insert_after (target, NULL, "format", NULL);
    xmlSetProp (format, (const xmlChar *) "type", (const xmlChar *) "raw");
  }
  def->format = vb_xml_attr (format, "type");
}

VbVolumeDef *
vb_volume_def_parse (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VbVolumeDef) def = NULL;
  xmlNode *root;

  g_return_val_if_fail (xml != NULL, NULL);

  doc = vb_xml_parse (xml, "volume", error);
  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  if (!vb_xml_validate (root, &volume_schema, error))
    return NULL;
  vb_xml_remove_children (root, "key");

  def = g_new0 (VbVolumeDef, 1);
  def->name = volume_name (root, error);
  if (def->name == NULL)
    return NULL;
  fill_target (root, def);
  if (!fill_sizes (root, def, error))
    return NULL;

  def->xml = vb_xml_format (doc);
  return g_steal_pointer (&def);
}

VbVolumeDef *
vb_volume_def_copy (const VbVolumeDef *def)
{
  VbVolumeDef *copy;

  g_return_val_if_fail (def != NULL, NULL);

  copy = g_new0 (VbVolumeDef, 1);
  copy->xml = g_strdup (def->xml);
  copy->name = g_strdup (def->name);
  copy->format = g_strdup (def->format);
  copy->capacity = def->capacity;
  copy->allocation = def->allocation;
  return copy;
}

void
vb_volume_def_free (VbVolumeDef *def)
{
  if (def == NULL)
    return;
  g_free (def->xml);
  g_free (def->name);
  g_free (def->format);
  g_free (def);
}

/* The stored XML when there is one (it keeps permissions and qcow2
 * features), else a bare <volume> for a def the storage driver made up for a
 * file it found in a pool. */
static xmlDoc *
volume_doc (const VbVolumeDef *def)
{
  xmlDoc *doc = NULL;
  xmlNode *root;

  if (def->xml != NULL)
    doc = vb_xml_parse (def->xml, "volume", NULL);
  if (doc != NULL)
    return doc;
  doc = xmlNewDoc ((const xmlChar *) "1.0");
  root = xmlNewDocNode (doc, NULL, (const xmlChar *) "volume", NULL);
  xmlDocSetRootElement (doc, root);
  vb_xml_insert_after (root, NULL, "name", def->name);
  return doc;
}

char *
vb_volume_def_format (const VbVolumeDef *def, const char *key, const char *path)
{
  g_autoptr (xmlDoc) doc = NULL;
  xmlNode *root;
  xmlNode *target;
  xmlNode *after;
  xmlNode *format;

  g_return_val_if_fail (def != NULL && def->name != NULL, NULL);

  doc = volume_doc (def);
  root = xmlDocGetRootElement (doc);
  xmlSetProp (root, (const xmlChar *) "type", (const xmlChar *) "file");

  after = vb_xml_child (root, "name");
  vb_xml_remove_children (root, "key");
  if (key != NULL)
    after = vb_xml_insert_after (root, after, "key", key);
  vb_xml_remove_children (root, "capacity");
  vb_xml_remove_children (root, "allocation");
  after = set_bytes (root, after, "capacity", def->capacity);
  set_bytes (root, after, "allocation", def->allocation);

  target = ensure_child (root, NULL, "target");
  vb_xml_remove_children (target, "path");
  if (path != NULL)
    vb_xml_insert_after (target, NULL, "path", path);
  format = ensure_child (target, vb_xml_child (target, "path"), "format");
  xmlSetProp (format, (const xmlChar *) "type",
              (const xmlChar *) (def->format != NULL ? def->format : "raw"));

  return vb_xml_format (doc);
}

const VbXmlSchema *
vb_volume_def_schema (void)
{
  return &volume_schema;
}
