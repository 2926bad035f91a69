/* The QMP client against a fake QEMU (the other end of a socketpair, driven
 * by the same main loop) and against the real one.
 *
 * The fake server reads with recvmsg(), so it also sees fds passed with
 * SCM_RIGHTS, and writes through a queue, so it can send more than the socket
 * buffer holds without blocking the loop the client runs in. */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qmp-client.h"
#include "vb-error.h"

/* ---- the fake server ---- */

typedef struct FakeServer FakeServer;
typedef void (*CommandFunc) (FakeServer *server, JsonObject *command, gpointer user_data);

struct FakeServer {
  int fd;
  GSource *read_source;
  GSource *write_source;
  GByteArray *in;
  GByteArray *out;
  GArray *fds;             /* fds received with SCM_RIGHTS, in order */
  GPtrArray *commands;     /* every command received, as JsonObject */
  gboolean answer_caps;    /* reply to qmp_capabilities by itself */
  CommandFunc on_command;  /* other commands; NULL: leave them unanswered */
  gpointer on_command_data;
  gboolean peer_closed;
};

static void server_flush (FakeServer *server);

static gboolean
server_on_writable (int fd, GIOCondition condition, gpointer user_data)
{
  server_flush (user_data);
  return G_SOURCE_CONTINUE;
}

static void
server_flush (FakeServer *server)
{
  while (server->out->len > 0)
    {
      ssize_t n = send (server->fd, server->out->data, server->out->len, MSG_NOSIGNAL);

      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        {
          if (!server->write_source)
            {
              server->write_source = g_unix_fd_source_new (server->fd, G_IO_OUT);
              g_source_set_callback (server->write_source, G_SOURCE_FUNC (server_on_writable),
                                     server, NULL);
              g_source_attach (server->write_source, NULL);
            }
          return;
        }
      if (n < 0)
        {
          /* The client hung up (e.g. after an oversize line): drop the rest. */
          g_byte_array_set_size (server->out, 0);
          break;
        }
      g_byte_array_remove_range (server->out, 0, (guint) n);
    }
  if (server->write_source)
    {
      g_source_destroy (server->write_source);
      g_clear_pointer (&server->write_source, g_source_unref);
    }
}

static void
server_send_raw (FakeServer *server, const void *data, gsize len)
{
  g_byte_array_append (server->out, data, (guint) len);
  server_flush (server);
}

static void
server_send_line (FakeServer *server, const char *line)
{
  server_send_raw (server, line, strlen (line));
  server_send_raw (server, "\n", 1);
}

static void G_GNUC_PRINTF (2, 3)
server_sendf (FakeServer *server, const char *format, ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  server_send_line (server, line);
}

static gint64
command_id (JsonObject *command)
{
  return json_object_get_int_member (command, "id");
}

static const char *
command_name (JsonObject *command)
{
  return json_object_get_string_member (command, "execute");
}

static void
server_handle_line (FakeServer *server, const char *line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *command;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  command = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (command, "execute"));
  g_assert_true (json_object_has_member (command, "id"));
  g_ptr_array_add (server->commands, json_object_ref (command));

  if (server->answer_caps && g_str_equal (command_name (command), "qmp_capabilities"))
    server_sendf (server, "{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}", command_id (command));
  else if (server->on_command)
    server->on_command (server, command, server->on_command_data);
}

static gboolean
server_on_readable (int fd, GIOCondition condition, gpointer user_data)
{
  FakeServer *server = user_data;
  char buf[65536];
  union {
    char space[CMSG_SPACE (sizeof (int) * 16)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { buf, sizeof buf };
  struct msghdr msg = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = &control,
    .msg_controllen = sizeof control,
  };
  ssize_t n = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC);
  guint8 *nl;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      server->peer_closed = TRUE;
      g_clear_pointer (&server->read_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int n_fds = (int) ((c->cmsg_len - CMSG_LEN (0)) / sizeof (int));
        const int *fds = (const int *) CMSG_DATA (c);

        g_array_append_vals (server->fds, fds, (guint) n_fds);
      }

  g_byte_array_append (server->in, (guint8 *) buf, (guint) n);
  while ((nl = memchr (server->in->data, '\n', server->in->len)) != NULL)
    {
      gsize len = (gsize) (nl - server->in->data);
      g_autofree char *line = g_strndup ((char *) server->in->data, len);

      g_byte_array_remove_range (server->in, 0, (guint) len + 1);
      server_handle_line (server, line);
    }
  return G_SOURCE_CONTINUE;
}

static FakeServer *
server_new (int fd)
{
  FakeServer *server = g_new0 (FakeServer, 1);

  server->fd = fd;
  g_assert_true (g_unix_set_fd_nonblocking (fd, TRUE, NULL));
  server->in = g_byte_array_new ();
  server->out = g_byte_array_new ();
  server->fds = g_array_new (FALSE, FALSE, sizeof (int));
  server->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  server->answer_caps = TRUE;
  server->read_source = g_unix_fd_source_new (fd, G_IO_IN);
  g_source_set_callback (server->read_source, G_SOURCE_FUNC (server_on_readable), server, NULL);
  g_source_attach (server->read_source, NULL);
  return server;
}

