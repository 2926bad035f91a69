/* Object paths of the org.libvirt front end, libvirt-dbus's scheme: a domain
 * is <connect>/domain/_<uuid with '_' for '-'>, a snapshot
 * <connect>/domainsnapshot/_<uuid with '_'>_<escaped name>, where a name is
 * escaped byte by byte: A-Z a-z 0-9 stay, every other byte is '_' and two
 * lower-case hex digits (libvirt-dbus's virtDBusUtilEncodeStr). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_LV_BUS_NAME "org.libvirt"
#define VB_LV_QEMU_PATH "/org/libvirt/QEMU"
#define VB_LV_TEST_PATH "/org/libvirt/Test"
#define VB_LV_DOMAIN_NODE "domain"
#define VB_LV_SNAPSHOT_NODE "domainsnapshot"
#define VB_LV_INTERFACE_NODE "interface"
#define VB_LV_NODEDEV_NODE "nodedev"

/* @str escaped as above. */
char *vb_lv_encode_str (const char *str);
/* The reverse; NULL when @str is not such an escape (a stray '_', a byte that
 * needed none, a NUL). */
char *vb_lv_decode_str (const char *str);

char *vb_lv_domain_path (const char *connect_path, const char *uuid);
/* The UUID of the domain whose path is @path below @connect_path; NULL when
 * @path is not a domain path there. */
char *vb_lv_domain_uuid_from_path (const char *connect_path, const char *path);

char *vb_lv_snapshot_path (const char *connect_path, const char *domain_uuid, const char *name);
/* The domain's UUID and the snapshot's name from @path; FALSE when it is not
 * a snapshot path below @connect_path. */
gboolean vb_lv_snapshot_from_path (const char *connect_path, const char *path, char **domain_uuid,
                                   char **name);

/* <connect>/@node/<@key escaped>: host interfaces and node devices. */
char *vb_lv_child_path (const char *connect_path, const char *node, const char *key);
/* The key of such a path; NULL when @path is not one below @connect_path/@node
 * or its key is no UTF-8 text. */
char *vb_lv_child_from_path (const char *connect_path, const char *node, const char *path);

/* The key of a host interface's path. libvirt-dbus names an interface by its
 * MAC; one without a MAC, or sharing it with another (a bridge and its first
 * port), by its name here, which never holds a ':' as a MAC does. */
const char *vb_lv_interface_key (const char *name, const char *mac, gboolean mac_unique);

G_END_DECLS
