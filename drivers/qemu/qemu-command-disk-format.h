/* What qemu-command-disk.c asks of qemu-command-disk-format.c: the options
 * of a disk's qcow2 format node its XML sets (discard_no_unref,
 * metadata_cache, dataStore, a backing image's metadata_cache) and the
 * persistent-reservation manager of a SCSI LUN. */
#pragma once

#include <json-glib/json-glib.h>
#include <libxml/tree.h>

#include "qemu-command.h"

G_BEGIN_DECLS

/* Whether @format is an image format the QEMU driver opens: raw, qcow2
 * and the -blockdev drivers of QEMU 7.2 libvirt names (qed, vmdk, vpc,
 * vdi, vhdx). */
gboolean vb_qemu_disk_format_known (const char *format);
/* Whether an image of @format may have a backing image (qcow2, qed,
 * vmdk): where QEMU must not open the one its header names, its format
 * node gets "backing": null. */
gboolean vb_qemu_disk_format_has_backing (const char *format);

/* Adds to @fmt, the format node @node_name of format @format over the
 * protocol node @proto, what @disk's <driver>, <source><dataStore> and
 * <backingStore><format> ask; refuses (NotSupported, naming the element)
 * what a format other than qcow2 or, at Start, this QEMU lacks. */
gboolean vb_qemu_disk_format_options (xmlNode *disk, const char *node_name, const char *format,
                                      const VbQemuCommandContext *context, GPtrArray *secrets,
                                      JsonObject *proto, JsonObject *fmt, GError **error);

/* The id of the pr-manager-helper object @disk's <reservations> uses
 * ("pr-helper0", the service's helper; "pr-helper-@node_name", the
 * caller's socket); NULL without <reservations>. */
char *vb_qemu_disk_pr_manager_id (xmlNode *disk, const char *node_name);

/* Checks @disk's <reservations> and makes its storage node @proto use its
 * manager; @plugged (a disk plugged into or changed in a running domain)
 * refuses them. */
gboolean vb_qemu_disk_reservations (xmlNode *disk, const char *node_name,
                                    const VbQemuCommandContext *context, gboolean plugged,
                                    JsonObject *proto, GError **error);

/* scsi-block's migrate-pr for <reservations migration=…> where the QEMU
 * has it. */
gboolean vb_qemu_disk_pr_device_props (xmlNode *disk, const VbQemuCommandContext *context,
                                       JsonObject *props);

/* Cuts the storage slice of @source (<slices><slice type='storage'>) out
 * for the format node @fmt named @node_name: offset= and size= on a raw
 * format node, else a raw node "@node_name-slice" between @fmt and its
 * storage (qemu-command-disk-slice.c). */
gboolean vb_qemu_disk_slice (xmlNode *source, const char *node_name, JsonObject *fmt,
                             GError **error);

/* <driver copy_on_read='on'>: *@format_node, renamed "@node_name-format",
 * goes inline under a copy-on-read filter named @node_name, which replaces
 * it; refused on a read-only disk and, @plugged, in a running domain
 * (qemu-command-disk-cor.c). */
gboolean vb_qemu_disk_copy_on_read (xmlNode *disk, const char *node_name, gboolean plugged,
                                    JsonNode **format_node, GError **error);

/* <source tls='yes' tlsHostname>: an NBD disk's "tls-creds" (the
 * tls-creds-x509 object "@node_name-tls" vb_qemu_disk_tls_object() makes)
 * and "tls-hostname" on its protocol node @proto; refused on another
 * protocol and, @plugged, in a running domain (qemu-command-disk-tls.c). */
gboolean vb_qemu_disk_tls (xmlNode *disk, const char *node_name, gboolean plugged,
                           JsonObject *proto, GError **error);
/* Into *@object the -object tls-creds-x509 of the protocol node @proto,
 * NULL if it names none: the service's --disk-x509-dir, checked at Start. */
gboolean vb_qemu_disk_tls_object (const VbQemuCommandContext *context, xmlNode *disk,
                                  JsonObject *proto, char **object, GError **error);

G_END_DECLS
