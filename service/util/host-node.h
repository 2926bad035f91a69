/* Facts about the host machine (libvirt's virNodeInfo and node memory
 * statistics), read from /proc and /sys under @root ("/" on a real host, a
 * fake tree in tests). Every function reads files: call them off the main
 * loop. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char *model;     /* the CPU architecture, "x86_64" */
  char *cpu_model; /* the CPU's name ("Intel(R) Xeon(R) ..."), "" when unknown */
  guint64 memory_kib;
  guint cpus;    /* online */
  guint mhz;     /* 0 when unknown */
  guint nodes;   /* NUMA nodes, at least 1 */
  guint sockets; /* per node */
  guint cores;   /* per socket */
  guint threads; /* per core */
  /* gboolean per CPU number from 0 to the highest the host has (present),
   * TRUE for the online ones: libvirt's virNodeGetCPUMap. */
  GArray *cpu_map;
} VbHostNodeInfo;

void vb_host_node_info_free (VbHostNodeInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbHostNodeInfo, vb_host_node_info_free)

/* The CPU numbers of a kernel CPU list ("0-3,8-11": 0 1 2 3 8 9 10 11), as
 * sysfs writes them in cpu/online and cpu/present; a malformed range names
 * none. */
GArray *vb_host_cpu_list_parse (const char *text);

/* The host's CPUs and memory as Manager.GetNodeInfo reports them. */
VbHostNodeInfo *vb_host_node_info_read (const char *root, GError **error);

/* The a{st} of Manager.GetNodeMemoryStats, in KiB: "total", "free",
 * "buffers", "cached" of the whole host for @cell -1, "total" and "free" of
 * NUMA node @cell otherwise. VB_ERROR_INVALID_ARGUMENT for a cell the host
 * does not have. */
GVariant *vb_host_memory_stats_read (const char *root, int cell, GError **error);

G_END_DECLS
