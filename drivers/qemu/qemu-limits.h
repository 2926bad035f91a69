/* <memtune>, <blkiotune> and <numatune> mode 'restrictive' on the host: a
 * cgroup of the domain's own in the service's cgroup of the v1 memory,
 * blkio and cpuset controllers
 * ("virtbus-<uuid>", as the cpu one of qemu-cputune.c), holding the limits,
 * which QEMU joins before it runs (so every page it takes is counted). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VbQemuLimits VbQemuLimits;

/* Reads what the live XML @xml of domain @uuid asks and checks that this
 * host can do it (the controllers and their files exist, each <device>
 * path is a block device). NULL with @error (NotSupported naming the
 * element) when not; NULL without an error when the XML asks nothing.
 * @numad_nodes: numad's advice at this start (placement='auto'), or NULL. */
VbQemuLimits *vb_qemu_limits_new (const char *uuid, const char *xml, const char *numad_nodes,
                                  GError **error);
void vb_qemu_limits_free (VbQemuLimits *limits);

/* Makes the cgroups, writes the limits and opens what the child writes to
 * join them. NotSupported naming the element the host refused. */
gboolean vb_qemu_limits_prepare (VbQemuLimits *limits, GError **error);

/* In the forked child before exec (async-signal-safe, while still root):
 * joins the prepared cgroups. @limits may be NULL. */
void vb_qemu_limits_child_setup (const VbQemuLimits *limits);

/* Removes the memory, blkio and cpuset cgroups of domain @uuid, once QEMU
 * is gone. */
void vb_qemu_limits_remove_cgroups (const char *uuid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuLimits, vb_qemu_limits_free)

G_END_DECLS
