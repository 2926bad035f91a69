#include "migration-peer.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vb-error.h"

#define BUS_FLAGS \
  (G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION)

typedef struct {
  char *user;
  char *host; /* without the brackets of an IPv6 literal */
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

static gboolean
is_digits (const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

static gboolean
is_port (const char *s)
{
  return is_digits (s) && strlen (s) <= 5 && g_ascii_strtoull (s, NULL, 10) >= 1
         && g_ascii_strtoull (s, NULL, 10) <= 65535;
}

/* A DNS name: letters, digits and inner '-' in dot-separated labels, so
 * nothing a shell, ssh or QEMU's option parser gives a meaning to. */
static gboolean
is_hostname (const char *s)
{
  gsize length = strlen (s);
  gsize label = 0;

  if (length == 0 || length > 253)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = s[i];

      if (c == '.')
        {
          if (label == 0 || s[i - 1] == '-')
            return FALSE;
          label = 0;
        }
      else if (g_ascii_isalnum (c) || (c == '-' && label > 0))
        {
          if (++label > 63)
            return FALSE;
        }
      else
        return FALSE;
    }
  return label > 0 && s[length - 1] != '-';
}

static gboolean
is_ip_literal (const char *s, GSocketFamily family)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (s);

  return address && g_inet_address_get_family (address) == family;
}

/* A login name: no leading '-' or '.', nothing but [A-Za-z0-9._-]. */
static gboolean
is_user (const char *s)
{
  gsize length = strlen (s);

  if (length == 0 || length > 64 || s[0] == '-' || s[0] == '.')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '.' && *s != '_' && *s != '-')
      return FALSE;
  return TRUE;
}

/* Splits "HOST[:PORT]" or "[IPV6][:PORT]" into @host (unbracketed) and
 * @port (NULL when absent); FALSE when either is not plain. */
static gboolean
split_host_port (const char *s, char **host, char **port)
{
  g_autofree char *h = NULL;
  const char *rest;

  if (s[0] == '[')
    {
      const char *close = strchr (s, ']');

      if (!close)
        return FALSE;
      h = g_strndup (s + 1, close - s - 1);
      if (!is_ip_literal (h, G_SOCKET_FAMILY_IPV6))
        return FALSE;
      rest = close + 1;
    }
  else
    {
      const char *colon = strchr (s, ':');

      h = colon ? g_strndup (s, colon - s) : g_strdup (s);
      if (!is_ip_literal (h, G_SOCKET_FAMILY_IPV4) && !is_hostname (h))
        return FALSE;
      rest = s + strlen (h);
    }
  if (*rest && (rest[0] != ':' || !is_port (rest + 1)))
    return FALSE;
  *host = g_steal_pointer (&h);
  *port = *rest ? g_strdup (rest + 1) : NULL;
  return TRUE;
}

/* ssh://[user@]host[:port], each part plain: ssh gets them as separate
 * arguments, never as an option (a host "-oProxyCommand=..." would run a
 * command as root). */
static gboolean
parse_ssh (const char *destination, SshTarget *target, GError **error)
{
  const char *rest = destination + strlen ("ssh://");
  const char *at = strchr (rest, '@');

  if (at)
    {
      target->user = g_strndup (rest, at - rest);
      rest = at + 1;
    }
  if ((target->user && !is_user (target->user))
      || !split_host_port (rest, &target->host, &target->port))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Destination '%s' is not ssh://[user@]host[:port] with a plain user name and "
                   "a host name or IP address",
                   destination);
      return FALSE;
    }
  return TRUE;
}

/* One entry of a D-Bus address ("transport:key=value,..."): only a client
 * connection to a named socket, nothing that reads or runs anything as the
 * service (nonce-tcp sends a file of the caller's choosing, unixexec runs a
 * program, autolaunch and launchd ask a helper), and no abstract socket,
 * whose name any user may take first. */
