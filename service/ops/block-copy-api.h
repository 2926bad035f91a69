/* Block copy, the generic part: checking the call, the destination XML, the
 * domain's lock while the copy starts, the marker the guards read
 * (vb_domain_set_block_copy) and the Job. The driver mirrors the disk
 * (VbDomainDriver block_copy_*). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Domain.BlockCopy flags, as libvirt's virDomainBlockCopyFlags. */
#define VB_BLOCK_COPY_SHALLOW (1u << 0)       /* only the top image (sync=top) */
#define VB_BLOCK_COPY_REUSE_EXT (1u << 1)     /* the destination exists: use it as it is */
#define VB_BLOCK_COPY_TRANSIENT_JOB (1u << 2) /* accepted: no copy outlives its QEMU */
#define VB_BLOCK_COPY_ALL (VB_BLOCK_COPY_SHALLOW | VB_BLOCK_COPY_REUSE_EXT | VB_BLOCK_COPY_TRANSIENT_JOB)

/* Checks the call, takes the domain's lock while the mirror starts, and
 * completes with the Job as soon as the mirror runs. */
void vb_block_copy_api_start_async (VbDriverHost *host, VbDomain *domain, const char *disk,
                                    const char *destination_xml, GVariant *params, guint flags,
                                    GAsyncReadyCallback callback, gpointer user_data);
VbJob *vb_block_copy_api_start_finish (GAsyncResult *result, GError **error);

/* The object path of the job of the block copy that exists now, "/" when none. */
const char *vb_block_copy_api_job_path (VbDomain *domain);

G_END_DECLS
