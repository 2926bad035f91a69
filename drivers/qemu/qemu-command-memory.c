/* Guest memory on the command line: -m, the memory backend objects that
 * <memoryBacking>, <cpu><numa> cells and <numatune> ask for, -numa, the
 * machine's mem-merge and memory-backend, -overcommit mem-lock, and the
 * pc-dimm devices of <memory model='dimm'> (also what hotplug sends). */
#include "qemu-command-private.h"
#include "domain-hmat.h"
#include "domain-numa.h"
#include "domain-virtio-mem.h"

/* The id of the machine's memory backend when there are no NUMA cells: the
 * name of the RAM block QEMU gives plain -m memory, so that a guest
 * migrates or restores between the two forms. */
#define MACHINE_RAM "pc.ram"

/* x86's base page: a <page size='4'> asks for no huge pages. */
#define BASE_PAGE_KIB 4
/* What an empty <hugepages/> means: x86's usual huge page. */
#define DEFAULT_HUGE_PAGE_KIB 2048
/* What backed boot memory is rounded up to (libvirt's x86 alignment). */
#define MEMORY_ALIGN_KIB 1024
/* What QEMU requires of a pc-dimm's size on x86_64 (its backends' alignment). */
#define DIMM_ALIGN_KIB 2048

static xmlNode *
backing_of (xmlNode *root)
{
  return vb_xml_child (root, "memoryBacking");
}

/* Whether the nodeset of @page (checked at define) names guest cell @cell. */
static gboolean
page_names_cell (xmlNode *page, const char *nodeset, guint cell)
{
  g_autoptr (GArray) set =
    vb_domain_numa_parse_set (page, "nodeset", nodeset, VB_DOMAIN_NUMA_NODES_MAX, NULL);

  for (guint i = 0; set && i < set->len; i++)
    if (g_array_index (set, guint, i) == cell)
      return TRUE;
  return FALSE;
}

/* The huge page size in KiB of guest NUMA cell @cell (0 without NUMA):
 * the <page> whose nodeset names it, else the one without nodeset, else
 * x86's default 2 MiB when <hugepages> is empty; 0 for normal pages. */
static guint64
page_kib_of_cell (xmlNode *root, guint cell)
{
  xmlNode *hugepages = vb_xml_child (backing_of (root), "hugepages");
  guint64 size = 0;

  if (!hugepages)
    return 0;
  if (!vb_xml_child (hugepages, "page"))
    return DEFAULT_HUGE_PAGE_KIB;
  for (xmlNode *page = vb_xml_child (hugepages, "page"); page; page = vb_xml_next (page, "page"))
    {
      g_autofree char *nodeset = vb_xml_attr (page, "nodeset");

      if (!nodeset)
        size = vb_xml_attr_uint (page, "size", 0);
      else if (page_names_cell (page, nodeset, cell))
        {
          size = vb_xml_attr_uint (page, "size", 0);
          break;
        }
    }
  /* Pages only for other cells: this one has normal pages. */
  return size == BASE_PAGE_KIB ? 0 : size;
}

/* The <numatune> element that binds guest cell @cell (-1: the whole
 * memory), NULL when none. */
static xmlNode *
numatune_of_cell (xmlNode *root, int cell)
{
  xmlNode *numatune = vb_xml_child (root, "numatune");

  for (xmlNode *m = vb_xml_child (numatune, "memnode"); m && cell >= 0;
       m = vb_xml_next (m, "memnode"))
    if (vb_xml_attr_uint (m, "cellid", G_MAXUINT) == (guint) cell)
      return m;
  return vb_xml_child (numatune, "memory");
}

static gboolean set_host_nodes (xmlNode *node_elem, const char *nodeset, const char *policy,
                                const VbQemuCommandContext *context, JsonObject *props,
                                GError **error);

/* Whether the backend bound by @tune (its <numatune> element, NULL when
 * none) gets the nodes numad advises: placement='auto', or neither
 * placement nor nodeset while <vcpu placement='auto'> (libvirt's default
 * follows the vCPUs'). A <memnode> always names its nodes. */
static gboolean
placed_by_numad (xmlNode *root, xmlNode *tune)
{
  if (tune && !xmlStrEqual (tune->name, BAD_CAST "memory"))
    return FALSE;
  if (tune && xmlHasProp (tune, BAD_CAST "placement"))
    return vb_xml_attr_is (tune, "placement", "auto");
  if (tune && xmlHasProp (tune, BAD_CAST "nodeset"))
    return FALSE;
  return vb_xml_attr_is (vb_xml_child (root, "vcpu"), "placement", "auto");
}

/* numad's nodes for a backend; a dry run has no advice and names node 0,
 * which every host has. */
static char *
numad_nodes (xmlNode *root, xmlNode *tune, const char *mode, const VbQemuCommandContext *context,
             GError **error)
{
  xmlNode *what = tune ? tune : vb_xml_child (root, "vcpu");
  const char *nodes = context->dry_run ? "0" : context->numad_nodes;
  g_autoptr (GArray) set = NULL;

  if (!nodes)
    {
      refuse (error, what,
              "placement='auto': numad's advice is asked when the domain starts, and the "
              "service has none for this run of it");
      return NULL;
    }
  /* 'preferred' takes one node: numad's first. */
  set = vb_domain_numa_parse_set (what, "nodeset", nodes, VB_DOMAIN_NUMA_NODES_MAX, error);
  if (!set)
    return NULL;
  if (g_strcmp0 (mode, "preferred") == 0)
    return g_strdup_printf ("%u", g_array_index (set, guint, 0));
  return g_strdup (nodes);
}

