/* The checked operations on secrets (Manager.DefineSecret, ListSecrets,
 * LookupSecretBy*, and the Secret object's members). There is no way to
 * read a value back: it only goes to QEMU, for the disks that name it. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

void vb_secret_api_define_async (VbDriverHost *host, const char *xml, guint flags,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* A reference to the defined secret. */
VbSecret *vb_secret_api_define_finish (GAsyncResult *result, GError **error);

void vb_secret_api_set_value_async (VbDriverHost *host, VbSecret *secret, GBytes *value,
                                    guint flags, GAsyncReadyCallback callback, gpointer user_data);
void vb_secret_api_undefine_async (VbDriverHost *host, VbSecret *secret,
                                   GAsyncReadyCallback callback, gpointer user_data);
/* Finishes set_value and undefine. */
gboolean vb_secret_api_finish (GAsyncResult *result, GError **error);

/* The definition, without the value. */
char *vb_secret_api_get_xml (VbSecret *secret, guint flags, GError **error);
/* Borrowed; NotFound or InvalidArgument (not a UUID, an unknown usage type). */
VbSecret *vb_secret_api_lookup_by_uuid (VbDriverHost *host, const char *uuid, GError **error);
VbSecret *vb_secret_api_lookup_by_usage (VbDriverHost *host, const char *usage_type,
                                         const char *usage_id, GError **error);
/* Sorted by UUID; @flags: 1 EPHEMERAL, 2 NO_EPHEMERAL, 4 PRIVATE, 8 NO_PRIVATE. */
GPtrArray *vb_secret_api_list (VbDriverHost *host, guint flags, GError **error);
/* Every secret @xml (a caller's domain, device or snapshot XML) names, each
 * once, as "uuid=…" or "usage=…", for the authorization check (each is
 * asked for); NULL: none. */
GStrv vb_secret_api_named_in (const char *xml);
/* The object path of @secret. */
char *vb_secret_api_path (VbSecret *secret);

G_END_DECLS
