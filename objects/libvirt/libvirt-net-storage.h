/* org.libvirt.Network, StoragePool and StorageVol, and the Connect members
 * and signals for them (docs/libvirt-dbus.md, "Networks and storage").
 *
 * virtbus has one network driver and its storage drivers for every domain
 * driver, so networks and pools are not per Connect: both /org/libvirt/QEMU
 * and /org/libvirt/Test show every network and pool, each under its own
 * prefix, and the Connect signals for them are sent on both. Paths follow
 * libvirt-dbus: <connect>/network/_<uuid with '_' for '-'>,
 * <connect>/storagepool/_<uuid ...>, <connect>/storagevol/<key escaped as
 * vb_lv_encode_str does> (a volume's key is its file's path). */
#pragma once

#include "libvirt-dispatch.h"

G_BEGIN_DECLS

#define VB_LV_NETWORK_NODE "network"
#define VB_LV_POOL_NODE "storagepool"
#define VB_LV_VOLUME_NODE "storagevol"

/* libvirt's virNetworkEventLifecycleType and virStoragePoolEventLifecycleType
 * (the same numbers for both; pools add CREATED and DELETED, built and
 * deleted on disk). */
typedef enum {
  VB_LV_EVENT_DEFINED = 0,
  VB_LV_EVENT_UNDEFINED = 1,
  VB_LV_EVENT_STARTED = 2,
  VB_LV_EVENT_STOPPED = 3,
  VB_LV_EVENT_CREATED = 4,
  VB_LV_EVENT_DELETED = 5,
} VbLvLifecycleEvent;

extern const VbLvInterface vb_lv_network_interface;
extern const VbLvInterface vb_lv_storage_pool_interface;
extern const VbLvInterface vb_lv_storage_vol_interface;

/* ---- paths and lookups (libvirt-net-storage-paths.c) ---- */

/* "@connect_path/@node/_<uuid with '_'>". */
char *vb_lv_uuid_object_path (const char *connect_path, const char *node, const char *uuid);
/* The UUID in such a @path below "@connect_path/@node/", or NULL. */
char *vb_lv_uuid_from_object_path (const char *connect_path, const char *node, const char *path);
char *vb_lv_network_object_path (const VbLvConnect *connect, VbNetwork *network);
char *vb_lv_pool_object_path (const VbLvConnect *connect, VbPool *pool);
char *vb_lv_volume_object_path (const VbLvConnect *connect, VbVolume *volume);

/* ---- finding objects ---- */

/* The volume of an active pool whose key (@by_path: path) is @wanted, a
 * reference, and its pool in @pool (a reference, may be NULL); NULL when
 * there is none. */
VbVolume *vb_lv_volume_find (VbDriverHost *host, const char *wanted, gboolean by_path,
                             VbPool **pool);

/* End @call with the object's path, or with @error (taken) when @object (a
 * reference, taken) is NULL. */
void vb_lv_call_return_network (VbLvCall *call, VbNetwork *network, GError *error);
void vb_lv_call_return_pool (VbLvCall *call, VbPool *pool, GError *error);
void vb_lv_call_return_volume (VbLvCall *call, VbVolume *volume, GError *error);

/* ---- Connect's members (libvirt-connect-network.c, libvirt-connect-storage.c) ---- */

void vb_lv_connect_list_networks (VbLvCall *call);
void vb_lv_connect_network_lookup_by_name (VbLvCall *call);
void vb_lv_connect_network_lookup_by_uuid (VbLvCall *call);
void vb_lv_connect_network_define_xml (VbLvCall *call);
void vb_lv_connect_network_create_xml (VbLvCall *call);
void vb_lv_connect_list_storage_pools (VbLvCall *call);
void vb_lv_connect_storage_pool_lookup_by_name (VbLvCall *call);
void vb_lv_connect_storage_pool_lookup_by_uuid (VbLvCall *call);
void vb_lv_connect_storage_pool_define_xml (VbLvCall *call);
void vb_lv_connect_storage_pool_create_xml (VbLvCall *call);
void vb_lv_connect_storage_vol_lookup_by_key (VbLvCall *call);
void vb_lv_connect_storage_vol_lookup_by_path (VbLvCall *call);

/* ---- the objects on the bus and their signals (libvirt-net-storage-front.c) ---- */

typedef struct _VbLvNetStorage VbLvNetStorage;

/* Registers the network, storagepool and storagevol subtrees of each of the
 * @n_connects Connects (their ids appended to @subtree_ids, for the caller to
 * unregister) and follows the inventory for NetworkEvent and
 * StoragePoolEvent. NULL with @error when a registration fails. */
VbLvNetStorage *vb_lv_net_storage_new (GDBusConnection *bus, VbDriverHost *host,
                                       const VbLvConnect *connects, guint n_connects,
                                       GArray *subtree_ids, GError **error);
void vb_lv_net_storage_free (VbLvNetStorage *self);

/* StoragePoolEvent(@pool, @event, 0) on every Connect of @host's fronts:
 * for what the model does not tell (CREATED after Build, DELETED after
 * Delete). */
void vb_lv_net_storage_pool_event (VbDriverHost *host, VbPool *pool, VbLvLifecycleEvent event);
/* The StoragePool Refresh signal of @pool on every Connect of @host's fronts. */
void vb_lv_net_storage_pool_refreshed (VbDriverHost *host, VbPool *pool);

G_END_DECLS
