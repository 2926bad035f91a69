/* The host's part of an <interface type='hostdev'>: the SR-IOV virtual
 * function's MAC address and VLAN, set through its physical function
 * before QEMU starts (qemu-host-vf.c). */
#pragma once

#include <glib.h>

#include "qemu-command.h"

G_BEGIN_DECLS

/* The physical function of the VF at PCI address @pci under the sysfs
 * mounted at @sysfs ("/sys"): its network interface's name and the VF's
 * index among its virtual functions. FALSE with NotSupported when @pci is
 * not a VF, is not bound to vfio-pci, or its PF has no (single) network
 * interface. */
gboolean vb_qemu_vf_lookup (const char *sysfs, const char *pci, char **pf_ifname, guint *index,
                            GError **error);

/* `ip link set dev PF vf INDEX mac MAC vlan VLAN` (VLAN 0 clears a tag a
 * previous guest left), NULL-terminated. */
GStrv vb_qemu_vf_ip_argv (const char *pf_ifname, guint index, const VbQemuVf *vf);

/* Sets every VF of @command (command->vfs); FALSE with @error naming the
 * VF when one cannot be set. */
gboolean vb_qemu_host_setup_vfs (VbQemuCommand *command, GError **error);

G_END_DECLS
