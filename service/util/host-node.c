/* Host CPUs and memory: see host-node.h. The counts follow libvirt's
 * virNodeInfo: sockets per NUMA node, cores per socket, threads per core,
 * so that nodes * sockets * cores * threads is the number of CPUs when the
 * machine is symmetric. */
#include "host-node.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "vb-error.h"

void
vb_host_node_info_free (VbHostNodeInfo *info)
{
  if (!info)
    return;
  g_free (info->model);
  g_free (info->cpu_model);
  g_clear_pointer (&info->cpu_map, g_array_unref);
  g_free (info);
}

static char *
under (const char *root, const char *path)
{
  return g_build_filename (root, path, NULL);
}

/* The contents of @root/@path, or NULL. */
static char *
read_text (const char *root, const char *path)
{
  g_autofree char *file = under (root, path);
  char *text = NULL;

  if (!g_file_get_contents (file, &text, NULL, NULL))
    return NULL;
  return text;
}

/* The value in KiB of the meminfo line "@key: N kB" in @text, after
 * @prefix ("Node 0 " in a NUMA node's meminfo); FALSE when absent. */
static gboolean
meminfo_value (const char *text, const char *prefix, const char *key, guint64 *kib)
{
  g_autofree char *label = g_strdup_printf ("%s%s:", prefix, key);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], label))
      {
        char *end = NULL;
        const char *value = lines[i] + strlen (label);
        guint64 n = g_ascii_strtoull (value, &end, 10);

        if (end == value)
          return FALSE;
        *kib = n;
        return TRUE;
      }
  return FALSE;
}

GArray *
vb_host_cpu_list_parse (const char *text)
{
  GArray *cpus = g_array_new (FALSE, FALSE, sizeof (guint));
  g_auto (GStrv) ranges = g_strsplit (text ? text : "", ",", -1);

  for (guint i = 0; ranges[i]; i++)
    {
      g_autofree char *range = g_strstrip (g_strdup (ranges[i]));
      char *end = NULL;
      char *last_end = NULL;
      guint64 first, last;

      if (!g_ascii_isdigit (*range))
        continue;
      first = g_ascii_strtoull (range, &end, 10);
      if (*end == '-')
        {
          if (!g_ascii_isdigit (end[1]))
            continue;
          last = g_ascii_strtoull (end + 1, &last_end, 10);
          end = last_end;
        }
      else
        last = first;
      if (*end)
        continue;
      /* A bound against a nonsense list; no machine has a million CPUs. */
      for (guint64 cpu = first; cpu <= last && cpu < 1048576; cpu++)
        {
          guint n = (guint) cpu;
          g_array_append_val (cpus, n);
        }
    }
  return cpus;
}

/* libvirt's CPU map: one entry per CPU number up to the highest the host
 * has (cpu/present; cpu/possible or the online ones when the kernel does
 * not say), the online ones TRUE. Offline CPUs may sit between online ones
 * ("0-3,8-11"), so the map is not the first N numbers. */
static GArray *
cpu_map_of (const char *root, GArray *online)
{
  g_autofree char *present_text = read_text (root, "sys/devices/system/cpu/present");
  g_autofree char *possible_text =
    present_text ? NULL : read_text (root, "sys/devices/system/cpu/possible");
  g_autoptr (GArray) present = vb_host_cpu_list_parse (present_text ? present_text : possible_text);
  GArray *map = g_array_new (FALSE, TRUE, sizeof (gboolean));
  guint size = 0;

  for (guint i = 0; i < present->len; i++)
    size = MAX (size, g_array_index (present, guint, i) + 1);
  for (guint i = 0; i < online->len; i++)
    size = MAX (size, g_array_index (online, guint, i) + 1);
  g_array_set_size (map, size);
  for (guint i = 0; i < online->len; i++)
    g_array_index (map, gboolean, g_array_index (online, guint, i)) = TRUE;
  return map;
}

static gint64
read_cpu_number (const char *root, guint cpu, const char *name)
{
  g_autofree char *path = g_strdup_printf ("sys/devices/system/cpu/cpu%u/topology/%s", cpu, name);
  g_autofree char *text = read_text (root, path);

  return text ? g_ascii_strtoll (text, NULL, 10) : -1;
}

/* Counts NUMA nodes (node0, node1, ... directories). */
static guint
count_nodes (const char *root)
{
  g_autofree char *dir = under (root, "sys/devices/system/node");
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint nodes = 0;

  while (listing && (name = g_dir_read_name (listing)))
    if (g_str_has_prefix (name, "node") && g_ascii_isdigit (name[4]))
      nodes++;
  return MAX (nodes, 1);
}

