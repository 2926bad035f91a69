/* Domain.FDAssociate: open files a client hands the service under a name,
 * for the domain's <disk><source fdgroup='NAME'> (fd-associate-api.c). */
#pragma once

#include "domain.h"

G_BEGIN_DECLS

/* The most descriptors one group holds. */
#define VB_FDGROUP_MAX_FDS 16

/* Takes @fds (ints; closed on failure too): checked (each a regular file
 * or a block device, 1 to VB_FDGROUP_MAX_FDS of them, @flags 0) and kept as
 * @domain's group @name, replacing one of that name. InvalidArgument
 * otherwise. */
gboolean vb_domain_api_fd_associate (VbDomain *domain, const char *name, GArray *fds, guint flags,
                                     GError **error);

G_END_DECLS
