/* The pre-shared key that authenticates a migration stream (TLS-PSK): its
 * key file in the domain's run directory and QEMU's tls-creds-psk object. */
#pragma once

#include "qemu-domain-private.h"

G_BEGIN_DECLS

/* The PSK identity both QEMUs use; the key file says "virtbus:HEXKEY". */
#define VB_QEMU_MIGRATION_TLS_USER "virtbus"

/* Whether @key is a key as the source sends it: 64 hex digits (32 bytes). */
gboolean vb_qemu_migration_tls_key_valid (const char *key);

/* Makes @qd's QEMU speak TLS with @key (see above) on its next migration
 * stream, as the listening side (@server) or the connecting one: writes the
 * key file (0600, QEMU's user's), adds a tls-creds-psk object and sets the
 * migration's tls-creds to it, replacing the one of an earlier attempt. The
 * client reads its key once, so its file goes as soon as the object exists;
 * the server reads it at every handshake (the post-copy preempt channel, a
 * recovery), so it stays until vb_qemu_migration_tls_teardown. Fails, with
 * nothing left set, when QEMU refuses any step. */
void vb_qemu_migration_tls_setup_async (QemuDomain *qd, gboolean server, const char *key,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_migration_tls_setup_finish (VbDomain *domain, GAsyncResult *result,
                                             GError **error);

/* The migration is over: tls-creds back to none (a later save or migration
 * does not expect TLS), the object deleted, the key file removed. Nothing
 * to do when no TLS was set up. */
void vb_qemu_migration_tls_teardown (QemuDomain *qd);

G_END_DECLS
