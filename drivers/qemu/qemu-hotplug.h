/* Plugging disks and network interfaces into a running QEMU guest
 * (qemu-hotplug.c) and unplugging them (qemu-unplug.c): Domain.AttachDevice
 * and DetachDevice with LIVE. */
#pragma once

#include "qemu-part.h"

G_BEGIN_DECLS

/* Ends unplugs on DEVICE_DELETED; fails those still waiting when the driver
 * data goes (qemu-unplug.c). */
extern const VbQemuPart vb_qemu_hotplug_part;

/* Seconds an unplug waits for the guest to release the device, unless
 * `virtbusd --unplug-timeout` (the setting "unplug-timeout") says otherwise: below D-Bus's
 * usual 25 s call timeout, so a client with default settings gets our
 * answer rather than its own timeout. */
#define VB_QEMU_UNPLUG_TIMEOUT_S 20

void vb_qemu_attach_device_async (VbDriverHost *host, VbDomain *domain,
                                  const VbDomainDevice *device, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean vb_qemu_attach_device_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_qemu_detach_device_async (VbDriverHost *host, VbDomain *domain,
                                  const VbDomainDevice *device, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean vb_qemu_detach_device_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
