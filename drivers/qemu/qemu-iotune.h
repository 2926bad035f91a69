/* A disk's <iotune> in QEMU: the limits of its block backend, set with
 * block_set_io_throttle before the guest first runs (qemu-process.c), when
 * it is plugged in, and by Domain.SetBlockIoTune; read back from
 * query-block for GetBlockIoTune. */
#pragma once

#include <json-glib/json-glib.h>
#include <libxml/tree.h>

#include "disk-iotune.h"
#include "driver.h"

G_BEGIN_DECLS

/* What block_set_io_throttle names the device of @disk (QEMU id @id) by:
 * the id, or for virtio-blk the QOM path of the virtio device inside the
 * PCI one, which holds the block backend. */
char *vb_qemu_iotune_device (xmlNode *disk, const char *id);
/* The arguments of block_set_io_throttle giving the device @device_id the
 * limits @tune (all 0: none). */
JsonObject *vb_qemu_iotune_args (const char *device_id, const VbDiskIoTune *tune);
/* The limits query-block's "inserted" of a device shows. */
void vb_qemu_iotune_from_inserted (JsonObject *inserted, VbDiskIoTune *tune);

void vb_qemu_set_block_iotune_async (VbDriverHost *host, VbDomain *domain, const char *target,
                                     const VbDomainDef *changed, GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean vb_qemu_set_block_iotune_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_qemu_get_block_iotune_async (VbDriverHost *host, VbDomain *domain, const char *target,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_get_block_iotune_finish (VbDomain *domain, GAsyncResult *result,
                                          VbDiskIoTune *tune, GError **error);

G_END_DECLS
