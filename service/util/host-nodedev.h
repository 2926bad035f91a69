/* The host's devices, read-only, as libvirt's node devices: the machine
 * ("computer"), PCI devices, USB devices and network interfaces, from sysfs
 * under @root ("/" on a real host, a fake tree in tests), with vendor and
 * product names from the pci.ids and usb.ids databases when installed.
 * Every function reads files: call them off the main loop. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* libvirt's names of the node devices with @capability ("system", "pci",
 * "usb_device", "net"; "" for all), sorted: computer, pci_0000_00_1f_2,
 * usb_usb1, usb_1_1, net_eth0_52_54_00_12_34_56. An unknown capability is
 * VB_ERROR_INVALID_ARGUMENT. */
GStrv vb_host_nodedev_list (const char *root, const char *capability, GError **error);

/* libvirt's node device XML of @name: a caller's string, used only once it
 * is one of the names vb_host_nodedev_list() gives (else
 * VB_ERROR_NOT_FOUND). */
char *vb_host_nodedev_xml (const char *root, const char *name, GError **error);

G_END_DECLS
