/* A network's portgroups: see network-portgroup.h. */
#include "network-portgroup.h"

#include "vb-error.h"
#include "xml-schema.h"

/* tc takes a burst in bytes as an unsigned 32-bit number, and turns it
 * into the time it lasts at the average rate, in 64 ns ticks as an
 * unsigned 32-bit number too (274.8 s), silently wrapping what is longer.
 * tc's "kbps" is 1000 bytes per second, its "kb" 1024 bytes. */
#define MAX_BURST_KB (G_MAXUINT32 / 1024)
#define MAX_BURST_SECONDS 274

static gboolean
check_direction (xmlNode *node, const char *group, GError **error)
{
  guint average = vb_xml_attr_uint (node, "average", 0);
  guint burst = vb_xml_attr_uint (node, "burst", 0);

  if (average == 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "portgroup '%s': <%s average> must be at least 1 (kilobytes per second)", group,
                   (const char *) node->name);
      return FALSE;
    }
  if (xmlHasProp (node, BAD_CAST "peak") && vb_xml_attr_uint (node, "peak", 0) < average)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "portgroup '%s': <%s peak> must not be below its average", group,
                   (const char *) node->name);
      return FALSE;
    }
  if (xmlHasProp (node, BAD_CAST "burst") && (burst == 0 || burst > MAX_BURST_KB))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "portgroup '%s': <%s burst> must be from 1 to %u (kilobytes)", group,
                   (const char *) node->name, (guint) MAX_BURST_KB);
      return FALSE;
    }
  if ((guint64) burst * 1024 > (guint64) average * 1000 * MAX_BURST_SECONDS)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "portgroup '%s': <%s burst> must not last more than %u seconds at the "
                   "average rate (tc's limit)",
                   group, (const char *) node->name, MAX_BURST_SECONDS);
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_network_check_portgroups (xmlNode *root, GError **error)
{
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean have_default = FALSE;

  for (xmlNode *group = vb_xml_child (root, "portgroup"); group;
       group = vb_xml_next (group, "portgroup"))
    {
      g_autofree char *name = vb_xml_attr (group, "name");
      xmlNode *bandwidth = vb_xml_child (group, "bandwidth");

      if (!*name)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "a portgroup needs a name");
          return FALSE;
        }
      if (g_hash_table_contains (names, name))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "two portgroups are named '%s'",
                       name);
          return FALSE;
        }
      if (vb_xml_attr_is (group, "default", "yes"))
        {
          if (have_default)
            {
              g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                           "portgroup '%s': a network has one default portgroup at most", name);
              return FALSE;
            }
          have_default = TRUE;
        }
      for (const char *dir = "inbound"; dir; dir = g_str_equal (dir, "inbound") ? "outbound" : NULL)
        {
          xmlNode *node = vb_xml_child (bandwidth, dir);

          if (node && !check_direction (node, name, error))
            return FALSE;
        }
      g_hash_table_add (names, g_steal_pointer (&name));
    }
  return TRUE;
}

char *
vb_network_portgroup_bandwidth (const VbNetworkDef *def, const char *portgroup, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "network", error);
  xmlNode *root;

  if (!doc)
    return NULL;
  root = xmlDocGetRootElement (doc);
  for (xmlNode *group = vb_xml_child (root, "portgroup"); group;
       group = vb_xml_next (group, "portgroup"))
    {
      gboolean chosen = portgroup ? vb_xml_attr_is (group, "name", portgroup)
                                  : vb_xml_attr_is (group, "default", "yes");
      xmlNode *bandwidth = vb_xml_child (group, "bandwidth");
      xmlBufferPtr buf;
      char *text;

      if (!chosen)
        continue;
      if (!bandwidth)
        return NULL;
      buf = xmlBufferCreate ();
      xmlNodeDump (buf, doc, bandwidth, 0, 0);
      text = g_strdup ((const char *) xmlBufferContent (buf));
      xmlBufferFree (buf);
      return text;
    }
  if (portgroup)
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network '%s' has no portgroup '%s'",
                 def->name, portgroup);
  return NULL;
}
