/* Calls that GDBus had already routed to an object when the object was
 * unexported are answered org.virtbus.Virt1.Error.NotFound, like calls to
 * paths that never had one, instead of GDBus's UnknownMethod. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Watches the calls and replies on @connection for the objects of
 * @object_manager, for as long as the connection lives. */
void vb_vanished_calls_install (GDBusConnection *connection,
                                GDBusObjectManagerServer *object_manager);

/* The exporter tells of each object it exports and unexports (after the
 * export, before the unexport). */
void vb_vanished_calls_exported (GDBusObjectManagerServer *object_manager, const char *path);
void vb_vanished_calls_unexported (GDBusObjectManagerServer *object_manager, const char *path);

G_END_DECLS
