/* A virtual network configuration: libvirt-format network XML, validated and
 * kept in canonical form. */
#pragma once

#include "xml-schema.h"
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *xml;          /* canonical XML */
  char *name;
  char *uuid;         /* lower case, 36 characters */
  char *bridge;       /* <bridge name=…>, NULL when absent */
  char *forward_mode; /* <forward mode=…>: nat, route, open, bridge; NULL when isolated */
} VbNetworkDef;

/* Parses, validates and canonicalises @xml; fills in a UUID when absent. */
VbNetworkDef *vb_network_def_parse (const char *xml, GError **error);
/* Sets the bridge name (as a driver does when it allocates one) and updates xml. */
void vb_network_def_set_bridge (VbNetworkDef *def, const char *bridge);
/* NULL when @name may be a network's interface name (<bridge name>, <forward
 * dev>), else what is wrong with it: Linux's rules and only [A-Za-z0-9_.-]. */
char *vb_network_ifname_problem (const char *name);
/* NULL when @name is an RFC 1123 host or domain name, else what is wrong. */
char *vb_network_hostname_problem (const char *name);
VbNetworkDef *vb_network_def_copy (const VbNetworkDef *def);
void vb_network_def_free (VbNetworkDef *def);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkDef, vb_network_def_free)

/* The table of elements and attributes the network XML may have (docs/xml-subset.md). */
const VbXmlSchema *vb_network_def_schema (void);

G_END_DECLS
