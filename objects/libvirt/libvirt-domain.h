/* org.libvirt.Domain: a domain of one Connect's driver, at
 * <connect>/domain/_<uuid> (libvirt-paths.h), on the checked operations. */
#pragma once

#include "libvirt-dispatch.h"

G_BEGIN_DECLS

extern const VbLvInterface vb_lv_domain_interface;

/* Whether @domain is one of @connect's (its driver runs it). */
gboolean vb_lv_domain_belongs (const VbLvConnect *connect, VbDomain *domain);
char *vb_lv_domain_object_path (const VbLvConnect *connect, VbDomain *domain);
/* @connect's domain with @uuid (a reference); NULL with libvirt's "Domain not
 * found: no domain with matching uuid '...'". */
VbDomain *vb_lv_domain_lookup_uuid (const VbLvConnect *connect, const char *uuid, GError **error);
/* Ends @call with the path of @domain (a reference, taken), or @error (taken). */
void vb_lv_call_return_domain (VbLvCall *call, VbDomain *domain, GError *error);
/* Ends @call when @job (taken) has completed: no value when it succeeded,
 * libvirt's "operation failed: <the Job's message>" otherwise. libvirt's
 * calls return only when the work is done; virtbus's return a Job. */
void vb_lv_call_return_after_job (VbLvCall *call, VbJob *job);

G_END_DECLS
