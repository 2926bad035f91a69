/* The reply cache of the org.virtbus.Virt1 front end (objects/common/
 * reply-cache.h), shared with the org.libvirt one: one filter on the bus
 * connection keeps each caller's calls in order across both. It answers
 * again, from GDBus's worker thread, the properties of domains, networks,
 * pools, volumes and the manager (Properties.Get and GetAll: open reads that
 * GDBus answers without a handler of ours, kept as they leave) and the read
 * members whose handlers store their answers (vb_complete_read()); and it
 * hands every other answer to vanished-calls.c. */
#pragma once

#include <gio/gio.h>

#include "object-table.h"
#include "reply-cache.h"

G_BEGIN_DECLS

/* Call once the objects of @objects are exported; lasts as long as the
 * daemon. */
VbReplyCache *vb_virt1_replies_new (GDBusConnection *bus, VbObjectTable *objects);

G_END_DECLS
