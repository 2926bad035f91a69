/* Domain.GetStats of a running QEMU guest (qemu-stats.c). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

void vb_qemu_get_stats_async (VbDriverHost *host, VbDomain *domain, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
GVariant *vb_qemu_get_stats_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
