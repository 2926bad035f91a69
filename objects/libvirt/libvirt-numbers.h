/* libvirt's numbers for what virtbus names with strings: lifecycle events and
 * their details (virDomainEventType, virDomainEvent*DetailType). virtbus
 * writes libvirt's names in lower case with '-' (docs/lifecycle-events.md),
 * so the tables are those enums in order. A domain's state and reason are
 * the model's (domain-state-codes.h). */
#pragma once

#include "domain.h"

G_BEGIN_DECLS

/* virDomainEventType and its detail of @event, @detail; FALSE for an event
 * libvirt does not have. */
gboolean vb_lv_event_numbers (const char *event, const char *detail, int *event_number,
                              int *detail_number);

G_END_DECLS
