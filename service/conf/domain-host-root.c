/* Scripts run as root and rawio='yes': see domain-host-root.h. */
#include "domain-host-root.h"

#include "vb-error.h"
#include "xml-quote.h"
#include "xml-schema.h"

static gboolean
named (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns == NULL
         && xmlStrEqual (node->name, (const xmlChar *) name);
}

static gboolean
check_node (xmlNode *node, GError **error)
{
  if (named (node, "disk") && xmlHasProp (node, BAD_CAST "rawio")
      && !vb_xml_attr_is (node, "device", "lun"))
    return vb_xml_invalid (error, node, "rawio= is for a <disk device='lun'> only");
  if (named (node, "hostdev") && xmlHasProp (node, BAD_CAST "rawio")
      && !vb_xml_attr_is (node, "type", "scsi"))
    return vb_xml_invalid (error, node, "rawio= is for a <hostdev type='scsi'> only");
  if (named (node, "interface"))
    {
      static const char *const scripts[] = { "script", "downscript" };

      for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
        {
          xmlNode *script = vb_xml_child (node, scripts[i]);
          g_autofree char *path = script ? vb_xml_attr (script, "path") : NULL;

          if (!script)
            continue;
          if (!vb_xml_attr_is (node, "type", "ethernet"))
            return vb_xml_invalid (error, script, "<%s> is for an <interface type='ethernet'> only",
                                   scripts[i]);
          /* Run by its path, never looked up in PATH. */
          if (!path || !g_path_is_absolute (path))
            {
              g_autofree char *quoted = vb_xml_quote (path ? path : "");

              return vb_xml_invalid (error, script, "<%s path=%s>: an absolute path is needed",
                                     scripts[i], quoted);
            }
        }
    }
  for (xmlNode *child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && !check_node (child, error))
      return FALSE;
  return TRUE;
}

gboolean
vb_domain_host_root_check (xmlNode *root, GError **error)
{
  return root == NULL || check_node (root, error);
}

static char *
first_in (xmlNode *node)
{
  if ((named (node, "disk") || named (node, "hostdev")) && vb_xml_attr_is (node, "rawio", "yes"))
    return g_strdup_printf ("rawio='yes' on a <%s>", (const char *) node->name);
  if ((named (node, "script") || named (node, "downscript")) && node->parent
      && named (node->parent, "interface"))
    {
      g_autofree char *path = vb_xml_attr (node, "path");
      g_autofree char *quoted = vb_xml_quote (path ? path : "");

      return g_strdup_printf ("<%s path=%s>", (const char *) node->name, quoted);
    }
  for (xmlNode *child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      {
        char *found = first_in (child);

        if (found)
          return found;
      }
  return NULL;
}

char *
vb_domain_host_root_in_doc (xmlDoc *doc)
{
  xmlNode *root = doc ? xmlDocGetRootElement (doc) : NULL;

  return root ? first_in (root) : NULL;
}

char *
vb_domain_host_root_in (const char *xml)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, NULL, NULL);

  return vb_domain_host_root_in_doc (doc);
}
