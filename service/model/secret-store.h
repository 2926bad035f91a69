/* The secrets disks name (passwords of network disks, LUKS passphrases):
 * each a VbSecret with its definition and value, kept in the state
 * directory (secrets/<uuid>.xml, mode 0600 in a 0700 directory, written
 * atomically by the config store's writer) unless ephemeral. A value goes
 * in (SetValue) and to a driver starting a guest, never back out to a
 * client of a private secret, nor into a log. */
#pragma once

#include <gio/gio.h>

#include "config-store.h"
#include "secret-def.h"

G_BEGIN_DECLS

#define VB_TYPE_SECRET (vb_secret_get_type ())
G_DECLARE_FINAL_TYPE (VbSecret, vb_secret, VB, SECRET, GObject)

const VbSecretDef *vb_secret_get_def (VbSecret *self);
/* The value, NULL while none was set. For drivers and GetValue only. */
GBytes *vb_secret_get_value (VbSecret *self);

#define VB_TYPE_SECRET_STORE (vb_secret_store_get_type ())
G_DECLARE_FINAL_TYPE (VbSecretStore, vb_secret_store, VB, SECRET_STORE, GObject)

/* Signals: "added" (VbSecret), "removed" (VbSecret), and "changed" on a
 * VbSecret whose definition was replaced. */
VbSecretStore *vb_secret_store_new (VbConfigStore *store);
/* Loads the stored secrets (synchronous: for start-up). */
void vb_secret_store_load (VbSecretStore *self);

VbSecret *vb_secret_store_lookup_uuid (VbSecretStore *self, const char *uuid);
VbSecret *vb_secret_store_lookup_usage (VbSecretStore *self, const char *usage_type,
                                        const char *usage_id);
/* Sorted by UUID; the array holds references. */
GPtrArray *vb_secret_store_list (VbSecretStore *self);

/* Defines a secret or replaces the definition of the one with its UUID
 * (keeping its value); refuses a usage another secret has, and turning an
 * ephemeral secret persistent or the reverse. Completes once it is on disk. */
void vb_secret_store_define_async (VbSecretStore *self, const char *xml,
                                   GAsyncReadyCallback callback, gpointer user_data);
VbSecret *vb_secret_store_define_finish (VbSecretStore *self, GAsyncResult *result, GError **error);
void vb_secret_store_set_value_async (VbSecretStore *self, VbSecret *secret, GBytes *value,
                                      GAsyncReadyCallback callback, gpointer user_data);
void vb_secret_store_undefine_async (VbSecretStore *self, VbSecret *secret,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* Finishes set_value and undefine. */
gboolean vb_secret_store_finish (VbSecretStore *self, GAsyncResult *result, GError **error);

G_END_DECLS
