/* What a running domain whose disks have <throttlefilters> cannot do: the
 * new top image of a snapshot or a block copy would take the device from
 * above the filters, leaving the guest's I/O unlimited. */
#pragma once

#include <gio/gio.h>

#include "domain.h"

G_BEGIN_DECLS

/* Refuses (NotSupported) @what ("snapshot", "copy a disk of") on @domain
 * while it runs with a disk that has throttle filters. */
gboolean vb_qemu_throttle_refuse (VbDomain *domain, const char *what, GError **error);

G_END_DECLS
