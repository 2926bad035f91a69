/* PropertiesChanged and the D-Bus signals of the skeletons that
 * object-table.c serves through a subtree. GDBus sends a skeleton's signals
 * only on the connections it is registered on, and those are not: hooks on
 * their classes (installed once per class, nothing per object: the
 * generated setter, flush, an emission hook per signal) send them
 * instead, as the generated code would: one PropertiesChanged per object
 * with every property that changed since the last one, from an idle or at
 * g_dbus_interface_skeleton_flush(), and each signal when it is emitted. */
#pragma once

#include "object-table.h"

G_BEGIN_DECLS

/* The table that says where each skeleton is served. */
void vb_object_signals_set_table (VbObjectTable *table);
/* Hooks the class of @skeleton (once). */
void vb_object_signals_install (GDBusInterfaceSkeleton *skeleton);
/* Drops what @skeleton had still to send (it is being unexported). */
void vb_object_signals_forget (GDBusInterfaceSkeleton *skeleton);

G_END_DECLS
