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

G_END_DECLS
