/* Domain.SetBlockIoTune and GetBlockIoTune: a disk's I/O limits
 * (<iotune>), live through the driver and in the persistent definition,
 * with libvirt's CURRENT / LIVE / CONFIG flags and typed parameters. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* @params: a{sv}, libvirt's keys ("total_bytes_sec", ... as t,
 * "group_name" as s); values given replace the disk's, the others stay,
 * except that a total clears its read/write pair and the reverse, as in
 * libvirt. */
void vb_iotune_api_set_async (VbDriverHost *host, VbDomain *domain, const char *disk,
                              GVariant *params, guint flags, GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean vb_iotune_api_set_finish (GAsyncResult *result, GError **error);

/* The limits as a{sv}: every key, 0 for what is not set, group_name "" when
 * none. LIVE: what the driver applies; CONFIG: the persistent definition. */
void vb_iotune_api_get_async (VbDriverHost *host, VbDomain *domain, const char *disk, guint flags,
                              GAsyncReadyCallback callback, gpointer user_data);
GVariant *vb_iotune_api_get_finish (GAsyncResult *result, GError **error);

G_END_DECLS