/* From /proc/cpuinfo: the first "model name" and "cpu MHz". */
static void
read_cpuinfo (const char *root, VbHostNodeInfo *info)
{
  g_autofree char *text = read_text (root, "proc/cpuinfo");
  g_auto (GStrv) lines = text ? g_strsplit (text, "\n", -1) : NULL;

  for (guint i = 0; lines && lines[i]; i++)
    {
      char *colon = strchr (lines[i], ':');
      g_autofree char *key = NULL;

      if (!colon)
        continue;
      key = g_strstrip (g_strndup (lines[i], (gsize) (colon - lines[i])));
      if (g_str_equal (key, "model name") && !*info->cpu_model)
        {
          g_free (info->cpu_model);
          info->cpu_model = g_strstrip (g_strdup (colon + 1));
        }
      else if (g_str_equal (key, "cpu MHz") && info->mhz == 0)
        info->mhz = (guint) g_ascii_strtod (colon + 1, NULL);
    }
}

/* Sockets, cores and threads of the online CPUs, from their topology ids. */
static void
read_topology (const char *root, VbHostNodeInfo *info, GArray *online)
{
  g_autoptr (GHashTable) packages = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GHashTable) cores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint sockets;

  g_array_set_size (ids, online->len);
  for (guint i = 0; i < online->len; i++)
    {
      guint cpu = g_array_index (online, guint, i);
      gint64 package = read_cpu_number (root, cpu, "physical_package_id");
      gint64 core = read_cpu_number (root, cpu, "core_id");

      g_array_index (ids, gint64, i) = MAX (package, 0);
      g_hash_table_add (packages, &g_array_index (ids, gint64, i));
      /* Without a core id every CPU is a core of its own. */
      g_hash_table_add (cores, core < 0 ? g_strdup_printf ("cpu%u", cpu)
                                        : g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                                           MAX (package, 0), core));
    }
  sockets = MAX (g_hash_table_size (packages), 1);
  info->sockets = MAX (sockets / info->nodes, 1);
  info->cores = MAX (g_hash_table_size (cores) / sockets, 1);
  info->threads = MAX (info->cpus / MAX (g_hash_table_size (cores), 1), 1);
}

VbHostNodeInfo *
vb_host_node_info_read (const char *root, GError **error)
{
  g_autoptr (VbHostNodeInfo) info = g_new0 (VbHostNodeInfo, 1);
  g_autofree char *meminfo = read_text (root, "proc/meminfo");
  g_autofree char *online_text = read_text (root, "sys/devices/system/cpu/online");
  g_autoptr (GArray) online = NULL;
  struct utsname uts;

  if (!meminfo || !meminfo_value (meminfo, "", "MemTotal", &info->memory_kib))
    {
      vb_error_refuse (error, VB_ERROR_FAILED,
                       "cannot read the host's memory size (%s/proc/meminfo)", root);
      return NULL;
    }
  info->model = g_strdup (uname (&uts) == 0 ? uts.machine : "unknown");
  info->cpu_model = g_strdup ("");
  online = vb_host_cpu_list_parse (online_text);
  if (online->len == 0)
    {
      /* No sysfs (a container without it): the CPUs the process sees. */
      for (guint cpu = 0; cpu < g_get_num_processors (); cpu++)
        g_array_append_val (online, cpu);
    }
  info->cpus = online->len;
  info->cpu_map = cpu_map_of (root, online);
  info->nodes = count_nodes (root);
  read_cpuinfo (root, info);
  read_topology (root, info, online);
  return g_steal_pointer (&info);
}

static gboolean
add_stat (GVariantBuilder *builder, const char *text, const char *prefix, const char *key,
          const char *name)
{
  guint64 kib;

  if (!meminfo_value (text, prefix, key, &kib))
    return FALSE;
  g_variant_builder_add (builder, "{st}", name, kib);
  return TRUE;
}

GVariant *
vb_host_memory_stats_read (const char *root, int cell, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *text = NULL;
  GVariantBuilder builder;

  if (cell < -1)
    {
      vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                       "cell %d: expected -1 (the whole host) or a NUMA node number", cell);
      return NULL;
    }
  /* The path is built from a number only. */
  path = cell == -1 ? g_strdup ("proc/meminfo")
                    : g_strdup_printf ("sys/devices/system/node/node%d/meminfo", cell);
  prefix = cell == -1 ? g_strdup ("") : g_strdup_printf ("Node %d ", cell);
  text = read_text (root, path);
  if (!text && cell == -1)
    {
      vb_error_refuse (error, VB_ERROR_FAILED, "cannot read %s/proc/meminfo", root);
      return NULL;
    }
  if (!text)
    {
      vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT, "cell %d: the host has no such NUMA node",
                       cell);
      return NULL;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{st}"));
  if (!add_stat (&builder, text, prefix, "MemTotal", "total")
      || !add_stat (&builder, text, prefix, "MemFree", "free"))
    {
      g_variant_builder_clear (&builder);
      vb_error_refuse (error, VB_ERROR_FAILED, "%s/%s has no MemTotal or MemFree", root, path);
      return NULL;
    }
  /* A node's meminfo has neither; the host's always has both. */
  add_stat (&builder, text, prefix, "Buffers", "buffers");
  add_stat (&builder, text, prefix, "Cached", "cached");
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
