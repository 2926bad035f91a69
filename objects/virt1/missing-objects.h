/* Calls to an object path below /org/virtbus/Virt1/{domain,network,pool,job}
 * (and below DOMAIN/snapshot, for snapshots)
 * where no object lives are answered with org.virtbus.Virt1.Error.NotFound,
 * rather than GDBus's generic UnknownMethod, so clients holding a stale path
 * learn that the object is gone. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean vb_missing_objects_register (GDBusConnection *connection,
                                      GDBusObjectManagerServer *object_manager, GError **error);

/* The exporter tells of domains, whose snapshots live below them. */
void vb_missing_objects_domain_added (GDBusObjectManagerServer *object_manager, const char *path);
void vb_missing_objects_domain_removed (GDBusObjectManagerServer *object_manager,
                                       const char *path);

G_END_DECLS
