/* Domain.GetStats of a running QEMU guest (qemu-stats.c). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

void vb_qemu_get_stats_async (VbDriverHost *host, VbDomain *domain, guint groups,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
GVariant *vb_qemu_get_stats_finish (VbDomain *domain, GAsyncResult *result, GError **error);
/* The tap of the running @domain's interface with @mac, NULL when none. */
char *vb_qemu_interface_device (VbDriverHost *host, VbDomain *domain, const char *mac);

G_END_DECLS
