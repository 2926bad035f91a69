#include "domain-cputune.h"

#include <stdlib.h>
#include <string.h>

#include "vb-cpuset.h"
#include "vb-error.h"
#include "xml-schema.h"

static guint
uint_attr (xmlNode *node, const char *name)
{
  return vb_xml_attr_uint (node, name, 0);
}

GArray *
vb_domain_iothread_ids (xmlNode *root)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint));
  xmlNode *count_node = vb_xml_child (root, "iothreads");
  g_autofree char *text = count_node ? vb_xml_text (count_node) : NULL;
  guint64 count = 0;

  for (xmlNode *node = vb_xml_child (vb_xml_child (root, "iothreadids"), "iothread"); node;
       node = vb_xml_next (node, "iothread"))
    {
      guint id = uint_attr (node, "id");
      g_array_append_val (ids, id);
    }
  if (text)
    vb_xml_parse_unsigned (text, 10, G_MAXUINT, &count);
  for (guint id = 1; ids->len < count; id++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < ids->len && !used; i++)
        used = g_array_index (ids, guint, i) == id;
      if (!used)
        g_array_append_val (ids, id);
    }
  return ids;
}

static gboolean
has_id (const GArray *ids, guint id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, guint, i) == id)
      return TRUE;
  return FALSE;
}

/* A thread pool's bounds: QEMU wants min <= max and max above 0. */
static gboolean
check_pool (xmlNode *node, GError **error)
{
  g_autofree char *min = vb_xml_attr (node, "thread_pool_min");
  g_autofree char *max = vb_xml_attr (node, "thread_pool_max");
  guint64 lo = 0, hi = G_MAXINT;

  if ((min && !vb_xml_parse_unsigned (min, 10, G_MAXINT, &lo))
      || (max && !vb_xml_parse_unsigned (max, 10, G_MAXINT, &hi)))
    return vb_xml_invalid (error, node, "thread_pool_min and thread_pool_max are at most %d",
                           G_MAXINT);
  if (max && hi == 0)
    return vb_xml_invalid (error, node, "thread_pool_max must be at least 1");
  if (lo > hi)
    return vb_xml_invalid (error, node, "thread_pool_min (%s) is above thread_pool_max (%s)", min,
                           max);
  return TRUE;
}

static gboolean
check_iothreads (xmlNode *root, GError **error)
{
  xmlNode *count_node = vb_xml_child (root, "iothreads");
  xmlNode *list = vb_xml_child (root, "iothreadids");
  g_autofree char *text = count_node ? vb_xml_text (count_node) : NULL;
  g_autoptr (GArray) seen = g_array_new (FALSE, FALSE, sizeof (guint));
  guint64 count = 0;

  if (text && !vb_xml_parse_unsigned (text, 10, G_MAXINT, &count))
    return vb_xml_invalid (error, count_node, "at most %d iothreads", G_MAXINT);
  for (xmlNode *node = vb_xml_child (list, "iothread"); node; node = vb_xml_next (node, "iothread"))
    {
      g_autofree char *id_text = vb_xml_attr (node, "id");
      guint64 id = 0;

      if (!vb_xml_parse_unsigned (id_text, 10, G_MAXINT, &id) || id == 0)
        return vb_xml_invalid (error, node, "an iothread id is between 1 and %d, not %s", G_MAXINT,
                               id_text);
      if (has_id (seen, (guint) id))
        return vb_xml_invalid (error, node, "iothread id %s is listed twice", id_text);
      {
        guint value = (guint) id;
        g_array_append_val (seen, value);
      }
      if (!check_pool (node, error))
        return FALSE;
    }
  if (vb_xml_child (root, "defaultiothread")
      && !check_pool (vb_xml_child (root, "defaultiothread"), error))
    return FALSE;
  /* libvirt's rule: the list may be longer than the count, which then grows. */
  if (seen->len > count)
    {
      g_autofree char *n = g_strdup_printf ("%u", seen->len);

      if (count_node)
        vb_xml_set_text (count_node, n);
      else
        xmlAddPrevSibling (list, xmlNewDocNode (root->doc, NULL, BAD_CAST "iothreads", BAD_CAST n));
    }
  return TRUE;
}

