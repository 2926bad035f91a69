#include "domain-numa.h"

#include <string.h>

#include "domain-hmat.h"
#include "domain-virtio-mem.h"
#include "vb-error.h"
#include "xml-schema.h"

/* At most this many DIMM slots: what QEMU's ACPI memory hotplug has. */
#define MEMORY_SLOTS_MAX 256

static gint
compare_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

/* One item of a set: "N", "N-M" or "^N". */
static gboolean
parse_set_item (const char *item, guint limit, gboolean *negate, guint *first, guint *last)
{
  g_auto (GStrv) range = NULL;
  guint64 a = 0, b = 0;

  *negate = item[0] == '^';
  if (*negate)
    item++;
  range = g_strsplit (item, "-", 3);
  if (!vb_xml_parse_unsigned (range[0], 10, limit - 1, &a))
    return FALSE;
  b = a;
  if (range[1] && (*negate || range[2] || !vb_xml_parse_unsigned (range[1], 10, limit - 1, &b)))
    return FALSE;
  if (b < a)
    return FALSE;
  *first = (guint) a;
  *last = (guint) b;
  return TRUE;
}

GArray *
vb_domain_numa_parse_set (xmlNode *node, const char *what, const char *text, guint limit,
                          GError **error)
{
  g_autoptr (GArray) set = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree gboolean *member = g_new0 (gboolean, limit);
  g_auto (GStrv) items = g_strsplit (text ? text : "", ",", -1);

  for (guint i = 0; items[i]; i++)
    {
      gboolean negate;
      guint first, last;

      if (!parse_set_item (g_strstrip (items[i]), limit, &negate, &first, &last))
        {
          g_autofree char *quoted = vb_xml_quote (text);

          vb_xml_invalid (error, node,
                          "%s %s is not a list of numbers and ranges below %u (such as '0-3,^2,5')",
                          what, quoted, limit);
          return NULL;
        }
      for (guint n = first; n <= last; n++)
        member[n] = !negate;
    }
  for (guint n = 0; n < limit; n++)
    if (member[n])
      g_array_append_val (set, n);
  if (set->len == 0)
    {
      g_autofree char *quoted = vb_xml_quote (text);

      vb_xml_invalid (error, node, "%s %s names nothing", what, quoted);
      return NULL;
    }
  g_array_sort (set, compare_uint);
  return g_steal_pointer (&set);
}

static gboolean
parse_kib (xmlNode *node, const char *text, const char *unit, guint64 *kib, GError **error)
{
  guint64 bytes = 0;

  if (!vb_xml_scaled_value (node, text, unit, "KiB", &bytes, error))
    return FALSE;
  *kib = bytes / 1024 + (bytes % 1024 != 0);
  return TRUE;
}

/* An element whose text is a size: rewritten in KiB. */
static gboolean
element_to_kib (xmlNode *node, guint64 *kib, GError **error)
{
  g_autofree char *text = vb_xml_text (node);
  g_autofree char *unit = vb_xml_attr (node, "unit");
  g_autofree char *written = NULL;

  if (!parse_kib (node, text, unit, kib, error))
    return FALSE;
  if (*kib == 0)
    return vb_xml_invalid (error, node, "the size must be greater than 0");
  written = g_strdup_printf ("%" G_GUINT64_FORMAT, *kib);
  vb_xml_set_text (node, written);
  xmlSetProp (node, BAD_CAST "unit", BAD_CAST "KiB");
  return TRUE;
}

static guint64
uint_attr (xmlNode *node, const char *name)
{
  g_autofree char *text = vb_xml_attr (node, name);
  guint64 value = 0;

  vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &value);
  return value;
}

guint
vb_domain_numa_cells (xmlNode *root)
{
  xmlNode *numa = vb_xml_child (vb_xml_child (root, "cpu"), "numa");
  guint n = 0;

  for (xmlNode *cell = vb_xml_child (numa, "cell"); cell; cell = vb_xml_next (cell, "cell"))
    n++;
  return n;
}

guint64
vb_domain_numa_cell_kib (xmlNode *cell)
{
  return uint_attr (cell, "memory");
}

