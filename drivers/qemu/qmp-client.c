/* QMP client: see qmp-client.h.
 *
 * All I/O goes through GSocket sources on the client's main context with the
 * socket non-blocking, so nothing waits in the main loop and dispose can
 * remove every source synchronously (no async operation holds the client).
 * Replies are matched to commands by the "id" member we put in each
 * command. A command that timed out or was cancelled stays in the pending
 * table (without a task) until its late reply arrives, so that reply is
 * dropped quietly instead of being reported as unknown. */
#include "qmp-client.h"

#include <gio/gunixfdmessage.h>
#include <string.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-log.h"

/* Read this much per receive; the line buffer grows as needed. */
#define READ_CHUNK 65536
/* Reads per dispatch, so a flood from QEMU cannot starve other sources. */
#define MAX_READS_PER_DISPATCH 16
/* JSON-GLib's parser recurses per nesting level: 100000 '[' on one line
 * crash json-glib 1.6 (stack overflow). QMP's deepest replies nest about ten
 * levels. */
#define MAX_JSON_DEPTH 256
/* Bad lines logged as messages before the rest go to debug level only. */
#define MAX_LOGGED_BAD_LINES 10

typedef enum {
  STATE_GREETING,
  STATE_HANDSHAKE,
  STATE_READY,
  STATE_CLOSED,
} ClientState;

typedef struct {
  VbQmpClient *client; /* unowned: the client owns every Command */
  gint64 id;
  char *name;
  char *wire; /* the serialized command, newline-terminated */
  gsize wire_len;
  gsize written;
  GSocketControlMessage *fd_message; /* holds its own dup of the fd */
  GTask *task;                       /* NULL once answered, timed out or cancelled */
  GSource *timeout_source;
  GSource *cancel_source;
  guint timeout_ms;
  gboolean in_queue; /* still (partly) unwritten */
  gboolean answered; /* the reply came; free once written */
} Command;

struct _VbQmpClient {
  GObject parent_instance;

  GMainContext *context;
  GSocketConnection *connection; /* only when we connected ourselves */
  GSocket *socket;
  ClientState state;
  GTask *init_task; /* the constructor's task until the handshake ends */
  GSource *init_timeout_source;
  GSource *init_cancel_source;

  GSource *read_source;
  GSource *write_source;
  GByteArray *inbuf;
  gsize scan_from; /* bytes of inbuf already known to hold no newline */

  GQueue outq;         /* Command*, in send order */
  GHashTable *pending; /* gint64 id -> Command*, owns the commands */
  gint64 next_id;
  guint timeout_ms;

  char *version;
  guint version_major;
  guint version_minor;
  guint version_micro;
  char *package;

  char *log_object;
  guint bad_lines;
};

enum {
  SIGNAL_EVENT,
  SIGNAL_CLOSED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VbQmpClient, vb_qmp_client, G_TYPE_OBJECT)

/* Takes @error. */
static void close_with_error (VbQmpClient *self, GError *error, gboolean emit);
static void ensure_write_source (VbQmpClient *self);

static void
command_free (Command *cmd)
{
  if (cmd->timeout_source)
    g_source_destroy (cmd->timeout_source);
  g_clear_pointer (&cmd->timeout_source, g_source_unref);
  if (cmd->cancel_source)
    g_source_destroy (cmd->cancel_source);
  g_clear_pointer (&cmd->cancel_source, g_source_unref);
  g_clear_object (&cmd->fd_message);
  g_clear_object (&cmd->task);
  g_free (cmd->name);
  g_free (cmd->wire);
  g_free (cmd);
}

/* Takes the task out of @cmd and stops its timers, so a reply, a timeout and
 * a cancellation can each only complete it once. */
static GTask *
command_take_task (Command *cmd)
{
  if (cmd->timeout_source)
    g_source_destroy (cmd->timeout_source);
  g_clear_pointer (&cmd->timeout_source, g_source_unref);
  if (cmd->cancel_source)
    g_source_destroy (cmd->cancel_source);
  g_clear_pointer (&cmd->cancel_source, g_source_unref);
  return g_steal_pointer (&cmd->task);
}

