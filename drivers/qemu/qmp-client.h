/* A QMP (QEMU Machine Protocol) client on the GLib main loop.
 *
 * One VbQmpClient talks to one QEMU monitor socket. Construction connects,
 * reads the greeting and negotiates capabilities; after that commands can be
 * sent at any time: they are written in order, each carries an "id" we
 * generate, and replies are matched by it, so callers never depend on the
 * order QEMU answers in. Nothing here blocks: all I/O is driven by sources on
 * the thread-default main context of the thread that created the client. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Lines longer than this close the connection: QEMU's own replies stay far
 * below it (query-qmp-schema is ~200 KiB), so such a line means a broken peer. */
#define VB_QMP_MAX_LINE (16 * 1024 * 1024)

/* Default per-command timeout, also used for the greeting and handshake. */
#define VB_QMP_DEFAULT_TIMEOUT_MS 30000

#define VB_TYPE_QMP_CLIENT (vb_qmp_client_get_type ())
G_DECLARE_FINAL_TYPE (VbQmpClient, vb_qmp_client, VB, QMP_CLIENT, GObject)

/* Connects to the monitor socket at @socket_path, reads the greeting and sends
 * qmp_capabilities; completes once commands can be sent. */
void vb_qmp_client_new_for_path_async (const char *socket_path,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);

/* Like vb_qmp_client_new_for_path_async() on an already connected socket
 * (e.g. one end of a socketpair, or a socket QEMU got with -qmp fd:N). The
 * client takes a reference on @socket and sets it non-blocking. */
void vb_qmp_client_new_for_socket_async (GSocket *socket,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);

/* Same for a connected socket fd; the client owns @fd from now on, also on
 * failure. */
void vb_qmp_client_new_for_fd_async (int fd,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);

/* Finishes all three constructors. */
VbQmpClient *vb_qmp_client_new_finish (GAsyncResult *result, GError **error);

/* Sends @command with @arguments (nullable; not modified) and completes with
 * the reply. When @fd >= 0 a duplicate of it is passed to QEMU with
 * SCM_RIGHTS on the same message, as getfd and add-fd expect; the caller
 * keeps @fd. The command fails with G_IO_ERROR_TIMED_OUT when no reply comes
 * within the client's timeout, which leaves the client usable. */
void vb_qmp_client_execute_async (VbQmpClient *self,
                                  const char *command,
                                  JsonObject *arguments,
                                  int fd,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);

/* Like vb_qmp_client_execute_async() with its own timeout; @timeout_ms 0
 * means the client's default. */
void vb_qmp_client_execute_full_async (VbQmpClient *self,
                                       const char *command,
                                       JsonObject *arguments,
                                       int fd,
                                       guint timeout_ms,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);

/* Returns the reply's "return" member (often an empty object). A QEMU error
 * reply becomes a VB_ERROR whose message holds QEMU's class and desc
 * (CommandNotFound maps to VB_ERROR_NOT_SUPPORTED, DeviceNotFound to
 * VB_ERROR_NOT_FOUND, the rest to VB_ERROR_FAILED). */
JsonNode *vb_qmp_client_execute_finish (VbQmpClient *self,
                                        GAsyncResult *result,
                                        GError **error);

/* Timeout for commands sent from now on; 0 restores the default. */
void vb_qmp_client_set_timeout (VbQmpClient *self, guint timeout_ms);
guint vb_qmp_client_get_timeout (VbQmpClient *self);

/* The QEMU version from the greeting, e.g. "7.2.22". */
const char *vb_qmp_client_get_qemu_version (VbQmpClient *self);
/* Its parts, for comparisons; any pointer may be NULL. */
void vb_qmp_client_get_qemu_version_numbers (VbQmpClient *self,
                                             guint *major,
                                             guint *minor,
                                             guint *micro);
/* The distribution's package string from the greeting, may be "". */
const char *vb_qmp_client_get_qemu_package (VbQmpClient *self);

/* Names log messages after the object the monitor belongs to
 * ("domain/web1"), so its log lines can be found with the domain's. */
void vb_qmp_client_set_log_object (VbQmpClient *self, const char *object);

/* Closes the connection: pending commands fail with G_IO_ERROR_CLOSED and
 * "closed" is emitted (if it was not already). Safe to call repeatedly. */
void vb_qmp_client_close (VbQmpClient *self);
gboolean vb_qmp_client_is_closed (VbQmpClient *self);

/* Members of a reply, checked for type: NULL (or @fallback) when @object is
 * NULL, the member is missing or has another type. For reading what QEMU
 * sent without trusting its shape. */
const char *vb_qmp_member_string (JsonObject *object, const char *name);
gint64 vb_qmp_member_int (JsonObject *object, const char *name, gint64 fallback);
gboolean vb_qmp_member_bool (JsonObject *object, const char *name, gboolean fallback);
JsonObject *vb_qmp_member_object (JsonObject *object, const char *name);
JsonArray *vb_qmp_member_array (JsonObject *object, const char *name);

/* Signals:
 *   event (const char *name, JsonObject *data, gint64 timestamp_usec)
 *     a QMP event; @data is an empty object for events without data,
 *     @timestamp_usec is QEMU's wall-clock time of the event.
 *     The event name is also the signal detail: "event::SHUTDOWN".
 *   closed (GError *why)
 *     emitted exactly once when the connection ends for any reason (EOF,
 *     read/write error, oversize line, vb_qmp_client_close()); all commands
 *     still pending have already failed by then. */

G_END_DECLS
