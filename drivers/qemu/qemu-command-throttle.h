/* <throttlegroups> and a disk's <throttlefilters> in QEMU: a throttle-group
 * object "throttle-<name>" for each group and, for each filter, a throttle
 * filter node over the disk's format node (qemu-command-throttle.c). */
#pragma once

#include <json-glib/json-glib.h>
#include <libxml/tree.h>

#include "qemu-command-private.h"

G_BEGIN_DECLS

/* -object throttle-group for each <throttlegroup> of the domain, before
 * the disks whose filters name them. */
gboolean vb_qemu_build_throttle_groups (Builder *b, GError **error);

/* Refuses (NotSupported) <throttlefilters> on a disk that has no block
 * node chain of its own to filter, or whose medium or overlay QEMU would
 * put above the filters: with <iotune>, a CD-ROM, floppy or LUN, a disk
 * without <source>, a vhost-user or transient disk. */
gboolean vb_qemu_disk_throttle_check (xmlNode *disk, GError **error);

/* Puts *@format_node (the format node or copy-on-read filter named
 * @node_name) under @disk's throttle filters, in the order the XML lists
 * them, the last named @node_name: what the device and the service's block
 * operations use. *@format_node is renamed "@node_name-format" (or
 * "-cor", a copy-on-read filter), the filters below the last
 * "@node_name-throttleN". @plugged (a disk plugged into a running domain)
 * refuses filters. */
gboolean vb_qemu_disk_throttle_filters (xmlNode *disk, const char *node_name, gboolean plugged,
                                        JsonNode **format_node, GError **error);

/* The node under the filters of @top (throttle, copy-on-read): the
 * format node. */
JsonObject *vb_qemu_disk_format_below_filters (JsonObject *top);

G_END_DECLS
