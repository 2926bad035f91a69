/* Where every PCI device of a QEMU domain sits, decided once and written
 * into the XML: define's completion (qemu-complete.c), the command line
 * (qemu-command.c, for definitions stored without them) and hotplug
 * (qemu-hotplug.c, against the live definition) all ask this one allocator,
 * so QEMU's own order of auto-assignment never matters and the stored
 * definition, the live XML, the command line, save images and a migration's
 * destination agree on every slot. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Fills in, under @devices of a domain on a q35 machine (@q35) or a pc one:
 * the controllers the command line has without the XML saying so (the PCI
 * root, a bus an <address> names, the USB controller a USB device needs,
 * virtio-serial for a channel or virtio console, SCSI and SATA for their
 * disks, the built-in IDE of pc and SATA of q35), an index for every PCI
 * controller without one, and an <address type='pci'> for every PCI device
 * without one: the controllers, then the devices in the order of the XML;
 * on pc each on the next free slot of pci.0 from 2 (the order and slots QEMU
 * chose when the command line left them to it); on q35 the primary video on
 * slot 1, PCIe devices each on a pcie-root-port (an empty one of the XML,
 * else a new one on the next free root-bus slot from 2), legacy PCI devices
 * on pcie.0. What the XML already says is kept.
 * Idempotent. Refuses (NotSupported) a domain whose root bus is full. */
gboolean vb_qemu_assign_addresses (xmlNode *devices, gboolean q35, GError **error);

/* A place for one more device in a running domain whose live definition
 * has @devices: on q35 an empty pcie-root-port (PCIe has no hotplug on the
 * root bus), on pc the first free slot of pci.0. OperationInvalid when
 * there is none. */
gboolean vb_qemu_plug_address (xmlNode *devices, gboolean q35, guint *bus, guint *slot,
                               GError **error);

G_END_DECLS
