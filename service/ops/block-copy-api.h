/* Block copy, the generic part: checking the call, the destination XML, the
 * domain's lock while the copy starts, the marker the guards read
 * (vb_domain_set_block_copy) and the Job. The driver mirrors the disk
 * (VbDomainDriver block_copy_*). */
#pragma once

#include "driver.h"
#include "vb-flags.h"

G_BEGIN_DECLS

/* Checks the call, takes the domain's lock while the mirror starts, and
 * completes with the Job as soon as the mirror runs. */
void vb_block_copy_api_start_async (VbDriverHost *host, VbDomain *domain, const char *disk,
                                    const char *destination_xml, GVariant *params, guint flags,
                                    GAsyncReadyCallback callback, gpointer user_data);
VbJob *vb_block_copy_api_start_finish (GAsyncResult *result, GError **error);

/* The object path of the job of the block copy that exists now, "/" when none. */
const char *vb_block_copy_api_job_path (VbDomain *domain);

G_END_DECLS