/* Forgets @cmd entirely: used when its reply has come, or when it was
 * abandoned before any byte of it was written. */
static void
command_forget (VbQmpClient *self, Command *cmd)
{
  g_hash_table_steal (self->pending, &cmd->id);
  if (cmd->in_queue && cmd->written > 0)
    {
      /* Half written: the writer must finish the line to keep the stream
       * well-formed, and frees the command then. */
      cmd->answered = TRUE;
      return;
    }
  if (cmd->in_queue)
    g_queue_remove (&self->outq, cmd);
  command_free (cmd);
}

static const char *
log_object (VbQmpClient *self)
{
  return self->log_object ? self->log_object : "qmp";
}

static void
log_bad_line (VbQmpClient *self, const char *why, const char *line, gsize len)
{
  g_autofree char *head = g_strndup (line, MIN (len, 120));
  g_autofree char *escaped = g_strescape (head, NULL);

  /* A peer that sends garbage would otherwise fill the log: a few lines tell
   * what is wrong, the rest only show up in debug output. */
  self->bad_lines++;
  if (self->bad_lines <= MAX_LOGGED_BAD_LINES)
    vb_log_message (log_object (self), "skipped a QMP line (%s): \"%s\"%s", why, escaped,
                    len > 120 ? "..." : "");
  else if (self->bad_lines == MAX_LOGGED_BAD_LINES + 1)
    vb_log_message (log_object (self), "more skipped QMP lines are logged at debug level");
  else
    vb_log_debug (log_object (self), "skipped a QMP line (%s): \"%s\"", why, escaped);
}

/* ---- replies, events, greeting ---- */

static GError *
error_from_reply (Command *cmd, JsonObject *error_obj)
{
  const char *klass = NULL;
  const char *desc = NULL;
  int code = VB_ERROR_FAILED;

  if (error_obj)
    {
      klass = vb_qmp_member_string (error_obj, "class");
      desc = vb_qmp_member_string (error_obj, "desc");
    }
  if (!klass)
    klass = "GenericError";
  if (!desc)
    desc = "(no description)";
  if (g_str_equal (klass, "CommandNotFound"))
    code = VB_ERROR_NOT_SUPPORTED;
  else if (g_str_equal (klass, "DeviceNotFound"))
    code = VB_ERROR_NOT_FOUND;
  return g_error_new (VB_ERROR, code, "QMP %s failed: %s: %s", cmd->name, klass, desc);
}

static void
handle_reply (VbQmpClient *self, JsonObject *msg, const char *line, gsize len)
{
  JsonNode *id_node = json_object_get_member (msg, "id");
  gint64 id;
  Command *cmd;
  g_autoptr (GTask) task = NULL;

  if (!id_node || json_node_get_value_type (id_node) != G_TYPE_INT64)
    {
      log_bad_line (self, "reply without our id", line, len);
      return;
    }
  id = json_node_get_int (id_node);
  cmd = g_hash_table_lookup (self->pending, &id);
  if (!cmd)
    {
      log_bad_line (self, "reply to an unknown id", line, len);
      return;
    }

  task = command_take_task (cmd);
  if (!task)
    vb_log_debug (log_object (self), "late reply to %s (id %" G_GINT64_FORMAT ") dropped",
                  cmd->name, id);
  else if (json_object_has_member (msg, "error"))
    {
      JsonObject *err_obj = vb_qmp_member_object (msg, "error");

      /* Forget the command before returning: the callback may run right
       * away and close the client, which frees every command. */
      GError *error = error_from_reply (cmd, err_obj);
      command_forget (self, cmd);
      g_task_return_error (task, error);
      return;
    }
  else
    {
      JsonNode *ret = json_object_dup_member (msg, "return");

      command_forget (self, cmd);
      g_task_return_pointer (task, ret, (GDestroyNotify) json_node_unref);
      return;
    }
  command_forget (self, cmd);
}

