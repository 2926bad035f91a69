/* The host side of a tap the service made for <interface type='ethernet'>:
 * its <source><ip> addresses and <source><route> routes, set over
 * rtnetlink before QEMU starts (kernel calls as quick as the tap's own
 * ioctls; no program is run). The tap goes away with QEMU, and its
 * addresses and routes with it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Adds @local/@prefix to tap @ifname; with @peer (NULL: none) the link is
 * point-to-point and @prefix is the peer's. The addresses are checked
 * texts of one family (qemu-command-net-hostip.c). */
gboolean vb_tap_add_address (const char *ifname, const char *local, const char *peer, guint prefix,
                             GError **error);
/* Adds the route to @network/@prefix through @gateway on tap @ifname. */
gboolean vb_tap_add_route (const char *ifname, const char *network, guint prefix,
                           const char *gateway, GError **error);

G_END_DECLS
