/* libvirt's numbers for what virtbus names with strings: domain states and
 * their reasons (virDomainState, virDomain*Reason), lifecycle events and
 * their details (virDomainEventType, virDomainEvent*DetailType). virtbus
 * writes libvirt's names in lower case with '-' (docs/lifecycle-events.md),
 * so the tables below are those enums in order. */
#pragma once

#include "domain.h"

G_BEGIN_DECLS

/* virDomainState of @state. */
int vb_lv_state_number (VbDomainState state);
/* The virDomain*Reason of @reason for @state; 0 (unknown) for a reason libvirt
 * does not have for that state. */
int vb_lv_state_reason_number (VbDomainState state, const char *reason);
/* virDomainEventType and its detail of @event, @detail; FALSE for an event
 * libvirt does not have. */
gboolean vb_lv_event_numbers (const char *event, const char *detail, int *event_number,
                              int *detail_number);

G_END_DECLS
