#include "migration-peer.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vb-error.h"

#define BUS_FLAGS \
  (G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION)

typedef struct {
  char *user;
  char *host;
  char *port;
} SshTarget;

static void
ssh_target_clear (SshTarget *target)
{
  g_free (target->user);
  g_free (target->host);
  g_free (target->port);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SshTarget, ssh_target_clear)

/* ssh://[user@]host[:port] */
static gboolean
parse_ssh (const char *destination, SshTarget *target, GError **error)
{
  const char *rest = destination + strlen ("ssh://");
  const char *at = strchr (rest, '@');
  const char *colon;

  if (at)
    {
      target->user = g_strndup (rest, at - rest);
      rest = at + 1;
    }
  colon = strrchr (rest, ':');
  target->host = colon ? g_strndup (rest, colon - rest) : g_strdup (rest);
  target->port = colon ? g_strdup (colon + 1) : NULL;
  if (!*target->host || strchr (target->host, '/')
      || (target->port && !g_ascii_string_to_unsigned (target->port, 10, 1, 65535, NULL, NULL)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "'%s' is not ssh://[user@]host[:port]", destination);
      return FALSE;
    }
  return TRUE;
}

/* Ends @task with @connection, or with @error explained. */
static void
return_connection (GTask *task, GDBusConnection *connection, GError *error)
{
  if (!connection)
    {
      g_prefix_error (&error, "Cannot reach the destination: ");
      g_task_return_error (task, error);
    }
  else
    {
      g_dbus_connection_set_exit_on_close (connection, FALSE);
      g_task_return_pointer (task, connection, g_object_unref);
    }
  g_object_unref (task);
}

static void
connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_finish (result, &error);

  return_connection (user_data, connection, error);
}

static void
connected_to_address (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_for_address_finish (result, &error);

  return_connection (user_data, connection, error);
}

static void
connect_ssh (const char *destination, GCancellable *cancellable, GTask *task)
{
  g_auto (SshTarget) target = { 0 };
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) ssh = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSocket) ours = NULL;
  g_autoptr (GIOStream) stream = NULL;
  int pair[2];
  const char *program = g_getenv ("VIRTBUS_SSH");
  GError *error = NULL;

  if (!parse_ssh (destination, &target, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_ptr_array_add (argv, g_strdup (program && *program ? program : "ssh"));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup ("BatchMode=yes"));
  if (target.port)
    {
      g_ptr_array_add (argv, g_strdup ("-p"));
      g_ptr_array_add (argv, g_strdup (target.port));
    }
  g_ptr_array_add (argv, target.user ? g_strdup_printf ("%s@%s", target.user, target.host)
                                     : g_strdup (target.host));
  g_ptr_array_add (argv, g_strdup ("virtbusd"));
  g_ptr_array_add (argv, g_strdup ("--stdio-bridge"));
  g_ptr_array_add (argv, NULL);
  /* ssh's stdin and stdout are one end of a socket pair: over a Unix socket
   * GDBus offers EXTERNAL authentication, which the far bus checks against
   * the bridge's credentials there. */
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "socketpair: %s",
                               g_strerror (errno));
      g_object_unref (task);
      return;
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_stdin_fd (launcher, pair[1]);
  g_subprocess_launcher_take_stdout_fd (launcher, dup (pair[1]));
  ssh = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_clear_object (&launcher);
  ours = ssh ? g_socket_new_from_fd (pair[0], &error) : NULL;
  if (!ours)
    {
      close (pair[0]);
      g_prefix_error (&error, "Cannot run ssh: ");
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  stream = G_IO_STREAM (g_socket_connection_factory_create_connection (ours));
  g_object_set_data_full (G_OBJECT (stream), "vb-ssh", g_object_ref (ssh), g_object_unref);
  g_dbus_connection_new (stream, NULL, BUS_FLAGS, NULL, cancellable, connected, task);
}

void
vb_migration_peer_connect_async (const char *destination, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  if (g_str_has_prefix (destination, "ssh://"))
    {
      connect_ssh (destination, cancellable, task);
      return;
    }
  if (!g_dbus_is_supported_address (destination, NULL))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "'%s' is neither a D-Bus address nor ssh://host", destination);
      g_object_unref (task);
      return;
    }
  g_dbus_connection_new_for_address (destination, BUS_FLAGS, NULL, cancellable,
                                     connected_to_address, task);
}

GDBusConnection *
vb_migration_peer_connect_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
vb_migration_peer_default_host (const char *destination)
{
  g_auto (SshTarget) target = { 0 };

  if (g_str_has_prefix (destination, "ssh://") && parse_ssh (destination, &target, NULL))
    return g_strdup (target.host);
  return g_strdup ("127.0.0.1");
}