/* host-nodes= and policy= of a backend from <numatune> @tune (NULL: none,
 * bound only when numad places it); the nodes are checked against the host
 * at start (sysfs), not at define. */
static gboolean
bind_to_host_nodes (xmlNode *root, xmlNode *tune, const VbQemuCommandContext *context,
                    JsonObject *props, GError **error)
{
  g_autofree char *mode = tune ? vb_xml_attr (tune, "mode") : NULL;
  g_autofree char *nodeset = tune ? vb_xml_attr (tune, "nodeset") : NULL;
  const char *policy;

  if (placed_by_numad (root, tune))
    {
      g_free (nodeset);
      nodeset = numad_nodes (root, tune, mode, context, error);
      if (!nodeset)
        return FALSE;
      if (!tune)
        return set_host_nodes (vb_xml_child (root, "vcpu"), nodeset, "bind", context, props, error);
    }
  if (!tune)
    return TRUE;
  if (!nodeset)
    return refuse (error, tune, "a nodeset naming the host NUMA nodes is needed");
  if (!mode || g_str_equal (mode, "strict"))
    policy = "bind";
  else if (g_str_equal (mode, "interleave"))
    policy = "interleave";
  else if (g_str_equal (mode, "preferred"))
    policy = "preferred";
  /* 'restrictive': the guest's nodes are its cgroup's cpuset.mems
   * (qemu-limits.c), the memory keeps the system's policy; a cgroup cannot
   * tell cells apart, so a <memnode>'s nodes bind its cell's memory. */
  else if (xmlStrEqual (tune->name, BAD_CAST "memory"))
    return TRUE;
  else
    policy = "bind";
  return set_host_nodes (tune, nodeset, policy, context, props, error);
}

/* host-nodes=@nodeset (of @node) and policy=@policy; each node must exist
 * on the host when QEMU starts. */
static gboolean
set_host_nodes (xmlNode *node_elem, const char *nodeset, const char *policy,
                const VbQemuCommandContext *context, JsonObject *props, GError **error)
{
  g_autoptr (GArray) set = NULL;
  JsonArray *nodes;

  set = vb_domain_numa_parse_set (node_elem, "nodeset", nodeset, VB_DOMAIN_NUMA_NODES_MAX, error);
  if (!set)
    return FALSE;
  if (g_str_equal (policy, "preferred") && set->len != 1)
    return refuse (error, node_elem, "mode 'preferred' takes exactly one host node");
  nodes = json_array_new ();
  for (guint i = 0; i < set->len; i++)
    {
      guint node = g_array_index (set, guint, i);
      g_autofree char *sysfs = g_strdup_printf ("/sys/devices/system/node/node%u", node);

      if (!context->dry_run && context->path_exists && !context->path_exists (sysfs))
        {
          json_array_unref (nodes);
          return refuse (error, node_elem, "host NUMA node %u does not exist on this host (no %s)",
                         node, sysfs);
        }
      json_array_add_int_element (nodes, node);
    }
  json_object_set_array_member (props, "host-nodes", nodes);
  json_object_set_string_member (props, "policy", policy);
  return TRUE;
}

/* Huge pages of @page_kib KiB: from a hugetlbfs mount (memory-backend-file),
 * or from memfd's own hugetlb; the host must have them, checked at start. */
static gboolean
use_huge_pages (xmlNode *node, guint64 page_kib, gboolean memfd, guint64 size_kib,
                const VbQemuCommandContext *context, JsonObject *props, GError **error)
{
  g_autofree char *sysfs =
    g_strdup_printf ("/sys/kernel/mm/hugepages/hugepages-%" G_GUINT64_FORMAT "kB", page_kib);

  /* A hugetlbfs file grows to whole pages (QEMU rounds up); a memfd does not. */
  if (memfd && size_kib % page_kib)
    return refuse (error, node,
                   "%" G_GUINT64_FORMAT " KiB of memory is not a whole number of %" G_GUINT64_FORMAT
                   " KiB huge pages",
                   size_kib, page_kib);
  if (!context->dry_run && context->path_exists && !context->path_exists (sysfs))
    return refuse (error, node, "this host has no huge pages of %" G_GUINT64_FORMAT " KiB (no %s)",
                   page_kib, sysfs);
  if (memfd)
    {
      json_object_set_boolean_member (props, "hugetlb", TRUE);
      json_object_set_int_member (props, "hugetlbsize", (gint64) page_kib * 1024);
      return TRUE;
    }
  if (context->dry_run || !context->hugetlbfs_dir)
    json_object_set_string_member (props, "mem-path", "/dev/hugepages");
  else
    {
      g_autofree char *dir = context->hugetlbfs_dir (page_kib);

      if (!dir)
        return refuse (error, node,
                       "huge pages of %" G_GUINT64_FORMAT
                       " KiB need a hugetlbfs mount on the host, and it has none "
                       "(mount -t hugetlbfs -o pagesize=%" G_GUINT64_FORMAT "K none DIR)",
                       page_kib, page_kib);
      json_object_set_string_member (props, "mem-path", dir);
    }
  return TRUE;
}