/* "1, 2 and 5", "none". */
static char *
ids_text (const GArray *ids)
{
  GString *out = g_string_new (ids->len ? NULL : "none");

  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (out, "%s%u",
                            i == 0              ? ""
                            : i + 1 == ids->len ? " and "
                                                : ", ",
                            g_array_index (ids, guint, i));
  return g_string_free (out, FALSE);
}

/* @node's @attr names an iothread of the domain. */
static gboolean
check_iothread_ref (xmlNode *node, const char *attr, const GArray *ids, GError **error)
{
  g_autofree char *id = vb_xml_attr (node, attr);

  if (!id || (has_id (ids, uint_attr (node, attr)) && uint_attr (node, attr) != 0))
    return TRUE;
  {
    g_autofree char *have = ids_text (ids);

    return vb_xml_invalid (error, node,
                           "iothread %s does not exist: the domain's iothreads (<iothreads>, "
                           "<iothreadids>) are %s",
                           id, have);
  }
}

/* An iothread= on a disk's or a controller's <driver>, and each <iothread
 * id> of a disk's iothreads per queue (<driver><iothreads>). */
static gboolean
check_iothread_refs (xmlNode *root, const GArray *ids, GError **error)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  for (xmlNode *device = devices ? devices->children : NULL; device; device = device->next)
    {
      xmlNode *driver;

      if (device->type != XML_ELEMENT_NODE || !(driver = vb_xml_child (device, "driver")))
        continue;
      if (!check_iothread_ref (driver, "iothread", ids, error))
        return FALSE;
      for (xmlNode *t = vb_xml_child (vb_xml_child (driver, "iothreads"), "iothread"); t;
           t = vb_xml_next (t, "iothread"))
        if (!check_iothread_ref (t, "id", ids, error))
          return FALSE;
    }
  return TRUE;
}

static GArray *
cpuset_of (xmlNode *node, const char *attr, GError **error)
{
  g_autofree char *text = vb_xml_attr (node, attr);
  g_autofree char *problem = NULL;
  GArray *cpus = vb_cpuset_parse (text, &problem);

  if (!cpus)
    vb_xml_invalid (error, node, "invalid %s '%s': %s", attr, text, problem);
  return cpus;
}

static gboolean
check_cpuset (xmlNode *node, const char *attr, GError **error)
{
  g_autoptr (GArray) cpus =
    node && xmlHasProp (node, BAD_CAST attr) ? cpuset_of (node, attr, error) : NULL;

  return !node || !xmlHasProp (node, BAD_CAST attr) || cpus != NULL;
}

/* A period or a quota of <cputune>: libvirt's ranges. */
static gboolean
check_cfs (xmlNode *cputune, GError **error)
{
  for (xmlNode *node = cputune->children; node; node = node->next)
    {
      g_autofree char *text = NULL;
      gint64 value;

      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (g_str_has_suffix ((const char *) node->name, "period"))
        {
          text = vb_xml_text (node);
          value = g_ascii_strtoll (text, NULL, 10);
          if (value < VB_CPUTUNE_PERIOD_MIN || value > VB_CPUTUNE_PERIOD_MAX)
            return vb_xml_invalid (error, node,
                                   "a period is between %d and %d microseconds, not %s",
                                   VB_CPUTUNE_PERIOD_MIN, VB_CPUTUNE_PERIOD_MAX, text);
        }
      else if (g_str_has_suffix ((const char *) node->name, "quota"))
        {
          text = vb_xml_text (node);
          value = g_ascii_strtoll (text, NULL, 10);
          if (value >= 0 && (value < VB_CPUTUNE_QUOTA_MIN || value > VB_CPUTUNE_QUOTA_MAX))
            return vb_xml_invalid (error, node,
                                   "a quota is between %d and %" G_GINT64_FORMAT
                                   " microseconds, or negative for no limit, not %s",
                                   VB_CPUTUNE_QUOTA_MIN, VB_CPUTUNE_QUOTA_MAX, text);
        }
    }
  return TRUE;
}

