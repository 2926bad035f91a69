/* A virtual network as the service knows it. */
#pragma once

#include "network-def.h"
#include "resource.h"

G_BEGIN_DECLS

#define VB_TYPE_NETWORK (vb_network_get_type ())
G_DECLARE_FINAL_TYPE (VbNetwork, vb_network, VB, NETWORK, VbResource)

/* Takes @def. */
VbNetwork *vb_network_new (VbNetworkDef *def, const char *driver, gboolean persistent);
const VbNetworkDef *vb_network_get_def (VbNetwork *self);
void vb_network_set_def (VbNetwork *self, VbNetworkDef *def);
/* The definition the active network runs (with the bridge it got); NULL when inactive. */
const VbNetworkDef *vb_network_get_live_def (VbNetwork *self);
void vb_network_set_live_def (VbNetwork *self, VbNetworkDef *def);
gboolean vb_network_get_active (VbNetwork *self);
void vb_network_set_active (VbNetwork *self, gboolean active);
/* The bridge of the live definition when active, else of the persistent one. */
const char *vb_network_get_bridge (VbNetwork *self);

G_END_DECLS
