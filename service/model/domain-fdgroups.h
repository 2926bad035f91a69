/* The file descriptors clients associated with a domain under a name
 * (Domain.FDAssociate, libvirt's virDomainFDAssociate), which the domain's
 * <disk><source fdgroup='NAME'> use. Kept in memory with the VbDomain: gone
 * with it (Undefine of an inactive domain) and at a restart of the service,
 * never written anywhere. */
#pragma once

#include "domain.h"

G_BEGIN_DECLS

/* The most descriptors all domains' groups hold together: each is one of
 * the service's open files, whose number has a limit (RLIMIT_NOFILE, 1024
 * by default) that every guest, socket and file of the service shares. */
#define VB_FDGROUPS_MAX_HELD 256

/* Whether @count descriptors as @domain's group @name (in place of the
 * one of that name) keep all groups within VB_FDGROUPS_MAX_HELD. */
gboolean vb_domain_fdgroup_fits (VbDomain *domain, const char *name, guint count);

/* Takes @fds (an array of int, each closed with the group): the group
 * @name of @domain from now on, in place of one of that name. */
void vb_domain_fdgroup_set (VbDomain *domain, const char *name, GArray *fds);

/* The descriptors of group @name (borrowed: valid while the domain lives
 * and nobody replaces the group), NULL when no client associated any. */
GArray *vb_domain_fdgroup_get (VbDomain *domain, const char *name);

G_END_DECLS
