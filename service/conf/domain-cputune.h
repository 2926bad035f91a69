/* <iothreads>, <iothreadids>, <defaultiothread>, <vcpu cpuset> and
 * <cputune>: the checks across elements the schema cannot make (ids that
 * exist, sets of CPUs in libvirt's syntax, ranges of periods and quotas),
 * and the iothread ids a definition has, read the way libvirt reads them. */
#pragma once

#include <libxml/tree.h>

#include "domain-def.h"

G_BEGIN_DECLS

/* The limits libvirt puts on <period> and <quota> (and their global_,
 * emulator_ and iothread_ forms), in microseconds; a negative quota is
 * "no limit". */
#define VB_CPUTUNE_PERIOD_MIN 1000
#define VB_CPUTUNE_PERIOD_MAX 1000000
#define VB_CPUTUNE_QUOTA_MIN 1000
#define VB_CPUTUNE_QUOTA_MAX G_GINT64_CONSTANT (17592186044415)

/* The ids of the iothreads of @root (a <domain> the checks accepted): those
 * <iothreadids> lists, in its order, then as many of the lowest unused ids
 * from 1 as <iothreads> counts more (libvirt's rule). A new array of guint,
 * empty without iothreads. */
GArray *vb_domain_iothread_ids (xmlNode *root);

/* Checks and completes the parts above of @root (a <domain> the schema
 * accepted, with @vcpus vCPUs): <iothreads> is raised to the number of
 * <iothreadids> when below it (as libvirt does). With @fragment (a device
 * element wrapped in a minimal domain to be checked alone), what a device
 * names of the domain it goes into (an iothread) is left to the domain's
 * check. Fails with VB_ERROR_INVALID_XML naming the element and its line. */
gboolean vb_domain_cputune_check (xmlNode *root, guint vcpus, gboolean fragment, GError **error);

G_END_DECLS
