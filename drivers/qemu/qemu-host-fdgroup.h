/* The descriptors of the fd groups a domain's disks use, passed to QEMU at
 * Start (qemu-host-fdgroup.c). */
#pragma once

#include <gio/gio.h>

#include "domain.h"
#include "qemu-command.h"

G_BEGIN_DECLS

/* For each group of @command->fdgroups: a copy of each descriptor
 * @domain holds for it (Domain.FDAssociate) for QEMU, in @fds (which the
 * caller closes) and @launcher, each an "-add-fd fd=N,set=S". A group the
 * domain has none for: NotSupported naming it. */
gboolean vb_qemu_host_pass_fdgroups (VbQemuCommand *command, VbDomain *domain, GArray *fds,
                                     GSubprocessLauncher *launcher, GError **error);

G_END_DECLS