/* What <memoryBacking>, a cell's memAccess/discard or a device's
 * access/discard say for one backend. */
static gboolean
set_backend_type (xmlNode *root, xmlNode *node, guint64 page_kib, guint64 size_kib,
                  gboolean discard_data, const char *access, const VbQemuCommandContext *context,
                  JsonObject *props, GError **error)
{
  xmlNode *backing = backing_of (root);
  xmlNode *source = vb_xml_child (backing, "source");
  g_autofree char *type = source ? vb_xml_attr (source, "type") : NULL;
  g_autofree char *mode = child_attr (backing, "access", "mode");
  gboolean memfd = g_strcmp0 (type, "memfd") == 0;
  gboolean shared = g_strcmp0 (access ? access : mode, "shared") == 0;
  const char *qom;

  if (page_kib && !memfd)
    qom = "memory-backend-file";
  else if (memfd)
    qom = "memory-backend-memfd";
  /* Only file memory can be discarded (discard-data), and only memory of
   * a file descriptor can be shared with another process (a vhost-user
   * back end maps it): as libvirt does, <discard/> or shared access
   * without a source type makes the memory a file's. */
  else if (g_strcmp0 (type, "file") == 0 || (!type && (discard_data || shared)))
    qom = "memory-backend-file";
  else
    qom = "memory-backend-ram";
  json_object_set_string_member (props, "qom-type", qom);
  if (page_kib)
    return use_huge_pages (source ? source : node, page_kib, memfd, size_kib, context, props,
                           error);
  /* File memory without huge pages: a file QEMU makes and unlinks in the
   * domain's run directory. */
  if (g_str_equal (qom, "memory-backend-file"))
    json_object_set_string_member (props, "mem-path", context->domain_dir);
  return TRUE;
}

/* Whether the backend's memory is discarded when QEMU ends: <discard/>,
 * unless the cell or device says discard='no' (or yes without it). */
static gboolean
wants_discard (xmlNode *root, const char *discard)
{
  if (discard)
    return g_str_equal (discard, "yes");
  return vb_xml_child (backing_of (root), "discard") != NULL;
}

static gboolean
set_access_and_discard (xmlNode *root, xmlNode *node, const char *access, gboolean discard_data,
                        JsonObject *props, GError **error)
{
  xmlNode *backing = backing_of (root);
  g_autofree char *mode = child_attr (backing, "access", "mode");

  if (access)
    {
      g_free (mode);
      mode = g_strdup (access);
    }
  if (mode)
    json_object_set_boolean_member (props, "share", g_str_equal (mode, "shared"));
  if (!discard_data)
    return TRUE;
  if (!g_str_equal (json_object_get_string_member (props, "qom-type"), "memory-backend-file"))
    return refuse (error,
                   vb_xml_child (backing, "discard") ? vb_xml_child (backing, "discard") : node,
                   "discarding memory when the guest stops (discard-data) needs file memory: "
                   "<source type='file'/> or huge pages");
  json_object_set_boolean_member (props, "discard-data", TRUE);
  return TRUE;
}

static gboolean
set_allocation (xmlNode *root, guint64 page_kib, JsonObject *props, GError **error)
{
  xmlNode *allocation = vb_xml_child (backing_of (root), "allocation");
  g_autofree char *mode = allocation ? vb_xml_attr (allocation, "mode") : NULL;
  guint threads = vb_xml_attr_uint (allocation, "threads", 0);

  /* Threads fill memory that is taken at start, nothing else. */
  if (threads && g_strcmp0 (mode, "immediate") != 0
      && (g_strcmp0 (mode, "ondemand") == 0 || !vb_xml_child (backing_of (root), "hugepages")))
    return refuse (error, allocation,
                   "threads= applies to memory taken at start: mode='immediate' or huge pages");
  /* Huge pages are taken at start unless the XML says on demand, as libvirt
   * does: a guest that runs out of them later would be killed. */
  if (g_strcmp0 (mode, "immediate") == 0 || (page_kib && g_strcmp0 (mode, "ondemand") != 0))
    {
      json_object_set_boolean_member (props, "prealloc", TRUE);
      if (threads)
        json_object_set_int_member (props, "prealloc-threads", threads);
    }
  return TRUE;
}

/* The properties of one memory backend object (-object JSON, or QMP
 * object-add): @size_kib for guest cell @cell (-1: no NUMA), with @access
 * and @discard (either may be NULL) of the cell or device @node. */
