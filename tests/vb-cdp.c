/* Chromium over its DevTools pipe: see vb-cdp.h. */
#include "vb-cdp.h"

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vb-test-groups.h"

/* Debian's /usr/bin/chromium is a script that adds flags and Google API keys
 * from /etc/chromium.d; the binary behind it takes only ours. */
#define CHROMIUM_BINARY "/usr/lib/chromium/chromium"
#define READ_CHUNK 65536

struct _VbCdp {
  GSubprocess *process;
  GPid pgid;
  GOutputStream *commands; /* its fd 3 */
  GInputStream *messages;  /* its fd 4 */
  GCancellable *cancellable;
  GByteArray *pending; /* bytes of a message not yet ended by NUL */
  GHashTable *replies; /* id → JsonObject (the whole reply) */
  gint64 next_id;
  gboolean reading; /* a read is under way: its callback still needs us */
  gboolean closed;
  VbCdpEventFunc on_event;
  gpointer user_data;
};

char *
vb_json_quote (const char *text)
{
  g_autoptr (JsonNode) node = json_node_init_string (json_node_alloc (), text);

  return json_to_string (node, FALSE);
}

JsonObject *
vb_json_object_member (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
vb_json_array_member (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static void
dispatch (VbCdp *cdp, const char *text, gsize length)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  JsonObject *message;

  if (!json_parser_load_from_data (parser, text, length, &error))
    {
      g_test_message ("DevTools sent what is not JSON (%s)", error->message);
      return;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  message = json_node_get_object (root);
  if (json_object_has_member (message, "id"))
    g_hash_table_insert (cdp->replies,
                         GINT_TO_POINTER ((gint) json_object_get_int_member (message, "id")),
                         json_object_ref (message));
  else if (cdp->on_event && json_object_has_member (message, "method"))
    {
      JsonObject *params = vb_json_object_member (message, "params");
      const char *session = json_object_get_string_member_with_default (message, "sessionId", NULL);
      g_autoptr (JsonObject) empty = json_object_new ();

      cdp->on_event (json_object_get_string_member (message, "method"), params ? params : empty,
                     session, cdp->user_data);
    }
}

static void read_more (VbCdp *cdp);

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbCdp *cdp = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes =
    g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  gsize size = 0;
  gconstpointer chunk;
  const guint8 *data;
  gsize start = 0;

  cdp->reading = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* being freed */
  if (!bytes || g_bytes_get_size (bytes) == 0)
    {
      cdp->closed = TRUE;
      return;
    }
  /* Two statements: an argument list does not order the read of size. */
  chunk = g_bytes_get_data (bytes, &size);
  g_byte_array_append (cdp->pending, chunk, size);
  data = cdp->pending->data;
  for (gsize i = 0; i < cdp->pending->len; i++)
    if (data[i] == '\0')
      {
        dispatch (cdp, (const char *) data + start, i - start);
        start = i + 1;
      }
  g_byte_array_remove_range (cdp->pending, 0, start);
  read_more (cdp);
}

static void
read_more (VbCdp *cdp)
{
  cdp->reading = TRUE;
  g_input_stream_read_bytes_async (cdp->messages, READ_CHUNK, G_PRIORITY_DEFAULT, cdp->cancellable,
                                   on_read, cdp);
}

static const char *
chromium_binary (void)
{
  const char *chosen = g_getenv ("VB_CHROMIUM");

  if (chosen && *chosen)
    return chosen;
  return CHROMIUM_BINARY;
}

VbCdp *
vb_cdp_launch (const char *profile_dir, const char *log_path, VbCdpEventFunc on_event,
               gpointer user_data, GError **error)
{
  g_autoptr (VbCdp) cdp = g_new0 (VbCdp, 1);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *profile_arg = g_strdup_printf ("--user-data-dir=%s", profile_dir);
  int to_browser[2];
  int from_browser[2];
  const char *id;
  const char *argv[] = {
    chromium_binary (),
    "--headless",
    /* As root, Chromium refuses to run sandboxed. */
    "--no-sandbox",
    "--remote-debugging-pipe",
    profile_arg,
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    /* Nothing but the test's pages: no updates, sync, metrics or lookups. */
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-pings",
    "--disable-domain-reliability",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    /* A page in the background must not be slowed down while a test waits. */
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--window-size=1280,1024",
    "about:blank",
    NULL,
  };

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is missing: install the chromium package (./dev.sh test does)", argv[0]);
      return NULL;
    }
  /* A write to a browser that died must be an error, not the end of the test. */
  signal (SIGPIPE, SIG_IGN);
  if (!g_unix_open_pipe (to_browser, FD_CLOEXEC, error))
    return NULL;
  if (!g_unix_open_pipe (from_browser, FD_CLOEXEC, error))
    {
      close (to_browser[0]);
      close (to_browser[1]);
      return NULL;
    }
  cdp->commands = g_unix_output_stream_new (to_browser[1], TRUE);
  cdp->messages = g_unix_input_stream_new (from_browser[0], TRUE);
  cdp->cancellable = g_cancellable_new ();
  cdp->pending = g_byte_array_new ();
  cdp->replies = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) json_object_unref);
  cdp->on_event = on_event;
  cdp->user_data = user_data;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, vb_test_group_child_setup, NULL, NULL);
  /* Our bus and session are not the browser's business. */
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS");
  g_subprocess_launcher_setenv (launcher, "HOME", profile_dir, TRUE);
  g_subprocess_launcher_take_fd (launcher, to_browser[0], 3);
  g_subprocess_launcher_take_fd (launcher, from_browser[1], 4);
  cdp->process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (!cdp->process)
    return NULL;
  id = g_subprocess_get_identifier (cdp->process);
  cdp->pgid = id ? atoi (id) : 0;
  vb_test_group_watch (cdp->pgid);
  /* The launcher holds the child's ends until it is freed: without them
   * here, the browser's end of the pipe is the only one, and its exit is EOF. */
  g_clear_object (&launcher);
  read_more (cdp);
  return g_steal_pointer (&cdp);
}

