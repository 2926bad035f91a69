/* What qemu-command-disk.c asks of qemu-command-disk-source.c: the storage
 * node of a network disk and the LUKS layer of an encrypted one. Each
 * secret they name is added to @secrets (VbQemuSecret); @secrets NULL
 * (a disk plugged into a running domain) refuses a disk that needs one. */
#pragma once

#include <json-glib/json-glib.h>
#include <libxml/tree.h>

#include "qemu-command.h"

G_BEGIN_DECLS

/* Fills @proto, the protocol node "@node_name-storage" of a
 * <disk type='network'>, with its driver and the members of its protocol;
 * refuses (NotSupported, naming the element) what QEMU 7.2 cannot open. */
gboolean vb_qemu_disk_network_source (xmlNode *disk, const char *node_name,
                                      const VbQemuCommandContext *context, GPtrArray *secrets,
                                      JsonObject *proto, GError **error);

/* For <encryption format='luks'> (on <disk> or its <source>): makes @fmt,
 * the format node @node_name of format @format (raw or qcow2), decrypt with
 * the secret it names; with engine='librbd' (format luks, luks2, luks-any),
 * @proto, the rbd protocol node (NULL for a disk that is not network),
 * decrypts instead. Nothing without <encryption>. */
gboolean vb_qemu_disk_encryption (xmlNode *disk, const char *node_name, const char *format,
                                  const VbQemuCommandContext *context, GPtrArray *secrets,
                                  JsonObject *proto, JsonObject *fmt, GError **error);

/* A network disk's <backingStore type='network'> (NULL without one), and
 * its two nodes ("@node_name-backing-storage", "@node_name-backing"), which
 * @top, the disk's format node, gets as "backing". Nothing without one;
 * refused on a disk that is not network, and with @secrets NULL (a plug
 * into a running domain). qemu-command-disk-backing.c. */
xmlNode *vb_qemu_disk_network_backing_of (xmlNode *disk);
gboolean vb_qemu_disk_network_backing (xmlNode *disk, const char *node_name,
                                       const VbQemuCommandContext *context, GPtrArray *secrets,
                                       JsonObject *top, JsonNode **protocol, JsonNode **format_node,
                                       GError **error);

G_END_DECLS