static JsonObject *
backend_props (xmlNode *root, xmlNode *node, const char *id, guint64 size_kib, int cell,
               guint64 page_kib, const char *access, const char *discard,
               const VbQemuCommandContext *context, GError **error)
{
  g_autoptr (JsonObject) props = json_object_new ();
  xmlNode *tune = numatune_of_cell (root, cell);

  json_object_set_string_member (props, "qom-type", "memory-backend-ram");
  json_object_set_string_member (props, "id", id);
  if (!set_backend_type (root, node, page_kib, size_kib, wants_discard (root, discard), access,
                         context, props, error)
      || !set_access_and_discard (root, node, access, wants_discard (root, discard), props, error))
    return NULL;
  if (!set_allocation (root, page_kib, props, error))
    return NULL;
  json_object_set_int_member (props, "size", (gint64) size_kib * 1024);
  if (!bind_to_host_nodes (root, tune, context, props, error))
    return NULL;
  return g_steal_pointer (&props);
}

static void
add_object (Builder *b, JsonObject *props)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), props);

  add (b, "-object");
  g_ptr_array_add (b->command->argv, json_to_string (node, FALSE));
}

/* Whether the memory without NUMA needs a backend of its own rather than
 * plain -m: only then, so that the command line of every other guest stays
 * what it was (and migrates to and from older virtbus). */
static gboolean
needs_machine_backend (xmlNode *root)
{
  xmlNode *backing = backing_of (root);
  g_autofree char *nodeset = child_attr (vb_xml_child (root, "numatune"), "memory", "nodeset");
  g_autofree char *placement = child_attr (vb_xml_child (root, "numatune"), "memory", "placement");

  if (vb_domain_numa_cells (root) > 0)
    return FALSE;
  return vb_xml_child (backing, "hugepages") || vb_xml_child (backing, "source")
         || vb_xml_child (backing, "access") || vb_xml_child (backing, "allocation")
         || vb_xml_child (backing, "discard") || nodeset || placement
         || vb_xml_child (root, "numatune")
         || vb_xml_attr_is (vb_xml_child (root, "vcpu"), "placement", "auto");
}

gboolean
vb_qemu_memory_dump_core (Builder *b)
{
  return vb_xml_attr_is (vb_xml_child (b->root, "memory"), "dumpCore", "on");
}

void
vb_qemu_memory_machine_opts (Builder *b, GString *opts)
{
  if (vb_xml_child (backing_of (b->root), "nosharepages"))
    g_string_append (opts, ",mem-merge=off");
  if (needs_machine_backend (b->root))
    g_string_append (opts, ",memory-backend=" MACHINE_RAM);
  if (vb_domain_hmat_wanted (b->root))
    g_string_append (opts, ",hmat=on");
  for (xmlNode *m = vb_xml_child (b->devices, "memory"); m; m = vb_xml_next (m, "memory"))
    if (vb_xml_attr_is (m, "model", "nvdimm"))
      {
        g_string_append (opts, ",nvdimm=on");
        break;
      }
}

/* ---- HMAT: the cells' initiators, -numa hmat-lb and hmat-cache ---- */

/* The initiator QEMU wants of every cell with HMAT: the cell itself when it
 * has vCPUs, else the initiator of an interconnect to it, else the first
 * cell with vCPUs (libvirt's choice). */
static guint
initiator_of (xmlNode *root, xmlNode *cell, guint id, GPtrArray *cells)
{
  xmlNode *interconnects =
    vb_xml_child (vb_xml_child (vb_xml_child (root, "cpu"), "numa"), "interconnects");

  if (xmlHasProp (cell, BAD_CAST "cpus"))
    return id;
  for (xmlNode *node = interconnects ? interconnects->children : NULL; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE && vb_xml_attr_uint (node, "target", G_MAXUINT) == id)
      return vb_xml_attr_uint (node, "initiator", 0);
  for (guint i = 0; i < cells->len; i++)
    if (xmlHasProp (cells->pdata[i], BAD_CAST "cpus"))
      return i;
  return 0;
}

static const char *
hierarchy (xmlNode *node)
{
  static const char *const levels[] = { "memory", "first-level", "second-level", "third-level" };
  guint level = vb_xml_attr_uint (node, "cache", 0);

  /* Define checked the level (1 to 3). */
  return levels[MIN (level, G_N_ELEMENTS (levels) - 1)];
}

