/* The operations on storage pools and volumes that the D-Bus objects call. */
#pragma once

#include "driver.h"
#include "vb-flags.h"

G_BEGIN_DECLS

void vb_pool_api_define_async (VbDriverHost *host, const char *xml, guint flags,
                               GAsyncReadyCallback callback, gpointer user_data);
void vb_pool_api_create_async (VbDriverHost *host, const char *xml, guint flags,
                               GAsyncReadyCallback callback, gpointer user_data);
/* Finishes define and create. */
VbPool *vb_pool_api_new_finish (GAsyncResult *result, GError **error);

void vb_pool_api_op_async (VbDriverHost *host, VbPool *pool, VbPoolOp op, guint flags,
                           GAsyncReadyCallback callback, gpointer user_data);
void vb_pool_api_undefine_async (VbDriverHost *host, VbPool *pool, guint flags,
                                 GAsyncReadyCallback callback, gpointer user_data);
void vb_pool_api_set_autostart_async (VbDriverHost *host, VbPool *pool, gboolean autostart,
                                      GAsyncReadyCallback callback, gpointer user_data);
/* Finishes op, undefine and set_autostart. */
gboolean vb_pool_api_finish (GAsyncResult *result, GError **error);

char *vb_pool_api_get_xml (VbPool *pool, guint flags, GError **error);
GPtrArray *vb_pool_api_list (VbDriverHost *host, guint flags, GError **error);
VbPool *vb_pool_api_lookup_by_name (VbDriverHost *host, const char *name, GError **error);
VbPool *vb_pool_api_lookup_by_uuid (VbDriverHost *host, const char *uuid, GError **error);

void vb_volume_api_create_async (VbDriverHost *host, VbPool *pool, const char *xml,
                                 guint flags, GAsyncReadyCallback callback, gpointer user_data);
VbVolume *vb_volume_api_create_finish (GAsyncResult *result, GError **error);
void vb_volume_api_delete_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                                 guint flags, GAsyncReadyCallback callback, gpointer user_data);
/* Finish with vb_volume_api_finish. */
VbVolume *vb_volume_api_lookup_by_name (VbPool *pool, const char *name, GError **error);

/* Build and delete: the pool must be inactive; finish with vb_pool_api_finish. */
void vb_pool_api_build_async (VbDriverHost *host, VbPool *pool, guint flags,
                              GAsyncReadyCallback callback, gpointer user_data);
void vb_pool_api_delete_async (VbDriverHost *host, VbPool *pool, guint flags,
                               GAsyncReadyCallback callback, gpointer user_data);
/* A new volume from @xml holding @source's data; finish with vb_volume_api_create_finish. */
void vb_volume_api_clone_async (VbDriverHost *host, VbPool *pool, const char *xml,
                                VbVolume *source, guint flags, GAsyncReadyCallback callback,
                                gpointer user_data);
/* Resize and wipe; finish with vb_volume_api_finish (as delete). */
void vb_volume_api_resize_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                                 guint64 capacity, guint flags, GAsyncReadyCallback callback,
                                 gpointer user_data);
void vb_volume_api_wipe_async (VbDriverHost *host, VbPool *pool, VbVolume *volume, guint flags,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_volume_api_finish (GAsyncResult *result, GError **error);
/* Starts an upload (client @fd → volume) or download as a job in the
 * inventory; takes @fd. The finish returns the job (a reference). */
void vb_volume_api_transfer_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                                   gboolean upload, int fd, guint64 offset, guint64 length,
                                   guint flags, GAsyncReadyCallback callback,
                                   gpointer user_data);
VbJob *vb_volume_api_transfer_finish (GAsyncResult *result, GError **error);

void vb_pool_api_load (VbDriverHost *host);

G_END_DECLS