static void
handle_event (VbQmpClient *self, JsonObject *msg)
{
  const char *name = vb_qmp_member_string (msg, "event");
  JsonObject *ts = vb_qmp_member_object (msg, "timestamp");
  g_autoptr (JsonObject) empty = NULL;
  JsonObject *data = vb_qmp_member_object (msg, "data");
  gint64 usec = 0;
  GQuark detail;

  if (!data)
    data = empty = json_object_new ();
  if (ts)
    {
      gint64 seconds = vb_qmp_member_int (ts, "seconds", 0);
      gint64 micro = vb_qmp_member_int (ts, "microseconds", 0);

      /* Checked before multiplying: a wild value must not overflow. */
      if (seconds >= 0 && seconds < G_MAXINT64 / G_USEC_PER_SEC - 1 && micro >= 0
          && micro < G_USEC_PER_SEC)
        usec = seconds * G_USEC_PER_SEC + micro;
    }

  /* try_string: a quark per unknown event name would grow forever with a
   * misbehaving peer, and an unknown quark cannot have a handler anyway. */
  detail = g_quark_try_string (name);
  g_signal_emit (self, signals[SIGNAL_EVENT], detail, name, data, usec);
}

static void on_capabilities_done (GObject *source, GAsyncResult *result, gpointer user_data);
static void queue_command (VbQmpClient *self,
                           const char *command,
                           JsonObject *arguments,
                           int fd,
                           guint timeout_ms,
                           GCancellable *cancellable,
                           GTask *task);

static void
handle_greeting (VbQmpClient *self, JsonObject *msg, const char *line, gsize len)
{
  JsonObject *qmp = vb_qmp_member_object (msg, "QMP");
  JsonObject *version = qmp ? vb_qmp_member_object (qmp, "version") : NULL;
  JsonObject *qemu = version ? vb_qmp_member_object (version, "qemu") : NULL;
  const char *package = version ? vb_qmp_member_string (version, "package") : NULL;
  GTask *task;

  if (self->state != STATE_GREETING)
    {
      log_bad_line (self, "second greeting", line, len);
      return;
    }

  if (qemu)
    {
      self->version_major = (guint) CLAMP (vb_qmp_member_int (qemu, "major", 0), 0, G_MAXUINT);
      self->version_minor = (guint) CLAMP (vb_qmp_member_int (qemu, "minor", 0), 0, G_MAXUINT);
      self->version_micro = (guint) CLAMP (vb_qmp_member_int (qemu, "micro", 0), 0, G_MAXUINT);
    }
  g_free (self->version);
  self->version = g_strdup_printf ("%u.%u.%u", self->version_major, self->version_minor,
                                   self->version_micro);
  g_free (self->package);
  self->package = g_strdup (package ? package : "");

  if (self->init_timeout_source)
    g_source_destroy (self->init_timeout_source);
  g_clear_pointer (&self->init_timeout_source, g_source_unref);

  self->state = STATE_HANDSHAKE;
  task = g_task_new (self, NULL, on_capabilities_done, NULL);
  queue_command (self, "qmp_capabilities", NULL, -1, self->timeout_ms, NULL, task);
}

static void
on_capabilities_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbQmpClient *self = VB_QMP_CLIENT (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) ret = NULL;
  g_autoptr (GTask) init_task = NULL;

  ret = vb_qmp_client_execute_finish (self, result, &error);
  if (self->state != STATE_HANDSHAKE)
    return; /* closed meanwhile; the init task has failed already */
  if (!ret)
    {
      close_with_error (self, g_steal_pointer (&error), TRUE);
      return;
    }

  self->state = STATE_READY;
  if (self->init_cancel_source)
    g_source_destroy (self->init_cancel_source);
  g_clear_pointer (&self->init_cancel_source, g_source_unref);
  init_task = g_steal_pointer (&self->init_task);
  g_task_return_pointer (init_task, g_object_ref (self), g_object_unref);
}

/* Rejects lines before JSON-GLib sees them when they would make it misbehave:
 * invalid UTF-8 or embedded NULs (QMP is UTF-8 text) and deep nesting. */
static const char *
line_precheck (const char *line, gsize len)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;

  if (!g_utf8_validate_len (line, len, NULL))
    return "not UTF-8";
  for (gsize i = 0; i < len; i++)
    {
      char c = line[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > MAX_JSON_DEPTH)
            return "nested too deep";
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return NULL;
}

