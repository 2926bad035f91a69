#include "secret-def.h"

#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

/* libvirt's secret XML. Each usage type names what the secret is for with
 * one child: the encrypted image (<volume>), the iSCSI target (<target>),
 * or a name (ceph, tls, vtpm). */
static const VbXmlRule secret_rules[] = {
  { "secret", "ephemeral=yes|no private=yes|no", NULL, 0 },
  { "secret/uuid", NULL, "*", 0 },
  { "secret/description", NULL, "*", 0 },
  { "secret/usage", "!type=volume|iscsi|ceph|tls|vtpm", NULL, 0 },
  { "secret/usage/volume", NULL, "*", 0 },
  { "secret/usage/target", NULL, "*", 0 },
  { "secret/usage/name", NULL, "*", 0 },
};

static const VbXmlSchema secret_schema = { secret_rules, G_N_ELEMENTS (secret_rules) };

/* The child of <usage> that @type reads its ID from. */
static const char *
usage_child (const char *type)
{
  if (g_str_equal (type, "volume"))
    return "volume";
  if (g_str_equal (type, "iscsi"))
    return "target";
  return "name";
}

static gboolean
fill_usage (xmlNode *root, VbSecretDef *def, GError **error)
{
  xmlNode *usage = vb_xml_child (root, "usage");
  const char *want;
  xmlNode *id;

  if (!usage)
    return TRUE;
  def->usage_type = vb_xml_attr (usage, "type");
  want = usage_child (def->usage_type);
  for (xmlNode *child = usage->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && !xmlStrEqual (child->name, BAD_CAST want))
      {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                     "<%s> at line %ld does not belong in <usage type='%s'>: it takes <%s>",
                     child->name, vb_xml_line (child), def->usage_type, want);
        return FALSE;
      }
  id = vb_xml_child (usage, want);
  def->usage_id = id ? vb_xml_text (id) : NULL;
  if (!def->usage_id || !*def->usage_id)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<usage type='%s'> at line %ld needs a non-empty <%s>", def->usage_type,
                   vb_xml_line (usage), want);
      return FALSE;
    }
  return TRUE;
}

VbSecretDef *
vb_secret_def_parse (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VbSecretDef) def = NULL;
  xmlNode *root;

  g_return_val_if_fail (xml != NULL, NULL);

  doc = vb_xml_parse (xml, "secret", error);
  if (!doc)
    return NULL;
  root = xmlDocGetRootElement (doc);
  if (!vb_xml_validate (root, &secret_schema, error))
    return NULL;
  def = g_new0 (VbSecretDef, 1);
  def->uuid = vb_xml_def_uuid (root, error);
  if (!def->uuid || !fill_usage (root, def, error))
    return NULL;
  def->ephemeral = vb_xml_attr_is (root, "ephemeral", "yes");
  def->private = vb_xml_attr_is (root, "private", "yes");
  def->xml = vb_xml_format (doc);
  return g_steal_pointer (&def);
}

/* Adds to @found (once each) every secret below @node names. */
static void
collect_secrets (xmlNode *node, GPtrArray *found)
{
  for (xmlNode *child = node->children; child; child = child->next)
    {
      g_autofree char *named = NULL;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (xmlStrEqual (child->name, BAD_CAST "secret") && node->type == XML_ELEMENT_NODE
          && (xmlStrEqual (node->name, BAD_CAST "auth")
              || xmlStrEqual (node->name, BAD_CAST "encryption")))
        {
          g_autofree char *uuid = vb_xml_attr (child, "uuid");
          g_autofree char *usage = vb_xml_attr (child, "usage");

          named = uuid ? g_strdup_printf ("uuid=%s", uuid)
                       : g_strdup_printf ("usage=%s", usage ? usage : "");
        }
      /* A TPM's <encryption secret='UUID'/> names its secret by attribute. */
      else if (xmlStrEqual (child->name, BAD_CAST "encryption")
               && xmlHasProp (child, BAD_CAST "secret"))
        {
          g_autofree char *uuid = vb_xml_attr (child, "secret");

          named = g_strdup_printf ("uuid=%s", uuid);
        }
      if (named && !g_ptr_array_find_with_equal_func (found, named, g_str_equal, NULL))
        g_ptr_array_add (found, g_steal_pointer (&named));
      collect_secrets (child, found);
    }
}

GStrv
vb_secrets_named_in (const char *xml)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (GPtrArray) found = NULL;

  /* Most documents name none: no parse for them. */
  if (!xml || !strstr (xml, "secret"))
    return NULL;
  doc = vb_xml_parse (xml, NULL, NULL);
  if (!doc)
    return NULL;
  found = g_ptr_array_new_with_free_func (g_free);
  collect_secrets (xmlDocGetRootElement (doc), found);
  if (found->len == 0)
    return NULL;
  g_ptr_array_add (found, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&found), FALSE);
}

char *
vb_secret_named_in (const char *xml)
{
  g_auto (GStrv) all = vb_secrets_named_in (xml);

  return all ? g_strdup (all[0]) : NULL;
}

void
vb_secret_def_free (VbSecretDef *def)
{
  if (!def)
    return;
  g_free (def->xml);
  g_free (def->uuid);
  g_free (def->usage_type);
  g_free (def->usage_id);
  g_free (def);
}
