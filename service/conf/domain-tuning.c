#include "domain-tuning.h"

#include <string.h>

#include "vb-cpuset.h"
#include "vb-error.h"
#include "xml-schema.h"

gboolean
vb_domain_appid_valid (const char *appid)
{
  gsize len = appid ? strlen (appid) : 0;

  if (len == 0 || len > VB_DOMAIN_APPID_MAX)
    return FALSE;
  /* The kernel reads it from a line "INODE:APPID": no spaces, no controls. */
  for (const char *c = appid; *c; c++)
    if (*c <= ' ' || *c > '~')
      return FALSE;
  return TRUE;
}

gboolean
vb_domain_partition_valid (const char *partition)
{
  g_auto (GStrv) names = NULL;

  if (!partition || partition[0] != '/' || partition[1] == '\0')
    return FALSE;
  names = g_strsplit (partition + 1, "/", -1);
  for (guint i = 0; names[i]; i++)
    {
      if (!names[i][0] || g_str_equal (names[i], ".") || g_str_equal (names[i], ".."))
        return FALSE;
      for (const char *c = names[i]; *c; c++)
        if (!g_ascii_isalnum (*c) && *c != '.' && *c != '_' && *c != '-')
          return FALSE;
    }
  return TRUE;
}

static gboolean
check_perf (xmlNode *root, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (xmlNode *event = vb_xml_child (vb_xml_child (root, "perf"), "event"); event;
       event = vb_xml_next (event, "event"))
    {
      char *name = vb_xml_attr (event, "name");

      if (!g_hash_table_add (seen, name))
        return vb_xml_invalid (error, event, "the perf event '%s' is named twice", name);
    }
  return TRUE;
}

/* The vCPUs of @node's vcpus=, each below @vcpus. */
static GArray *
vcpu_set (xmlNode *node, guint vcpus, GError **error)
{
  g_autofree char *text = vb_xml_attr (node, "vcpus");
  g_autofree char *problem = NULL;
  g_autoptr (GArray) set = vb_cpuset_parse (text, &problem);

  if (!set)
    {
      vb_xml_invalid (error, node, "vcpus '%s': %s", text, problem);
      return NULL;
    }
  for (guint i = 0; i < set->len; i++)
    if (g_array_index (set, guint, i) >= vcpus)
      {
        vb_xml_invalid (error, node, "vcpus '%s' names vCPU %u; the guest has %u", text,
                        g_array_index (set, guint, i), vcpus);
        return NULL;
      }
  return g_steal_pointer (&set);
}

static gboolean
sets_overlap (const GArray *a, const GArray *b)
{
  for (guint i = 0; i < a->len; i++)
    if (vb_cpuset_has (b, g_array_index (a, guint, i)))
      return TRUE;
  return FALSE;
}

static gboolean
sets_equal (const GArray *a, const GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (guint)) == 0;
}

/* <monitor>s of an allocation on @alloc: a subset each, no set twice. */
static gboolean
check_monitors (xmlNode *tune, const GArray *alloc, guint vcpus, GError **error)
{
  g_autoptr (GPtrArray) sets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (xmlNode *monitor = vb_xml_child (tune, "monitor"); monitor;
       monitor = vb_xml_next (monitor, "monitor"))
    {
      GArray *set = vcpu_set (monitor, vcpus, error);

      if (!set)
        return FALSE;
      g_ptr_array_add (sets, set);
      if (vb_xml_attr_uint (monitor, "level", 3) != 3)
        return vb_xml_invalid (error, monitor, "resctrl monitors level 3 caches only");
      for (guint i = 0; i < set->len; i++)
        if (!vb_cpuset_has (alloc, g_array_index (set, guint, i)))
          return vb_xml_invalid (error, monitor, "vCPU %u is not one of its <%s>'s",
                                 g_array_index (set, guint, i), (const char *) tune->name);
      for (guint i = 0; i + 1 < sets->len; i++)
        if (sets_equal (sets->pdata[i], set))
          return vb_xml_invalid (error, monitor, "another <monitor> has the same vcpus");
    }
  return TRUE;
}

static gboolean
check_caches (xmlNode *tune, GError **error)
{
  for (xmlNode *cache = vb_xml_child (tune, "cache"); cache; cache = vb_xml_next (cache, "cache"))
    {
      guint level = vb_xml_attr_uint (cache, "level", 0);
      g_autofree char *type = vb_xml_attr (cache, "type");
      g_autofree char *size = vb_xml_attr (cache, "size");
      g_autofree char *unit = vb_xml_attr (cache, "unit");
      guint64 bytes = 0;

      if (level != 2 && level != 3)
        return vb_xml_invalid (error, cache, "resctrl allocates level 2 and 3 caches, not %u",
                               level);
      if (!vb_xml_scaled_value (cache, size, unit, "b", &bytes, error))
        return FALSE;
      if (bytes == 0)
        return vb_xml_invalid (error, cache, "size must be above 0");
      for (xmlNode *other = vb_xml_child (tune, "cache"); other != cache;
           other = vb_xml_next (other, "cache"))
        {
          g_autofree char *other_type = vb_xml_attr (other, "type");

          if (vb_xml_attr_uint (other, "id", 0) != vb_xml_attr_uint (cache, "id", 0)
              || vb_xml_attr_uint (other, "level", 0) != level)
            continue;
          /* code and data split a cache (CDP); both is the whole of it. */
          if (g_str_equal (type, other_type) || g_str_equal (type, "both")
              || g_str_equal (other_type, "both"))
            return vb_xml_invalid (error, cache,
                                   "level %u cache %u is already allocated (type '%s')", level,
                                   vb_xml_attr_uint (cache, "id", 0), other_type);
        }
    }
  return TRUE;
}

