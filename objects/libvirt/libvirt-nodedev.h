/* org.libvirt.NodeDevice: the host's devices (the machine, PCI, USB, network
 * interfaces) as libvirt's node devices, read-only, from the operation layer
 * (service/ops/host-api.c), at <connect>/nodedev/<name escaped> as in
 * libvirt-dbus. Each call looks its name up in the operation layer, which
 * matches it against its listing: nothing of a caller's reaches sysfs. Also
 * Connect's ListNodeDevices and NodeDeviceLookupByName. */
#pragma once

#include "libvirt-dispatch.h"

G_BEGIN_DECLS

extern const VbLvInterface vb_lv_nodedev_interface;

void vb_lv_connect_list_node_devices (VbLvCall *call);
void vb_lv_connect_node_device_lookup_by_name (VbLvCall *call);

/* The nodes below <connect>/nodedev as of the last listing, for
 * introspection; starts a new listing that the next introspection sees. */
char **vb_lv_nodedev_nodes (const VbLvConnect *connect);

G_END_DECLS
