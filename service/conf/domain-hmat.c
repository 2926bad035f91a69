/* HMAT checks (see domain-hmat.h). */
#include "domain-hmat.h"

#include "xml-schema.h"

/* The cache levels QEMU describes (first- to third-level). */
#define CACHE_LEVELS 3
/* QEMU's granularity of HMAT bandwidths: whole MiB per second. */
#define BANDWIDTH_ALIGN_KIB 1024

static xmlNode *
numa_of (xmlNode *root)
{
  return vb_xml_child (vb_xml_child (root, "cpu"), "numa");
}

xmlNode *
vb_domain_hmat_cell (xmlNode *root, guint id)
{
  guint place = 0;

  for (xmlNode *cell = vb_xml_child (numa_of (root), "cell"); cell;
       cell = vb_xml_next (cell, "cell"), place++)
    if (vb_xml_attr_uint (cell, "id", place) == id)
      return cell;
  return NULL;
}

gboolean
vb_domain_hmat_wanted (xmlNode *root)
{
  xmlNode *numa = numa_of (root);

  if (vb_xml_child (numa, "interconnects"))
    return TRUE;
  for (xmlNode *cell = vb_xml_child (numa, "cell"); cell; cell = vb_xml_next (cell, "cell"))
    if (vb_xml_child (cell, "cache"))
      return TRUE;
  return FALSE;
}

/* @node's value= with unit= (@default_unit) in units of @per bytes,
 * rewritten so; refused unless whole and above 0. */
static gboolean
scaled_attr (xmlNode *node, const char *default_unit, guint64 per, const char *unit_name,
             guint64 *value, GError **error)
{
  g_autofree char *text = vb_xml_attr (node, "value");
  g_autofree char *unit = vb_xml_attr (node, "unit");
  g_autofree char *written = NULL;
  guint64 bytes = 0;

  /* libvirt writes a cache line's bytes 'B'. */
  if (!vb_xml_scaled_value (node, text, g_strcmp0 (unit, "B") == 0 ? "b" : unit, default_unit,
                            &bytes, error))
    return FALSE;
  if (bytes == 0 || bytes % per)
    return vb_xml_invalid (error, node, "the value must be a whole number of %s above 0",
                           unit_name);
  *value = bytes / per;
  written = g_strdup_printf ("%" G_GUINT64_FORMAT, *value);
  xmlSetProp (node, BAD_CAST "value", BAD_CAST written);
  xmlSetProp (node, BAD_CAST "unit", BAD_CAST unit_name);
  return TRUE;
}

static gboolean
check_caches (xmlNode *cell, GError **error)
{
  gboolean seen[CACHE_LEVELS + 1] = { FALSE };

  for (xmlNode *cache = vb_xml_child (cell, "cache"); cache; cache = vb_xml_next (cache, "cache"))
    {
      guint level = vb_xml_attr_uint (cache, "level", 0);
      xmlNode *size = vb_xml_child (cache, "size");
      xmlNode *line = vb_xml_child (cache, "line");
      guint64 value;

      if (level < 1 || level > CACHE_LEVELS)
        return vb_xml_invalid (error, cache, "QEMU describes cache levels 1 to %d", CACHE_LEVELS);
      if (seen[level])
        return vb_xml_invalid (error, cache, "a second cache of level %u in the cell", level);
      seen[level] = TRUE;
      if (!size || !line)
        return vb_xml_invalid (error, cache, "a cache needs <size> and <line>");
      if (!scaled_attr (size, "KiB", 1024, "KiB", &value, error)
          || !scaled_attr (line, "b", 1, "B", &value, error))
        return FALSE;
    }
  /* QEMU: a level is described only below the one before it. */
  for (guint level = 2; level <= CACHE_LEVELS; level++)
    if (seen[level] && !seen[level - 1])
      return vb_xml_invalid (error, cell, "a cache of level %u needs one of level %u", level,
                             level - 1);
  return TRUE;
}

