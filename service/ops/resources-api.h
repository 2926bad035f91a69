/* Domain.SetMemory and SetVcpus: the guest's memory and vCPUs, live (the
 * balloon, vCPU hotplug) and in the persistent definition, with libvirt's
 * flags. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

void vb_resources_api_set_memory_async (VbDriverHost *host, VbDomain *domain, guint64 kib,
                                        guint flags, GAsyncReadyCallback callback,
                                        gpointer user_data);
void vb_resources_api_set_vcpus_async (VbDriverHost *host, VbDomain *domain, guint count,
                                       guint flags, GAsyncReadyCallback callback,
                                       gpointer user_data);
/* Finishes both. */
gboolean vb_resources_api_finish (GAsyncResult *result, GError **error);

G_END_DECLS
