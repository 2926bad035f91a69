/* Snapshots in the QEMU driver (the snapshot_* members of VbDomainDriver). */
#pragma once

#include "qemu-part.h"

G_BEGIN_DECLS

/* Ends the snapshot-save/-load/-delete job QEMU runs when its events say so. */
extern const VbQemuPart vb_qemu_snapshot_part;

void vb_qemu_snapshot_create_async (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                                    GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_snapshot_revert_async (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                                    gboolean run, GAsyncReadyCallback callback, gpointer user_data);
void vb_qemu_snapshot_delete_async (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                                    GAsyncReadyCallback callback, gpointer user_data);
/* Finishes all three. */
gboolean vb_qemu_snapshot_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
