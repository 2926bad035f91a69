#include "virtbus-console.h"

#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "virtbus-error.h"

/* The service answers with a Unix socket connected to the guest's serial
 * port; a GSocketConnection on it is a GIOStream that closes the
 * descriptor, and so ends the session, when it is closed or freed. */
static GIOStream *
stream_from_reply (GVariant *handle, GUnixFDList *fds, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  gint32 index = g_variant_get_handle (handle);
  int count = fds ? g_unix_fd_list_get_length (fds) : 0;
  int fd;

  /* The reply is the bus's to deliver, not ours to trust: the descriptor it
   * names must be there. */
  if (index < 0 || index >= count)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The reply to OpenConsole names descriptor %d of the %d it carries", (int) index,
                   count);
      return NULL;
    }
  fd = g_unix_fd_list_get (fds, index, error);
  if (fd < 0)
    return NULL;
  socket = g_socket_new_from_fd (fd, error);
  if (!socket)
    {
      close (fd);
      return NULL;
    }
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

static GIOStream *
open_console_reply (VirtbusDomain *domain, GAsyncResult *result, GError **error)
{
  g_autoptr (GVariant) handle = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  GError *local = NULL;

  if (!virtbus_domain_call_open_console_finish (domain, &handle, &fds, result, &local))
    {
      g_dbus_error_strip_remote_error (local);
      g_propagate_error (error, local);
      return NULL;
    }
  return stream_from_reply (handle, fds, error);
}

static void
console_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GIOStream *stream = open_console_reply (VIRTBUS_DOMAIN (source), result, &error);

  if (stream)
    g_task_return_pointer (task, stream, g_object_unref);
  else
    g_task_return_error (task, error);
}

/**
 * virtbus_client_open_console_async:
 * @client: a #VirtbusClient
 * @domain: a running domain with a serial console
 * @flags: #VIRTBUS_CONSOLE_FLAGS_FORCE to take over a console someone else has
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the console
 * @user_data: data for @callback
 *
 * Opens the first serial console of @domain (Domain.OpenConsole); @callback
 * gets it from virtbus_client_open_console_finish().
 */
void
virtbus_client_open_console_async (VirtbusClient *client, VirtbusDomain *domain,
                                   VirtbusConsoleFlags flags, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (VIRTBUS_IS_CLIENT (client));
  g_return_if_fail (VIRTBUS_IS_DOMAIN (domain));
  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, virtbus_client_open_console_async);
  virtbus_domain_call_open_console (domain, flags, NULL, cancellable, console_opened,
                                    g_steal_pointer (&task));
}

/**
 * virtbus_client_open_console_finish:
 * @client: a #VirtbusClient
 * @result: the #GAsyncResult given to the callback of virtbus_client_open_console_async()
 * @error: return location for an error
 *
 * Returns: (transfer full): the console, or %NULL with @error set (see
 *   virtbus_client_open_console()).
 */
GIOStream *
virtbus_client_open_console_finish (VirtbusClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == virtbus_client_open_console_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * virtbus_client_open_console:
 * @client: a #VirtbusClient
 * @domain: a running domain with a serial console
 * @flags: #VIRTBUS_CONSOLE_FLAGS_FORCE to take over a console someone else has
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Opens the first serial console of @domain: what the guest prints can be
 * read from the stream's input, what is written to its output the guest
 * reads. The session lasts until the stream is closed or freed. A terminal
 * program polls the descriptor itself:
 * `g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)))`.
 *
 * Returns: (transfer full): the console, a #GSocketConnection; or %NULL with
 *   @error set: %VIRTBUS_ERROR_BUSY when another session has it (without
 *   #VIRTBUS_CONSOLE_FLAGS_FORCE), %VIRTBUS_ERROR_OPERATION_INVALID when the
 *   domain does not run or has no serial console, %VIRTBUS_ERROR_NOT_SUPPORTED
 *   for drivers without consoles, %VIRTBUS_ERROR_NOT_AUTHORIZED;
 *   %G_IO_ERROR_INVALID_DATA when the reply lacks the descriptor it names.
 */
GIOStream *
virtbus_client_open_console (VirtbusClient *client, VirtbusDomain *domain,
                             VirtbusConsoleFlags flags, GCancellable *cancellable, GError **error)
{
  g_autoptr (GVariant) handle = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  GError *local = NULL;

  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN (domain), NULL);
  if (!virtbus_domain_call_open_console_sync (domain, flags, NULL, &handle, &fds, cancellable,
                                              &local))
    {
      g_dbus_error_strip_remote_error (local);
      g_propagate_error (error, local);
      return NULL;
    }
  return stream_from_reply (handle, fds, error);
}
