/* Changes drivers make to a network definition once it runs. */
#include <libxml/tree.h>

#include "network-def.h"
#include "xml-schema.h"

void
vb_network_def_set_bridge (VbNetworkDef *def, const char *bridge)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "network", NULL);
  xmlNode *root;
  xmlNode *node;

  /* def->xml was produced by our own formatter: it always parses. */
  g_return_if_fail (doc != NULL);
  root = xmlDocGetRootElement (doc);
  node = vb_xml_child (root, "bridge");
  if (!node)
    {
      xmlNode *after = vb_xml_child (root, "forward");
      if (!after)
        after = vb_xml_child (root, "uuid");
      node = vb_xml_insert_after (root, after, "bridge", NULL);
    }
  xmlSetProp (node, BAD_CAST "name", BAD_CAST bridge);
  g_free (def->bridge);
  def->bridge = g_strdup (bridge);
  g_free (def->xml);
  def->xml = vb_xml_format (doc);
}
