/* Domain.InterfaceAddresses: the IP addresses of a running domain's
 * interfaces, as libvirt's virDomainInterfaceAddresses (interface-addresses.c). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* @source: VB_ADDRESSES_SOURCE_LEASE (the DHCP leases of the service's
 * networks), _ARP (the host's neighbour table) or _AGENT; completes with
 * a(ssa(isu)): per interface with an address its name, MAC and
 * (type 0 IPv4 / 1 IPv6, address, prefix) list. */
void vb_domain_api_interface_addresses_async (VbDriverHost *host, VbDomain *domain, guint source,
                                              guint flags, GAsyncReadyCallback callback,
                                              gpointer user_data);
GVariant *vb_domain_api_interface_addresses_finish (GAsyncResult *result, GError **error);

/* The IPv4 neighbours in @text (the format of /proc/net/arp) as a hash
 * table from the MAC (lower case) to a GPtrArray of addresses; incomplete
 * entries are left out. Pure, for the unit test. */
GHashTable *vb_arp_table_parse (const char *text);

G_END_DECLS