static void
handle_line (VbQmpClient *self, const char *line, gsize len)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) error = NULL;
  const char *bad;
  JsonNode *root;
  JsonObject *msg;

  while (len > 0 && g_ascii_isspace (line[len - 1]))
    len--;
  if (len == 0)
    return;

  bad = line_precheck (line, len);
  if (bad)
    {
      log_bad_line (self, bad, line, len);
      return;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, line, (gssize) len, &error))
    {
      log_bad_line (self, error->message, line, len);
      return;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      log_bad_line (self, "not a JSON object", line, len);
      return;
    }
  msg = json_node_get_object (root);

  if (json_object_has_member (msg, "QMP"))
    handle_greeting (self, msg, line, len);
  else if (vb_qmp_member_string (msg, "event"))
    handle_event (self, msg);
  else if (json_object_has_member (msg, "return") || json_object_has_member (msg, "error"))
    handle_reply (self, msg, line, len);
  else
    log_bad_line (self, "neither reply, event nor greeting", line, len);
}

/* Handles every complete line in the buffer; returns FALSE when the client
 * got closed on the way (by an oversize line or by a callback). */
static gboolean
process_lines (VbQmpClient *self)
{
  gsize start = 0;
  const guint8 *nl;

  while ((nl = memchr (self->inbuf->data + self->scan_from, '\n',
                       self->inbuf->len - self->scan_from)) != NULL)
    {
      gsize end = (gsize) (nl - self->inbuf->data);

      if (end - start > VB_QMP_MAX_LINE)
        {
          close_with_error (self,
                            g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                         "QMP line of %" G_GSIZE_FORMAT " bytes exceeds %d MiB",
                                         end - start, VB_QMP_MAX_LINE / (1024 * 1024)),
                            TRUE);
          return FALSE;
        }
      handle_line (self, (const char *) self->inbuf->data + start, end - start);
      if (self->state == STATE_CLOSED)
        return FALSE;
      start = end + 1;
      self->scan_from = start;
    }

  if (start > 0)
    g_byte_array_remove_range (self->inbuf, 0, (guint) start);
  self->scan_from = self->inbuf->len;

  if (self->inbuf->len > VB_QMP_MAX_LINE)
    {
      close_with_error (self,
                        g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                     "QMP line exceeds %d MiB without an end",
                                     VB_QMP_MAX_LINE / (1024 * 1024)),
                        TRUE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  /* Our own reference: a callback run from here may drop the caller's. */
  g_autoptr (VbQmpClient) self = g_object_ref (VB_QMP_CLIENT (user_data));

  for (int i = 0; i < MAX_READS_PER_DISPATCH; i++)
    {
      g_autoptr (GError) error = NULL;
      guint old_len = self->inbuf->len;
      gssize n;

      g_byte_array_set_size (self->inbuf, old_len + READ_CHUNK);
      n = g_socket_receive (socket, (char *) self->inbuf->data + old_len, READ_CHUNK, NULL,
                            &error);
      g_byte_array_set_size (self->inbuf, old_len + (n > 0 ? (guint) n : 0));

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      if (n < 0)
        {
          g_prefix_error (&error, "QMP read failed: ");
          close_with_error (self, g_steal_pointer (&error), TRUE);
          return G_SOURCE_REMOVE;
        }
      if (n == 0)
        {
          close_with_error (self,
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                                 "QEMU closed the QMP connection"),
                            TRUE);
          return G_SOURCE_REMOVE;
        }
      if (!process_lines (self))
        return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- writing ---- */

/* Writes queued commands until the socket would block. */
static void
flush_queue (VbQmpClient *self)
{
  Command *cmd;

  while ((cmd = g_queue_peek_head (&self->outq)) != NULL)
    {
      g_autoptr (GError) error = NULL;
      GOutputVector vec = { cmd->wire + cmd->written, cmd->wire_len - cmd->written };
      GSocketControlMessage *messages[1] = { cmd->fd_message };
      /* The fd rides on the first byte of the command's line: QEMU takes
       * the fd that arrived with the command that uses it. */
      int n_messages = (cmd->written == 0 && cmd->fd_message) ? 1 : 0;
      gssize n;

      n = g_socket_send_message (self->socket, NULL, &vec, 1, n_messages ? messages : NULL,
                                 n_messages, G_SOCKET_MSG_NONE, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          ensure_write_source (self);
          return;
        }
      if (n < 0)
        {
          g_prefix_error (&error, "QMP write failed: ");
          close_with_error (self, g_steal_pointer (&error), TRUE);
          return;
        }
      cmd->written += (gsize) n;
      if (cmd->written > 0)
        g_clear_object (&cmd->fd_message); /* sent; drop our dup */
      if (cmd->written < cmd->wire_len)
        continue;

      g_queue_pop_head (&self->outq);
      cmd->in_queue = FALSE;
      if (cmd->answered)
        command_free (cmd);
    }

  if (self->write_source)
    g_source_destroy (self->write_source);
  g_clear_pointer (&self->write_source, g_source_unref);
}

static gboolean
on_writable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  g_autoptr (VbQmpClient) self = g_object_ref (VB_QMP_CLIENT (user_data));

  /* flush_queue() removes this source once the queue is empty. */
  flush_queue (self);
  return G_SOURCE_CONTINUE;
}

