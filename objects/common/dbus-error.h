/* The one place where errors leave for D-Bus: every front end answers a
 * failed call through it, so no client ever sees an unmapped GError. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Answers @invocation with @error (taken). An error of the virtbus domain
 * keeps its name (org.virtbus.Virt1.Error.<Name>); any other (a QMP timeout,
 * a closed monitor, an I/O error) becomes org.virtbus.Virt1.Error.Failed with
 * its message, instead of GDBus's org.gtk.GDBus.UnmappedGError.Quark... */
void vb_dbus_return_error (GDBusMethodInvocation *invocation, GError *error);

G_END_DECLS
