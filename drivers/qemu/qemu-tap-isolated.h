/* <interface><port isolated='yes'/>: the tap's bridge port is isolated
 * (IFLA_BRPORT_ISOLATED), so the bridge forwards its frames only to ports
 * that are not isolated themselves (the uplink, not another such guest).
 * Set over rtnetlink after the tap joins its bridge, before QEMU starts;
 * it goes away with the tap. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vb_tap_set_isolated (const char *ifname, GError **error);

G_END_DECLS