static void
server_close (FakeServer *server)
{
  if (server->read_source)
    g_source_destroy (server->read_source);
  g_clear_pointer (&server->read_source, g_source_unref);
  if (server->write_source)
    g_source_destroy (server->write_source);
  g_clear_pointer (&server->write_source, g_source_unref);
  if (server->fd >= 0)
    close (server->fd);
  server->fd = -1;
}

static void
server_free (FakeServer *server)
{
  server_close (server);
  for (guint i = 0; i < server->fds->len; i++)
    close (g_array_index (server->fds, int, i));
  g_array_unref (server->fds);
  g_byte_array_unref (server->in);
  g_byte_array_unref (server->out);
  g_ptr_array_unref (server->commands);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeServer, server_free)

#define GREETING                                                                           \
  "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "      \
  "\"package\": \"Debian 1:7.2+dfsg-7\"}, \"capabilities\": [\"oob\"]}}"

/* ---- helpers ---- */

static gboolean
on_deadline (gpointer user_data)
{
  g_error ("test did not finish in time: %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *@flag is set; a hang fails the test. */
#define RUN_UNTIL(flag) run_until (&(flag), #flag)
static void
run_until (const gboolean *flag, const char *what)
{
  guint deadline = g_timeout_add_seconds (20, on_deadline, (gpointer) what);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
}

/* Lets the loop run for @ms, e.g. to show that something does not happen. */
static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

typedef struct {
  gboolean done;
  VbQmpClient *client;
  JsonNode *reply;
  GError *error;
} Result;

static void
result_clear (Result *result)
{
  g_clear_object (&result->client);
  g_clear_pointer (&result->reply, json_node_unref);
  g_clear_error (&result->error);
  result->done = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static void
on_client_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *result = user_data;

  result->client = vb_qmp_client_new_finish (res, &result->error);
  result->done = TRUE;
}

static void
on_reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *result = user_data;

  result->reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), res, &result->error);
  result->done = TRUE;
}

/* A client connected to a fresh fake server that has sent its greeting. */
static VbQmpClient *
connect_pair (FakeServer **server_out)
{
  int fds[2];
  FakeServer *server;
  g_auto (Result) result = { 0 };

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  server = server_new (fds[1]);
  server_send_line (server, GREETING);
  vb_qmp_client_new_for_fd_async (fds[0], NULL, on_client_ready, &result);
  RUN_UNTIL (result.done);
  g_assert_no_error (result.error);
  *server_out = server;
  return g_steal_pointer (&result.client);
}

typedef struct {
  guint count;
  GError *error;
} ClosedRecord;

static void
on_closed (VbQmpClient *client, GError *error, gpointer user_data)
{
  ClosedRecord *record = user_data;

  record->count++;
  g_clear_error (&record->error);
  record->error = g_error_copy (error);
}

/* ---- tests ---- */

static void
test_handshake (void)
{
  g_autoptr (FakeServer) server = NULL;
  g_autoptr (VbQmpClient) client = connect_pair (&server);
  guint major, minor, micro;
  JsonObject *first;

  g_assert_cmpstr (vb_qmp_client_get_qemu_version (client), ==, "7.2.22");
  g_assert_cmpstr (vb_qmp_client_get_qemu_package (client), ==, "Debian 1:7.2+dfsg-7");
  vb_qmp_client_get_qemu_version_numbers (client, &major, &minor, &micro);
  g_assert_cmpuint (major, ==, 7);
  g_assert_cmpuint (minor, ==, 2);
  g_assert_cmpuint (micro, ==, 22);

  /* The first and only thing the client said is the capabilities command. */
  g_assert_cmpuint (server->commands->len, ==, 1);
  first = g_ptr_array_index (server->commands, 0);
  g_assert_cmpstr (command_name (first), ==, "qmp_capabilities");
  g_assert_false (json_object_has_member (first, "arguments"));
  g_assert_false (vb_qmp_client_is_closed (client));
}

