/* The displays (<graphics>) of a running QEMU guest: their passwords, set
 * over QMP at every start, and Domain.OpenGraphics, a connection handed to
 * the display server as a socket pair. */
#pragma once

#include "qemu-domain-private.h"

G_BEGIN_DECLS

/* Gives every <graphics> of @domain's live definition without a passwd a
 * random one, for this start only. FALSE with @error when the system has
 * no randomness to give. */
gboolean vb_qemu_graphics_prepare (VbDomain *domain, GError **error);

/* Sends set_password for each <graphics> of @live_xml (QEMU starts with
 * its displays locked: VNC password=on, SPICE ticketing). Completes when
 * QEMU has answered them all; call before the guest runs. */
void vb_qemu_graphics_set_passwords_async (QemuDomain *qd, const char *live_xml,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_graphics_set_passwords_finish (GAsyncResult *result, GError **error);

/* The driver's open_graphics_async and open_graphics_finish. */
void vb_qemu_open_graphics_async (VbDriverHost *host, VbDomain *domain, guint index, guint flags,
                                  GAsyncReadyCallback callback, gpointer user_data);
int vb_qemu_open_graphics_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
