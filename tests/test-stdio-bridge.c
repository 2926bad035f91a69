/* virtbusd --stdio-bridge, as an ssh peer sees it: virtbus answers through
 * it, nothing else on the bus does (neither the bus driver's ListNames nor
 * another service), and no other service's signal comes back. */
#include <errno.h>
#include <gio/gio.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "vb-test-env.h"

#define DUMMY_NAME "org.virtbus.Test.Dummy"
#define DUMMY_PATH "/org/virtbus/Test/Dummy"
#define DUMMY_IFACE "org.virtbus.Test.Dummy"

/* ---- a service of the test's on the same bus ---- */

static const char dummy_xml[] = "<node><interface name='" DUMMY_IFACE "'>"
                                "<method name='Touch'/>"
                                "</interface></node>";

typedef struct {
  const char *address;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GDBusConnection *bus;
  gint ready;
  gint touched;
} Dummy;

static void
dummy_call (GDBusConnection *connection, const char *sender, const char *path,
            const char *interface, const char *method, GVariant *parameters,
            GDBusMethodInvocation *invocation, gpointer user_data)
{
  Dummy *dummy = user_data;

  g_atomic_int_inc (&dummy->touched);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gpointer
dummy_run (gpointer data)
{
  Dummy *dummy = data;
  static const GDBusInterfaceVTable vtable = { dummy_call, NULL, NULL, { 0 } };
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (dummy_xml, NULL);
  g_autoptr (GVariant) owned = NULL;

  g_main_context_push_thread_default (dummy->context);
  dummy->bus =
    g_dbus_connection_new_for_address_sync (dummy->address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, NULL);
  g_assert_nonnull (dummy->bus);
  g_assert_cmpuint (g_dbus_connection_register_object (dummy->bus, DUMMY_PATH, info->interfaces[0],
                                                       &vtable, dummy, NULL, NULL),
                    >, 0);
  owned =
    g_dbus_connection_call_sync (dummy->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "RequestName",
                                 g_variant_new ("(su)", DUMMY_NAME, 4), G_VARIANT_TYPE ("(u)"),
                                 G_DBUS_CALL_FLAGS_NONE, 10000, NULL, NULL);
  g_assert_nonnull (owned);
  g_atomic_int_set (&dummy->ready, 1);
  g_main_loop_run (dummy->loop);
  g_dbus_connection_close_sync (dummy->bus, NULL, NULL);
  g_clear_object (&dummy->bus);
  g_main_context_pop_thread_default (dummy->context);
  return NULL;
}

/* ---- the peer's end of the bridge ---- */

/* Runs `virtbusd --stdio-bridge` on @env's bus, as ssh would on the far
 * host, and speaks D-Bus to it over a socket pair as the migration source does. */
static GDBusConnection *
connect_through_bridge (VbTestEnv *env, GSubprocess **bridge)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *address_arg = g_strdup_printf ("--address=%s", env->bus_address);
  g_autoptr (GSocket) ours = NULL;
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (GError) error = NULL;
  GDBusConnection *connection;
  int pair[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  g_subprocess_launcher_take_stdin_fd (launcher, pair[1]);
  g_subprocess_launcher_take_stdout_fd (launcher, dup (pair[1]));
  *bridge = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("VB_DAEMON"), "--stdio-bridge",
                                         address_arg, NULL);
  g_assert_no_error (error);
  ours = g_socket_new_from_fd (pair[0], &error);
  g_assert_no_error (error);
  stream = G_IO_STREAM (g_socket_connection_factory_create_connection (ours));
  connection = g_dbus_connection_new_sync (stream, NULL,
                                           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                             | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                           NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  return connection;
}

static GVariant *
call (GDBusConnection *connection, const char *destination, const char *path, const char *interface,
      const char *method, GVariant *args, GError **error)
{
  return g_dbus_connection_call_sync (connection, destination, path, interface, method, args, NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
}

static void
expect_refused (GDBusConnection *connection, const char *destination, const char *path,
                const char *interface, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    call (connection, destination, path, interface, method, args, &error);
  g_autofree char *remote = NULL;

  g_assert_null (reply);
  remote = g_dbus_error_get_remote_error (error);
  g_test_message ("%s.%s to %s: %s", interface, method, destination, error->message);
  g_assert_cmpstr (remote, ==, "org.freedesktop.DBus.Error.AccessDenied");
  g_assert_nonnull (strstr (error->message, "--stdio-bridge passes only calls to"));
}

static void
count_signal (GDBusConnection *connection, const char *sender, const char *path,
              const char *interface, const char *signal, GVariant *parameters, gpointer user_data)
{
  GHashTable *seen = user_data;
  const char *key = g_str_equal (interface, DUMMY_IFACE) ? "dummy" : "virtbus";

  g_hash_table_insert (seen, (gpointer) key,
                       GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (seen, key)) + 1));
}