static void
ensure_write_source (VbQmpClient *self)
{
  if (self->write_source || self->state == STATE_CLOSED)
    return;
  self->write_source = g_socket_create_source (self->socket, G_IO_OUT, NULL);
  g_source_set_callback (self->write_source, G_SOURCE_FUNC (on_writable), self, NULL);
  g_source_attach (self->write_source, self->context);
}

/* ---- commands ---- */

static gboolean
on_command_timeout (gpointer user_data)
{
  Command *cmd = user_data;
  VbQmpClient *self = cmd->client;
  g_autoptr (GTask) task = command_take_task (cmd);
  GError *error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "QMP %s got no reply in %u.%03u s", cmd->name,
                               cmd->timeout_ms / 1000, cmd->timeout_ms % 1000);

  vb_log_message (log_object (self), "%s", error->message);
  /* A command never written can go; one on the wire stays pending without a
   * task, so its late reply is recognised and dropped. */
  if (cmd->in_queue && cmd->written == 0)
    command_forget (self, cmd);
  g_task_return_error (task, error);
  return G_SOURCE_REMOVE;
}

static gboolean
on_command_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Command *cmd = user_data;
  VbQmpClient *self = cmd->client;
  g_autoptr (GTask) task = command_take_task (cmd);

  if (cmd->in_queue && cmd->written == 0)
    command_forget (self, cmd);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "QMP command cancelled");
  return G_SOURCE_REMOVE;
}

static char *
serialize_command (const char *command, JsonObject *arguments, gint64 id, gsize *len)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "execute");
  json_builder_add_string_value (builder, command);
  if (arguments)
    {
      JsonNode *args = json_node_alloc ();

      json_node_init_object (args, arguments);
      json_builder_set_member_name (builder, "arguments");
      json_builder_add_value (builder, args);
    }
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  /* Not pretty-printed: the generator then writes one line, escaping any
   * newline inside strings, which is what QMP's line framing needs. */
  text = json_generator_to_data (generator, NULL);
  *len = strlen (text) + 1;
  return g_strconcat (text, "\n", NULL);
}

