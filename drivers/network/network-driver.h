/* The bridge network driver: networks on Linux bridges that virtbus makes,
 * with dnsmasq for DHCP and DNS and an nft table of their own (docs/networks.md).
 * Selected by virtbusd --network-driver=bridge. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

extern const VbNetworkDriver vb_bridge_network_driver;

G_END_DECLS
