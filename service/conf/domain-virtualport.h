/* <interface><virtualport>: which parameters each type of port has. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Checks the <virtualport> of each <interface> under @root: the <parameters> its type has (openvswitch:
 * interfaceid, a UUID, and profileid; 802.1Qbg: managerid, typeid,
 * typeidversion, instanceid; 802.1Qbh: profileid, instanceid), values the
 * host's tools take as they are (UUIDs, plain words). An Open vSwitch port
 * without interfaceid gets a random one, as libvirt gives it, so the port
 * keeps its id across starts. InvalidXML naming the element otherwise. */
gboolean vb_domain_check_virtualports (xmlNode *root, GError **error);

G_END_DECLS
