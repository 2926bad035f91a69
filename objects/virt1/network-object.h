/* org.virtbus.Virt1.Network: one per virtual network. */
#pragma once

#include "bus-context.h"
#include "vb-dbus-generated.h"

G_BEGIN_DECLS

#define VB_TYPE_NETWORK_OBJECT (vb_network_object_get_type ())
G_DECLARE_FINAL_TYPE (VbNetworkObject, vb_network_object, VB, NETWORK_OBJECT,
                      VbDBusNetworkSkeleton)

VbNetworkObject *vb_network_object_new (VbBusContext *context, VbNetwork *network);

G_END_DECLS