static void
build_hmat (Builder *b, GPtrArray *cells)
{
  xmlNode *interconnects =
    vb_xml_child (vb_xml_child (vb_xml_child (b->root, "cpu"), "numa"), "interconnects");

  /* QEMU takes a cell's caches only after its latencies and bandwidths. */
  for (xmlNode *node = interconnects ? interconnects->children : NULL; node; node = node->next)
    {
      gboolean latency = xmlStrEqual (node->name, BAD_CAST "latency");
      g_autofree char *type = NULL;

      if (node->type != XML_ELEMENT_NODE)
        continue;
      type = vb_xml_attr (node, "type");
      add (b, "-numa");
      /* Define wrote bandwidths in KiB per second; latencies are ns. */
      addf (b, "hmat-lb,initiator=%u,target=%u,hierarchy=%s,data-type=%s-%s,%s=%u%s",
            vb_xml_attr_uint (node, "initiator", 0), vb_xml_attr_uint (node, "target", 0),
            hierarchy (node), type, latency ? "latency" : "bandwidth",
            latency ? "latency" : "bandwidth", vb_xml_attr_uint (node, "value", 0),
            latency ? "" : "K");
    }
  for (guint id = 0; id < cells->len; id++)
    for (guint level = 1; level <= 3; level++)
      for (xmlNode *cache = vb_xml_child (cells->pdata[id], "cache"); cache;
           cache = vb_xml_next (cache, "cache"))
        {
          g_autofree char *associativity = NULL;
          g_autofree char *policy = NULL;

          if (vb_xml_attr_uint (cache, "level", 0) != level)
            continue;
          associativity = vb_xml_attr (cache, "associativity");
          policy = vb_xml_attr (cache, "policy");
          add (b, "-numa");
          /* QEMU's names: 'complex' for fully associative, 'write-back'. */
          addf (b, "hmat-cache,node-id=%u,size=%uK,level=%u,associativity=%s,policy=%s,line=%u", id,
                vb_xml_attr_uint (vb_xml_child (cache, "size"), "value", 0), level,
                g_str_equal (associativity, "full") ? "complex" : associativity,
                g_str_equal (policy, "writeback")      ? "write-back"
                : g_str_equal (policy, "writethrough") ? "write-through"
                                                       : "none",
                vb_xml_attr_uint (vb_xml_child (cache, "line"), "value", 0));
        }
}

/* "-numa dist" for every pair of cells when any <distances> is given: the
 * given value, else the other direction's, else 20 (QEMU's and libvirt's
 * remote default). */
static void
build_distances (Builder *b, GPtrArray *cells)
{
  guint n = cells->len;
  g_autofree guint *table = g_new0 (guint, n * n);
  gboolean any = FALSE;

  for (guint i = 0; i < n; i++)
    for (xmlNode *s = vb_xml_child (vb_xml_child (cells->pdata[i], "distances"), "sibling"); s;
         s = vb_xml_next (s, "sibling"))
      {
        table[i * n + vb_xml_attr_uint (s, "id", 0)] = vb_xml_attr_uint (s, "value", 20);
        any = TRUE;
      }
  if (!any)
    return;
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      {
        guint value = table[i * n + j] ? table[i * n + j] : table[j * n + i];

        if (i == j)
          continue;
        add (b, "-numa");
        addf (b, "dist,src=%u,dst=%u,val=%u", i, j, value ? value : 20);
      }
}

/* "cpus=0-1,cpus=4" for the set @text: QEMU takes one range per cpus=. */
static void
append_cpus (GString *out, xmlNode *cell, const char *text)
{
  g_autoptr (GArray) set = vb_domain_numa_parse_set (cell, "cpus", text, G_MAXUINT16, NULL);

  for (guint i = 0; set && i < set->len;)
    {
      guint first = g_array_index (set, guint, i), last = first;

      while (++i < set->len && g_array_index (set, guint, i) == last + 1)
        last++;
      if (first == last)
        g_string_append_printf (out, ",cpus=%u", first);
      else
        g_string_append_printf (out, ",cpus=%u-%u", first, last);
    }
}

static gboolean
build_cells (Builder *b, GError **error)
{
  xmlNode *numa = vb_xml_child (vb_xml_child (b->root, "cpu"), "numa");
  g_autoptr (GPtrArray) cells = g_ptr_array_new ();

  for (xmlNode *cell = vb_xml_child (numa, "cell"); cell; cell = vb_xml_next (cell, "cell"))
    {
      guint id = vb_xml_attr_uint (cell, "id", 0);

      if (id >= cells->len)
        g_ptr_array_set_size (cells, id + 1);
      cells->pdata[id] = cell;
    }
  for (guint id = 0; id < cells->len; id++)
    {
      xmlNode *cell = cells->pdata[id];
      g_autofree char *backend = g_strdup_printf ("ram-node%u", id);
      g_autofree char *cpus = vb_xml_attr (cell, "cpus");
      g_autofree char *access = vb_xml_attr (cell, "memAccess");
      g_autofree char *discard = vb_xml_attr (cell, "discard");
      g_autoptr (GString) node = g_string_new (NULL);
      g_autoptr (JsonObject) props =
        backend_props (b->root, cell, backend, vb_domain_numa_cell_kib (cell), (int) id,
                       page_kib_of_cell (b->root, id), access, discard, b->context, error);

      if (!props)
        return FALSE;
      add_object (b, props);
      g_string_printf (node, "node,nodeid=%u", id);
      if (cpus)
        append_cpus (node, cell, cpus);
      if (vb_domain_hmat_wanted (b->root))
        g_string_append_printf (node, ",initiator=%u", initiator_of (b->root, cell, id, cells));
      g_string_append_printf (node, ",memdev=%s", backend);
      add2 (b, "-numa", node->str);
    }
  build_distances (b, cells);
  build_hmat (b, cells);
  return TRUE;
}

static guint64
align_up (guint64 kib, guint64 to)
{
  return (kib + to - 1) / to * to;
}

static void
set_kib (xmlNode *node, const char *attr, guint64 kib)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, kib);

  if (attr)
    xmlSetProp (node, BAD_CAST attr, BAD_CAST text);
  else
    vb_xml_set_text (node, text);
}

