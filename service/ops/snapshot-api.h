/* Snapshots of domains, the generic part: checking calls, the domain's lock,
 * the snapshot metadata (tree, current snapshot) and its persistence under
 * the state directory (snapshots/<domain uuid>/<escaped name>.xml). The
 * driver handles the images and the hypervisor (VbDomainDriver snapshot_*). */
#pragma once

#include "driver.h"
#include "vb-flags.h"
#include "snapshot.h"

G_BEGIN_DECLS

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