static void
test_handshake_failures (void)
{
  int fds[2];
  g_auto (Result) result = { 0 };
  g_autoptr (FakeServer) server = NULL;

  /* QEMU refusing the capabilities fails the constructor with its error. */
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  server = server_new (fds[1]);
  server->answer_caps = FALSE;
  server->on_command = (CommandFunc) NULL;
  server_send_line (server, GREETING);
  vb_qmp_client_new_for_fd_async (fds[0], NULL, on_client_ready, &result);
  while (server->commands->len == 0)
    g_main_context_iteration (NULL, TRUE);
  server_sendf (server, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no caps\"}, \"id\": %"
                G_GINT64_FORMAT "}",
                command_id (g_ptr_array_index (server->commands, 0)));
  RUN_UNTIL (result.done);
  g_assert_error (result.error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_nonnull (strstr (result.error->message, "no caps"));
  g_assert_null (result.client);
  result_clear (&result);
  g_clear_pointer (&server, server_free);

  /* A peer that hangs up before greeting fails it too. */
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  close (fds[1]);
  vb_qmp_client_new_for_fd_async (fds[0], NULL, on_client_ready, &result);
  RUN_UNTIL (result.done);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  result_clear (&result);

  /* Cancelling while waiting for the greeting ends the wait at once. */
  {
    g_autoptr (GCancellable) cancellable = g_cancellable_new ();
    int silent_peer;

    g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
    silent_peer = fds[1];
    vb_qmp_client_new_for_fd_async (fds[0], cancellable, on_client_ready, &result);
    spin (20);
    g_assert_false (result.done);
    g_cancellable_cancel (cancellable);
    RUN_UNTIL (result.done);
    g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (result.client);
    result_clear (&result);
    close (silent_peer);
  }

  /* And a path nobody listens on. */
  vb_qmp_client_new_for_path_async ("/nonexistent/virtbus-qmp.sock", NULL, on_client_ready,
                                    &result);
  RUN_UNTIL (result.done);
  g_assert_nonnull (result.error);
  g_assert_null (result.client);
}

/* Answers each command once three have arrived, last first. */
static void
answer_reversed (FakeServer *server, JsonObject *command, gpointer user_data)
{
  guint n = server->commands->len;

  if (n < 4) /* qmp_capabilities + three */
    return;
  for (guint i = n; i > 1; i--)
    {
      JsonObject *c = g_ptr_array_index (server->commands, i - 1);

      if (g_str_equal (command_name (c), "fail-me"))
        server_sendf (server,
                      "{\"id\": %" G_GINT64_FORMAT ", \"error\": {\"class\": \"CommandNotFound\", "
                      "\"desc\": \"The command fail-me has not been found\"}}",
                      command_id (c));
      else
        server_sendf (server, "{\"return\": {\"echo\": \"%s\"}, \"id\": %" G_GINT64_FORMAT "}",
                      command_name (c), command_id (c));
    }
}

static void
test_out_of_order (void)
{
  g_autoptr (FakeServer) server = NULL;
  g_autoptr (VbQmpClient) client = connect_pair (&server);
  g_auto (Result) a = { 0 };
  g_auto (Result) b = { 0 };
  g_auto (Result) c = { 0 };
  g_autoptr (JsonObject) args = json_object_new ();
  JsonObject *sent;

  server->on_command = answer_reversed;
  json_object_set_string_member (args, "device", "virtio-net-pci");
  json_object_set_string_member (args, "newline", "a\nb");
  vb_qmp_client_execute_async (client, "query-a", NULL, -1, NULL, on_reply, &a);
  vb_qmp_client_execute_async (client, "query-b", args, -1, NULL, on_reply, &b);
  vb_qmp_client_execute_async (client, "fail-me", NULL, -1, NULL, on_reply, &c);
  RUN_UNTIL (a.done);
  RUN_UNTIL (b.done);
  RUN_UNTIL (c.done);

  g_assert_no_error (a.error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (a.reply), "echo"), ==,
                   "query-a");
  g_assert_no_error (b.error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (b.reply), "echo"), ==,
                   "query-b");
  g_assert_error (c.error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (c.error->message, "CommandNotFound"));
  g_assert_nonnull (strstr (c.error->message, "has not been found"));

  /* Arguments arrive as sent, the newline inside a string included. */
  sent = g_ptr_array_index (server->commands, 2);
  g_assert_cmpstr (command_name (sent), ==, "query-b");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (sent, "arguments"),
                                                  "newline"),
                   ==, "a\nb");
  /* Each command got its own id. */
  g_assert_cmpint (command_id (g_ptr_array_index (server->commands, 1)), !=,
                   command_id (g_ptr_array_index (server->commands, 2)));
}

typedef struct {
  GPtrArray *names;
  GPtrArray *data;
  GArray *stamps;
  guint shutdowns;
} EventLog;

static void
on_event (VbQmpClient *client, const char *name, JsonObject *data, gint64 usec, gpointer user_data)
{
  EventLog *log = user_data;

  g_ptr_array_add (log->names, g_strdup (name));
  g_ptr_array_add (log->data, json_object_ref (data));
  g_array_append_val (log->stamps, usec);
}

static void
on_shutdown (VbQmpClient *client, const char *name, JsonObject *data, gint64 usec,
             gpointer user_data)
{
  EventLog *log = user_data;

  g_assert_cmpstr (name, ==, "SHUTDOWN");
  log->shutdowns++;
}

