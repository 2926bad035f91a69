/* Block copy in the QEMU driver (the block_copy members of VbDomainDriver). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

void vb_qemu_block_copy_async (VbDriverHost *host, VbDomain *domain, const char *target,
                               const char *path, const char *format, GVariant *params,
                               guint flags, VbJob *job, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean vb_qemu_block_copy_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
