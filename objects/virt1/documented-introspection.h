/* Introspection of the org.virtbus.Virt1 objects carries each interface's,
 * member's and argument's documentation as org.gtk.GDBus.DocString (and the
 * interface's DocString.Short) annotations, which `gdbus introspect`
 * shows. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Adds the documentation to every Introspect reply that @connection sends
 * for a path at or below /org/virtbus/Virt1, for as long as it lives. */
void vb_documented_introspection_install (GDBusConnection *connection);

G_END_DECLS