static void
test_events (void)
{
  g_autoptr (FakeServer) server = NULL;
  g_autoptr (VbQmpClient) client = connect_pair (&server);
  EventLog log = {
    .names = g_ptr_array_new_with_free_func (g_free),
    .data = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref),
    .stamps = g_array_new (FALSE, FALSE, sizeof (gint64)),
  };
  JsonObject *data;

  g_signal_connect (client, "event", G_CALLBACK (on_event), &log);
  g_signal_connect (client, "event::SHUTDOWN", G_CALLBACK (on_shutdown), &log);
  server_send_line (server, "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250}, "
                            "\"event\": \"STOP\"}");
  server_send_line (server,
                    "{\"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 5}, \"event\": "
                    "\"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}");
  /* Unknown events are delivered as well: the client does not judge them. */
  server_send_line (server, "{\"event\": \"VB_NEW_IN_QEMU_99\", \"data\": [1, 2]}");
  while (log.names->len < 3)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (g_ptr_array_index (log.names, 0), ==, "STOP");
  g_assert_cmpuint (json_object_get_size (g_ptr_array_index (log.data, 0)), ==, 0);
  g_assert_cmpint (g_array_index (log.stamps, gint64, 0), ==, G_GINT64_CONSTANT (1700000000000250));

  g_assert_cmpstr (g_ptr_array_index (log.names, 1), ==, "SHUTDOWN");
  data = g_ptr_array_index (log.data, 1);
  g_assert_true (json_object_get_boolean_member (data, "guest"));
  g_assert_cmpstr (json_object_get_string_member (data, "reason"), ==, "guest-shutdown");
  g_assert_cmpint (g_array_index (log.stamps, gint64, 1), ==, G_GINT64_CONSTANT (1700000001000005));

  g_assert_cmpstr (g_ptr_array_index (log.names, 2), ==, "VB_NEW_IN_QEMU_99");
  g_assert_cmpuint (json_object_get_size (g_ptr_array_index (log.data, 2)), ==, 0);
  g_assert_cmpint (g_array_index (log.stamps, gint64, 2), ==, 0);

  /* The detailed handler saw only its event. */
  g_assert_cmpuint (log.shutdowns, ==, 1);

  g_signal_handlers_disconnect_by_data (client, &log);
  g_ptr_array_unref (log.names);
  g_ptr_array_unref (log.data);
  g_array_unref (log.stamps);
}

static void
answer_status_only (FakeServer *server, JsonObject *command, gpointer user_data)
{
  if (g_str_equal (command_name (command), "query-status"))
    server_sendf (server,
                  "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": %" G_GINT64_FORMAT
                  "}",
                  command_id (command));
}

static void
test_timeout_and_cancel (void)
{
  g_autoptr (FakeServer) server = NULL;
  g_autoptr (VbQmpClient) client = connect_pair (&server);
  g_auto (Result) hang = { 0 };
  g_auto (Result) cancelled = { 0 };
  g_auto (Result) status = { 0 };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  ClosedRecord closed = { 0 };
  gint64 start;
  gint64 hang_id;

  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &closed);
  server->on_command = answer_status_only;
  vb_qmp_client_set_timeout (client, 200);
  g_assert_cmpuint (vb_qmp_client_get_timeout (client), ==, 200);

  start = g_get_monotonic_time ();
  vb_qmp_client_execute_async (client, "hang", NULL, -1, NULL, on_reply, &hang);
  vb_qmp_client_execute_full_async (client, "hang-longer", NULL, -1, 5000, cancellable, on_reply,
                                    &cancelled);
  RUN_UNTIL (hang.done);
  g_assert_error (hang.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 190 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3000 * 1000);
  /* The second one has its own, longer timeout. */
  g_assert_false (cancelled.done);

  g_cancellable_cancel (cancellable);
  RUN_UNTIL (cancelled.done);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* Late replies to both are dropped quietly; the client keeps working. */
  hang_id = command_id (g_ptr_array_index (server->commands, 1));
  server_sendf (server, "{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}", hang_id);
  server_sendf (server, "{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}", hang_id + 1);
  vb_qmp_client_set_timeout (client, 0);
  g_assert_cmpuint (vb_qmp_client_get_timeout (client), ==, VB_QMP_DEFAULT_TIMEOUT_MS);
  vb_qmp_client_execute_async (client, "query-status", NULL, -1, NULL, on_reply, &status);
  RUN_UNTIL (status.done);
  g_assert_no_error (status.error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (status.reply), "running"));
  g_assert_cmpuint (closed.count, ==, 0);
  g_assert_false (vb_qmp_client_is_closed (client));

  /* An already cancelled cancellable fails at once, nothing is sent. */
  result_clear (&cancelled);
  vb_qmp_client_execute_async (client, "never-sent", NULL, -1, cancellable, on_reply, &cancelled);
  RUN_UNTIL (cancelled.done);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  spin (50);
  for (guint i = 0; i < server->commands->len; i++)
    g_assert_cmpstr (command_name (g_ptr_array_index (server->commands, i)), !=, "never-sent");

  g_signal_handlers_disconnect_by_data (client, &closed);
}

