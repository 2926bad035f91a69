/* The snapshot metadata on disk and its writes (snapshot-store.c). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Start-up, after the domains are loaded: reads every domain's snapshot
 * metadata into the host's registry, removes the directories of domains that
 * are gone, and follows the inventory from then on. */
void vb_snapshot_store_load (VbDriverHost *host);

/* Writes queued together; the task completes once the last is on disk (the
 * store's writer keeps their order). */
typedef struct _VbSnapshotWrites VbSnapshotWrites;

/* Holds @task (taken) until vb_snapshot_writes_close() and every write queued. */
VbSnapshotWrites *vb_snapshot_writes_new (GTask *task);
void vb_snapshot_writes_save (VbDriverHost *host, VbSnapshotWrites *writes, VbSnapshot *snapshot);
void vb_snapshot_writes_remove (VbDriverHost *host, VbSnapshotWrites *writes, VbSnapshot *snapshot);
/* The domain's persistent definition, written in the same sequence. */
void vb_snapshot_writes_domain (VbDriverHost *host, VbSnapshotWrites *writes, VbDomain *domain);
/* The task fails with @error (taken) once the writes are done; the first
 * error wins. */
void vb_snapshot_writes_fail (VbSnapshotWrites *writes, GError *error);
/* Nothing more will be queued: completes the task when all are written. */
void vb_snapshot_writes_close (VbSnapshotWrites *writes);

G_END_DECLS
