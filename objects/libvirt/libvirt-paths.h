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

G_END_DECLS
