/* Device hotplug, the generic part (Domain.AttachDevice / DetachDevice):
 * checks the device XML and the flags against the domain, takes its lock,
 * lets the driver change the running guest and changes the persistent
 * definition through the config store. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* AttachDevice / DetachDevice flags: libvirt's virDomainDeviceModifyFlags.
 * CURRENT (0) means LIVE when the domain runs, CONFIG otherwise. */
#define VB_DEVICE_AFFECT_CURRENT 0u
#define VB_DEVICE_AFFECT_LIVE (1u << 0)
#define VB_DEVICE_AFFECT_CONFIG (1u << 1)

void vb_device_api_attach_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* Completes once the device is in every definition the flags name; a
 * detach from a running guest only once the guest released it. */
void vb_device_api_detach_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* Finishes both. */
gboolean vb_device_api_finish (GAsyncResult *result, GError **error);

G_END_DECLS