static gboolean
check_address_entry (const char *entry)
{
  const char *colon = strchr (entry, ':');
  g_autofree char *transport = colon ? g_strndup (entry, colon - entry) : NULL;
  g_auto (GStrv) pairs = NULL;
  gboolean unix_socket;
  gboolean has_target = FALSE;
  gboolean has_port = FALSE;

  if (!transport)
    return FALSE;
  unix_socket = g_str_equal (transport, "unix");
  if (!unix_socket && !g_str_equal (transport, "tcp"))
    return FALSE;
  pairs = g_strsplit (colon + 1, ",", -1);
  for (guint i = 0; pairs[i]; i++)
    {
      const char *eq = strchr (pairs[i], '=');
      g_autofree char *key = eq ? g_strndup (pairs[i], eq - pairs[i]) : NULL;
      g_autofree char *value = eq ? g_uri_unescape_string (eq + 1, NULL) : NULL;

      if (!key || !value || !*value)
        return FALSE;
      if (g_str_equal (key, "guid"))
        continue;
      if (unix_socket && g_str_equal (key, "path") && !has_target)
        has_target = value[0] == '/';
      else if (!unix_socket && g_str_equal (key, "host") && !has_target)
        has_target = is_ip_literal (value, G_SOCKET_FAMILY_IPV4)
                     || is_ip_literal (value, G_SOCKET_FAMILY_IPV6) || is_hostname (value);
      else if (!unix_socket && g_str_equal (key, "port") && !has_port)
        has_port = is_port (value);
      else if (!unix_socket && g_str_equal (key, "family"))
        {
          if (!g_str_equal (value, "ipv4") && !g_str_equal (value, "ipv6"))
            return FALSE;
        }
      else
        return FALSE;
    }
  return has_target && (unix_socket || has_port);
}

gboolean
vb_migration_peer_check_destination (const char *destination, GError **error)
{
  g_auto (GStrv) entries = NULL;

  if (g_str_has_prefix (destination, "ssh://"))
    {
      g_auto (SshTarget) target = { 0 };
      return parse_ssh (destination, &target, error);
    }
  entries = g_strsplit (destination, ";", -1);
  for (guint i = 0; entries[i]; i++)
    if (!check_address_entry (entries[i]))
      {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                     "Destination '%s' is neither ssh://[user@]host[:port] nor a D-Bus address "
                     "of the form unix:path=/ABSOLUTE or tcp:host=HOST,port=PORT",
                     destination);
        return FALSE;
      }
  if (!entries[0] || !g_dbus_is_supported_address (destination, NULL))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Destination '%s' is not a D-Bus address", destination);
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_migration_peer_check_stream_uri (const char *uri, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;

  if (!g_str_has_prefix (uri, "tcp:") || !split_host_port (uri + strlen ("tcp:"), &host, &port)
      || !port)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "The destination answered with the stream URI '%s', which is not "
                   "tcp:HOST:PORT",
                   uri);
      return FALSE;
    }
  return TRUE;
}

#define STREAM_KEY_BYTES 32

char *
vb_migration_peer_new_stream_key (GError **error)
{
  guint8 key[STREAM_KEY_BYTES];
  GString *hex = g_string_sized_new (2 * STREAM_KEY_BYTES);
  gsize done = 0;

  while (done < sizeof key)
    {
      ssize_t n = getrandom (key + done, sizeof key - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot make a key for the stream: %s",
                       g_strerror (errno));
          g_string_free (hex, TRUE);
          return NULL;
        }
      done += (gsize) n;
    }
  for (gsize i = 0; i < sizeof key; i++)
    g_string_append_printf (hex, "%02x", key[i]);
  explicit_bzero (key, sizeof key);
  return g_string_free (hex, FALSE);
}

gboolean
vb_migration_peer_check_stream_key (const char *key, GError **error)
{
  gboolean valid = strlen (key) == 2 * STREAM_KEY_BYTES;

  for (const char *c = key; valid && *c; c++)
    valid = g_ascii_isxdigit (*c);
  if (!valid)
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                 "The stream key 'tls-psk' is not %d hex digits", 2 * STREAM_KEY_BYTES);
  return valid;
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
  if (target.user)
    {
      g_ptr_array_add (argv, g_strdup ("-l"));
      g_ptr_array_add (argv, g_strdup (target.user));
    }
  /* The host is checked not to start with '-', and "--" says so to ssh too. */
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (target.host));
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
  GError *error = NULL;

  if (!vb_migration_peer_check_destination (destination, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (g_str_has_prefix (destination, "ssh://"))
    {
      connect_ssh (destination, cancellable, task);
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
  g_auto (GStrv) entries = NULL;

  if (g_str_has_prefix (destination, "ssh://"))
    return parse_ssh (destination, &target, NULL) ? g_strdup (target.host) : NULL;
  /* A tcp: bus is reached at its host; a unix: one is on this machine. */
  entries = g_strsplit (destination, ";", -1);
  if (entries[0] && g_str_has_prefix (entries[0], "tcp:"))
    {
      g_auto (GStrv) pairs = g_strsplit (entries[0] + strlen ("tcp:"), ",", -1);

      for (guint i = 0; pairs[i]; i++)
        if (g_str_has_prefix (pairs[i], "host="))
          return g_uri_unescape_string (pairs[i] + strlen ("host="), NULL);
    }
  return g_strdup ("127.0.0.1");
}
