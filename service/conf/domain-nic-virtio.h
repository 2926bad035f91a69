/* What a NIC does not read, left out of its <interface> as libvirt leaves
 * it unread: virtio's options on another model, a VF's <model>. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* For each <interface> under @root whose <model type> is an emulated NIC
 * (not virtio*) and which is not a VF (type='hostdev'): removes <driver>
 * (all its attributes are virtio-net's or its back end's: vhost-net serves
 * virtio queues only) and <backend vhost=>. libvirt reads neither for such
 * a NIC (its test input tap-vhost-incorrect.xml), so its definitions keep
 * them, and the stored definition shows they are gone. Likewise the
 * <model> of a VF (type='hostdev'): the guest sees the VF's own NIC. */
void vb_domain_drop_virtio_only_nic_options (xmlNode *root);

G_END_DECLS
