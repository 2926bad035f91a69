/* A domain's state and reason as libvirt's integers (virDomainState and the
 * virDomain*Reason enums): what typed libvirt interfaces carry, e.g. the
 * state.state and state.reason of the domain statistics. */
#pragma once

#include "domain.h"

G_BEGIN_DECLS

/* virDomainState: running 1, paused 3, shutdown 4, shutoff 5, crashed 6, pmsuspended 7. */
int vb_domain_state_code (VbDomainState state);
/* The reason's number in libvirt's enum for @state; 0 (unknown) for a reason
 * that state has not. */
int vb_domain_reason_code (VbDomainState state, const char *reason);

G_END_DECLS
