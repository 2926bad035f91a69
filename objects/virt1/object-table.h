/* The objects of org.virtbus.Virt1 below /org/virtbus/Virt1, and the
 * org.freedesktop.DBus.ObjectManager that lists them.
 *
 * Why not GDBusObjectManagerServer: it registers every object with
 * g_dbus_connection_register_object(), and GDBus's bookkeeping for each
 * registration (its ExportedObject and ExportedInterface, hash entries,
 * closures, the skeleton's connection list) was most of the heap at 10,000
 * domains, and most of a restart. Here the objects directly below
 * .../domain, .../network, .../pool and .../job (the many) are served
 * through one subtree registration per kind: a call finds its skeleton in
 * this table, and the skeleton's own vtable (authorized-dispatch.c) runs
 * it. Their PropertiesChanged and signals are sent by this table (class
 * hooks in object-signals.c), since GDBus sends a skeleton's only where it
 * is registered. The few deeper objects (snapshots, volumes) and secrets
 * are still registered one by one, as before: their signals are GDBus's. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _VbObjectTable VbObjectTable;

VbObjectTable *vb_object_table_new (void);

/* Exports @skeleton at @path (replacing any object there), with
 * InterfacesAdded once the connection is set. Main thread. */
void vb_object_table_export (VbObjectTable *table, const char *path,
                             GDBusInterfaceSkeleton *skeleton);
/* Unexports the object at @path, if any, with InterfacesRemoved. */
void vb_object_table_unexport (VbObjectTable *table, const char *path);
/* The skeleton at @path, or NULL (borrowed). Main thread. */
GDBusInterfaceSkeleton *vb_object_table_lookup (VbObjectTable *table, const char *path);
/* The names of the objects directly below @parent (a NULL-terminated
 * array, free with g_strfreev()). Main thread. */
char **vb_object_table_children (VbObjectTable *table, const char *parent);

/* Registers the ObjectManager, the subtrees and the deeper objects on
 * @connection; from then on, changes are announced. Once. */
gboolean vb_object_table_set_connection (VbObjectTable *table, GDBusConnection *connection,
                                         GError **error);

/* Any thread (GDBus's worker): the interface of the object at @path, or
 * NULL when nothing is exported there. The infos are gdbus-codegen's
 * static ones. */
GDBusInterfaceInfo *vb_object_table_interface_at (VbObjectTable *table, const char *path);

/* For object-signals.c: where @skeleton is served through a subtree, its
 * path (borrowed) and the connection; NULL otherwise. Main thread. */
const char *vb_object_table_subtree_path (VbObjectTable *table, GDBusInterfaceSkeleton *skeleton,
                                          GDBusConnection **connection);

G_END_DECLS
