/* Device hotplug, the generic part (Domain.AttachDevice / DetachDevice):
 * checks the device XML and the flags against the domain, takes its lock,
 * lets the driver change the running guest and changes the persistent
 * definition through the config store. */
#pragma once

#include "driver.h"
#include "vb-flags.h"

G_BEGIN_DECLS

void vb_device_api_attach_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* Completes once the device is in every definition the flags name; a
 * detach from a running guest only once the guest released it. */
void vb_device_api_detach_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* Finishes both. */
gboolean vb_device_api_finish (GAsyncResult *result, GError **error);

G_END_DECLS