/* The boot memory (-m size): <memory> without the DIMMs. QEMU makes guest
 * RAM a whole number of pages (it rounds -m up) and a backend must be
 * exactly the RAM it stands for: as libvirt does, backed memory (each NUMA
 * cell, or the machine's backend) is rounded up to whole MiB, in the
 * builder's copy too, so the live XML says what runs. */
static guint64
boot_memory_kib (Builder *b)
{
  xmlNode *numa = vb_xml_child (vb_xml_child (b->root, "cpu"), "numa");
  guint64 boot = b->def->memory_kib - vb_domain_memory_devices_kib (b->root);
  guint64 aligned = 0;

  if (vb_domain_numa_cells (b->root) > 0)
    for (xmlNode *cell = vb_xml_child (numa, "cell"); cell; cell = vb_xml_next (cell, "cell"))
      {
        guint64 kib = align_up (vb_domain_numa_cell_kib (cell), MEMORY_ALIGN_KIB);

        set_kib (cell, "memory", kib);
        aligned += kib;
      }
  else if (needs_machine_backend (b->root))
    aligned = align_up (boot, MEMORY_ALIGN_KIB);
  else
    return boot;
  if (aligned != boot)
    {
      set_kib (vb_xml_child (b->root, "memory"), NULL, b->def->memory_kib - boot + aligned);
      if (b->def->current_memory_kib == b->def->memory_kib)
        set_kib (vb_xml_child (b->root, "currentMemory"), NULL,
                 b->def->memory_kib - boot + aligned);
    }
  return aligned;
}

gboolean
vb_qemu_build_memory (Builder *b, GError **error)
{
  xmlNode *max = vb_xml_child (b->root, "maxMemory");
  guint64 boot_kib = boot_memory_kib (b);
  g_autoptr (GString) m = g_string_new (NULL);

  g_string_printf (m, "size=%" G_GUINT64_FORMAT "k", boot_kib);
  if (max)
    {
      g_autofree char *text = vb_xml_text (max);
      g_autofree char *slots = vb_xml_attr (max, "slots");

      /* Without slots, QEMU's default: none (maxmem alone). */
      if (slots)
        g_string_append_printf (m, ",slots=%u", vb_xml_attr_uint (max, "slots", 0));
      g_string_append (m, ",maxmem=");
      vb_qemu_opt_value (m, text);
      g_string_append_c (m, 'k');
    }
  add2 (b, "-m", m->str);
  if (b->def->current_memory_kib < b->def->memory_kib)
    b->command->balloon_target_kib = b->def->current_memory_kib;
  if (vb_xml_child (backing_of (b->root), "locked"))
    {
      add2 (b, "-overcommit", "mem-lock=on");
      b->command->mem_lock = TRUE;
    }
  if (needs_machine_backend (b->root))
    {
      g_autoptr (JsonObject) props =
        backend_props (b->root, backing_of (b->root) ? backing_of (b->root) : b->root, MACHINE_RAM,
                       boot_kib, -1, page_kib_of_cell (b->root, 0), NULL, NULL, b->context, error);

      if (!props)
        return FALSE;
      add_object (b, props);
      return TRUE;
    }
  return build_cells (b, error);
}

/* ---- <memory model='dimm'> and 'nvdimm' ---- */

/* The smallest label QEMU gives an NVDIMM (its label area's minimum). */
#define NVDIMM_LABEL_MIN_KIB 128
/* An NVDIMM's file is mapped in host pages. */
#define NVDIMM_ALIGN_KIB 4

static guint64
kib_of (xmlNode *node)
{
  g_autofree char *text = node ? vb_xml_text (node) : NULL;
  guint64 kib = 0;

  /* Define wrote it in KiB. */
  vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &kib);
  return kib;
}

/* An NVDIMM's backend: its <source><path> file (made by QEMU when missing),
 * shared with the file's other users when access='shared'; <pmem/> says
 * the file is real persistent memory, <alignsize> its mapping's alignment. */
