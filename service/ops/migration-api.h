/* Live migration between two virtbus services, the generic part: checking
 * the call, the conversation with the peer service over D-Bus, the Job, the
 * domain's lock. The driver moves the guest (VbDomainDriver migrate_*). */
#pragma once

#include "driver.h"
#include "vb-flags.h"

G_BEGIN_DECLS

/* Source: checks the call, takes the domain's lock and starts the migration;
 * completes with its Job as soon as it runs. */
void vb_migration_api_migrate_async (VbDriverHost *host, VbDomain *domain,
                                     const char *destination, GVariant *params, guint flags,
                                     GAsyncReadyCallback callback, gpointer user_data);
VbJob *vb_migration_api_migrate_finish (GAsyncResult *result, GError **error);

/* Source, while the migration runs: "start-postcopy", "max-speed"
 * (bytes/s) or "max-downtime" (ms). */
gboolean vb_migration_api_control (VbDriverHost *host, VbDomain *domain, const char *what,
                                   guint64 value, guint flags, GError **error);

/* The domain's migration speed limit in MiB/s, 0 for none
 * (MigrateSetMaxSpeed, MigrateGetMaxSpeed): kept in memory while the
 * service runs, as libvirt keeps it; set at any time, applied at once to a
 * running migration and to each later one that gives no "bandwidth".
 * NotSupported for a driver that cannot migrate, InvalidArgument above
 * VB_MIGRATE_MAX_SPEED_MIB; @flags 0. */
gboolean vb_migration_api_set_max_speed (VbDriverHost *host, VbDomain *domain, guint64 mib_per_s,
                                         guint flags, GError **error);
gboolean vb_migration_api_get_max_speed (VbDriverHost *host, VbDomain *domain, guint flags,
                                         guint64 *mib_per_s, GError **error);

/* Destination (MigrationTarget.Prepare): creates the incoming domain; the
 * answer is an a{sv}. @peer is the caller's unique bus name: only it may
 * Finish, and if it goes away before Finish, the migration is finished
 * without it. A POSTCOPY_RESUME Prepare may come from another connection
 * (the first one broke), but only for a guest whose post-copy broke; it
 * then binds the arrival to its own caller. */
void vb_migration_api_prepare_async (VbDriverHost *host, GDBusConnection *bus,
                                     const char *peer, const char *xml, GVariant *params,
                                     guint flags, GAsyncReadyCallback callback,
                                     gpointer user_data);
GVariant *vb_migration_api_prepare_finish (GAsyncResult *result, GError **error);

/* Destination: Destroy on a guest whose post-copy broke gives it up (its
 * lock is held until a recovery). TRUE when it was such a guest, now ended. */
gboolean vb_migration_api_abandon_broken_arrival (VbDomain *domain);

/* Destination (MigrationTarget.Finish), from @peer, the caller's unique bus
 * name: OperationInvalid unless the domain arrives and @peer prepared it. */
void vb_migration_api_finish_async (VbDriverHost *host, const char *peer, const char *uuid,
                                    gboolean success, guint flags, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean vb_migration_api_finish_finish (GAsyncResult *result, GError **error);

G_END_DECLS
