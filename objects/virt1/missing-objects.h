/* Calls to an object path below DOMAIN/snapshot (for snapshots; the
 * containers of domains, networks, pools and jobs are object-table.c's)
 * where no object lives are answered with org.virtbus.Virt1.Error.NotFound,
 * rather than GDBus's generic UnknownMethod, so clients holding a stale path
 * learn that the object is gone. */
#pragma once

#include <gio/gio.h>

#include "object-table.h"

G_BEGIN_DECLS

gboolean vb_missing_objects_register (GDBusConnection *connection, VbObjectTable *objects,
                                      GError **error);

/* The exporter tells of domains, whose snapshots live below them. */
void vb_missing_objects_domain_added (VbObjectTable *objects, const char *path);
void vb_missing_objects_domain_removed (VbObjectTable *objects, const char *path);

G_END_DECLS
