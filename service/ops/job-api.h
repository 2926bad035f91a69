/* A domain's Jobs seen per domain, as libvirt's job calls see them
 * (org.libvirt's AbortJob, GetJobInfo, GetJobStats, GetControlInfo and the
 * block job members): the domain's job (migration, save, restore) apart
 * from its block job (block copy), which libvirt keeps apart too. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* The Job operation of a block copy; the other operations are the domain's. */
#define VB_JOB_API_BLOCK_COPY "block-copy"

/* @domain's running domain job (a reference), NULL when none runs. */
VbJob *vb_job_api_domain_job (VbDriverHost *host, VbDomain *domain);
/* @domain's newest finished domain job still kept (a reference), or NULL. */
VbJob *vb_job_api_last_domain_job (VbDriverHost *host, VbDomain *domain);
/* Cancels @domain's running domain job: OperationInvalid when none runs or
 * it cannot be cancelled now. */
gboolean vb_job_api_abort (VbDriverHost *host, VbDomain *domain, GError **error);

/* The running block copy of @disk (its target "vda" or its source file) of
 * @domain (a reference): NULL without @error set when the disk has none, NULL
 * with InvalidArgument when the domain has no such disk. */
VbJob *vb_job_api_block_job (VbDriverHost *host, VbDomain *domain, const char *disk,
                             GError **error);

G_END_DECLS
