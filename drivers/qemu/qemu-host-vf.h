/* The host's part of an <interface type='hostdev'>: the SR-IOV virtual
 * function's MAC address and VLAN, set through its physical function
 * before QEMU starts (qemu-host-vf.c). */
#pragma once

#include <gio/gio.h>

#include "qemu-command.h"

G_BEGIN_DECLS

/* The physical function of the VF at PCI address @pci under the sysfs
 * mounted at @sysfs ("/sys"): its network interface's name and the VF's
 * index among its virtual functions. FALSE with NotSupported when @pci is
 * not a VF, is not bound to vfio-pci, or its PF has no (single) network
 * interface. */
gboolean vb_qemu_vf_lookup (const char *sysfs, const char *pci, char **pf_ifname, guint *index,
                            GError **error);

/* `/bin/ip link set dev PF vf INDEX mac MAC vlan VLAN` (VLAN 0 clears a
 * tag a previous guest left), NULL-terminated. */
GStrv vb_qemu_vf_ip_argv (const char *pf_ifname, guint index, const VbQemuVf *vf);

/* TRUE when the VFIO group of the VF at @pci (under sysfs @sysfs, device
 * nodes under @dev) is held by a process: another guest's QEMU. */
gboolean vb_qemu_vf_in_use (const char *sysfs, const char *dev, const char *pci);

/* The MAC address (lower case) and VLAN tag (0: none) of VF @index in
 * `ip -j link show dev PF`'s output; FALSE when absent or malformed. */
gboolean vb_qemu_vf_parse_current (const char *ip_json, guint index, char **mac, int *vlan);

/* Off the main loop: records what every VF of @command (command->vfs) has
 * now in the file @record, then sets each; fails naming the VF when one is
 * another guest's or cannot be set. @command must outlive the call. */
void vb_qemu_host_setup_vfs_async (VbQemuCommand *command, const char *record,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_host_setup_vfs_finish (GAsyncResult *result, GError **error);

/* Runs @func for @task off the main loop, after every VF job queued
 * before it has ended: a stop's restore is done before the next start
 * records what the VF has (and never removes that start's record). */
void vb_qemu_vf_run_in_order (GTask *task, GTaskThreadFunc func);

/* In the background: sets the VFs named in @record back to what they had,
 * then removes it. Nothing when there is no such file. */
void vb_qemu_host_restore_vfs (const char *record);

G_END_DECLS
