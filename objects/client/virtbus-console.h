/* A domain's serial console as a stream: Domain.OpenConsole's descriptor
 * (passed over D-Bus) wrapped in a GIOStream. */
#pragma once

#include "virtbus-client.h"

G_BEGIN_DECLS

/**
 * VirtbusConsoleFlags:
 * @VIRTBUS_CONSOLE_FLAGS_NONE: fail with %VIRTBUS_ERROR_BUSY when another
 *   session has the console
 * @VIRTBUS_CONSOLE_FLAGS_FORCE: take the console over from the session that
 *   has it
 *
 * The flags of Domain.OpenConsole.
 */
typedef enum {
  VIRTBUS_CONSOLE_FLAGS_NONE = 0,
  VIRTBUS_CONSOLE_FLAGS_FORCE = 1 << 0,
} VirtbusConsoleFlags;

GIOStream *virtbus_client_open_console (VirtbusClient *client, VirtbusDomain *domain,
                                        VirtbusConsoleFlags flags, GCancellable *cancellable,
                                        GError **error);
void virtbus_client_open_console_async (VirtbusClient *client, VirtbusDomain *domain,
                                        VirtbusConsoleFlags flags, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
GIOStream *virtbus_client_open_console_finish (VirtbusClient *client, GAsyncResult *result,
                                               GError **error);

G_END_DECLS
