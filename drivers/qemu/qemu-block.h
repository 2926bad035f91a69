/* Disk images in the QEMU driver: which block node a disk's device reads, as
 * QEMU reports it (block copy, snapshots and disk unplug each change nodes,
 * so none may keep a map of its own), and qemu-img runs. */
#pragma once

#include <json-glib/json-glib.h>

#include "driver.h"

G_BEGIN_DECLS

/* The id the disk @target's device has in QEMU: its alias, else "disk-<target>"
 * (as qemu-command.c names it). */
char *vb_qemu_disk_device_id (VbDomain *domain, const char *target);
/* The query-block entry of the device @device_id in @reply (its tray_open,
 * removable, ...), NULL when there is none. */
JsonObject *vb_qemu_block_entry (JsonNode *reply, const char *device_id);
/* The "inserted" member (node-name, image, ...) of the query-block entry of
 * the device @device_id in @reply; NULL when QEMU shows no medium for it. */
JsonObject *vb_qemu_block_inserted (JsonNode *reply, const char *device_id);

/* Runs qemu-img (@argv[0]) and waits: only in a worker thread. @out, when
 * not NULL, gets its standard output; a failure names the command line and
 * carries qemu-img's standard error. */
gboolean vb_qemu_img_run (const char *const *argv, char **out, GError **error);
/* vb_qemu_img_run() in a worker thread, for the main loop. */
void vb_qemu_img_async (const char *const *argv, GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_img_finish (GAsyncResult *result, GError **error);

G_END_DECLS
