/* org.virtbus.Virt1.Snapshot: one per snapshot, below its domain's path. */
#pragma once

#include "bus-context.h"
#include "snapshot-api.h"
#include "vb-dbus-generated.h"

G_BEGIN_DECLS

#define VB_TYPE_SNAPSHOT_OBJECT (vb_snapshot_object_get_type ())
G_DECLARE_FINAL_TYPE (VbSnapshotObject, vb_snapshot_object, VB, SNAPSHOT_OBJECT,
                      VbDBusSnapshotSkeleton)

VbSnapshotObject *vb_snapshot_object_new (VbBusContext *context, VbSnapshot *snapshot);
/* The path @snapshot is exported at. */
char *vb_snapshot_object_path (VbSnapshot *snapshot);

G_END_DECLS
