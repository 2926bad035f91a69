/* The properties every org.libvirt object made from a VbResource (a domain,
 * a network, a storage pool) has the same way: VbLvGetFunc for the tables. */
#pragma once

#include "libvirt-dispatch.h"

G_BEGIN_DECLS

GVariant *vb_lv_resource_get_name (const VbLvConnect *connect, gpointer object);
GVariant *vb_lv_resource_get_uuid (const VbLvConnect *connect, gpointer object);
GVariant *vb_lv_resource_get_persistent (const VbLvConnect *connect, gpointer object);
GVariant *vb_lv_resource_get_autostart (const VbLvConnect *connect, gpointer object);

G_END_DECLS
