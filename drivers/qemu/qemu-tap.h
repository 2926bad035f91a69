/* Tap devices for guests on a bridge: created by the service (it has the
 * privileges QEMU does not) and handed to QEMU as file descriptors. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Creates tap @ifname, sets its MAC (the guest's, with the first byte made
 * 0xfe so the bridge never takes the guest's address), attaches it to
 * @bridge (to none when NULL: <interface type='ethernet'>) and brings it up.
 * Refuses a name the host already has. Returns the tap's fd, or -1 with
 * @error. */
int vb_tap_create (const char *ifname, const char *bridge, const char *guest_mac, GError **error);
/* Opens the persistent tap @ifname the host's administrator made
 * (managed='no'), as it is: no MAC, bridge or link state is changed. */
int vb_tap_open_existing (const char *ifname, GError **error);
/* Sets the MTU of tap @ifname (the guest's <mtu size>, so the host side
 * carries the frames the guest was told it may send). */
gboolean vb_tap_set_mtu (const char *ifname, guint mtu, GError **error);
/* A host's tap (managed='no') keeps its MTU: the guest is told @mtu only
 * when the tap has it; else NotSupported naming <mtu>. */
gboolean vb_tap_check_mtu (const char *ifname, guint mtu, GError **error);
/* There is no delete: a tap made here is not persistent, so it goes away
 * with the last descriptor, when QEMU ends. */

G_END_DECLS