static void
test_eof (void)
{
  g_autoptr (FakeServer) server = NULL;
  g_autoptr (VbQmpClient) client = connect_pair (&server);
  g_auto (Result) a = { 0 };
  g_auto (Result) b = { 0 };
  g_auto (Result) after = { 0 };
  ClosedRecord closed = { 0 };

  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &closed);
  vb_qmp_client_execute_async (client, "query-a", NULL, -1, NULL, on_reply, &a);
  vb_qmp_client_execute_async (client, "query-b", NULL, -1, NULL, on_reply, &b);
  while (server->commands->len < 3)
    g_main_context_iteration (NULL, TRUE);

  /* QEMU's last words still count, then it goes away. */
  server_send_line (server, "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false}}");
  server_close (server);
  RUN_UNTIL (a.done);
  RUN_UNTIL (b.done);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_cmpuint (closed.count, ==, 1);
  g_assert_error (closed.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_true (vb_qmp_client_is_closed (client));

  /* Commands after the end fail, and neither they nor close() emit again. */
  vb_qmp_client_execute_async (client, "query-c", NULL, -1, NULL, on_reply, &after);
  RUN_UNTIL (after.done);
  g_assert_error (after.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  vb_qmp_client_close (client);
  spin (20);
  g_assert_cmpuint (closed.count, ==, 1);

  g_signal_handlers_disconnect_by_data (client, &closed);
  g_clear_error (&closed.error);
}

static void
test_close_by_us (void)
{
  g_autoptr (FakeServer) server = NULL;
  g_autoptr (VbQmpClient) client = connect_pair (&server);
  g_auto (Result) a = { 0 };
  ClosedRecord closed = { 0 };

  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &closed);
  vb_qmp_client_execute_async (client, "query-a", NULL, -1, NULL, on_reply, &a);
  vb_qmp_client_close (client);
  RUN_UNTIL (a.done);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (closed.count, ==, 1);
  RUN_UNTIL (server->peer_closed);

  g_signal_handlers_disconnect_by_data (client, &closed);
  g_clear_error (&closed.error);
}

/* ---- fuzz ---- */

static void
append_random_json (GString *s, GRand *rand, int depth)
{
  switch (g_rand_int_range (rand, 0, depth > 3 ? 4 : 7))
    {
    case 0:
      g_string_append_printf (s, "%d", g_rand_int_range (rand, -1000000, 1000000));
      break;
    case 1:
      g_string_append_printf (s, "\"s%u\\n\\u00e9\"", g_rand_int (rand));
      break;
    case 2:
      g_string_append (s, g_rand_boolean (rand) ? "true" : "null");
      break;
    case 3:
      g_string_append_printf (s, "%g", g_rand_double_range (rand, -1e300, 1e300));
      break;
    case 4:
    case 5:
      {
        int n = g_rand_int_range (rand, 0, 4);

        g_string_append_c (s, '{');
        for (int i = 0; i < n; i++)
          {
            static const char *const keys[] = { "return", "error", "id", "event", "data",
                                                 "timestamp", "class", "desc", "QMP", "x" };

            if (i)
              g_string_append_c (s, ',');
            g_string_append_printf (s, "\"%s\":", keys[g_rand_int_range (rand, 0, 10)]);
            append_random_json (s, rand, depth + 1);
          }
        g_string_append_c (s, '}');
      }
      break;
    default:
      {
        int n = g_rand_int_range (rand, 0, 4);

        g_string_append_c (s, '[');
        for (int i = 0; i < n; i++)
          {
            if (i)
              g_string_append_c (s, ',');
            append_random_json (s, rand, depth + 1);
          }
        g_string_append_c (s, ']');
      }
    }
}

/* One line of garbage, without its newline. Replies use ids far above any
 * the client hands out, so no fuzz line can answer a real command. */
