/* The org.libvirt interfaces, read once from the introspection XML built
 * into the service (introspection/org.libvirt.*.xml, a GResource). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The info of interface @name ("org.libvirt.Domain"); aborts when the
 * service was built without it (a build error, not a runtime one). */
GDBusInterfaceInfo *vb_lv_interface_info (const char *name);

G_END_DECLS
