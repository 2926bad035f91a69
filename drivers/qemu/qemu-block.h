/* Which block node a disk's device reads, as QEMU reports it: shared by
 * block copy, snapshots and disk unplug, since each of them (and hotplug)
 * changes nodes, so none may keep a map of its own. */
#pragma once

#include <json-glib/json-glib.h>

#include "driver.h"

G_BEGIN_DECLS

/* The id the disk @target's device has in QEMU: its alias, else "disk-<target>"
 * (as qemu-command.c names it). */
char *vb_qemu_disk_device_id (VbDomain *domain, const char *target);
/* The "inserted" member (node-name, image, ...) of the query-block entry of
 * the device @device_id in @reply; NULL when QEMU shows no medium for it. */
JsonObject *vb_qemu_block_inserted (JsonNode *reply, const char *device_id);

G_END_DECLS
