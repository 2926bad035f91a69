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

/* Whether the service may connect to @destination as itself (root): a
 * unix:path=/ABSOLUTE or tcp:host=,port= D-Bus address (no nonce file, no
 * abstract socket, no other transport), or ssh://[user@]host[:port] with a
 * plain user name and a host name or IP literal. InvalidArgument otherwise. */
gboolean vb_migration_peer_check_destination (const char *destination, GError **error);

/* Whether @uri, the stream address a destination answered, is
 * tcp:HOST:PORT (IPv4, [IPv6] or a host name; port 1-65535) and nothing
 * QEMU would read as a command, file or descriptor. Failed otherwise. */
gboolean vb_migration_peer_check_stream_uri (const char *uri, GError **error);

/* A fresh key for the TLS-PSK of one migration stream: 32 random bytes
 * from the kernel as 64 lowercase hex digits, or NULL with @error. */
char *vb_migration_peer_new_stream_key (GError **error);

/* Whether @key is such a key (64 hex digits, nothing else): what a
 * destination accepts in Prepare's "tls-psk" before it goes to a file. */
gboolean vb_migration_peer_check_stream_key (const char *key, GError **error);

/* The address the destination's hypervisor is reached at when the caller
 * does not say: the host of a tcp: bus or of ssh://, 127.0.0.1 for a local
 * bus. Expects a destination that passed the check. */
char *vb_migration_peer_default_host (const char *destination);

G_END_DECLS