static JsonObject *
nvdimm_backend (xmlNode *root, xmlNode *dimm, const char *id, guint node,
                const VbQemuCommandContext *context, GError **error)
{
  /* virtio-pmem's backend is an NVDIMM's (qemu-command-virtio-mem.c). */
  const char *what =
    vb_xml_attr_is (dimm, "model", "nvdimm") ? "an NVDIMM" : "a virtio-pmem device";
  g_autoptr (JsonObject) props = json_object_new ();
  xmlNode *source = vb_xml_child (dimm, "source");
  xmlNode *path = vb_xml_child (source, "path");
  g_autofree char *file = path ? vb_xml_text (path) : NULL;
  g_autofree char *access = vb_xml_attr (dimm, "access");
  g_autofree char *backing_access = child_attr (backing_of (root), "access", "mode");
  xmlNode *label = vb_xml_child (vb_xml_child (vb_xml_child (dimm, "target"), "label"), "size");
  guint64 size = vb_domain_memory_device_kib (dimm);
  guint64 align = kib_of (vb_xml_child (source, "alignsize"));

  if (vb_xml_child (source, "pagesize") || vb_xml_child (source, "nodemask")
      || xmlHasProp (dimm, BAD_CAST "discard"))
    {
      refuse (error, dimm,
              "%s is its file's memory: <pagesize>, <nodemask> and discard are a "
              "DIMM's",
              what);
      return NULL;
    }
  if (!file || !g_path_is_absolute (file))
    {
      refuse (error, dimm, "%s needs <source><path> naming its host file (absolute)", what);
      return NULL;
    }
  if (size % MAX (NVDIMM_ALIGN_KIB, align))
    {
      refuse (error, dimm, "%s's size must be a whole number of %" G_GUINT64_FORMAT " KiB (%s)",
              what, (guint64) MAX (NVDIMM_ALIGN_KIB, align),
              align ? "its <alignsize>" : "host pages");
      return NULL;
    }
  if (label && (kib_of (label) < NVDIMM_LABEL_MIN_KIB || kib_of (label) >= size))
    {
      refuse (error, label,
              "an NVDIMM's label is at least %d KiB and less than the NVDIMM (QEMU's rule)",
              NVDIMM_LABEL_MIN_KIB);
      return NULL;
    }
  json_object_set_string_member (props, "qom-type", "memory-backend-file");
  json_object_set_string_member (props, "id", id);
  json_object_set_string_member (props, "mem-path", file);
  if (access || backing_access)
    json_object_set_boolean_member (props, "share",
                                    g_str_equal (access ? access : backing_access, "shared"));
  if (vb_xml_child (source, "pmem"))
    json_object_set_boolean_member (props, "pmem", TRUE);
  if (align)
    json_object_set_int_member (props, "align", (gint64) align * 1024);
  if (!set_allocation (root, 0, props, error))
    return NULL;
  json_object_set_int_member (props, "size", (gint64) size * 1024);
  if (!bind_to_host_nodes (root, numatune_of_cell (root, (int) node), context, props, error))
    return NULL;
  return g_steal_pointer (&props);
}

JsonObject *
vb_qemu_dimm_backend (xmlNode *root, xmlNode *dimm, const char *device_id,
                      const VbQemuCommandContext *context, GError **error)
{
  g_autofree char *id = g_strconcat ("mem", device_id, NULL);
  g_autofree char *access = vb_xml_attr (dimm, "access");
  g_autofree char *discard = vb_xml_attr (dimm, "discard");
  xmlNode *pagesize = vb_xml_child (vb_xml_child (dimm, "source"), "pagesize");
  g_autofree char *page = pagesize ? vb_xml_text (pagesize) : NULL;
  guint node = 0;
  guint64 page_kib;

  {
    xmlNode *target_node = vb_xml_child (vb_xml_child (dimm, "target"), "node");
    g_autofree char *text = target_node ? vb_xml_text (target_node) : NULL;

    node = text ? (guint) g_ascii_strtoull (text, NULL, 10) : 0;
  }
  if (vb_xml_attr_is (dimm, "model", "nvdimm") || vb_xml_attr_is (dimm, "model", "virtio-pmem"))
    return nvdimm_backend (root, dimm, id, node, context, error);
  {
    xmlNode *source = vb_xml_child (dimm, "source");
    xmlNode *target = vb_xml_child (dimm, "target");

    if (vb_xml_child (source, "path") || vb_xml_child (source, "pmem")
        || vb_xml_child (source, "alignsize") || vb_xml_child (target, "label")
        || vb_xml_child (target, "readonly"))
      {
        refuse (error, dimm,
                "<path>, <pmem>, <alignsize>, <label> and <readonly> are an NVDIMM's "
                "(model='nvdimm'), not a %s's",
                vb_xml_attr_is (dimm, "model", "dimm") ? "DIMM" : "virtio-mem");
        return NULL;
      }
  }
  page_kib = page ? g_ascii_strtoull (page, NULL, 10) : page_kib_of_cell (root, node);
  if (page_kib == BASE_PAGE_KIB)
    page_kib = 0;
  /* A virtio-mem is a whole number of its blocks (checked at define),
   * each at least a page of its memory. */
  if (vb_xml_attr_is (dimm, "model", "virtio-mem"))
    {
      guint64 block_kib = vb_domain_virtio_mem_kib (dimm, "block");

      if (page_kib && block_kib < page_kib)
        {
          refuse (error, dimm,
                  "a virtio-mem block (%" G_GUINT64_FORMAT
                  " KiB) is at least a page of its memory (%" G_GUINT64_FORMAT " KiB)",
                  block_kib, page_kib);
          return NULL;
        }
    }
  else if (vb_domain_memory_device_kib (dimm) % MAX (DIMM_ALIGN_KIB, page_kib))
    {
      refuse (error, dimm,
              "a DIMM's size must be a whole number of %" G_GUINT64_FORMAT
              " KiB (QEMU's alignment for it)",
              (guint64) MAX (DIMM_ALIGN_KIB, page_kib));
      return NULL;
    }
  {
    g_autoptr (JsonObject) props =
      backend_props (root, dimm, id, vb_domain_memory_device_kib (dimm), (int) node, page_kib,
                     access, discard, context, error);
    xmlNode *nodemask = vb_xml_child (vb_xml_child (dimm, "source"), "nodemask");
    g_autofree char *mask = nodemask ? vb_xml_text (nodemask) : NULL;

    /* <source><nodemask> binds the DIMM's memory to host nodes, in place
     * of what <numatune> says for its guest node. */
    if (props && mask && !set_host_nodes (nodemask, mask, "bind", context, props, error))
      return NULL;
    return g_steal_pointer (&props);
  }
}