static void
queue_command (VbQmpClient *self,
               const char *command,
               JsonObject *arguments,
               int fd,
               guint timeout_ms,
               GCancellable *cancellable,
               GTask *task)
{
  Command *cmd;

  if (fd >= 0)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocketControlMessage) message = g_unix_fd_message_new ();

      if (g_socket_get_family (self->socket) != G_SOCKET_FAMILY_UNIX)
        {
          g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                   "QMP %s: fd passing needs a unix socket", command);
          g_object_unref (task);
          return;
        }
      /* Appending dups the fd, so the caller may close theirs right away. */
      if (!g_unix_fd_message_append_fd (G_UNIX_FD_MESSAGE (message), fd, &error))
        {
          g_prefix_error (&error, "QMP %s: cannot pass fd %d: ", command, fd);
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      cmd = g_new0 (Command, 1);
      cmd->fd_message = g_steal_pointer (&message);
    }
  else
    cmd = g_new0 (Command, 1);

  cmd->client = self;
  cmd->id = self->next_id++;
  cmd->name = g_strdup (command);
  cmd->wire = serialize_command (command, arguments, cmd->id, &cmd->wire_len);
  cmd->task = task;
  cmd->timeout_ms = timeout_ms ? timeout_ms : self->timeout_ms;

  cmd->timeout_source = g_timeout_source_new (cmd->timeout_ms);
  g_source_set_callback (cmd->timeout_source, on_command_timeout, cmd, NULL);
  g_source_attach (cmd->timeout_source, self->context);
  if (cancellable)
    {
      cmd->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (cmd->cancel_source, G_SOURCE_FUNC (on_command_cancelled), cmd,
                             NULL);
      g_source_attach (cmd->cancel_source, self->context);
    }

  g_hash_table_insert (self->pending, &cmd->id, cmd);
  g_queue_push_tail (&self->outq, cmd);
  cmd->in_queue = TRUE;
  /* Written from the write source, never from inside this call: a write
   * error closes the client, and the callbacks that runs must not fire
   * inside the caller's execute call. */
  ensure_write_source (self);
}

void
vb_qmp_client_execute_full_async (VbQmpClient *self,
                                  const char *command,
                                  JsonObject *arguments,
                                  int fd,
                                  guint timeout_ms,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task;

  g_return_if_fail (VB_IS_QMP_CLIENT (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_qmp_client_execute_full_async);

  if (self->state == STATE_CLOSED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               "QMP %s: the connection is closed", command);
      g_object_unref (task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  queue_command (self, command, arguments, fd, timeout_ms, cancellable, task);
}

void
vb_qmp_client_execute_async (VbQmpClient *self,
                             const char *command,
                             JsonObject *arguments,
                             int fd,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  vb_qmp_client_execute_full_async (self, command, arguments, fd, 0, cancellable, callback,
                                    user_data);
}

JsonNode *
vb_qmp_client_execute_finish (VbQmpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- closing ---- */

/* Ends the connection once: fails every pending command and the constructor
 * (if still running) with a copy of @error, then emits "closed" when @emit. */
static void
close_with_error (VbQmpClient *self, GError *error_in, gboolean emit)
{
  g_autoptr (GError) error = error_in;
  g_autoptr (VbQmpClient) keep = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GTask) init_task = NULL;
  GHashTableIter iter;
  gpointer value;

  if (self->state == STATE_CLOSED)
    return;
  keep = g_object_ref (self);
  self->state = STATE_CLOSED;

  vb_log_debug (log_object (self), "QMP connection closed: %s", error->message);

  if (self->read_source)
    g_source_destroy (self->read_source);
  g_clear_pointer (&self->read_source, g_source_unref);
  if (self->write_source)
    g_source_destroy (self->write_source);
  g_clear_pointer (&self->write_source, g_source_unref);
  if (self->init_timeout_source)
    g_source_destroy (self->init_timeout_source);
  g_clear_pointer (&self->init_timeout_source, g_source_unref);
  if (self->init_cancel_source)
    g_source_destroy (self->init_cancel_source);
  g_clear_pointer (&self->init_cancel_source, g_source_unref);

  if (self->connection)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  else if (self->socket)
    g_socket_close (self->socket, NULL);

  /* Free every command first and return the tasks afterwards: a callback
   * may run synchronously and must find the client in a settled state. */
  tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Command *cmd = value;
      GTask *task = command_take_task (cmd);

      if (task)
        g_ptr_array_add (tasks, task);
      if (cmd->in_queue)
        g_queue_remove (&self->outq, cmd);
      g_hash_table_iter_steal (&iter);
      command_free (cmd);
    }
  /* Commands already answered but half written live only in the queue. */
  while (!g_queue_is_empty (&self->outq))
    command_free (g_queue_pop_head (&self->outq));

  init_task = g_steal_pointer (&self->init_task);
  if (init_task)
    g_task_return_error (init_task, g_error_copy (error));
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_error (g_ptr_array_index (tasks, i), g_error_copy (error));

  if (emit)
    g_signal_emit (self, signals[SIGNAL_CLOSED], 0, error);
}

void
vb_qmp_client_close (VbQmpClient *self)
{
  g_return_if_fail (VB_IS_QMP_CLIENT (self));

  close_with_error (self,
                    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                         "the QMP connection was closed by virtbus"),
                    TRUE);
}

