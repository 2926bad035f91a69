/* org.virtbus.Virt1.Domain: one per domain, following its VbDomain. */
#pragma once

#include "bus-context.h"
#include "vb-dbus-generated.h"

G_BEGIN_DECLS

#define VB_TYPE_DOMAIN_OBJECT (vb_domain_object_get_type ())
G_DECLARE_FINAL_TYPE (VbDomainObject, vb_domain_object, VB, DOMAIN_OBJECT, VbDBusDomainSkeleton)

VbDomainObject *vb_domain_object_new (VbBusContext *context, VbDomain *domain);
/* The registry's current snapshot of the domain changed: CurrentSnapshot
 * follows. The exporter calls it, from the registry's "current-changed". */
void vb_domain_object_current_snapshot_changed (VbDomainObject *self);

G_END_DECLS
