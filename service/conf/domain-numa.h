/* The memory layout of a domain definition as libvirt writes it: guest NUMA
 * cells (<cpu><numa>), host NUMA binding (<numatune>), huge pages
 * (<memoryBacking><hugepages>), and hotpluggable memory (<maxMemory>, <memory
 * model='dimm'> devices): their sizes put in KiB, and the checks that span
 * elements (the cells and devices add up to <memory>, cpus name vCPUs that
 * exist, a cell is named only when it exists). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* The largest host or guest NUMA node number a set may name. */
#define VB_DOMAIN_NUMA_NODES_MAX 1024

/* A libvirt CPU or node set ("0-3,^2,8"): its members (guint) in ascending
 * order, each below @limit; NULL with InvalidXML naming @what on @node when
 * @text is not one. Empty sets are refused. */
GArray *vb_domain_numa_parse_set (xmlNode *node, const char *what, const char *text, guint limit,
                                  GError **error);

/* Checks the memory layout of the domain @root whose <memory> is
 * *@memory_kib and <vcpu> @vcpus, and rewrites every size it holds in KiB
 * (the cells' memory=, page sizes, <maxMemory>, the memory devices'
 * <size>) and every cell's id (when absent: its place). With guest NUMA
 * cells, <memory> (and *@memory_kib) becomes what the cells and the memory
 * devices add up to, as libvirt makes it. */
gboolean vb_domain_numa_check (xmlNode *root, guint64 *memory_kib, guint vcpus, GError **error);

/* Read from a definition so checked: the <cell>s of <cpu><numa> (may be
 * none), a cell's memory in KiB, a memory device's <target><size> in KiB. */
guint vb_domain_numa_cells (xmlNode *root);
guint64 vb_domain_numa_cell_kib (xmlNode *cell);
guint64 vb_domain_memory_device_kib (xmlNode *memory);
/* The sum of the <memory> devices' sizes in KiB: what <memory> has beyond
 * the boot memory. */
guint64 vb_domain_memory_devices_kib (xmlNode *root);

G_END_DECLS
