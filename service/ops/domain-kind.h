/* The kind of domains: what resource-api.c needs to define, load, look up
 * and release domains, and the checks every domain operation shares. */
#pragma once

#include "resource-api.h"

G_BEGIN_DECLS

/* The kind of domains, for the generic code built on it. */
const VbResourceKind *vb_domain_api_kind (void);
/* The driver that runs @domain. */
const VbDomainDriver *vb_domain_api_driver (VbDriverHost *host, VbDomain *domain);
/* Fails with VB_ERROR_OPERATION_INVALID unless @domain runs: "Cannot @action
 * domain 'x': it is not running", or "Domain 'x' is not running" (@action NULL). */
gboolean vb_domain_api_require_active (VbDomain *domain, const char *action, GError **error);

G_END_DECLS
