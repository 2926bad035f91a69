/* Finding domains, networks, pools and volumes by what people call them: a
 * name or a UUID, in the objects the client already holds. */
#pragma once

#include "virtbus-client.h"

G_BEGIN_DECLS

VirtbusDomain *virtbus_client_lookup_domain (VirtbusClient *client, const char *name_or_uuid,
                                             GError **error);
VirtbusNetwork *virtbus_client_lookup_network (VirtbusClient *client, const char *name_or_uuid,
                                               GError **error);
VirtbusStoragePool *virtbus_client_lookup_pool (VirtbusClient *client, const char *name_or_uuid,
                                                GError **error);
VirtbusStorageVolume *virtbus_client_lookup_volume (VirtbusClient *client,
                                                    const char *pool_name_or_uuid,
                                                    const char *volume_name, GError **error);

G_END_DECLS
