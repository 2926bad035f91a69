/* Save and restore in the QEMU driver (the members of VbDomainDriver). */
#pragma once

#include "qemu-part.h"

G_BEGIN_DECLS

/* Follows a save or restore through QEMU's events; fails it when QEMU ends. */
extern const VbQemuPart vb_qemu_save_part;

void vb_qemu_save_async (VbDriverHost *host, VbDomain *domain, int fd, VbJob *job,
                         GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_save_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_qemu_save_end_async (VbDriverHost *host, VbDomain *domain, gboolean success,
                             gboolean resume, GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_save_end_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_qemu_restore_async (VbDriverHost *host, VbDomain *domain, int fd, gboolean paused,
                            GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_restore_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
