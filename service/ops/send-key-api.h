/* Domain.SendKey: keys in any of libvirt's code sets, checked and translated
 * to QEMU's key numbers, typed on the running guest's keyboard. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

void vb_send_key_api_send_async (VbDriverHost *host, VbDomain *domain, guint codeset,
                                 guint holdtime_ms, const guint *keycodes, gsize n_keycodes,
                                 guint flags, GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_send_key_api_send_finish (GAsyncResult *result, GError **error);

G_END_DECLS
