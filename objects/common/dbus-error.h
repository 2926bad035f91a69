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

/* Answers @invocation with the D-Bus error @name and @message: for a front
 * end that serves another project's API with its own error names
 * (objects/libvirt: org.libvirt.Error with libvirt's message texts). */
void vb_dbus_return_named_error (GDBusMethodInvocation *invocation, const char *name,
                                 const char *message);

G_END_DECLS
