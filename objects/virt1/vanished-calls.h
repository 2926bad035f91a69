/* Calls that GDBus had already routed to an object when the object was
 * unexported are answered org.virtbus.Virt1.Error.NotFound, like calls to
 * paths that never had one, instead of GDBus's UnknownMethod. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Starts following the objects of @object_manager. */
void vb_vanished_calls_install (GDBusObjectManagerServer *object_manager);
/* On GDBus's worker thread, for the answer @reply the main loop sends to
 * @call (the reply cache's on_reply hook, virt1-replies.c): @reply, or the
 * NotFound error that replaces it (then @reply is unreffed). */
GDBusMessage *vb_vanished_calls_rewrite (GDBusObjectManagerServer *object_manager,
                                         GDBusMessage *call, GDBusMessage *reply);

/* The exporter tells of each object it exports and unexports (after the
 * export, before the unexport). */
void vb_vanished_calls_exported (GDBusObjectManagerServer *object_manager, const char *path);
void vb_vanished_calls_unexported (GDBusObjectManagerServer *object_manager, const char *path);

G_END_DECLS