static void
make_fuzz_line (GString *s, GRand *rand, guint *huge_budget)
{
  static const char *const valid[] = {
    "{\"return\": {\"status\": \"running\"}, \"id\": 1000001}",
    "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}",
    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, \"id\": 1000002}",
    GREETING,
  };

  g_string_truncate (s, 0);
  switch (g_rand_int_range (rand, 0, 12))
    {
    case 0: /* random bytes, NULs and invalid UTF-8 included */
      {
        int n = g_rand_int_range (rand, 0, 300);

        for (int i = 0; i < n; i++)
          {
            char c = (char) g_rand_int_range (rand, 0, 256);

            g_string_append_c (s, c == '\n' ? ' ' : c);
          }
      }
      break;
    case 1: /* a valid message cut short */
      {
        const char *v = valid[g_rand_int_range (rand, 0, G_N_ELEMENTS (valid))];

        g_string_append_len (s, v, g_rand_int_range (rand, 0, (gint32) strlen (v)));
      }
      break;
    case 2: /* JSON that is not an object */
      {
        static const char *const not_objects[] = { "42", "\"QMP\"", "null", "[]",
                                                   "[{\"return\": {}, \"id\": 1}]",
                                                   "true", "-0.5e10", "\"\\ud800\"" };

        g_string_append (s, not_objects[g_rand_int_range (rand, 0, G_N_ELEMENTS (not_objects))]);
      }
      break;
    case 3: /* replies with unknown or malformed ids */
      {
        static const char *const ids[] = { "1000003", "\"1\"", "null", "{}", "[1]", "1.5",
                                           "-1", "9223372036854775807" };

        g_string_append_printf (s, "{\"return\": %s, \"id\": %s}",
                                g_rand_boolean (rand) ? "{}" : "[1, 2]",
                                ids[g_rand_int_range (rand, 0, G_N_ELEMENTS (ids))]);
        if (g_rand_boolean (rand))
          g_string_assign (s, "{\"error\": \"not an object\", \"id\": 1000004}");
      }
      break;
    case 4: /* unknown events and events of the wrong shape */
      {
        static const char *const events[] = {
          "{\"event\": \"VB_FUZZ_%u\", \"data\": {\"n\": 1}}",
          "{\"event\": \"VB_FUZZ_%u\", \"data\": 5, \"timestamp\": \"now\"}",
          "{\"event\": %u}",
          "{\"event\": \"VB_FUZZ_%u\", \"timestamp\": {\"seconds\": \"x\", \"microseconds\": []}}",
          ("{\"event\": \"VB_FUZZ_%u\", \"timestamp\": {\"seconds\": 9223372036854775807, "
           "\"microseconds\": -9223372036854775807}}"),
        };

        g_string_append_printf (s, events[g_rand_int_range (rand, 0, G_N_ELEMENTS (events))],
                                g_rand_int_range (rand, 0, 100));
      }
      break;
    case 5: /* deep nesting */
      {
        int n = g_rand_int_range (rand, 1, 20000);

        for (int i = 0; i < n; i++)
          g_string_append_c (s, g_rand_boolean (rand) ? '[' : '{');
      }
      break;
    case 6: /* a big line (below the cap) */
      if (*huge_budget > 0)
        {
          gsize n = (gsize) g_rand_int_range (rand, 1, 3) * 1024 * 1024;

          (*huge_budget)--;
          g_string_append (s, "{\"return\": {\"blob\": \"");
          for (gsize i = 0; i < n; i++)
            g_string_append_c (s, 'a' + (char) (i % 26));
          if (g_rand_boolean (rand))
            g_string_append (s, "\"}, \"id\": 1000005}");
        }
      break;
    case 7: /* random well-formed JSON */
      append_random_json (s, rand, 0);
      break;
    case 8: /* a second greeting, whitespace, CR */
      g_string_append (s, g_rand_boolean (rand) ? GREETING : " \t\r");
      break;
    case 9: /* unterminated strings and escapes */
      g_string_append (s, g_rand_boolean (rand) ? "{\"event\": \"STOP" : "{\"a\": \"\\u12");
      break;
    default: /* valid lines mixed in */
      g_string_append (s, valid[g_rand_int_range (rand, 0, 3)]);
    }
}

static void
answer_all (FakeServer *server, JsonObject *command, gpointer user_data)
{
  server_sendf (server, "{\"return\": {\"echo\": \"%s\"}, \"id\": %" G_GINT64_FORMAT "}",
                command_name (command), command_id (command));
}

static void
count_event (VbQmpClient *client, const char *name, JsonObject *data, gint64 usec,
             gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_fuzz (void)
{
  g_autoptr (FakeServer) server = NULL;
  g_autoptr (VbQmpClient) client = connect_pair (&server);
  /* Fixed, so a failure repeats; VB_FUZZ_SEED explores other streams. */
  const char *seed_env = g_getenv ("VB_FUZZ_SEED");
  guint32 seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : 20240611;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GString) line = g_string_new (NULL);
  g_auto (Result) during = { 0 };
  g_auto (Result) after = { 0 };
  ClosedRecord closed = { 0 };
  guint huge_budget = 12;
  guint n_events = 0;
  JsonObject *pending;

  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &closed);
  g_signal_connect (client, "event", G_CALLBACK (count_event), &n_events);

  /* A command is pending while the garbage flows: it must survive it. */
  vb_qmp_client_execute_async (client, "query-during", NULL, -1, NULL, on_reply, &during);
  while (server->commands->len < 2)
    g_main_context_iteration (NULL, TRUE);
  pending = g_ptr_array_index (server->commands, 1);

  for (guint i = 0; i < 5000; i++)
    {
      make_fuzz_line (line, rand, &huge_budget);
      server_send_raw (server, line->str, line->len);
      server_send_raw (server, "\n", 1);
      /* Keep the outgoing queue short so memory stays low; the client
       * consumes while we iterate. */
      while (server->out->len > 4 * 1024 * 1024)
        g_main_context_iteration (NULL, TRUE);
      if (i % 64 == 0)
        while (g_main_context_iteration (NULL, FALSE))
          ;
    }
  /* The valid events among the garbage got through. */
  g_assert_cmpuint (n_events, >, 100);

  server_sendf (server, "{\"return\": {\"late\": true}, \"id\": %" G_GINT64_FORMAT "}",
                command_id (pending));
  RUN_UNTIL (during.done);
  g_assert_no_error (during.error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (during.reply), "late"));

  server->on_command = answer_all;
  vb_qmp_client_execute_async (client, "query-after", NULL, -1, NULL, on_reply, &after);
  RUN_UNTIL (after.done);
  g_assert_no_error (after.error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (after.reply), "echo"), ==,
                   "query-after");
  g_assert_cmpuint (closed.count, ==, 0);

  g_signal_handlers_disconnect_by_data (client, &closed);
  g_signal_handlers_disconnect_by_data (client, &n_events);
}

