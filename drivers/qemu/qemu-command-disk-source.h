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

/* The first <backingStore> of a network disk (or a network one under
 * any disk) with a <source>, NULL without one; and the nodes of its chain
 * (qemu-command-disk-backing.c): a pair per level, "@node_name-backing"
 * then "@node_name-backingN" (N = 2, 3, …), each with its "-storage",
 * read-only, each the "backing" of the one above (the first of @top, the
 * disk's format node), the last with "backing": null. Appended to @nodes
 * (JsonNode) deepest first. Refused on a disk that is not network, and
 * with @secrets NULL (a plug into a running domain). */
xmlNode *vb_qemu_disk_network_backing_of (xmlNode *disk);
gboolean vb_qemu_disk_network_backing (xmlNode *disk, const char *node_name,
                                       const VbQemuCommandContext *context, GPtrArray *secrets,
                                       JsonObject *top, GPtrArray *nodes, GError **error);

/* The value of the secret @node (a <secret type uuid|usage>) names, of one
 * of @want_types ("iscsi|ceph"); in a dry run only checked (*@value NULL).
 * @sent_as_is: the value goes as is to the server (never a private one). */
gboolean vb_qemu_disk_secret_value (xmlNode *node, const char *want_types, gboolean sent_as_is,
                                    const VbQemuCommandContext *context, GBytes **value,
                                    GError **error);

/* The URL of an http(s)/ftp(s) <source> (checked: one <host>, a name). */
char *vb_qemu_disk_curl_url (xmlNode *source);

/* <cookies> as one Cookie header value, "name=value; name=value"; NULL
 * with NotSupported for a name or value RFC 6265 does not allow. */
char *vb_qemu_disk_cookie_line (xmlNode *cookies, GError **error);

/* ---- nbdkit (qemu-command-disk-nbdkit.c) ---- */

/* Whether nbdkit serves @disk (a <disk>, <backingStore> or <nvram>) for
 * what QEMU 7.2's own drivers cannot: an http(s)/ftp(s) disk the guest
 * writes, an ssh disk with <knownHosts>, <identity keyfile|agentsock> or
 * an <auth> password. Only a <disk>'s own source is ever served. */
gboolean vb_qemu_disk_nbdkit_serves (xmlNode *disk);

/* The socket nbdkit listens on for the disk of node @node_name. */
char *vb_qemu_disk_nbdkit_socket (const VbQemuCommandContext *context, const char *node_name);

G_END_DECLS