char *
vb_qemu_dimm_device (xmlNode *dimm, const char *device_id, guint slot)
{
  xmlNode *target_node = vb_xml_child (vb_xml_child (dimm, "target"), "node");
  g_autofree char *node = target_node ? vb_xml_text (target_node) : g_strdup ("0");
  xmlNode *address = vb_xml_child (dimm, "address");
  g_autofree char *base = address ? vb_xml_attr (address, "base") : NULL;
  gboolean nvdimm = vb_xml_attr_is (dimm, "model", "nvdimm");
  xmlNode *target = vb_xml_child (dimm, "target");
  xmlNode *label = vb_xml_child (vb_xml_child (target, "label"), "size");
  GString *out = g_string_new (nvdimm ? "nvdimm" : "pc-dimm");

  vb_qemu_opt (out, "node", node);
  g_string_append (out, ",memdev=mem");
  vb_qemu_opt_value (out, device_id);
  vb_qemu_opt (out, "id", device_id);
  g_string_append_printf (out, ",slot=%u", slot);
  if (base)
    vb_qemu_opt (out, "addr", base);
  if (nvdimm && label)
    g_string_append_printf (out, ",label-size=%" G_GUINT64_FORMAT, kib_of (label) * 1024);
  /* <readonly/>: the guest's NVDIMM driver is told it cannot write. */
  if (nvdimm && vb_xml_child (target, "readonly"))
    g_string_append (out, ",unarmed=on");
  return g_string_free (out, FALSE);
}

/* The slot a DIMM has (its <address slot>), else the first none of the
 * domain's others has. */
guint
vb_qemu_dimm_slot (xmlNode *devices, xmlNode *dimm)
{
  xmlNode *address = vb_xml_child (dimm, "address");
  guint slot = 0;

  if (address && vb_xml_attr (address, "slot"))
    return vb_xml_attr_uint (address, "slot", 0);
  for (gboolean taken = TRUE; taken; slot += taken)
    {
      taken = FALSE;
      for (xmlNode *m = vb_xml_child (devices, "memory"); m; m = vb_xml_next (m, "memory"))
        {
          xmlNode *a = vb_xml_child (m, "address");

          /* A virtio memory device's PCI address has a slot= too, of its
           * PCI bus: it takes no DIMM slot. */
          if (m != dimm && a && !vb_xml_attr_is (a, "type", "pci") && vb_xml_attr (a, "slot")
              && vb_xml_attr_uint (a, "slot", 0) == slot)
            taken = TRUE;
        }
    }
  return slot;
}

static gboolean
build_dimm (Builder *b, xmlNode *dimm, GError **error)
{
  g_autofree char *id =
    device_id (dimm,
               g_strdup_printf (vb_xml_attr_is (dimm, "model", "nvdimm") ? "nvdimm%u" : "dimm%u",
                                b->dimms++));
  guint slot = vb_qemu_dimm_slot (b->devices, dimm);
  g_autoptr (JsonObject) props = vb_qemu_dimm_backend (b->root, dimm, id, b->context, error);
  g_autofree char *device = NULL;
  xmlNode *address;

  if (!props)
    return FALSE;
  /* QEMU plugs DIMMs through ACPI, and refuses them without it. */
  if (!vb_xml_child (vb_xml_child (b->root, "features"), "acpi"))
    return refuse (error, dimm,
                   "a memory device needs ACPI: add <features><acpi/></features> (QEMU "
                   "refuses it without)");
  if (slot >= vb_xml_attr_uint (vb_xml_child (b->root, "maxMemory"), "slots", 0))
    return refuse (error, dimm, "slot %u is beyond <maxMemory slots>", slot);
  /* The live XML says which slot it took, as libvirt's does. */
  address = vb_xml_child (dimm, "address");
  if (!address)
    {
      address = xmlNewChild (dimm, NULL, BAD_CAST "address", NULL);
      xmlSetProp (address, BAD_CAST "type", BAD_CAST "dimm");
    }
  {
    g_autofree char *text = g_strdup_printf ("%u", slot);

    xmlSetProp (address, BAD_CAST "slot", BAD_CAST text);
  }
  add_object (b, props);
  device = vb_qemu_dimm_device (dimm, id, slot);
  add2 (b, "-device", device);
  return TRUE;
}

gboolean
vb_qemu_build_memory_device (Builder *b, xmlNode *memory, GError **error)
{
  /* virtio-mem and virtio-pmem are PCI devices: qemu-command-virtio-mem.c. */
  if (vb_domain_memory_is_virtio (memory))
    return vb_qemu_build_virtio_memory (b, memory, error);
  if (vb_xml_attr_is (memory, "model", "sgx-epc"))
    return vb_qemu_build_sgx_epc (b, memory, error);
  return build_dimm (b, memory, error);
}
