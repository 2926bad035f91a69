/* console, as virsh console: the guest's serial console (Domain.OpenConsole's
 * socket) on this terminal in raw mode until Ctrl-] (or the end of standard
 * input when it is no terminal). One session at a time: the service refuses
 * a second with Busy, which --force overrides by taking the console over. */
#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-output.h"
#include "ctl-terminal.h"

#define ESCAPE 0x1d /* Ctrl-] */
/* How long the domain's state may take to say why the console closed. */
#define STATE_WAIT_MS 1000
/* Keys the guest has not taken yet, at most: a guest that stopped reading
 * loses what comes after, as on a serial line, and Ctrl-] still works. */
#define PENDING_MAX (64 * 1024)

typedef struct {
  GMainLoop *loop;
  int console;         /* non-blocking: a guest that stops reading never stops us */
  GByteArray *pending; /* typed, not yet written to the console */
  guint writable;      /* the console's watch while keys are pending */
  gboolean closed;     /* by the service, not by us */
  GError *error;
} Session;

static gboolean
write_all (int fd, const char *data, gsize size, GError **error)
{
  while (size > 0)
    {
      ssize_t n = write (fd, data, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, "console: %s", g_strerror (errno));
          return FALSE;
        }
      data += n;
      size -= n;
    }
  return TRUE;
}

static gboolean console_writable (int fd, GIOCondition condition, gpointer user_data);

/* Writes what the console takes now of the pending keys, and watches it for
 * the rest. FALSE with the session's error when it broke. */