guint64
vb_domain_memory_device_kib (xmlNode *memory)
{
  xmlNode *size = vb_xml_child (vb_xml_child (memory, "target"), "size");
  g_autofree char *text = size ? vb_xml_text (size) : NULL;
  guint64 kib = 0;

  vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &kib);
  return kib;
}

guint64
vb_domain_memory_devices_kib (xmlNode *root)
{
  guint64 sum = 0;

  for (xmlNode *m = vb_xml_child (vb_xml_child (root, "devices"), "memory"); m;
       m = vb_xml_next (m, "memory"))
    sum += vb_domain_memory_device_kib (m);
  return sum;
}

/* ---- <cpu><numa> ---- */

static gboolean
check_cell_cpus (xmlNode *cell, guint vcpus, gboolean *taken, GError **error)
{
  g_autofree char *text = vb_xml_attr (cell, "cpus");
  g_autoptr (GArray) set = NULL;

  /* A cell without CPUs is a memory-only node. */
  if (!text)
    return TRUE;
  set = vb_domain_numa_parse_set (cell, "cpus", text, G_MAXUINT16, error);
  if (!set)
    return FALSE;
  for (guint i = 0; i < set->len; i++)
    {
      guint cpu = g_array_index (set, guint, i);

      if (cpu >= vcpus)
        return vb_xml_invalid (error, cell, "cpus names vCPU %u, but the domain has %u (<vcpu>)",
                               cpu, vcpus);
      if (taken[cpu])
        return vb_xml_invalid (error, cell, "vCPU %u is already in another cell", cpu);
      taken[cpu] = TRUE;
    }
  return TRUE;
}

static gboolean
check_distances (xmlNode *cell, guint id, guint cells, GError **error)
{
  xmlNode *distances = vb_xml_child (cell, "distances");
  g_autofree gboolean *seen = g_new0 (gboolean, cells);

  for (xmlNode *s = vb_xml_child (distances, "sibling"); s; s = vb_xml_next (s, "sibling"))
    {
      guint64 sibling = uint_attr (s, "id");
      guint64 value = uint_attr (s, "value");

      if (sibling >= cells)
        return vb_xml_invalid (error, s,
                               "cell %" G_GUINT64_FORMAT " does not exist (<numa> has %u)", sibling,
                               cells);
      if (seen[sibling])
        return vb_xml_invalid (error, s, "a second distance to cell %" G_GUINT64_FORMAT, sibling);
      seen[sibling] = TRUE;
      if (value < 10 || value > 255)
        return vb_xml_invalid (error, s, "a distance is between 10 and 255");
      if (sibling == id && value != 10)
        return vb_xml_invalid (error, s, "the distance of a cell to itself is 10");
      if (sibling != id && value == 10)
        return vb_xml_invalid (error, s, "the distance between two cells is more than 10");
    }
  return TRUE;
}

