/* Where each object lives on the bus. Paths derive from the UUID (volumes:
 * from the pool's UUID and the volume name), so a rename keeps the path. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_BUS_NAME "org.virtbus.Virt1"
#define VB_MANAGER_PATH "/org/virtbus/Virt1"

/* @kind is "domain", "network" or "pool". */
char *vb_object_path_for (const char *kind, const char *uuid);
char *vb_object_path_for_volume (const char *pool_uuid, const char *volume_name);
/* <domain path>/snapshot/<name escaped with g_dbus_escape_object_path()>. */
char *vb_object_path_for_snapshot (const char *domain_uuid, const char *snapshot_name);
char *vb_object_path_for_job (guint id);

/* Lower-cases and checks a UUID in its 36 character form; NULL when malformed. */
char *vb_uuid_normalize (const char *uuid);

G_END_DECLS
