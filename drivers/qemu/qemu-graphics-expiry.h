/* A VNC or SPICE server's <graphics passwdValidTo connected>: when its
 * password stops being accepted (QMP expire_password at Start, after
 * set_password) and what the password change does to connected clients
 * (set_password's 'connected', SPICE's only: VNC keeps them). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* The seconds since 1970 of passwdValidTo=@text (xsd:dateTime,
 * "2011-05-31T16:11:22", UTC unless it names a zone); -1 when it is not
 * one or is before 1970. */
gint64 vb_qemu_graphics_valid_to (const char *text);

/* Checks both on @graphics (of @type) at define: NotSupported naming what
 * does not fit. */
gboolean vb_qemu_graphics_expiry_check (xmlNode *graphics, const char *type, GError **error);

G_END_DECLS
