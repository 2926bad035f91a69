/* Domain.UpdateDevice of a <memory model='virtio-mem'>: its requested size
 * changes, in the running guest and/or the persistent definition
 * (vb_media_api_update_async hands it over). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Whether @xml is a <memory> device: UpdateDevice's to change here. */
gboolean vb_virtio_mem_api_is_memory (const char *xml);

void vb_virtio_mem_api_update_async (VbDriverHost *host, VbDomain *domain, const char *xml,
                                     guint flags, GAsyncReadyCallback callback, gpointer user_data);

G_END_DECLS