static void
test_oversize_line (void)
{
  g_autoptr (FakeServer) server = NULL;
  g_autoptr (VbQmpClient) client = connect_pair (&server);
  g_auto (Result) a = { 0 };
  ClosedRecord closed = { 0 };
  g_autofree char *chunk = g_malloc (1024 * 1024);

  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &closed);
  vb_qmp_client_execute_async (client, "query-a", NULL, -1, NULL, on_reply, &a);

  /* 17 MiB without a newline. */
  memset (chunk, 'x', 1024 * 1024);
  server_send_raw (server, "{\"return\": \"", 12);
  for (int i = 0; i < 17 && closed.count == 0; i++)
    {
      server_send_raw (server, chunk, 1024 * 1024);
      while (server->out->len > 0 && closed.count == 0)
        g_main_context_iteration (NULL, TRUE);
    }
  RUN_UNTIL (a.done);
  g_assert_error (a.error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_nonnull (strstr (a.error->message, "16 MiB"));
  g_assert_cmpuint (closed.count, ==, 1);
  g_assert_error (closed.error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_true (vb_qmp_client_is_closed (client));

  g_signal_handlers_disconnect_by_data (client, &closed);
  g_clear_error (&closed.error);
}

/* Writes through the fd it received with getfd, then answers. */
static void
answer_getfd (FakeServer *server, JsonObject *command, gpointer user_data)
{
  static const char message[] = "written by the server";
  JsonObject *args = json_object_get_object_member (command, "arguments");
  int fd;

  g_assert_cmpstr (command_name (command), ==, "getfd");
  g_assert_cmpstr (json_object_get_string_member (args, "fdname"), ==, "vb-test");
  g_assert_cmpuint (server->fds->len, ==, 1);
  fd = g_array_index (server->fds, int, 0);
  g_assert_cmpint (write (fd, message, sizeof message - 1), ==, (ssize_t) sizeof message - 1);
  server_sendf (server, "{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}", command_id (command));
}

static void
test_fd_passing (void)
{
  g_autoptr (FakeServer) server = NULL;
  g_autoptr (VbQmpClient) client = connect_pair (&server);
  g_autoptr (JsonObject) args = json_object_new ();
  g_auto (Result) result = { 0 };
  int pipe_fds[2];
  char buf[64] = { 0 };

  server->on_command = answer_getfd;
  g_assert_no_errno (pipe (pipe_fds));
  json_object_set_string_member (args, "fdname", "vb-test");
  vb_qmp_client_execute_async (client, "getfd", args, pipe_fds[1], NULL, on_reply, &result);
  /* The client sends a duplicate: ours can go at once. */
  close (pipe_fds[1]);
  RUN_UNTIL (result.done);
  g_assert_no_error (result.error);

  g_assert_cmpint (read (pipe_fds[0], buf, sizeof buf - 1), ==, 21);
  g_assert_cmpstr (buf, ==, "written by the server");
  close (pipe_fds[0]);
}

/* ---- the real QEMU ---- */

static gboolean
socket_appeared (gpointer user_data)
{
  return g_file_test (user_data, G_FILE_TEST_EXISTS);
}

static void
on_qemu_exited (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *done = TRUE;
}

static void
test_real_qemu (void)
{
  const char *binary = g_getenv ("VB_QEMU_BINARY");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *qmp_arg = NULL;
  g_autoptr (GSubprocess) qemu = NULL;
  g_autoptr (VbQmpClient) client = NULL;
  g_auto (Result) result = { 0 };
  ClosedRecord closed = { 0 };
  gboolean exited = FALSE;
  gint64 deadline;
  JsonObject *obj;
  guint major;

  if (!binary || !*binary)
    binary = "qemu-system-x86_64";
  path = g_find_program_in_path (binary);
  if (!path)
    {
      g_test_skip_printf ("%s not found", binary);
      return;
    }

  dir = g_dir_make_tmp ("vb-qmp-test-XXXXXX", &error);
  g_assert_no_error (error);
  sock = g_build_filename (dir, "qmp.sock", NULL);
  qmp_arg = g_strdup_printf ("unix:%s,server=on,wait=off", sock);
  qemu = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, path, "-machine", "none",
                           "-nodefaults", "-display", "none", "-no-user-config", "-qmp",
                           qmp_arg, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (qemu, NULL, on_qemu_exited, &exited);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!socket_appeared (sock) && !exited && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_true (socket_appeared (sock));

  vb_qmp_client_new_for_path_async (sock, NULL, on_client_ready, &result);
  RUN_UNTIL (result.done);
  g_assert_no_error (result.error);
  client = g_steal_pointer (&result.client);
  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &closed);
  vb_qmp_client_get_qemu_version_numbers (client, &major, NULL, NULL);
  g_assert_cmpuint (major, >=, 2);
  g_test_message ("QEMU %s (%s)", vb_qmp_client_get_qemu_version (client),
                  vb_qmp_client_get_qemu_package (client));

  result_clear (&result);
  vb_qmp_client_execute_async (client, "query-version", NULL, -1, NULL, on_reply, &result);
  RUN_UNTIL (result.done);
  g_assert_no_error (result.error);
  obj = vb_qmp_member_object (json_node_get_object (result.reply), "qemu");
  g_assert_nonnull (obj);
  g_assert_cmpint (vb_qmp_member_int (obj, "major", -1), ==, major);

  result_clear (&result);
  vb_qmp_client_execute_async (client, "query-status", NULL, -1, NULL, on_reply, &result);
  RUN_UNTIL (result.done);
  g_assert_no_error (result.error);
  obj = json_node_get_object (result.reply);
  g_assert_nonnull (vb_qmp_member_string (obj, "status"));
  g_assert_true (json_object_has_member (obj, "running"));

  /* fd passing as QEMU itself sees it: getfd names the fd that came with
   * the command, add-fd puts one into an fd set. */
  {
    g_autoptr (JsonObject) getfd_args = json_object_new ();
    g_autoptr (JsonObject) addfd_args = json_object_new ();
    g_autoptr (JsonObject) closefd_args = json_object_new ();
    int pipe_fds[2];

    g_assert_no_errno (pipe (pipe_fds));
    json_object_set_string_member (getfd_args, "fdname", "vb-test");
    result_clear (&result);
    vb_qmp_client_execute_async (client, "getfd", getfd_args, pipe_fds[1], NULL, on_reply,
                                 &result);
    RUN_UNTIL (result.done);
    g_assert_no_error (result.error);

    json_object_set_string_member (closefd_args, "fdname", "vb-test");
    result_clear (&result);
    vb_qmp_client_execute_async (client, "closefd", closefd_args, -1, NULL, on_reply, &result);
    RUN_UNTIL (result.done);
    g_assert_no_error (result.error);

    json_object_set_int_member (addfd_args, "fdset-id", 7);
    result_clear (&result);
    vb_qmp_client_execute_async (client, "add-fd", addfd_args, pipe_fds[0], NULL, on_reply,
                                 &result);
    RUN_UNTIL (result.done);
    g_assert_no_error (result.error);
    obj = json_node_get_object (result.reply);
    g_assert_cmpint (vb_qmp_member_int (obj, "fdset-id", -1), ==, 7);
    g_assert_cmpint (vb_qmp_member_int (obj, "fd", -1), >=, 0);

    /* Without an fd, getfd is QEMU's error, not a broken client. */
    result_clear (&result);
    vb_qmp_client_execute_async (client, "getfd", getfd_args, -1, NULL, on_reply, &result);
    RUN_UNTIL (result.done);
    g_assert_error (result.error, VB_ERROR, VB_ERROR_FAILED);
    g_test_message ("getfd without fd: %s", result.error->message);
    close (pipe_fds[0]);
    close (pipe_fds[1]);
  }

  /* QEMU's own error reply becomes our error. */
  result_clear (&result);
  vb_qmp_client_execute_async (client, "vb-no-such-command", NULL, -1, NULL, on_reply, &result);
  RUN_UNTIL (result.done);
  g_assert_error (result.error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (result.error->message, "CommandNotFound"));

  result_clear (&result);
  vb_qmp_client_execute_async (client, "quit", NULL, -1, NULL, on_reply, &result);
  RUN_UNTIL (result.done);
  RUN_UNTIL (exited);
  while (closed.count == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (closed.count, ==, 1);

  g_signal_handlers_disconnect_by_data (client, &closed);
  g_clear_error (&closed.error);
  g_unlink (sock);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qmp-client/handshake", test_handshake);
  g_test_add_func ("/qmp-client/handshake-failures", test_handshake_failures);
  g_test_add_func ("/qmp-client/out-of-order", test_out_of_order);
  g_test_add_func ("/qmp-client/events", test_events);
  g_test_add_func ("/qmp-client/timeout-and-cancel", test_timeout_and_cancel);
  g_test_add_func ("/qmp-client/eof", test_eof);
  g_test_add_func ("/qmp-client/close", test_close_by_us);
  g_test_add_func ("/qmp-client/fuzz", test_fuzz);
  g_test_add_func ("/qmp-client/oversize-line", test_oversize_line);
  g_test_add_func ("/qmp-client/fd-passing", test_fd_passing);
  g_test_add_func ("/qmp-client/real-qemu", test_real_qemu);

  return g_test_run ();
}
