/* Snapshots of domains, the generic part: checking calls, the domain's lock,
 * the snapshot metadata (tree, current snapshot) and its persistence under
 * the state directory (snapshots/<domain uuid>/<escaped name>.xml). The
 * driver handles the images and the hypervisor (VbDomainDriver snapshot_*). */
#pragma once

#include "driver.h"
#include "snapshot.h"

G_BEGIN_DECLS

/* Domain.CreateSnapshot flags (libvirt's virDomainSnapshotCreateFlags) */
enum {
  VB_SNAPSHOT_CREATE_REDEFINE = 1 << 0,
  VB_SNAPSHOT_CREATE_CURRENT = 1 << 1,
  VB_SNAPSHOT_CREATE_NO_METADATA = 1 << 2,
  VB_SNAPSHOT_CREATE_HALT = 1 << 3,
  VB_SNAPSHOT_CREATE_DISK_ONLY = 1 << 4,
  VB_SNAPSHOT_CREATE_REUSE_EXT = 1 << 5,
  VB_SNAPSHOT_CREATE_QUIESCE = 1 << 6,
  VB_SNAPSHOT_CREATE_ATOMIC = 1 << 7,
  VB_SNAPSHOT_CREATE_LIVE = 1 << 8,
  VB_SNAPSHOT_CREATE_VALIDATE = 1 << 9,
};

/* Snapshot.Revert flags */
enum {
  VB_SNAPSHOT_REVERT_RUNNING = 1 << 0,
  VB_SNAPSHOT_REVERT_PAUSED = 1 << 1,
  VB_SNAPSHOT_REVERT_FORCE = 1 << 2,
};

/* Snapshot.Delete flags */
enum {
  VB_SNAPSHOT_DELETE_CHILDREN = 1 << 0,
  VB_SNAPSHOT_DELETE_METADATA_ONLY = 1 << 1,
  VB_SNAPSHOT_DELETE_CHILDREN_ONLY = 1 << 2,
};

/* Domain.ListSnapshots flags (libvirt's virDomainSnapshotListFlags) */
enum {
  VB_SNAPSHOT_LIST_ROOTS = 1 << 0,
  VB_SNAPSHOT_LIST_METADATA = 1 << 1,
  VB_SNAPSHOT_LIST_LEAVES = 1 << 2,
  VB_SNAPSHOT_LIST_NO_LEAVES = 1 << 3,
  VB_SNAPSHOT_LIST_NO_METADATA = 1 << 4,
  VB_SNAPSHOT_LIST_INACTIVE = 1 << 5,
  VB_SNAPSHOT_LIST_ACTIVE = 1 << 6,
  VB_SNAPSHOT_LIST_DISK_ONLY = 1 << 7,
  VB_SNAPSHOT_LIST_INTERNAL = 1 << 8,
  VB_SNAPSHOT_LIST_EXTERNAL = 1 << 9,
  VB_SNAPSHOT_LIST_TOPOLOGICAL = 1 << 10,
};

/* Domain.Undefine flag: the domain's snapshot metadata goes with it. */
#define VB_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA (1u << 1)

/* Every snapshot the service holds; loaded from the state directory on first
 * use, then kept in step with the inventory (a domain that leaves it takes
 * its snapshots' metadata along). */
VbSnapshotRegistry *vb_snapshot_api_registry (VbDriverHost *host);

/* Domain.CreateSnapshot: completes with the new snapshot (a reference). */
void vb_snapshot_api_create_async (VbDriverHost *host, VbDomain *domain, const char *xml,
                                   guint flags, GAsyncReadyCallback callback, gpointer user_data);
VbSnapshot *vb_snapshot_api_create_finish (GAsyncResult *result, GError **error);

void vb_snapshot_api_revert_async (VbDriverHost *host, VbSnapshot *snapshot, guint flags,
                                   GAsyncReadyCallback callback, gpointer user_data);
void vb_snapshot_api_delete_async (VbDriverHost *host, VbSnapshot *snapshot, guint flags,
                                   GAsyncReadyCallback callback, gpointer user_data);
/* Finishes revert and delete. */
gboolean vb_snapshot_api_finish (GAsyncResult *result, GError **error);

/* Snapshot.GetXMLDesc (flags: 1, SECURE, accepted). */
char *vb_snapshot_api_get_xml (VbSnapshot *snapshot, guint flags, GError **error);
/* Oldest first (parents before children); holds references. */
GPtrArray *vb_snapshot_api_list (VbDriverHost *host, VbDomain *domain, guint flags, GError **error);
VbSnapshot *vb_snapshot_api_lookup (VbDriverHost *host, VbDomain *domain, const char *name,
                                    GError **error);

/* Domain.Undefine: refuses (OperationInvalid) while the domain has
 * snapshots and @flags lacks VB_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA. */
gboolean vb_snapshot_api_check_undefine (VbDriverHost *host, VbDomain *domain, guint flags,
                                         GError **error);

G_END_DECLS