static gboolean
flush_pending (Session *session)
{
  while (session->pending->len > 0)
    {
      ssize_t n = write (session->console, session->pending->data, session->pending->len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      if (n < 0)
        {
          g_set_error (&session->error, CTL_ERROR, CTL_ERROR_FAILED, "console: %s",
                       g_strerror (errno));
          return FALSE;
        }
      g_byte_array_remove_range (session->pending, 0, (guint) n);
    }
  if (session->pending->len > 0 && !session->writable)
    session->writable = g_unix_fd_add (session->console, G_IO_OUT, console_writable, session);
  else if (session->pending->len == 0)
    g_clear_handle_id (&session->writable, g_source_remove);
  return TRUE;
}

static gboolean
console_writable (int fd, GIOCondition condition, gpointer user_data)
{
  Session *session = user_data;

  /* flush_pending() removes this source once nothing is pending. */
  if (!flush_pending (session))
    g_main_loop_quit (session->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
keyboard_readable (int fd, GIOCondition condition, gpointer user_data)
{
  Session *session = user_data;
  char buffer[4096];
  ssize_t n = read (STDIN_FILENO, buffer, sizeof buffer);
  const char *escape;
  gsize keys, room;

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      g_main_loop_quit (session->loop);
      return G_SOURCE_CONTINUE;
    }
  escape = memchr (buffer, ESCAPE, n);
  keys = escape ? (gsize) (escape - buffer) : (gsize) n;
  room = PENDING_MAX - MIN (session->pending->len, PENDING_MAX);
  g_byte_array_append (session->pending, (const guint8 *) buffer, (guint) MIN (keys, room));
  if (!flush_pending (session) || escape)
    g_main_loop_quit (session->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
console_readable (int fd, GIOCondition condition, gpointer user_data)
{
  Session *session = user_data;
  char buffer[4096];
  ssize_t n = read (session->console, buffer, sizeof buffer);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0 || !write_all (STDOUT_FILENO, buffer, n, &session->error))
    {
      session->closed = n <= 0;
      g_main_loop_quit (session->loop);
      return G_SOURCE_CONTINUE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
signalled (gpointer user_data)
{
  Session *session = user_data;

  g_main_loop_quit (session->loop);
  return G_SOURCE_CONTINUE;
}

/* SIGINT, SIGTERM and SIGHUP end the session, which restores the terminal.
 * Caught from before raw mode on: one that came in between would leave the
 * terminal raw. */
static void
catch_signals (Session *session, guint sources[3])
{
  sources[0] = g_unix_signal_add (SIGINT, signalled, session);
  sources[1] = g_unix_signal_add (SIGTERM, signalled, session);
  sources[2] = g_unix_signal_add (SIGHUP, signalled, session);
}

/* Copies both ways until the escape, the end of input or of the console,
 * or a signal. The sources stay until the loop ends, and are removed then. */
static void
relay (Session *session)
{
  guint sources[] = {
    g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, keyboard_readable, session),
    g_unix_fd_add (session->console, G_IO_IN | G_IO_HUP | G_IO_ERR, console_readable, session),
  };

  g_main_loop_run (session->loop);
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    g_clear_handle_id (&sources[i], g_source_remove);
  g_clear_handle_id (&session->writable, g_source_remove);
}

static gboolean
domain_active (VirtbusDomain *domain)
{
  return g_strcmp0 (virtbus_domain_get_state (domain), "shutoff") != 0;
}

/* The console closed under us: the guest stopped (its state follows), or
 * another session took the console with --force. */
static gboolean
explain_close (CtlContext *ctx, VirtbusDomain *domain, const char *name, GError **error)
{
  gint64 end = g_get_monotonic_time () + STATE_WAIT_MS * G_TIME_SPAN_MILLISECOND;
  g_autofree char *shown = ctl_terminal_text (stderr, name, FALSE);

  while (domain_active (domain) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  if (domain_active (domain))
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED,
                   "another session took the console of domain '%s' over", name);
      return FALSE;
    }
  if (!ctx->quiet)
    g_printerr ("Domain '%s' stopped; its console closed.\n", shown);
  return TRUE;
}

/* The console as libvirtbus opens it (checking the reply's descriptor);
 * the session lasts as long as the stream. */
static GIOStream *
open_console (CtlContext *ctx, VirtbusDomain *domain, const char *name, gboolean force,
              GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (GError) local = NULL;
  GIOStream *stream;

  if (!client)
    return NULL;
  stream = virtbus_client_open_console (
    client, domain, force ? VIRTBUS_CONSOLE_FLAGS_FORCE : VIRTBUS_CONSOLE_FLAGS_NONE, NULL, &local);
  if (stream)
    return stream;
  if (g_error_matches (local, VIRTBUS_ERROR, VIRTBUS_ERROR_BUSY))
    g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED,
                 "the console of domain '%s' is in use by another session; --force takes "
                 "it over",
                 name);
  else
    g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

static gboolean
run_console (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  g_autoptr (GIOStream) stream = NULL;
  Session session = { NULL };
  CtlTerminal terminal = { FALSE };
  g_autofree char *name = NULL;
  guint signals[3];

  if (!domain)
    return FALSE;
  name = g_strdup (virtbus_domain_get_name (domain));
  stream = open_console (ctx, domain, name, ctl_args_flag (args, "force"), error);
  if (!stream)
    return FALSE;
  session.console = g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)));
  if (!g_unix_set_fd_nonblocking (session.console, TRUE, error))
    return FALSE;
  if (!ctx->quiet)
    {
      g_autofree char *shown = ctl_terminal_text (stderr, name, FALSE);

      g_printerr ("Connected to domain '%s'\nEscape character is ^] (Ctrl + ])\n", shown);
    }
  session.loop = g_main_loop_new (NULL, FALSE);
  session.pending = g_byte_array_new ();
  catch_signals (&session, signals);
  ctl_terminal_make_raw (&terminal);
  relay (&session);
  ctl_terminal_restore (&terminal);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (signals[i]);
  g_main_loop_unref (session.loop);
  g_byte_array_unref (session.pending);
  g_clear_object (&stream);
  if (session.error)
    {
      g_propagate_error (error, session.error);
      return FALSE;
    }
  if (!ctx->quiet)
    g_printerr ("\n");
  if (session.closed)
    return explain_close (ctx, domain, name, error);
  return TRUE;
}

const CtlCommand ctl_domain_console_commands[] = {
  { "console", "Connect this terminal to a domain's serial console",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { NULL } },
    (const CtlOption[]){ { "force", NULL, "take the console over from the session that has it" },
                         { NULL } },
    run_console,
    "Ctrl-] leaves. One session at a time: while another has the console, console\n"
    "fails unless --force takes it over (the other session then ends). When the\n"
    "domain stops the console closes; when another session takes it over, this one\n"
    "exits with code 1." },
  { NULL },
};
