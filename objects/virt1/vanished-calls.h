/* Calls that GDBus had already routed to an object when the object was
 * unexported are answered org.virtbus.Virt1.Error.NotFound, like calls to
 * paths that never had one, instead of GDBus's UnknownMethod. */
#pragma once

#include <gio/gio.h>

#include "object-table.h"

G_BEGIN_DECLS

/* On GDBus's worker thread, for the answer @reply the main loop sends to
 * @call (the reply cache's on_reply hook, virt1-replies.c): @reply, or the
 * NotFound error that replaces it (then @reply is unreffed). @objects says
 * what is exported now. */
GDBusMessage *vb_vanished_calls_rewrite (VbObjectTable *objects, GDBusMessage *call,
                                         GDBusMessage *reply);

G_END_DECLS
