/* Domain.UpdateDevice: the medium of a CD-ROM (or floppy) changes or is
 * ejected, in the running guest and/or the persistent definition. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* @xml is a <disk> whose host paths the caller has checked
 * (vb_domain_xml_check_async, as for AttachDevice). */
void vb_media_api_update_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_media_api_update_finish (GAsyncResult *result, GError **error);

G_END_DECLS
