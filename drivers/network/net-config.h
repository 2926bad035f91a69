/* What the bridge driver needs of a network definition: the bridge, the
 * forward mode, and each <ip> with its DHCP range and hosts. Read from the
 * canonical XML, which vb_network_def_parse() has already checked. */
#pragma once

#include <gio/gio.h>

#include "network-def.h"

G_BEGIN_DECLS

typedef struct {
  char *mac;  /* may be NULL (an IPv6 host is named by name=) */
  char *ip;   /* may be NULL */
  char *name; /* may be NULL */
} VbNetDhcpHost;

typedef struct {
  GSocketFamily family;
  char *address; /* the bridge's own address */
  guint prefix;
  char *subnet;  /* the network address, e.g. "192.168.122.0" */
  GPtrArray *ranges; /* "start,end" strings */
  GPtrArray *hosts;  /* VbNetDhcpHost */
} VbNetIp;

typedef struct {
  char *name;
  char *uuid;
  char *bridge;       /* NULL until allocated */
  char *forward_mode; /* NULL when isolated */
  GPtrArray *ips;     /* VbNetIp */
} VbNetConfig;

VbNetConfig *vb_net_config_new (const VbNetworkDef *def, GError **error);
void vb_net_config_free (VbNetConfig *config);
/* Whether any <ip> has a <dhcp> (dnsmasq then serves leases). */
gboolean vb_net_config_has_dhcp (const VbNetConfig *config);

/* Refuses, with VB_ERROR_OPERATION_INVALID and a message naming what is in the
 * way, a bridge name that exists or a subnet that overlaps an address on any
 * interface. @ip_json is the output of `ip -j addr`. */
gboolean vb_net_config_check_clash (const VbNetConfig *config, const char *ip_json,
                                    GError **error);
/* The interface names in @ip_json. */
GHashTable *vb_net_interface_names (const char *ip_json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetConfig, vb_net_config_free)

G_END_DECLS
