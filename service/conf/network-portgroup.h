/* A network's <portgroup>s: named sets of <bandwidth> limits an interface
 * of a domain on the network takes (as libvirt: the one it names in
 * <source portgroup>, else the network's default group; the interface's
 * own <bandwidth> wins over the group's). A virtbus network is a Linux
 * bridge, so a group's <vlan> and <virtualport> (Open vSwitch, 802.1Qbh
 * networks) are not in the schema. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "network-def.h"

G_BEGIN_DECLS

/* Checks the portgroups of network XML @root: distinct names, at most one
 * default, limits that tc can set (an average of at least 1, a peak not
 * below it, a burst tc takes). */
gboolean vb_network_check_portgroups (xmlNode *root, GError **error);
/* The <bandwidth> element (XML text) an interface on @def gets from
 * portgroup @portgroup (NULL: the default group's); NULL with no error when
 * the group sets none or there is no default group; NULL with NotFound
 * when @def has no group @portgroup. */
char *vb_network_portgroup_bandwidth (const VbNetworkDef *def, const char *portgroup,
                                      GError **error);

G_END_DECLS