gboolean
vb_cdp_alive (VbCdp *cdp)
{
  return cdp && !cdp->closed && g_subprocess_get_identifier (cdp->process) != NULL;
}

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

JsonObject *
vb_cdp_call (VbCdp *cdp, const char *session, const char *method, const char *params_json,
             guint timeout_ms, GError **error)
{
  gint id = (gint) ++cdp->next_id;
  g_autofree char *session_part = NULL;
  g_autofree char *message = NULL;
  g_autoptr (JsonObject) reply = NULL;
  gboolean expired = FALSE;
  guint deadline;
  JsonObject *failure;
  JsonObject *result;

  if (session)
    {
      g_autofree char *quoted = vb_json_quote (session);
      session_part = g_strdup_printf (",\"sessionId\":%s", quoted);
    }
  message = g_strdup_printf ("{\"id\":%d,\"method\":\"%s\",\"params\":%s%s}", id, method,
                             params_json ? params_json : "{}", session_part ? session_part : "");
  /* With its NUL: the end of the message on the pipe. */
  if (cdp->closed
      || !g_output_stream_write_all (cdp->commands, message, strlen (message) + 1, NULL, NULL,
                                     error))
    {
      if (error && !*error)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the browser has gone (%s)", method);
      return NULL;
    }

  deadline = g_timeout_add (timeout_ms, on_deadline, &expired);
  while (!g_hash_table_contains (cdp->replies, GINT_TO_POINTER (id)) && !expired && !cdp->closed)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (deadline);

  if (!g_hash_table_steal_extended (cdp->replies, GINT_TO_POINTER (id), NULL, (gpointer *) &reply))
    {
      g_set_error (error, G_IO_ERROR, expired ? G_IO_ERROR_TIMED_OUT : G_IO_ERROR_CLOSED, "%s: %s",
                   method, expired ? "no answer in time" : "the browser ended before answering");
      return NULL;
    }
  failure = vb_json_object_member (reply, "error");
  if (failure)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", method,
                   json_object_get_string_member_with_default (failure, "message", "failed"));
      return NULL;
    }
  result = vb_json_object_member (reply, "result");
  return result ? json_object_ref (result) : json_object_new ();
}

void
vb_cdp_free (VbCdp *cdp)
{
  if (!cdp)
    return;
  if (cdp->cancellable)
    g_cancellable_cancel (cdp->cancellable);
  /* The profile is thrown away: no need for a polite Browser.close. The
   * group goes while its leader is not yet reaped, so the ID is still its. */
  if (cdp->process)
    {
      vb_test_group_kill (cdp->pgid);
      g_subprocess_wait (cdp->process, NULL, NULL);
    }
  /* The cancelled read calls back before its stream and we go. */
  while (cdp->reading)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&cdp->process);
  g_clear_object (&cdp->commands);
  g_clear_object (&cdp->messages);
  g_clear_object (&cdp->cancellable);
  g_clear_pointer (&cdp->pending, g_byte_array_unref);
  g_clear_pointer (&cdp->replies, g_hash_table_unref);
  g_free (cdp);
}
