/* Block copy in the QEMU driver (the block_copy members of VbDomainDriver). */
#pragma once

#include "qemu-part.h"

G_BEGIN_DECLS

/* Follows the mirror's block job events; fails the copy when QEMU ends;
 * cancels a mirror left running in a QEMU found again after a restart of
 * the service (nobody could pivot it). */
extern const VbQemuPart vb_qemu_block_copy_part;

void vb_qemu_block_copy_async (VbDriverHost *host, VbDomain *domain, const char *target,
                               const char *path, const char *format, GVariant *params,
                               guint flags, VbJob *job, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean vb_qemu_block_copy_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
