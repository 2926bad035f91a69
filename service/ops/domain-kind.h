/* The kind of domains: what resource-api.c needs to define, load, look up
 * and release domains, and the checks every domain operation shares. */
#pragma once

#include "resource-api.h"

G_BEGIN_DECLS

/* The kind of domains, for the generic code built on it. */
const VbResourceKind *vb_domain_api_kind (void);
/* @def (taken) with what its driver fills in, as at define; NULL with @error. */
VbDomainDef *vb_domain_api_complete (VbDriverHost *host, VbDomainDef *def, GError **error);
/* The driver that runs @domain. */
const VbDomainDriver *vb_domain_api_driver (VbDriverHost *host, VbDomain *domain);
/* Fails with VB_ERROR_OPERATION_INVALID unless @domain runs: "Cannot @action
 * domain 'x': it is not running", or "Domain 'x' is not running" (@action NULL). */
gboolean vb_domain_api_require_active (VbDomain *domain, const char *action, GError **error);

/* Which definitions libvirt's CURRENT (0) / LIVE (1) / CONFIG (2) flags mean
 * for @domain now (CURRENT: the live one when active, else the persistent
 * one): OperationInvalid for LIVE on a domain that is not active and for
 * CONFIG on a transient one, naming @action ("change the memory of"). */
gboolean vb_domain_api_affected (VbDomain *domain, guint flags, const char *action, gboolean *live,
                                 gboolean *config, GError **error);

G_END_DECLS
