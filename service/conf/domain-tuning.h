/* Host tuning that acts on the host, not on QEMU's command line: <perf>
 * (the kernel's perf counters of QEMU's threads), <cputune><cachetune>
 * and <memorytune> (resctrl), <resource><partition> (where the domain's
 * cgroups go) and <resource><fibrechannel appid> (a tag for the domain's
 * Fibre Channel I/O). Here: the checks across elements that no host could
 * run, made at define. What this host lacks is refused at Start
 * (drivers/qemu/qemu-host-tuning.c). */
#pragma once

#include <libxml/tree.h>

#include "domain-def.h"

G_BEGIN_DECLS

/* libvirt's perf event names (virPerfEventType), for the rule table. */
#define VB_DOMAIN_PERF_EVENTS                                                                \
  "cmt|mbmt|mbml|cpu_cycles|instructions|cache_references|cache_misses|branch_instructions|" \
  "branch_misses|bus_cycles|stalled_cycles_frontend|stalled_cycles_backend|ref_cpu_cycles|"  \
  "cpu_clock|task_clock|page_faults|context_switches|cpu_migrations|page_faults_min|"        \
  "page_faults_maj|alignment_faults|emulation_faults"

/* The longest <fibrechannel appid>: the kernel's limit (and libvirt's). */
#define VB_DOMAIN_APPID_MAX 128

/* Checks @root (a <domain> the schema accepted, with @vcpus vCPUs): each
 * perf event named once; each <cachetune>/<memorytune> vcpus a set of the
 * guest's vCPUs that no other of its kind overlaps (a <memorytune> shares
 * a <cachetune>'s set exactly or not at all), one <cache> per
 * (id, level) and type, levels 2 and 3, one <node> per id with a
 * bandwidth of 1 to 100 (%), <monitor>s on a subset of their allocation's
 * vCPUs, each set once; the partition an absolute path of plain names;
 * the appid 1 to 128 printable characters. InvalidXML naming the element. */
gboolean vb_domain_tuning_check (xmlNode *root, guint vcpus, GError **error);

/* Whether @appid is one the kernel takes (see above). */
gboolean vb_domain_appid_valid (const char *appid);
/* Whether @partition is an absolute path of names of letters, digits, '.',
 * '_' and '-' (not "." or ".."), without a trailing '/' ("/" alone is not
 * one: the root of the hierarchies is the host's). */
gboolean vb_domain_partition_valid (const char *partition);

G_END_DECLS
