/* Open vSwitch ports of taps (<interface><virtualport type='openvswitch'>):
 * at Start each such tap joins its bridge with ovs-vsctl, run by absolute
 * path with one argument per value (never a shell), off the main loop; the
 * port goes when the guest ends, when the interface is unplugged, or when
 * the start fails. */
#pragma once

#include "qemu-command.h"
#include "qemu-part.h"

G_BEGIN_DECLS

#define VB_OVS_VSCTL "/usr/bin/ovs-vsctl"

/* The argv that adds @tap's port, with libvirt's external-ids
 * (attached-mac, iface-id, vm-id, iface-status=active, port-profile) and
 * its <vlan> as Port columns. */
GStrv vb_qemu_ovs_add_port_argv (const VbQemuTap *tap);
/* The argv that removes port @ifname, if it is there. */
GStrv vb_qemu_ovs_del_port_argv (const char *ifname);
/* The taps of @command that are Open vSwitch ports (NULL-terminated;
 * empty when none). */
GStrv vb_qemu_ovs_ports_of (const VbQemuCommand *command);
/* Adds the ports of @command's Open vSwitch taps, one after the other;
 * fails with NotSupported naming <virtualport type='openvswitch'> and
 * ovs-vsctl's words when one cannot be added (no such bridge, no
 * ovsdb-server). */
void vb_qemu_ovs_add_ports_async (const VbQemuCommand *command, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean vb_qemu_ovs_add_ports_finish (GAsyncResult *result, GError **error);
/* Removes ports @ifnames (those that are there), in the background; a
 * failure is logged for @log_name. */
void vb_qemu_ovs_del_ports (const char *const *ifnames, const char *log_name);

/* Removes the ports the status records when QEMU ends. */
extern const VbQemuPart vb_qemu_ovs_part;

G_END_DECLS
