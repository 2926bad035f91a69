/* Runs the host tools of the bridge driver (ip, nft, dnsmasq) without
 * blocking the main loop. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs @argv with @input (may be NULL) on its stdin. Fails with
 * VB_ERROR_FAILED carrying the command and what it wrote on stderr when it
 * exits non-zero. */
void vb_net_run_async (const char *const *argv, const char *input, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data);
/* Returns the command's stdout. */
char *vb_net_run_finish (GAsyncResult *result, GError **error);

/* Runs @argv and ignores the outcome: for undo steps whose failure means the
 * thing is gone already. */
void vb_net_run_quietly (const char *const *argv, const char *input);

G_END_DECLS
