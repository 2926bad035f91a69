/* Snapshots as the service knows them: one VbSnapshot per snapshot, and the
 * registry that holds every domain's snapshots, their tree (parents) and
 * which one is current. The D-Bus layer follows the registry's signals. */
#pragma once

#include <glib-object.h>

#include "snapshot-def.h"

G_BEGIN_DECLS

#define VB_TYPE_SNAPSHOT (vb_snapshot_get_type ())
G_DECLARE_FINAL_TYPE (VbSnapshot, vb_snapshot, VB, SNAPSHOT, GObject)

/* Takes @def, which has its name, state and creation time. */
VbSnapshot *vb_snapshot_new (const char *domain_uuid, VbSnapshotDef *def);
const VbSnapshotDef *vb_snapshot_get_def (VbSnapshot *self);
const char *vb_snapshot_get_name (VbSnapshot *self);
const char *vb_snapshot_get_domain_uuid (VbSnapshot *self);
/* The parent's name, NULL for a root. */
const char *vb_snapshot_get_parent (VbSnapshot *self);
void vb_snapshot_set_parent (VbSnapshot *self, const char *parent);
gboolean vb_snapshot_get_current (VbSnapshot *self);
/* Whether it is still in the registry (a deleted one is not). */
gboolean vb_snapshot_is_alive (VbSnapshot *self);

/* Signals of VbSnapshot: "changed" (a property clients see may have changed). */

#define VB_TYPE_SNAPSHOT_REGISTRY (vb_snapshot_registry_get_type ())
G_DECLARE_FINAL_TYPE (VbSnapshotRegistry, vb_snapshot_registry, VB, SNAPSHOT_REGISTRY, GObject)

VbSnapshotRegistry *vb_snapshot_registry_new (void);
/* Adds @snapshot (a reference is taken); emits "added". */
void vb_snapshot_registry_add (VbSnapshotRegistry *self, VbSnapshot *snapshot);
/* Emits "removed"; the snapshot is no longer alive. */
void vb_snapshot_registry_remove (VbSnapshotRegistry *self, VbSnapshot *snapshot);
VbSnapshot *vb_snapshot_registry_lookup (VbSnapshotRegistry *self, const char *domain_uuid,
                                         const char *name);
/* A domain's snapshots, oldest first (so parents come before children);
 * the array holds references. */
GPtrArray *vb_snapshot_registry_list (VbSnapshotRegistry *self, const char *domain_uuid);
/* The children of @snapshot, oldest first. */
GPtrArray *vb_snapshot_registry_children (VbSnapshotRegistry *self, VbSnapshot *snapshot);
guint vb_snapshot_registry_count (VbSnapshotRegistry *self, const char *domain_uuid);
VbSnapshot *vb_snapshot_registry_get_current (VbSnapshotRegistry *self, const char *domain_uuid);
/* Makes @snapshot (NULL: none) the domain's current one; emits
 * "current-changed" with the domain's UUID when that changes. */
void vb_snapshot_registry_set_current (VbSnapshotRegistry *self, const char *domain_uuid,
                                       VbSnapshot *snapshot);

/* Signals of the registry: "added" (VbSnapshot), "removed" (VbSnapshot),
 * "current-changed" (const char *domain_uuid). */

G_END_DECLS
