/* The host's network interfaces, read-only, from @root/sys/class/net ("/"
 * on a real host, a fake tree in tests), with their addresses from the
 * kernel (netlink, through getifaddrs). Every function reads files: call
 * them off the main loop. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* libvirt's virConnectListAllInterfaces flags. */
#define VB_HOST_NETIF_INACTIVE (1u << 0)
#define VB_HOST_NETIF_ACTIVE (1u << 1)

typedef struct {
  char *family; /* "ipv4", "ipv6" */
  char *address;
  guint prefix;
} VbHostAddress;

typedef struct {
  char *name;
  char *type;       /* libvirt's: "ethernet", "bridge", "bond" */
  char *mac;        /* "52:54:00:12:34:56", "" when the interface has none */
  gboolean active;  /* administratively up (IFF_UP) */
  char *link_state; /* the kernel's operstate: "up", "down", "unknown", ... */
  int speed;        /* Mbit/s, -1 when unknown */
  guint mtu;
  GStrv bridged;        /* a bridge's ports, sorted; empty otherwise */
  GPtrArray *addresses; /* VbHostAddress; filled by vb_host_netif_add_addresses() */
} VbHostNetif;

void vb_host_netif_free (VbHostNetif *netif);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbHostNetif, vb_host_netif_free)

/* The interfaces' names, sorted; @flags selects active, inactive or (0, or
 * both bits) all. Other bits: VB_ERROR_INVALID_ARGUMENT. */
GStrv vb_host_netif_list (const char *root, guint flags, GError **error);

/* The interface @name: a caller's string, used only once it is one of the
 * names vb_host_netif_list() gives (else VB_ERROR_NOT_FOUND). */
VbHostNetif *vb_host_netif_read (const char *root, const char *name, GError **error);

/* Adds the interface's IPv4 and IPv6 addresses as the kernel has them now. */
void vb_host_netif_add_addresses (VbHostNetif *netif);

/* libvirt's interface XML: <interface type name><mac><link><mtu>, a
 * bridge's ports, then one <protocol> per address family. */
char *vb_host_netif_format_xml (const VbHostNetif *netif);

/* Name, MAC, Active, Type, LinkState, Speed, MTU as a{sv}. */
GVariant *vb_host_netif_to_variant (const VbHostNetif *netif);

G_END_DECLS
