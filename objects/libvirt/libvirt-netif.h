/* org.libvirt.Interface: the host's network interfaces, read-only, from the
 * operation layer (service/ops/host-api.c), at <connect>/interface/<key
 * escaped> where the key is the MAC as in libvirt-dbus, or the name for an
 * interface without a MAC of its own (vb_lv_interface_key). Each call looks
 * the path up in a fresh listing: nothing of a caller's reaches sysfs. Also
 * Connect's ListInterfaces, InterfaceLookupByName and InterfaceLookupByMAC. */
#pragma once

#include "libvirt-dispatch.h"

G_BEGIN_DECLS

extern const VbLvInterface vb_lv_netif_interface;

void vb_lv_connect_list_interfaces (VbLvCall *call);
void vb_lv_connect_interface_lookup_by_name (VbLvCall *call);
void vb_lv_connect_interface_lookup_by_mac (VbLvCall *call);

/* The nodes below <connect>/interface as of the last listing, for
 * introspection (which cannot wait for the host); starts a new listing that
 * the next introspection sees. */
char **vb_lv_netif_nodes (const VbLvConnect *connect);

G_END_DECLS