static void
test_only_virtbus (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (GSubprocess) bridge = NULL;
  g_autoptr (GDBusConnection) peer = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  Dummy dummy = { 0 };
  guint subscription;

  vb_test_env_start_daemon (env, NULL);
  dummy.address = env->bus_address;
  dummy.context = g_main_context_new ();
  dummy.loop = g_main_loop_new (dummy.context, FALSE);
  dummy.thread = g_thread_new ("dummy", dummy_run, &dummy);
  while (!g_atomic_int_get (&dummy.ready))
    g_usleep (10000);

  peer = connect_through_bridge (env, &bridge);
  g_assert_nonnull (g_dbus_connection_get_unique_name (peer));

  /* virtbus answers. */
  {
    g_autoptr (GVariant) objects =
      call (peer, "org.virtbus.Virt1", MANAGER, "org.freedesktop.DBus.ObjectManager",
            "GetManagedObjects", NULL, &error);
    g_autoptr (GVariant) owner =
      call (peer, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "GetNameOwner", g_variant_new ("(s)", "org.virtbus.Virt1"), &error);

    g_assert_no_error (error);
    g_assert_nonnull (objects);
    g_assert_nonnull (owner);
  }

  /* The rest of the bus does not. */
  expect_refused (peer, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                  "ListNames", NULL);
  expect_refused (peer, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                  "GetNameOwner", g_variant_new ("(s)", DUMMY_NAME));
  expect_refused (peer, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                  "RequestName", g_variant_new ("(su)", "org.virtbus.Virt1", 4));
  expect_refused (peer, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                  "AddMatch", g_variant_new ("(s)", "eavesdrop=true"));
  expect_refused (peer, DUMMY_NAME, DUMMY_PATH, DUMMY_IFACE, "Touch", NULL);
  expect_refused (peer, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
                  "org.freedesktop.PolicyKit1.Authority", "EnumerateActions",
                  g_variant_new ("(s)", ""));
  {
    /* Not by its unique name either. */
    g_autoptr (GDBusConnection) direct =
      g_dbus_connection_new_for_address_sync (env->bus_address,
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
    g_autoptr (GVariant) owner =
      call (direct, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "GetNameOwner", g_variant_new ("(s)", DUMMY_NAME), &error);
    const char *unique;

    g_assert_no_error (error);
    g_variant_get (owner, "(&s)", &unique);
    expect_refused (peer, unique, DUMMY_PATH, DUMMY_IFACE, "Touch", NULL);
  }
  g_assert_cmpint (g_atomic_int_get (&dummy.touched), ==, 0);

  /* Signals: the dummy's, sent straight to the peer, stay out; virtbus's
   * come through. */
  subscription =
    g_dbus_connection_signal_subscribe (peer, NULL, NULL, NULL, NULL, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, count_signal, seen, NULL);
  g_assert_true (g_dbus_connection_emit_signal (dummy.bus, g_dbus_connection_get_unique_name (peer),
                                                DUMMY_PATH, DUMMY_IFACE, "Poke", NULL, &error));
  g_assert_no_error (error);
  {
    g_autofree char *xml = vb_test_domain_xml ("bridge-signal", NULL);
    g_autoptr (GVariant) defined = call (peer, "org.virtbus.Virt1", MANAGER, IFACE_MANAGER,
                                         "DefineDomain", g_variant_new ("(su)", xml, 0), &error);
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    g_assert_no_error (error);
    while (!g_hash_table_contains (seen, "virtbus") && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
    /* The dummy's signal went out first: had it passed, it would be here. */
    for (int i = 0; i < 20; i++)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  }
  g_assert_true (g_hash_table_contains (seen, "virtbus"));
  g_assert_false (g_hash_table_contains (seen, "dummy"));
  g_dbus_connection_signal_unsubscribe (peer, subscription);

  g_dbus_connection_close_sync (peer, NULL, NULL);
  g_subprocess_wait (bridge, NULL, NULL);
  g_main_loop_quit (dummy.loop);
  g_thread_join (dummy.thread);
  g_main_loop_unref (dummy.loop);
  g_main_context_unref (dummy.context);
}

/* Reads what the bridge sends until "\r\n" or its end ("" when it ended
 * first); NULL when nothing came for the socket's timeout. */
static char *
read_line (int fd)
{
  g_autoptr (GString) line = g_string_new (NULL);
  char c;
  ssize_t n;

  while ((n = read (fd, &c, 1)) == 1)
    {
      g_string_append_c (line, c);
      if (g_str_has_suffix (line->str, "\r\n"))
        break;
    }
  /* A Unix socket closed with our bytes still unread in it reads as
   * ECONNRESET rather than end of file: both mean the peer ended. */
  if (n < 0 && errno != ECONNRESET)
    return NULL;
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* The bus takes the word before a blank as the auth command, so "BEGIN x"
 * begins its message phase: a bridge that waited for exactly "BEGIN" would
 * pass every message after it unchecked. It must end the session instead. */
static void
test_begin_smuggled (gconstpointer data)
{
  const char *begin = data;
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *address_arg = g_strdup_printf ("--address=%s", env->bus_address);
  g_autofree char *uid = g_strdup_printf ("%u", (guint) getuid ());
  g_autoptr (GString) auth = g_string_new_len ("\0AUTH EXTERNAL ", 15);
  g_autoptr (GSubprocess) bridge = NULL;
  g_autoptr (GDBusMessage) hello = g_dbus_message_new_method_call (
    "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello");
  g_autoptr (GError) error = NULL;
  g_autofree char *ok = NULL;
  g_autofree char *after = NULL;
  g_autofree guchar *blob = NULL;
  struct timeval timeout = { .tv_sec = 10 };
  gsize blob_size;
  int pair[2];

  for (const char *c = uid; *c; c++)
    g_string_append_printf (auth, "%02x", *c);
  g_string_append (auth, "\r\n");
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  g_assert_cmpint (setsockopt (pair[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), ==, 0);
  g_subprocess_launcher_take_stdin_fd (launcher, pair[1]);
  g_subprocess_launcher_take_stdout_fd (launcher, dup (pair[1]));
  bridge = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("VB_DAEMON"), "--stdio-bridge",
                                        address_arg, NULL);
  g_assert_no_error (error);
  g_clear_object (&launcher);

  g_assert_cmpint (write (pair[0], auth->str, auth->len), ==, (gssize) auth->len);
  ok = read_line (pair[0]);
  g_assert_nonnull (ok);
  g_assert_true (g_str_has_prefix (ok, "OK "));
  g_assert_cmpint (write (pair[0], begin, strlen (begin)), ==, (gssize) strlen (begin));
  g_dbus_message_set_serial (hello, 1);
  blob = g_dbus_message_to_blob (hello, &blob_size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
  g_assert_no_error (error);
  /* The bridge may be gone already: then the send fails (without SIGPIPE),
   * which is fine. */
  (void) !send (pair[0], blob, blob_size, MSG_NOSIGNAL);
  /* No answer to Hello comes back: the bridge ended the session. */
  after = read_line (pair[0]);
  g_assert_cmpstr (after, ==, "");
  g_assert_true (g_subprocess_wait (bridge, NULL, NULL));
  close (pair[0]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stdio-bridge/only-virtbus", test_only_virtbus);
  g_test_add_data_func ("/stdio-bridge/begin-with-argument", "BEGIN x\r\n", test_begin_smuggled);
  g_test_add_data_func ("/stdio-bridge/begin-with-tab", "BEGIN\t\r\n", test_begin_smuggled);
  g_test_add_data_func ("/stdio-bridge/unknown-auth-command", "STARTTLS\r\n",
                        test_begin_smuggled);
  return g_test_run ();
}
