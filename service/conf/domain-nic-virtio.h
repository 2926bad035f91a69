/* What only a virtio NIC reads, left out of an <interface> of another
 * model, as libvirt's parser leaves it out. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* For each <interface> under @root whose <model type> is an emulated NIC
 * (not virtio*) and which is not a VF (type='hostdev'): removes <driver>
 * (all its attributes are virtio-net's or its back end's: vhost-net serves
 * virtio queues only) and <backend vhost=>. libvirt reads neither for such
 * a NIC (its test input tap-vhost-incorrect.xml), so its definitions keep
 * them, and the stored definition shows they are gone. */
void vb_domain_drop_virtio_only_nic_options (xmlNode *root);

G_END_DECLS
