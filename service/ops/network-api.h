/* The operations on virtual networks that the D-Bus objects call. */
#pragma once

#include "driver.h"
#include "vb-flags.h"

G_BEGIN_DECLS

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

/* Network.GetDHCPLeases; @flags must be 0. */
void vb_network_api_get_dhcp_leases_async (VbDriverHost *host, VbNetwork *network, guint flags,
                                           GAsyncReadyCallback callback, gpointer user_data);
GVariant *vb_network_api_get_dhcp_leases_finish (GAsyncResult *result, GError **error);
/* Network.Update under the network's lock; finish with vb_network_api_finish(). */
void vb_network_api_update_async (VbDriverHost *host, VbNetwork *network, guint command,
                                  guint section, int parent_index, const char *xml, guint flags,
                                  GAsyncReadyCallback callback, gpointer user_data);

void vb_network_api_load (VbDriverHost *host);

G_END_DECLS
