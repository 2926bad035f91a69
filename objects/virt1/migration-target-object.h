/* org.virtbus.Virt1.MigrationTarget at /org/virtbus/Virt1: the destination's
 * side of a live migration, called by the source service. */
#pragma once

#include "bus-context.h"
#include "vb-dbus-generated.h"

G_BEGIN_DECLS

#define VB_TYPE_MIGRATION_TARGET_OBJECT (vb_migration_target_object_get_type ())
G_DECLARE_FINAL_TYPE (VbMigrationTargetObject, vb_migration_target_object, VB,
                      MIGRATION_TARGET_OBJECT, VbDBusMigrationTargetSkeleton)

VbMigrationTargetObject *vb_migration_target_object_new (VbBusContext *context);

G_END_DECLS
