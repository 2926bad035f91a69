/* Network.Update's edit of a network definition: libvirt's virNetworkUpdate
 * for the ip-dhcp-host section. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* libvirt's values */
enum {
  VB_NETWORK_UPDATE_MODIFY = 1,
  VB_NETWORK_UPDATE_DELETE = 2,
  VB_NETWORK_UPDATE_ADD_LAST = 3,
  VB_NETWORK_UPDATE_ADD_FIRST = 4,
};
#define VB_NETWORK_SECTION_IP_DHCP_HOST 4

/* Applies @command with @host_xml (one <host/>) to the <dhcp> of the
 * @parent_index'th <ip> (-1: the first with a <dhcp>, else the first IPv4
 * one) of @network_xml; returns the edited network XML, still to be parsed. */
char *vb_net_update_dhcp_host (const char *network_xml, guint command, int parent_index,
                               const char *host_xml, GError **error);

G_END_DECLS
