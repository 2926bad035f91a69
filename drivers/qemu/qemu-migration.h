/* Live migration in the QEMU driver (the members of VbDomainDriver). */
#pragma once

#include "qemu-part.h"

G_BEGIN_DECLS

/* Follows migrations through QEMU's events; fails one in flight when QEMU ends. */
extern const VbQemuPart vb_qemu_migration_part;

/* One migration capability and its state. */
typedef struct {
  const char *name;
  gboolean on;
} VbQemuMigrateCap;
/* migrate-set-capabilities with @caps (save uses it too). */
void vb_qemu_migrate_set_capabilities (QemuDomain *qd, const VbQemuMigrateCap *caps, guint n_caps);

void vb_qemu_migrate_prepare_async (VbDriverHost *host, VbDomain *domain, GVariant *params,
                                    guint flags, GAsyncReadyCallback callback,
                                    gpointer user_data);
GVariant *vb_qemu_migrate_prepare_finish (VbDomain *domain, GAsyncResult *result,
                                          GError **error);
void vb_qemu_migrate_perform_async (VbDriverHost *host, VbDomain *domain, const char *uri,
                                    GVariant *params, guint flags, VbJob *job,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_migrate_perform_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_qemu_migrate_finish_async (VbDriverHost *host, VbDomain *domain, gboolean success,
                                   guint flags, GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_migrate_finish_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_qemu_migrate_confirm (VbDriverHost *host, VbDomain *domain, gboolean success);
gboolean vb_qemu_migrate_control (VbDriverHost *host, VbDomain *domain, const char *what,
                                  guint64 value, GError **error);

G_END_DECLS