static gboolean
check_cells (xmlNode *root, guint vcpus, guint64 *sum, GError **error)
{
  xmlNode *numa = vb_xml_child (vb_xml_child (root, "cpu"), "numa");
  guint cells = vb_domain_numa_cells (root);
  g_autofree gboolean *ids = g_new0 (gboolean, cells + 1);
  g_autofree gboolean *taken = g_new0 (gboolean, vcpus);
  guint place = 0;

  *sum = 0;
  for (xmlNode *cell = vb_xml_child (numa, "cell"); cell;
       cell = vb_xml_next (cell, "cell"), place++)
    {
      g_autofree char *id_text = vb_xml_attr (cell, "id");
      g_autofree char *memory = vb_xml_attr (cell, "memory");
      g_autofree char *unit = vb_xml_attr (cell, "unit");
      g_autofree char *written = NULL;
      guint64 id = place;
      guint64 kib = 0;

      if (id_text && !vb_xml_parse_unsigned (id_text, 10, G_MAXUINT, &id))
        return vb_xml_invalid (error, cell, "id is not a number");
      if (id >= cells)
        return vb_xml_invalid (error, cell,
                               "cell ids are 0 to %u, one for each <cell>; %" G_GUINT64_FORMAT
                               " is not one",
                               cells - 1, id);
      if (ids[id])
        return vb_xml_invalid (error, cell, "a second cell with id %" G_GUINT64_FORMAT, id);
      ids[id] = TRUE;
      if (!parse_kib (cell, memory, unit, &kib, error))
        return FALSE;
      if (kib == 0)
        return vb_xml_invalid (error, cell, "a cell's memory must be greater than 0");
      *sum += kib;
      written = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
      xmlSetProp (cell, BAD_CAST "id", BAD_CAST written);
      g_free (written);
      written = g_strdup_printf ("%" G_GUINT64_FORMAT, kib);
      xmlSetProp (cell, BAD_CAST "memory", BAD_CAST written);
      xmlSetProp (cell, BAD_CAST "unit", BAD_CAST "KiB");
      if (!check_cell_cpus (cell, vcpus, taken, error)
          || !check_distances (cell, (guint) id, cells, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- <memoryBacking><hugepages> ---- */

static gboolean
check_pages (xmlNode *root, guint cells, GError **error)
{
  xmlNode *hugepages = vb_xml_child (vb_xml_child (root, "memoryBacking"), "hugepages");
  /* Without NUMA, the domain's memory is node 0 for this purpose, as in libvirt. */
  guint nodes = MAX (cells, 1);
  g_autofree gboolean *covered = g_new0 (gboolean, nodes);
  gboolean default_seen = FALSE;

  for (xmlNode *page = vb_xml_child (hugepages, "page"); page; page = vb_xml_next (page, "page"))
    {
      g_autofree char *size = vb_xml_attr (page, "size");
      g_autofree char *unit = vb_xml_attr (page, "unit");
      g_autofree char *nodeset = vb_xml_attr (page, "nodeset");
      g_autofree char *written = NULL;
      g_autoptr (GArray) set = NULL;
      guint64 kib = 0;

      if (!parse_kib (page, size, unit, &kib, error))
        return FALSE;
      if (kib < 4 || (kib & (kib - 1)) != 0)
        return vb_xml_invalid (error, page, "a page size is a power of two of at least 4 KiB");
      written = g_strdup_printf ("%" G_GUINT64_FORMAT, kib);
      xmlSetProp (page, BAD_CAST "size", BAD_CAST written);
      xmlSetProp (page, BAD_CAST "unit", BAD_CAST "KiB");
      if (!nodeset)
        {
          if (default_seen)
            return vb_xml_invalid (error, page, "only one <page> without nodeset");
          default_seen = TRUE;
          continue;
        }
      set = vb_domain_numa_parse_set (page, "nodeset", nodeset, VB_DOMAIN_NUMA_NODES_MAX, error);
      if (!set)
        return FALSE;
      for (guint i = 0; i < set->len; i++)
        {
          guint node = g_array_index (set, guint, i);

          if (node >= nodes)
            return vb_xml_invalid (error, page,
                                   "nodeset names guest NUMA cell %u, which does not exist", node);
          if (covered[node])
            return vb_xml_invalid (error, page, "cell %u already has a page size", node);
          covered[node] = TRUE;
        }
    }
  return TRUE;
}

/* ---- <numatune> ---- */

static gboolean
check_numatune (xmlNode *root, guint cells, GError **error)
{
  xmlNode *numatune = vb_xml_child (root, "numatune");
  xmlNode *memory = vb_xml_child (numatune, "memory");
  g_autofree gboolean *seen = g_new0 (gboolean, cells + 1);
  g_autoptr (GArray) memory_set = NULL;
  gboolean restrictive = vb_xml_attr_is (memory, "mode", "restrictive");

  if (memory)
    {
      g_autofree char *nodeset = vb_xml_attr (memory, "nodeset");
      g_autofree char *placement = vb_xml_attr (memory, "placement");

      /* libvirt drops such a nodeset without a word and asks numad. */
      if (nodeset && g_strcmp0 (placement, "auto") == 0)
        return vb_xml_invalid (error, memory,
                               "placement='auto' lets numad choose the nodes: a nodeset with it "
                               "would be ignored (libvirt drops it); leave one of them out");
      if (nodeset
          && !(memory_set = vb_domain_numa_parse_set (memory, "nodeset", nodeset,
                                                      VB_DOMAIN_NUMA_NODES_MAX, error)))
        return FALSE;
    }
  for (xmlNode *m = vb_xml_child (numatune, "memnode"); m; m = vb_xml_next (m, "memnode"))
    {
      guint64 cellid = uint_attr (m, "cellid");
      g_autofree char *nodeset = vb_xml_attr (m, "nodeset");
      g_autoptr (GArray) set = NULL;

      if (cellid >= cells)
        return vb_xml_invalid (error, m,
                               "cellid %" G_GUINT64_FORMAT " names no <cell> of <cpu><numa>",
                               cellid);
      if (seen[cellid])
        return vb_xml_invalid (error, m, "a second <memnode> for cell %" G_GUINT64_FORMAT, cellid);
      seen[cellid] = TRUE;
      set = vb_domain_numa_parse_set (m, "nodeset", nodeset, VB_DOMAIN_NUMA_NODES_MAX, error);
      if (!set)
        return FALSE;
      /* As libvirt: 'restrictive' (a cgroup limit on the whole guest) is
       * all or nothing, and a cell's nodes lie within the guest's. */
      if (restrictive != vb_xml_attr_is (m, "mode", "restrictive"))
        return vb_xml_invalid (
          error, m,
          "mode 'restrictive' is for <memory> and every <memnode> together, or "
          "for none");
      for (guint i = 0; restrictive && memory_set && i < set->len; i++)
        {
          gboolean within = FALSE;

          for (guint j = 0; j < memory_set->len; j++)
            within |= g_array_index (memory_set, guint, j) == g_array_index (set, guint, i);
          if (!within)
            return vb_xml_invalid (error, m, "host node %u is outside <memory>'s nodeset",
                                   g_array_index (set, guint, i));
        }
    }
  return TRUE;
}

/* ---- <maxMemory> and <memory> devices ---- */

static gboolean
check_memory_devices (xmlNode *root, guint cells, guint64 *memory_kib, guint64 cells_kib,
                      GError **error)
{
  xmlNode *max = vb_xml_child (root, "maxMemory");
  guint64 max_kib = 0, slots = 0, devices_kib = 0;
  guint count = 0;

  if (max)
    {
      if (!element_to_kib (max, &max_kib, error))
        return FALSE;
      /* No slots (or 0): a ceiling without DIMM slots, as QEMU takes it
       * (maxmem alone); memory devices then have no slot to go in. */
      slots = vb_xml_attr (max, "slots") ? uint_attr (max, "slots") : 0;
      if (slots > MEMORY_SLOTS_MAX)
        return vb_xml_invalid (error, max, "slots is between 0 and %d", MEMORY_SLOTS_MAX);
      /* libvirt's rule on x86: hotplugged memory goes to a guest NUMA node. */
      if (cells == 0)
        return vb_xml_invalid (
          error, max, "memory hotplug needs at least one guest NUMA cell (<cpu><numa><cell>)");
    }
  for (xmlNode *m = vb_xml_child (vb_xml_child (root, "devices"), "memory"); m;
       m = vb_xml_next (m, "memory"))
    {
      xmlNode *target = vb_xml_child (m, "target");
      xmlNode *size = vb_xml_child (target, "size");
      xmlNode *node = vb_xml_child (target, "node");
      xmlNode *pagesize = vb_xml_child (vb_xml_child (m, "source"), "pagesize");
      guint64 kib = 0, page_kib = 0;

      /* A virtio model is a PCI device: it takes no DIMM slot, but QEMU
       * still puts it in the memory above <memory> up to maxmem. */
      if (!max && vb_domain_memory_is_virtio (m))
        return vb_xml_invalid (error, m, "a virtio memory device needs <maxMemory> in the domain");
      if (!max)
        return vb_xml_invalid (error, m, "a memory device needs <maxMemory slots=…> in the domain");
      if (!vb_domain_memory_is_virtio (m))
        count++;
      if (!size)
        return vb_xml_invalid (error, m, "missing element <size> in <target>");
      if (!element_to_kib (size, &kib, error))
        return FALSE;
      if (pagesize && !element_to_kib (pagesize, &page_kib, error))
        return FALSE;
      /* An NVDIMM's sizes, in KiB as the rest. */
      {
        xmlNode *align = vb_xml_child (vb_xml_child (m, "source"), "alignsize");
        xmlNode *label = vb_xml_child (vb_xml_child (target, "label"), "size");
        guint64 other = 0;

        if ((align && !element_to_kib (align, &other, error))
            || (label && !element_to_kib (label, &other, error)))
          return FALSE;
      }
      if (node)
        {
          g_autofree char *text = vb_xml_text (node);
          guint64 n = 0;

          if (!vb_xml_parse_unsigned (text, 10, G_MAXUINT, &n) || n >= cells)
            return vb_xml_invalid (error, node, "the memory device's node %s is no guest NUMA cell",
                                   text);
        }
      if (!vb_domain_memory_model_check (m, kib, error))
        return FALSE;
      devices_kib += kib;
      /* Two devices at fixed addresses must not overlap (QEMU refuses it). */
      {
        guint64 base = vb_domain_memory_base (m);

        if (base > 0)
          for (xmlNode *o = vb_xml_child (vb_xml_child (root, "devices"), "memory"); o != m;
               o = vb_xml_next (o, "memory"))
            {
              guint64 other_base = vb_domain_memory_base (o);

              if (other_base > 0 && base < other_base + vb_domain_memory_device_kib (o) * 1024
                  && other_base < base + kib * 1024)
                return vb_xml_invalid (error,
                                       vb_domain_memory_is_virtio (m)
                                         ? vb_xml_child (vb_xml_child (m, "target"), "address")
                                         : vb_xml_child (m, "address"),
                                       "the memory device at base 0x%" G_GINT64_MODIFIER
                                       "x overlaps the one at 0x%" G_GINT64_MODIFIER "x",
                                       base, other_base);
            }
      }
    }
  if (count > slots)
    return vb_xml_invalid (error, max, "%u memory devices but only %" G_GUINT64_FORMAT " slots",
                           count, slots);
  /* As libvirt: with guest NUMA cells, <memory> is what they and the
   * memory devices add up to, whatever it said. */
  if (cells > 0 && cells_kib + devices_kib != *memory_kib)
    {
      g_autofree char *text = NULL;

      *memory_kib = cells_kib + devices_kib;
      text = g_strdup_printf ("%" G_GUINT64_FORMAT, *memory_kib);
      vb_xml_set_text (vb_xml_child (root, "memory"), text);
    }
  if (max && max_kib < *memory_kib)
    return vb_xml_invalid (error, max,
                           "the most memory (%" G_GUINT64_FORMAT
                           " KiB) is less than <memory> (%" G_GUINT64_FORMAT " KiB)",
                           max_kib, *memory_kib);
  if (cells == 0 && devices_kib >= *memory_kib)
    return vb_xml_invalid (
      error, vb_xml_child (root, "memory"),
      "<memory> counts the memory devices too: it must be more than their %" G_GUINT64_FORMAT
      " KiB",
      devices_kib);
  return TRUE;
}

gboolean
vb_domain_numa_check (xmlNode *root, guint64 *memory_kib, guint vcpus, GError **error)
{
  guint cells = vb_domain_numa_cells (root);
  guint64 cells_kib = 0;

  if (cells > VB_DOMAIN_NUMA_NODES_MAX)
    return vb_xml_invalid (error, vb_xml_child (vb_xml_child (root, "cpu"), "numa"),
                           "at most %d cells", VB_DOMAIN_NUMA_NODES_MAX);
  return check_cells (root, vcpus, &cells_kib, error) && check_pages (root, cells, error)
         && check_numatune (root, cells, error) && vb_domain_hmat_check (root, cells, error)
         && check_memory_devices (root, cells, memory_kib, cells_kib, error);
}