static xmlNode *
cache_of (xmlNode *cell, guint level)
{
  for (xmlNode *cache = vb_xml_child (cell, "cache"); cache; cache = vb_xml_next (cache, "cache"))
    if (vb_xml_attr_uint (cache, "level", 0) == level)
      return cache;
  return NULL;
}

static gboolean
check_interconnect (xmlNode *root, xmlNode *node, GError **error)
{
  guint initiator = vb_xml_attr_uint (node, "initiator", G_MAXUINT);
  guint target = vb_xml_attr_uint (node, "target", G_MAXUINT);
  g_autofree char *cache = vb_xml_attr (node, "cache");
  xmlNode *initiator_cell = vb_domain_hmat_cell (root, initiator);
  xmlNode *target_cell = vb_domain_hmat_cell (root, target);
  guint64 value;

  if (!initiator_cell || !target_cell)
    return vb_xml_invalid (error, node, "initiator and target name cells of <numa>");
  if (!xmlHasProp (initiator_cell, BAD_CAST "cpus"))
    return vb_xml_invalid (error, node, "initiator %u is a cell without CPUs", initiator);
  if (cache && !cache_of (target_cell, vb_xml_attr_uint (node, "cache", 0)))
    return vb_xml_invalid (error, node, "cell %u has no cache of level %s", target, cache);
  if (xmlStrEqual (node->name, BAD_CAST "bandwidth"))
    {
      if (!scaled_attr (node, "KiB", 1024, "KiB", &value, error))
        return FALSE;
      if (value % BANDWIDTH_ALIGN_KIB)
        return vb_xml_invalid (error, node, "QEMU takes bandwidths in whole MiB per second");
    }
  else if (vb_xml_attr_uint (node, "value", 0) == 0)
    return vb_xml_invalid (error, node, "a latency is above 0 nanoseconds");
  return TRUE;
}

/* QEMU: a cell's memory-side cache is described after a latency and a
 * bandwidth of the cell's memory. */
static gboolean
cache_has_figures (xmlNode *root, xmlNode *cell, guint id, GError **error)
{
  xmlNode *interconnects = vb_xml_child (numa_of (root), "interconnects");
  gboolean latency = FALSE, bandwidth = FALSE;

  if (!vb_xml_child (cell, "cache"))
    return TRUE;
  for (xmlNode *node = interconnects ? interconnects->children : NULL; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE && !xmlHasProp (node, BAD_CAST "cache")
        && vb_xml_attr_uint (node, "target", G_MAXUINT) == id)
      {
        latency |= xmlStrEqual (node->name, BAD_CAST "latency");
        bandwidth |= xmlStrEqual (node->name, BAD_CAST "bandwidth");
      }
  if (!latency || !bandwidth)
    return vb_xml_invalid (
      error, vb_xml_child (cell, "cache"),
      "a cell's cache needs a <latency> and a <bandwidth> of the cell's memory "
      "(without cache=) in <interconnects>");
  return TRUE;
}

gboolean
vb_domain_hmat_check (xmlNode *root, guint cells, GError **error)
{
  xmlNode *interconnects = vb_xml_child (numa_of (root), "interconnects");

  if (!vb_domain_hmat_wanted (root))
    return TRUE;
  /* HMAT is an ACPI table: without ACPI the guest would never see it. */
  if (!vb_xml_child (vb_xml_child (root, "features"), "acpi"))
    return vb_xml_invalid (error, interconnects ? interconnects : numa_of (root),
                           "memory caches and interconnects are ACPI's HMAT: they need "
                           "<features><acpi/></features>");
  for (guint id = 0; id < cells; id++)
    {
      xmlNode *cell = vb_domain_hmat_cell (root, id);

      if (cell && !check_caches (cell, error))
        return FALSE;
    }
  for (xmlNode *node = interconnects ? interconnects->children : NULL; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE && !check_interconnect (root, node, error))
      return FALSE;
  for (guint id = 0; id < cells; id++)
    {
      xmlNode *cell = vb_domain_hmat_cell (root, id);

      if (cell && !cache_has_figures (root, cell, id, error))
        return FALSE;
    }
  return TRUE;
}