gboolean
vb_qmp_client_is_closed (VbQmpClient *self)
{
  g_return_val_if_fail (VB_IS_QMP_CLIENT (self), TRUE);

  return self->state == STATE_CLOSED;
}

/* ---- construction ---- */

static gboolean
on_init_timeout (gpointer user_data)
{
  VbQmpClient *self = VB_QMP_CLIENT (user_data);

  g_clear_pointer (&self->init_timeout_source, g_source_unref);
  close_with_error (self,
                    g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                 "no QMP greeting in %u ms", self->timeout_ms),
                    TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
on_init_cancelled (GCancellable *cancellable, gpointer user_data)
{
  VbQmpClient *self = VB_QMP_CLIENT (user_data);

  g_clear_pointer (&self->init_cancel_source, g_source_unref);
  close_with_error (self,
                    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         "QMP connection cancelled"),
                    FALSE);
  return G_SOURCE_REMOVE;
}

/* Starts reading on the connected socket and waits for the greeting. */
static void
client_start (VbQmpClient *self, GSocket *socket)
{
  GCancellable *cancellable = g_task_get_cancellable (self->init_task);

  self->socket = g_object_ref (socket);
  g_socket_set_blocking (self->socket, FALSE);

  self->read_source = g_socket_create_source (self->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_attach (self->read_source, self->context);

  self->init_timeout_source = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (self->init_timeout_source, on_init_timeout, self, NULL);
  g_source_attach (self->init_timeout_source, self->context);

  if (cancellable)
    {
      self->init_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->init_cancel_source, G_SOURCE_FUNC (on_init_cancelled), self,
                             NULL);
      g_source_attach (self->init_cancel_source, self->context);
    }
}

/* The constructor's task keeps the client alive (task data) until the
 * handshake ends, and the client points back at the task until then. */
static VbQmpClient *
client_new_with_task (GCancellable *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer user_data,
                      gpointer source_tag)
{
  VbQmpClient *self = g_object_new (VB_TYPE_QMP_CLIENT, NULL);

  self->init_task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (self->init_task, source_tag);
  g_task_set_task_data (self->init_task, self, g_object_unref);
  return self;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbQmpClient *self = VB_QMP_CLIENT (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GTask) init_task = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (!connection)
    {
      /* The client never got a socket: just fail the constructor. */
      self->state = STATE_CLOSED;
      init_task = g_steal_pointer (&self->init_task);
      g_task_return_error (init_task, g_steal_pointer (&error));
      return;
    }
  self->connection = g_steal_pointer (&connection);
  client_start (self, g_socket_connection_get_socket (self->connection));
}

