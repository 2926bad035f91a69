/* org.libvirt.DomainSnapshot: a snapshot of one of a Connect's domains, at
 * <connect>/domainsnapshot/_<domain uuid>_<escaped name> (libvirt-paths.h). */
#pragma once

#include "libvirt-dispatch.h"

G_BEGIN_DECLS

extern const VbLvInterface vb_lv_snapshot_interface;

G_END_DECLS
