/* Reaching the virtbus service a domain migrates to. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Connects to @destination: a D-Bus address of the bus the peer serves on,
 * or ssh://[user@]host[:port], which runs `ssh host virtbusd --stdio-bridge`
 * (the ssh program can be replaced through $VIRTBUS_SSH, e.g. for tests). */
void vb_migration_peer_connect_async (const char *destination, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
GDBusConnection *vb_migration_peer_connect_finish (GAsyncResult *result, GError **error);

/* The address the destination's hypervisor is reached at when the caller
 * does not say: 127.0.0.1 for a local bus, the ssh host otherwise. */
char *vb_migration_peer_default_host (const char *destination);

G_END_DECLS