static gboolean
check_nodes (xmlNode *tune, GError **error)
{
  for (xmlNode *node = vb_xml_child (tune, "node"); node; node = vb_xml_next (node, "node"))
    {
      guint bandwidth = vb_xml_attr_uint (node, "bandwidth", 0);

      if (bandwidth < 1 || bandwidth > 100)
        return vb_xml_invalid (error, node, "bandwidth is a percentage, 1 to 100, not %u",
                               bandwidth);
      for (xmlNode *other = vb_xml_child (tune, "node"); other != node;
           other = vb_xml_next (other, "node"))
        if (vb_xml_attr_uint (other, "id", 0) == vb_xml_attr_uint (node, "id", 0))
          return vb_xml_invalid (error, node, "memory node %u is named twice",
                                 vb_xml_attr_uint (node, "id", 0));
    }
  return TRUE;
}

static gboolean
check_resctrl (xmlNode *cputune, guint vcpus, GError **error)
{
  g_autoptr (GPtrArray) caches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr (GPtrArray) memories = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (xmlNode *tune = cputune ? cputune->children : NULL; tune; tune = tune->next)
    {
      gboolean cache =
        tune->type == XML_ELEMENT_NODE && g_str_equal ((const char *) tune->name, "cachetune");
      gboolean memory =
        tune->type == XML_ELEMENT_NODE && g_str_equal ((const char *) tune->name, "memorytune");
      GPtrArray *mine = cache ? caches : memories;
      GPtrArray *others = cache ? memories : caches;
      GArray *set;

      if (!cache && !memory)
        continue;
      set = vcpu_set (tune, vcpus, error);
      if (!set)
        return FALSE;
      g_ptr_array_add (mine, set);
      for (guint i = 0; i + 1 < mine->len; i++)
        if (sets_overlap (mine->pdata[i], set))
          return vb_xml_invalid (error, tune, "its vcpus overlap another <%s>'s",
                                 (const char *) tune->name);
      /* Memory bandwidth joins a cache allocation of the same vCPUs. */
      for (guint i = 0; i < others->len; i++)
        if (sets_overlap (others->pdata[i], set) && !sets_equal (others->pdata[i], set))
          return vb_xml_invalid (error, tune,
                                 "its vcpus overlap a <%s>'s without being the same set",
                                 cache ? "memorytune" : "cachetune");
      if (!(cache ? check_caches (tune, error) : check_nodes (tune, error))
          || !check_monitors (tune, set, vcpus, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_resource (xmlNode *root, GError **error)
{
  xmlNode *resource = vb_xml_child (root, "resource");
  xmlNode *partition = vb_xml_child (resource, "partition");
  xmlNode *fc = vb_xml_child (resource, "fibrechannel");

  if (partition)
    {
      g_autofree char *text = vb_xml_text (partition);

      if (!vb_domain_partition_valid (text))
        return vb_xml_invalid (error, partition,
                               "'%s' is not an absolute path of names of letters, digits, "
                               "'.', '_' and '-' below /",
                               text ? text : "");
    }
  if (fc)
    {
      g_autofree char *appid = vb_xml_attr (fc, "appid");

      if (!vb_domain_appid_valid (appid))
        return vb_xml_invalid (error, fc,
                               "appid must be 1 to %d printable characters without spaces",
                               VB_DOMAIN_APPID_MAX);
    }
  return TRUE;
}

/* What virtbus does on no host: refused at define, after the checks
 * above, so a malformed one still hears what is wrong with it. Accepting
 * them only to refuse every Start would be a stub. */
static gboolean
refuse_unbuilt (xmlNode *root, GError **error)
{
  xmlNode *cputune = vb_xml_child (root, "cputune");
  xmlNode *resource = vb_xml_child (root, "resource");
  xmlNode *node = vb_xml_child (cputune, "cachetune");
  const char *why = NULL;

  if (!node)
    node = vb_xml_child (cputune, "memorytune");
  if (node)
    why = "virtbus makes no resctrl groups: cache and memory bandwidth allocation is not "
          "supported";
  else if ((node = vb_xml_child (resource, "partition")))
    why = "virtbus makes a domain's cgroups in the service's own cgroup, not in a partition "
          "of the host's hierarchies";
  else if ((node = vb_xml_child (resource, "fibrechannel")))
    why = "the kernel tags the I/O of a cgroup v2 group, and virtbus runs a domain in cgroup v1 "
          "groups only";
  if (!why)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "<%s> at line %ld: %s",
               (const char *) node->name, (long) xmlGetLineNo (node), why);
  return FALSE;
}

gboolean
vb_domain_tuning_check (xmlNode *root, guint vcpus, GError **error)
{
  return check_perf (root, error) && check_resctrl (vb_xml_child (root, "cputune"), vcpus, error)
         && check_resource (root, error) && refuse_unbuilt (root, error);
}