/* fifo and rr run at a priority; the others have none. */
static gboolean
check_sched (xmlNode *node, GError **error)
{
  g_autofree char *scheduler = vb_xml_attr (node, "scheduler");
  g_autofree char *priority = vb_xml_attr (node, "priority");
  gboolean realtime = g_str_equal (scheduler, "fifo") || g_str_equal (scheduler, "rr");

  /* The range is the host's (sched_get_priority_min/max), checked at the start. */
  if (realtime && !priority)
    return vb_xml_invalid (error, node, "scheduler '%s' needs a priority", scheduler);
  if (!realtime && priority)
    return vb_xml_invalid (error, node, "scheduler '%s' has no priority: only fifo and rr have one",
                           scheduler);
  return TRUE;
}

/* Each of the ids of @attr (a set) below @limit, or in @ids; none in two elements. */
static gboolean
check_sched_set (xmlNode *node, const char *attr, guint limit, const GArray *ids, gboolean *taken,
                 GError **error)
{
  g_autoptr (GArray) set = cpuset_of (node, attr, error);

  if (!set)
    return FALSE;
  for (guint i = 0; i < set->len; i++)
    {
      guint id = g_array_index (set, guint, i);

      if (ids ? !has_id (ids, id) : id >= limit)
        return vb_xml_invalid (error, node, "%s names %s %u, which the domain does not have", attr,
                               ids ? "iothread" : "vCPU", id);
      if (taken[id])
        return vb_xml_invalid (error, node, "%s %u already has a scheduler",
                               ids ? "iothread" : "vCPU", id);
      taken[id] = TRUE;
    }
  return TRUE;
}

static gboolean
check_cputune (xmlNode *cputune, guint vcpus, const GArray *ids, GError **error)
{
  g_autofree gboolean *pinned = g_new0 (gboolean, vcpus);
  g_autofree gboolean *scheduled = g_new0 (gboolean, MAX (vcpus, VB_CPUSET_MAX));
  g_autofree gboolean *io_scheduled = g_new0 (gboolean, VB_CPUSET_MAX);
  g_autoptr (GArray) io_pinned = g_array_new (FALSE, FALSE, sizeof (guint));

  if (!check_cfs (cputune, error))
    return FALSE;
  for (xmlNode *node = cputune->children; node; node = node->next)
    {
      const char *name = (const char *) node->name;

      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (g_str_equal (name, "vcpupin"))
        {
          guint vcpu = uint_attr (node, "vcpu");

          if (vcpu >= vcpus)
            return vb_xml_invalid (error, node, "vCPU %u does not exist: the domain has %u", vcpu,
                                   vcpus);
          if (pinned[vcpu])
            return vb_xml_invalid (error, node, "vCPU %u is pinned twice", vcpu);
          pinned[vcpu] = TRUE;
        }
      else if (g_str_equal (name, "iothreadpin"))
        {
          guint id = uint_attr (node, "iothread");

          if (!has_id (ids, id))
            return vb_xml_invalid (error, node, "iothread %u does not exist", id);
          if (has_id (io_pinned, id))
            return vb_xml_invalid (error, node, "iothread %u is pinned twice", id);
          g_array_append_val (io_pinned, id);
        }
      else if (g_str_equal (name, "vcpusched"))
        {
          if (!check_sched (node, error)
              || !check_sched_set (node, "vcpus", vcpus, NULL, scheduled, error))
            return FALSE;
        }
      else if (g_str_equal (name, "iothreadsched"))
        {
          if (!check_sched (node, error)
              || !check_sched_set (node, "iothreads", 0, ids, io_scheduled, error))
            return FALSE;
        }
      else if (g_str_equal (name, "emulatorsched") && !check_sched (node, error))
        return FALSE;
      if (!check_cpuset (node, "cpuset", error))
        return FALSE;
    }
  return TRUE;
}

gboolean
vb_domain_cputune_check (xmlNode *root, guint vcpus, gboolean fragment, GError **error)
{
  g_autoptr (GArray) ids = NULL;
  xmlNode *cputune = vb_xml_child (root, "cputune");

  if (!check_cpuset (vb_xml_child (root, "vcpu"), "cpuset", error)
      || !check_iothreads (root, error))
    return FALSE;
  ids = vb_domain_iothread_ids (root);
  if (!fragment && !check_iothread_refs (root, ids, error))
    return FALSE;
  return !cputune || check_cputune (cputune, vcpus, ids, error);
}
