#include "qemu-console.h"

#include <errno.h>
#include <gio/gio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vb-error.h"

#define CHUNK 65536
/* What a console client may leave unread before it loses its session: the
 * guest's serial output (and its log) never waits for a client. */
#define CLIENT_BACKLOG_MAX (1024 * 1024)

typedef struct {
  VbConsoleSession *session;
  GSocket *from;
  GSocket *to;
  GByteArray *pending; /* read from @from, not yet written to @to */
  /* Towards the client: QEMU is read on whatever the client does, up to
   * CLIENT_BACKLOG_MAX. Towards QEMU: the client waits for the guest. */
  gboolean never_wait;
  GSource *read_source;
  GSource *write_source;
} Direction;

struct _VbConsoleSession {
  VbConsoleSession **slot;
  GSocket *client; /* our end of the pair */
  GSocket *qemu;
  Direction to_qemu;
  Direction to_client;
};

static void watch_read (Direction *d);
static void watch_write (Direction *d);

static void
direction_clear (Direction *d)
{
  if (d->read_source)
    g_source_destroy (d->read_source);
  if (d->write_source)
    g_source_destroy (d->write_source);
  g_clear_pointer (&d->read_source, g_source_unref);
  g_clear_pointer (&d->write_source, g_source_unref);
  g_clear_pointer (&d->pending, g_byte_array_unref);
}

static void
session_free (VbConsoleSession *session)
{
  direction_clear (&session->to_qemu);
  direction_clear (&session->to_client);
  g_socket_close (session->client, NULL);
  g_socket_close (session->qemu, NULL);
  g_object_unref (session->client);
  g_object_unref (session->qemu);
  g_free (session);
}

void
vb_console_close (VbConsoleSession **slot)
{
  if (!*slot)
    return;
  session_free (*slot);
  *slot = NULL;
}

/* Writes what is pending; returns FALSE when the session broke. */
static gboolean
flush (Direction *d)
{
  while (d->pending->len > 0)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_send (d->to, (const char *) d->pending->data, d->pending->len, NULL,
                                &error);
      if (n < 0)
        return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      g_byte_array_remove_range (d->pending, 0, (guint) n);
    }
  return TRUE;
}

static gboolean
on_writable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Direction *d = user_data;

  if (!flush (d))
    {
      vb_console_close (d->session->slot);
      return G_SOURCE_REMOVE;
    }
  if (d->pending->len > 0)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&d->write_source, g_source_unref);
  if (!d->read_source)
    watch_read (d);
  return G_SOURCE_REMOVE;
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Direction *d = user_data;
  char buffer[CHUNK];
  g_autoptr (GError) error = NULL;
  gssize n = g_socket_receive (d->from, buffer, sizeof buffer, NULL, &error);

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      /* Either side went away: the session is over, QEMU may take the next. */
      vb_console_close (d->session->slot);
      return G_SOURCE_REMOVE;
    }
  g_byte_array_append (d->pending, (const guint8 *) buffer, (guint) n);
  if (!flush (d))
    {
      vb_console_close (d->session->slot);
      return G_SOURCE_REMOVE;
    }
  if (d->pending->len == 0)
    return G_SOURCE_CONTINUE;
  if (d->never_wait)
    {
      /* A client that stopped reading must not stop the guest's serial
       * port: past the limit it loses the session, the guest goes on. */
      if (d->pending->len > CLIENT_BACKLOG_MAX)
        {
          vb_console_close (d->session->slot);
          return G_SOURCE_REMOVE;
        }
      if (!d->write_source)
        watch_write (d);
      return G_SOURCE_CONTINUE;
    }
  /* The guest reads slowly: stop reading the client until it has taken what we hold. */
  g_clear_pointer (&d->read_source, g_source_unref);
  watch_write (d);
  return G_SOURCE_REMOVE;
}

static void
watch_write (Direction *d)
{
  d->write_source = g_socket_create_source (d->to, G_IO_OUT, NULL);
  g_source_set_callback (d->write_source, (GSourceFunc) (void (*) (void)) on_writable, d, NULL);
  g_source_attach (d->write_source, NULL);
}

static void
watch_read (Direction *d)
{
  d->read_source = g_socket_create_source (d->from, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (d->read_source, (GSourceFunc) (void (*) (void)) on_readable, d, NULL);
  g_source_attach (d->read_source, NULL);
}

static void
direction_init (Direction *d, VbConsoleSession *session, GSocket *from, GSocket *to,
                gboolean never_wait)
{
  d->session = session;
  d->never_wait = never_wait;
  d->from = from;
  d->to = to;
  d->pending = g_byte_array_new ();
  watch_read (d);
}

int
vb_console_open (VbConsoleSession **slot, const char *socket_path, gboolean force,
                 GError **error)
{
  g_autoptr (GSocket) qemu = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocket) ours = NULL;
  VbConsoleSession *session;
  int pair[2];

  if (*slot && !force)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_BUSY,
                   "A console session is open already; close it, or open with the FORCE flag "
                   "to take it over");
      return -1;
    }
  vb_console_close (slot);

  qemu = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, error);
  if (!qemu)
    return -1;
  address = g_unix_socket_address_new (socket_path);
  /* A local listening socket accepts at once: this does not wait on the guest. */
  if (!g_socket_connect (qemu, address, NULL, error))
    return -1;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "socketpair: %s", g_strerror (errno));
      return -1;
    }
  ours = g_socket_new_from_fd (pair[0], error);
  if (!ours)
    {
      close (pair[0]);
      close (pair[1]);
      return -1;
    }
  g_socket_set_blocking (ours, FALSE);
  g_socket_set_blocking (qemu, FALSE);

  session = g_new0 (VbConsoleSession, 1);
  session->slot = slot;
  session->client = g_steal_pointer (&ours);
  session->qemu = g_steal_pointer (&qemu);
  direction_init (&session->to_qemu, session, session->client, session->qemu, FALSE);
  direction_init (&session->to_client, session, session->qemu, session->client, TRUE);
  *slot = session;
  return pair[1];
}
