/* Domain.GetStats: libvirt's domain statistics of one domain, running or
 * not (domain-stats.c). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* @flags: VB_STATS_* groups (0: all) and the VB_STATS_NOWAIT, _ENFORCE
 * flags; completes with the a{sv} of Domain.GetStats. */
void vb_domain_api_get_stats_async (VbDriverHost *host, VbDomain *domain, guint flags,
                                    GAsyncReadyCallback callback, gpointer user_data);
GVariant *vb_domain_api_get_stats_finish (GAsyncResult *result, GError **error);

G_END_DECLS
