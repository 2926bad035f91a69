/* placement='auto' (<vcpu> and <numatune><memory>): the host NUMA nodes
 * numad advises for a guest, asked when it starts, as libvirt does:
 * `numad -w VCPUS:MIB` prints a node list. */
#pragma once

#include <gio/gio.h>

#include "domain-def.h"

G_BEGIN_DECLS

/* Where numad is: a fixed path, never one a caller names. */
#define VB_QEMU_NUMAD "/usr/bin/numad"

/* Whether @def asks numad: <vcpu placement='auto'>, or <numatune><memory
 * placement='auto'> (explicit, or by default when <vcpu> has it). */
gboolean vb_qemu_numad_wanted (const VbDomainDef *def);

/* Asks numad for the nodes of @def's vCPUs and memory; numad takes seconds,
 * so it runs as a subprocess. Fails with NotSupported naming the element
 * when this host has no numad or numad gives no advice. */
void vb_qemu_numad_advice_async (const VbDomainDef *def, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* The advised nodes, a node list such as "0-1,3". */
char *vb_qemu_numad_advice_finish (GAsyncResult *result, GError **error);

/* The host CPUs of the node list @nodes (sysfs), a CPU list such as
 * "0-3,8"; NULL when a node has none or cannot be read. */
char *vb_qemu_numad_cpus_of (const char *nodes);

G_END_DECLS
