/* The operations on virtual networks that the D-Bus objects call. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Network.GetXMLDesc flags */
#define VB_NETWORK_XML_INACTIVE (1u << 0)

/* Manager.ListNetworks and ListStoragePools flags (libvirt's values) */
enum {
  VB_LIST_INACTIVE = 1 << 0,
  VB_LIST_ACTIVE = 1 << 1,
  VB_LIST_PERSISTENT = 1 << 2,
  VB_LIST_TRANSIENT = 1 << 3,
  VB_LIST_AUTOSTART = 1 << 4,
  VB_LIST_NO_AUTOSTART = 1 << 5,
};

void vb_network_api_define_async (VbDriverHost *host, const char *xml, guint flags,
                                  GAsyncReadyCallback callback, gpointer user_data);
void vb_network_api_create_async (VbDriverHost *host, const char *xml, guint flags,
                                  GAsyncReadyCallback callback, gpointer user_data);
/* Finishes define and create. */
VbNetwork *vb_network_api_new_finish (GAsyncResult *result, GError **error);

void vb_network_api_op_async (VbDriverHost *host, VbNetwork *network, VbNetworkOp op,
                              guint flags, GAsyncReadyCallback callback, gpointer user_data);
void vb_network_api_undefine_async (VbDriverHost *host, VbNetwork *network, guint flags,
                                    GAsyncReadyCallback callback, gpointer user_data);
void vb_network_api_set_autostart_async (VbDriverHost *host, VbNetwork *network,
                                         gboolean autostart, GAsyncReadyCallback callback,
                                         gpointer user_data);
/* Finishes op, undefine and set_autostart. */
gboolean vb_network_api_finish (GAsyncResult *result, GError **error);

char *vb_network_api_get_xml (VbNetwork *network, guint flags, GError **error);
GPtrArray *vb_network_api_list (VbDriverHost *host, guint flags, GError **error);
VbNetwork *vb_network_api_lookup_by_name (VbDriverHost *host, const char *name,
                                          GError **error);
VbNetwork *vb_network_api_lookup_by_uuid (VbDriverHost *host, const char *uuid,
                                          GError **error);

/* Network.Update flags (libvirt's); 0 is the current state (live when active). */
#define VB_NETWORK_UPDATE_AFFECT_LIVE (1u << 0)
#define VB_NETWORK_UPDATE_AFFECT_CONFIG (1u << 1)

/* Network.GetDHCPLeases; @flags must be 0. */
void vb_network_api_get_dhcp_leases_async (VbDriverHost *host, VbNetwork *network, guint flags,
                                           GAsyncReadyCallback callback, gpointer user_data);
GVariant *vb_network_api_get_dhcp_leases_finish (GAsyncResult *result, GError **error);
/* Network.Update under the network's lock; finish with vb_network_api_finish(). */
void vb_network_api_update_async (VbDriverHost *host, VbNetwork *network, guint command,
                                  guint section, int parent_index, const char *xml, guint flags,
                                  GAsyncReadyCallback callback, gpointer user_data);

void vb_network_api_load (VbDriverHost *host);
void vb_network_api_autostart (VbDriverHost *host);

/* Keeps the objects of @type whose active/persistent/autostart state matches
 * the VB_LIST_* @flags (shared with storage pools). */
GPtrArray *vb_list_resources (VbDriverHost *host, GType type, guint flags,
                              gboolean (*is_active) (VbResource *), GError **error);

G_END_DECLS
