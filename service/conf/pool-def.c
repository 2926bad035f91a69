#include "pool-def.h"

#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

#define POOL_NAME_MAX 200

static const VbXmlRule pool_rules[] = {
  { "pool", "!type=dir|test", NULL, 0 },
  { "pool/name", NULL, "*", 0 },
  { "pool/uuid", NULL, "*", 0 },
  /* Sizes are what the pool holds now: reported live, never configured. */
  { "pool/capacity", "unit=" VB_XML_UNITS, "%u", 0 },
  { "pool/allocation", "unit=" VB_XML_UNITS, "%u", 0 },
  { "pool/available", "unit=" VB_XML_UNITS, "%u", 0 },
  { "pool/source", NULL, NULL, 0 },
  { "pool/target", NULL, NULL, 0 },
  { "pool/target/path", NULL, "*", 0 },
  { "pool/target/permissions", NULL, NULL, 0 },
  { "pool/target/permissions/mode", NULL, "%o", 0 },
  { "pool/target/permissions/owner", NULL, "%i", 0 },
  { "pool/target/permissions/group", NULL, "%i", 0 },
  { "pool/target/permissions/label", NULL, "*", 0 },
};

static const VbXmlSchema pool_schema = { pool_rules, G_N_ELEMENTS (pool_rules) };

/* Collapses repeated '/' and drops a trailing one, so "/srv//images/" and
 * "/srv/images" are stored, compared and reported alike. */
static char *
clean_path (const char *path)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (const char *p = path; *p != '\0'; p++)
    if (!(*p == '/' && out->len > 0 && out->str[out->len - 1] == '/'))
      g_string_append_c (out, *p);
  if (out->len > 1 && out->str[out->len - 1] == '/')
    g_string_truncate (out, out->len - 1);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
fill_target_path (xmlNode *root, VbPoolDef *def, GError **error)
{
  xmlNode *path = vb_xml_child (vb_xml_child (root, "target"), "path");
  g_autofree char *text = NULL;

  if (path == NULL) {
    if (!g_str_equal (def->type, "dir"))
      return TRUE;
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_XML,
                         "missing element <path> in <target>: a dir pool needs the absolute path "
                         "of its directory");
    return FALSE;
  }
  text = vb_xml_text (path);
  if (!g_path_is_absolute (text)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid path '%s' in <path> at line %ld: expected an absolute path", text,
                 vb_xml_line (path));
    return FALSE;
  }
  def->target_path = clean_path (text);
  vb_xml_set_text (path, def->target_path);
  return TRUE;
}

/* Unix permission bits only: setuid/setgid/sticky included, file type not. */
static gboolean
check_mode (xmlNode *root, GError **error)
{
  xmlNode *perms = vb_xml_child (vb_xml_child (root, "target"), "permissions");
  xmlNode *mode = vb_xml_child (perms, "mode");
  g_autofree char *text = mode != NULL ? vb_xml_text (mode) : NULL;
  guint64 value = 0;

  if (mode == NULL || vb_xml_parse_unsigned (text, 8, 07777, &value))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "invalid value '%s' in <mode> at line %ld: expected octal permissions up to 7777",
               text, vb_xml_line (mode));
  return FALSE;
}

VbPoolDef *
vb_pool_def_parse (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VbPoolDef) def = NULL;
  xmlNode *root;

  g_return_val_if_fail (xml != NULL, NULL);

  doc = vb_xml_parse (xml, "pool", error);
  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  if (!vb_xml_validate (root, &pool_schema, error))
    return NULL;
  vb_xml_remove_children (root, "capacity");
  vb_xml_remove_children (root, "allocation");
  vb_xml_remove_children (root, "available");

  def = g_new0 (VbPoolDef, 1);
  def->type = vb_xml_attr (root, "type");
  def->name = vb_xml_def_name (root, POOL_NAME_MAX, error);
  if (def->name == NULL)
    return NULL;
  def->uuid = vb_xml_def_uuid (root, error);
  if (def->uuid == NULL || !fill_target_path (root, def, error) || !check_mode (root, error))
    return NULL;

  def->xml = vb_xml_format (doc);
  return g_steal_pointer (&def);
}

VbPoolDef *
vb_pool_def_copy (const VbPoolDef *def)
{
  VbPoolDef *copy;

  g_return_val_if_fail (def != NULL, NULL);

  copy = g_new0 (VbPoolDef, 1);
  copy->xml = g_strdup (def->xml);
  copy->name = g_strdup (def->name);
  copy->uuid = g_strdup (def->uuid);
  copy->type = g_strdup (def->type);
  copy->target_path = g_strdup (def->target_path);
  return copy;
}

char *
vb_pool_def_format_sizes (const VbPoolDef *def, guint64 capacity, guint64 allocation,
                          guint64 available)
{
  const guint64 values[] = { capacity, allocation, available };
  static const char *const names[] = { "capacity", "allocation", "available" };
  g_autoptr (xmlDoc) doc = NULL;
  xmlNode *root;
  xmlNode *after;

  g_return_val_if_fail (def != NULL, NULL);

  /* The stored XML parsed before: it parses again. */
  doc = vb_xml_parse (def->xml, "pool", NULL);
  g_return_val_if_fail (doc != NULL, g_strdup (def->xml));
  root = xmlDocGetRootElement (doc);
  after = vb_xml_child (root, "uuid");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      char text[24]; /* a guint64 in decimal */

      g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT, values[i]);
      after = vb_xml_insert_after (root, after, names[i], text);
      xmlSetProp (after, (const xmlChar *) "unit", (const xmlChar *) "bytes");
    }
  return vb_xml_format (doc);
}

void
vb_pool_def_free (VbPoolDef *def)
{
  if (def == NULL)
    return;
  g_free (def->xml);
  g_free (def->name);
  g_free (def->uuid);
  g_free (def->type);
  g_free (def->target_path);
  g_free (def);
}

const VbXmlSchema *
vb_pool_def_schema (void)
{
  return &pool_schema;
}
