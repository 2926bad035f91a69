/* The org.libvirt front end: libvirt-dbus 1.4.1's API on the checked
 * operations, so that clients of libvirt-dbus (Cockpit Machines) run on
 * virtbus (docs/libvirt-dbus.md). One Connect object per domain driver, its
 * domains and snapshots below it, and the bus name org.libvirt. */
#pragma once

#include <gio/gio.h>

#include "driver.h"
#include "reply-cache.h"

G_BEGIN_DECLS

typedef struct _VbLibvirtFront VbLibvirtFront;

/* Registers /org/libvirt/QEMU and /org/libvirt/Test with their domains and
 * snapshots on @bus; the name is owned later (vb_libvirt_front_own_name).
 * Repeated reads are answered from @replies (the daemon's, on @bus, shared
 * with the Virt1 front end; not owned). */
VbLibvirtFront *vb_libvirt_front_new (GDBusConnection *bus, VbDriverHost *host,
                                      VbReplyCache *replies, GError **error);
/* Owns org.libvirt on the bus unless another process does (a real
 * libvirt-dbus): then the objects stay reachable only by unique name and a
 * message says so. Call once the objects are as clients expect them
 * (drivers ready, autostart done). */
void vb_libvirt_front_own_name (VbLibvirtFront *self);
void vb_libvirt_front_free (VbLibvirtFront *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbLibvirtFront, vb_libvirt_front_free)

G_END_DECLS