void
vb_qmp_client_new_for_path_async (const char *socket_path,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  VbQmpClient *self;
  g_autoptr (GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = NULL;

  g_return_if_fail (socket_path != NULL);

  self = client_new_with_task (cancellable, callback, user_data,
                               vb_qmp_client_new_for_path_async);
  self->log_object = g_strdup_printf ("qmp:%s", socket_path);
  address = g_unix_socket_address_new (socket_path);
  /* user_data is unowned: the init task holds the client until it returns. */
  g_socket_client_connect_async (socket_client, G_SOCKET_CONNECTABLE (address), cancellable,
                                 on_connected, self);
}

void
vb_qmp_client_new_for_socket_async (GSocket *socket,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  VbQmpClient *self;

  g_return_if_fail (G_IS_SOCKET (socket));

  self = client_new_with_task (cancellable, callback, user_data,
                               vb_qmp_client_new_for_socket_async);
  client_start (self, socket);
}

void
vb_qmp_client_new_for_fd_async (int fd,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = g_socket_new_from_fd (fd, &error);

  if (!socket)
    {
      close (fd);
      g_prefix_error (&error, "QMP socket fd %d: ", fd);
      g_task_report_error (NULL, callback, user_data, vb_qmp_client_new_for_fd_async,
                           g_steal_pointer (&error));
      return;
    }
  vb_qmp_client_new_for_socket_async (socket, cancellable, callback, user_data);
}

VbQmpClient *
vb_qmp_client_new_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- accessors ---- */

void
vb_qmp_client_set_timeout (VbQmpClient *self, guint timeout_ms)
{
  g_return_if_fail (VB_IS_QMP_CLIENT (self));

  self->timeout_ms = timeout_ms ? timeout_ms : VB_QMP_DEFAULT_TIMEOUT_MS;
}

guint
vb_qmp_client_get_timeout (VbQmpClient *self)
{
  g_return_val_if_fail (VB_IS_QMP_CLIENT (self), 0);

  return self->timeout_ms;
}

const char *
vb_qmp_client_get_qemu_version (VbQmpClient *self)
{
  g_return_val_if_fail (VB_IS_QMP_CLIENT (self), NULL);

  return self->version;
}

void
vb_qmp_client_get_qemu_version_numbers (VbQmpClient *self,
                                        guint *major,
                                        guint *minor,
                                        guint *micro)
{
  g_return_if_fail (VB_IS_QMP_CLIENT (self));

  if (major)
    *major = self->version_major;
  if (minor)
    *minor = self->version_minor;
  if (micro)
    *micro = self->version_micro;
}

const char *
vb_qmp_client_get_qemu_package (VbQmpClient *self)
{
  g_return_val_if_fail (VB_IS_QMP_CLIENT (self), NULL);

  return self->package ? self->package : "";
}

void
vb_qmp_client_set_log_object (VbQmpClient *self, const char *object)
{
  g_return_if_fail (VB_IS_QMP_CLIENT (self));

  g_free (self->log_object);
  self->log_object = g_strdup (object);
}

/* ---- GObject ---- */

static void
vb_qmp_client_dispose (GObject *object)
{
  VbQmpClient *self = VB_QMP_CLIENT (object);

  /* Only reachable with no command in flight (each task holds the client),
   * so nobody is left to tell: close without the signal. */
  if (self->state != STATE_CLOSED)
    close_with_error (self,
                      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                           "the QMP client was released"),
                      FALSE);
  g_clear_object (&self->connection);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (vb_qmp_client_parent_class)->dispose (object);
}

static void
vb_qmp_client_finalize (GObject *object)
{
  VbQmpClient *self = VB_QMP_CLIENT (object);

  g_hash_table_unref (self->pending);
  g_byte_array_unref (self->inbuf);
  g_main_context_unref (self->context);
  g_free (self->version);
  g_free (self->package);
  g_free (self->log_object);

  G_OBJECT_CLASS (vb_qmp_client_parent_class)->finalize (object);
}

static void
vb_qmp_client_init (VbQmpClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->state = STATE_GREETING;
  self->inbuf = g_byte_array_new ();
  self->pending = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->next_id = 1;
  self->timeout_ms = VB_QMP_DEFAULT_TIMEOUT_MS;
  self->version = g_strdup ("0.0.0");
  g_queue_init (&self->outq);
}

static void
vb_qmp_client_class_init (VbQmpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_qmp_client_dispose;
  object_class->finalize = vb_qmp_client_finalize;

  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL,
                                        NULL, G_TYPE_NONE, 3, G_TYPE_STRING, JSON_TYPE_OBJECT,
                                        G_TYPE_INT64);
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

/* ---- reading untrusted JSON ---- */

/* JSON-GLib's typed getters complain (g_critical) when a member has another
 * type than asked for; a reply from QEMU is input, not a program invariant. */

const char *
vb_qmp_member_string (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (!node || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gint64
vb_qmp_member_int (JsonObject *object, const char *name, gint64 fallback)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (!node || json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

gboolean
vb_qmp_member_bool (JsonObject *object, const char *name, gboolean fallback)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (!node || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

JsonObject *
vb_qmp_member_object (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

JsonArray *
vb_qmp_member_array (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (!node || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}
