/* Domain.Rename: a shut-off persistent domain gets a new name; its UUID, and
 * so its object path, its stored files, snapshots and managed save image,
 * stay. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Completes once the definition with the new name is stored. */
void vb_rename_api_rename_async (VbDriverHost *host, VbDomain *domain, const char *new_name,
                                 guint flags, GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_rename_api_rename_finish (GAsyncResult *result, GError **error);

G_END_DECLS
