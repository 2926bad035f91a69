/* The ssh login that runs the bridge is the source service's user (root
 * for system services), so without a filter the peer could talk to every
 * service on this host's system bus as that user. It may only reach
 * virtbus, which authorizes each call itself. */
#include "bridge-filter.h"

#include <gio/gio.h>
#include <string.h>

#define BUS_NAME "org.freedesktop.DBus"
#define BUS_PATH "/org/freedesktop/DBus"
#define MAX_LINE 16384
/* The largest message D-Bus allows is 128 MiB; virtbus's are far smaller. */
#define MAX_MESSAGE (32 << 20)
/* The bridge's own calls and refusals: far above any serial of the peer's. */
#define OWN_SERIAL_BASE 0xfff00000u
#define OWNER_RULE                                                                          \
  "type='signal',sender='" BUS_NAME "',interface='" BUS_NAME "',member='NameOwnerChanged'," \
  "arg0='" VB_BRIDGE_SERVICE "'"

typedef enum {
  CALL_TO_BUS = 1,
  CALL_TO_VIRTBUS = 2,
} CallKind;

struct _VbBridgeFilter {
  GByteArray *from_peer; /* what the peer sent that is not through yet */
  GByteArray *from_bus;
  gboolean nul_seen;     /* the peer's leading NUL byte, before its AUTH lines */
  gboolean peer_began;   /* the peer sent BEGIN: its bytes are messages now */
  gboolean bus_messages; /* the bus's bytes are messages now */
  gboolean hello_seen;
  GHashTable *pending; /* serial of a call let through -> CallKind */
  char *virtbus_owner; /* the unique name of org.virtbus.Virt1, once known */
  guint32 next_serial;
  guint32 owner_query; /* serial of our GetNameOwner */
  guint32 owner_watch; /* serial of our AddMatch for its NameOwnerChanged */
};

VbBridgeFilter *
vb_bridge_filter_new (void)
{
  VbBridgeFilter *filter = g_new0 (VbBridgeFilter, 1);

  filter->from_peer = g_byte_array_new ();
  filter->from_bus = g_byte_array_new ();
  filter->pending = g_hash_table_new (NULL, NULL);
  filter->next_serial = OWN_SERIAL_BASE;
  return filter;
}

void
vb_bridge_filter_free (VbBridgeFilter *filter)
{
  g_byte_array_unref (filter->from_peer);
  g_byte_array_unref (filter->from_bus);
  g_hash_table_destroy (filter->pending);
  g_free (filter->virtbus_owner);
  g_free (filter);
}

static void
append_message (GByteArray *out, GDBusMessage *message)
{
  gsize size = 0;
  g_autofree guchar *blob =
    g_dbus_message_to_blob (message, &size, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);

  if (blob)
    g_byte_array_append (out, blob, (guint) size);
}

/* The length of the line at the start of @buffer with its "\r\n", 0 when
 * it is not complete yet, -1 when it is too long to be an auth line. */
static gssize
line_length (GByteArray *buffer)
{
  for (guint i = 0; i + 1 < buffer->len && i < MAX_LINE; i++)
    if (buffer->data[i] == '\r' && buffer->data[i + 1] == '\n')
      return i + 2;
  return buffer->len >= MAX_LINE ? -1 : 0;
}

/* Whether @line (with its "\r\n") is an auth command a client may send,
 * and whether it is BEGIN, after which messages follow. The bus reads a
 * command as the word before the first blank, so "BEGIN x" begins too: only
 * these commands, in printable ASCII with single spaces, are let through,
 * and BEGIN only alone. Anything else ends the bridge. */
static gboolean
auth_line_allowed (const guint8 *line, gsize length, gboolean *begins)
{
  static const char *const commands[] = { "AUTH", "CANCEL", "DATA", "ERROR", "NEGOTIATE_UNIX_FD" };
  gsize word = 0;

  *begins = FALSE;
  if (length < 2)
    return FALSE;
  length -= 2;
  for (gsize i = 0; i < length; i++)
    if (line[i] < 0x20 || line[i] > 0x7e)
      return FALSE;
  while (word < length && line[word] != ' ')
    word++;
  if (word == 5 && length == 5 && memcmp (line, "BEGIN", 5) == 0)
    {
      *begins = TRUE;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (word == strlen (commands[i]) && memcmp (line, commands[i], word) == 0)
      return TRUE;
  return FALSE;
}

/* The next complete message in @buffer (its size in @size), NULL with
 * *@size 0 when more bytes are needed; FALSE when it cannot be read. */
static gboolean
next_message (GByteArray *buffer, GDBusMessage **message, gsize *size)
{
  gssize needed;

  *message = NULL;
  *size = 0;
  if (buffer->len < 16)
    return TRUE;
  needed = g_dbus_message_bytes_needed (buffer->data, buffer->len, NULL);
  if (needed < 16 || needed > MAX_MESSAGE)
    return FALSE;
  if (buffer->len < (gsize) needed)
    return TRUE;
  *message = g_dbus_message_new_from_blob (buffer->data, (gsize) needed,
                                           G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING, NULL);
  *size = (gsize) needed;
  return *message != NULL;
}

static GDBusMessage *
bus_call (VbBridgeFilter *filter, const char *member, GVariant *body, guint32 *serial)
{
  GDBusMessage *call = g_dbus_message_new_method_call (BUS_NAME, BUS_PATH, BUS_NAME, member);

  g_dbus_message_set_body (call, body);
  *serial = filter->next_serial++;
  g_dbus_message_set_serial (call, *serial);
  return call;
}

/* Right after the peer's Hello: the bridge asks who owns virtbus's name
 * and to hear when that changes, to know whose signals may pass. */
static void
follow_owner (VbBridgeFilter *filter, GByteArray *to_bus)
{
  g_autoptr (GDBusMessage) query =
    bus_call (filter, "GetNameOwner", g_variant_new ("(s)", VB_BRIDGE_SERVICE),
              &filter->owner_query);
  g_autoptr (GDBusMessage) watch =
    bus_call (filter, "AddMatch", g_variant_new ("(s)", OWNER_RULE), &filter->owner_watch);

  append_message (to_bus, query);
  append_message (to_bus, watch);
}

static gboolean
first_arg_is (GDBusMessage *message, const char *value)
{
  GVariant *body = g_dbus_message_get_body (message);
  const char *arg = NULL;

  if (!body || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)")))
    return FALSE;
  g_variant_get (body, "(&s)", &arg);
  return g_str_equal (arg, value);
}

/* The bus driver's methods a client of virtbus needs, and for whose name. */
static gboolean
bus_call_allowed (VbBridgeFilter *filter, GDBusMessage *message)
{
  const char *interface = g_dbus_message_get_interface (message);
  const char *member = g_dbus_message_get_member (message);
  GVariant *body = g_dbus_message_get_body (message);

  if ((interface && !g_str_equal (interface, BUS_NAME)) || !member)
    return FALSE;
  if (g_str_equal (member, "Hello"))
    return !filter->hello_seen;
  if (g_str_equal (member, "GetNameOwner") || g_str_equal (member, "NameHasOwner"))
    return first_arg_is (message, VB_BRIDGE_SERVICE);
  if (g_str_equal (member, "AddMatch") || g_str_equal (member, "RemoveMatch"))
    {
      const char *rule = NULL;

      /* Signals are filtered on the way back anyway; eavesdropping would
       * bring other peers' calls and replies. */
      if (!body || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)")))
        return FALSE;
      g_variant_get (body, "(&s)", &rule);
      return !strstr (rule, "eavesdrop");
    }
  return FALSE;
}

static void
refuse (VbBridgeFilter *filter, GDBusMessage *call, GByteArray *to_peer)
{
  g_autoptr (GDBusMessage) error = NULL;

  if (g_dbus_message_get_flags (call) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED)
    return;
  error = g_dbus_message_new_method_error (
    call, "org.freedesktop.DBus.Error.AccessDenied",
    "virtbusd --stdio-bridge passes only calls to %s (this was %s.%s to %s)", VB_BRIDGE_SERVICE,
    g_dbus_message_get_interface (call) ? g_dbus_message_get_interface (call) : "",
    g_dbus_message_get_member (call) ? g_dbus_message_get_member (call) : "",
    g_dbus_message_get_destination (call) ? g_dbus_message_get_destination (call) : "(none)");
  g_dbus_message_set_serial (error, filter->next_serial++);
  g_dbus_message_set_sender (error, BUS_NAME);
  append_message (to_peer, error);
}

/* One message of the peer: forwarded (its bytes as they came), refused, or
 * dropped (it serves nobody, so it has no reply or signal to send). */
static void
from_peer_message (VbBridgeFilter *filter, GDBusMessage *message, const guint8 *bytes, gsize size,
                   GByteArray *to_bus, GByteArray *to_peer)
{
  const char *destination = g_dbus_message_get_destination (message);
  guint32 serial = g_dbus_message_get_serial (message);
  CallKind kind;

  if (g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return;
  if (g_dbus_message_get_num_unix_fds (message) > 0)
    kind = 0;
  else if (g_strcmp0 (destination, VB_BRIDGE_SERVICE) == 0
           || (filter->virtbus_owner && g_strcmp0 (destination, filter->virtbus_owner) == 0))
    kind = CALL_TO_VIRTBUS;
  else if (g_strcmp0 (destination, BUS_NAME) == 0 && bus_call_allowed (filter, message))
    kind = CALL_TO_BUS;
  else
    kind = 0;
  if (!kind || serial >= OWN_SERIAL_BASE)
    {
      refuse (filter, message, to_peer);
      return;
    }
  g_byte_array_append (to_bus, bytes, (guint) size);
  if (!(g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED))
    g_hash_table_insert (filter->pending, GUINT_TO_POINTER (serial), GINT_TO_POINTER (kind));
  if (kind == CALL_TO_BUS && g_str_equal (g_dbus_message_get_member (message), "Hello"))
    {
      filter->hello_seen = TRUE;
      follow_owner (filter, to_bus);
    }
}

gboolean
vb_bridge_filter_from_peer (VbBridgeFilter *filter, const guint8 *data, gsize length,
                            GByteArray *to_bus, GByteArray *to_peer)
{
  GByteArray *in = filter->from_peer;

  g_byte_array_append (in, data, (guint) length);
  while (in->len > 0)
    {
      if (!filter->nul_seen)
        {
          if (in->data[0] != '\0')
            return FALSE;
          g_byte_array_append (to_bus, in->data, 1);
          g_byte_array_remove_range (in, 0, 1);
          filter->nul_seen = TRUE;
        }
      else if (!filter->peer_began)
        {
          gssize line = line_length (in);

          if (line <= 0)
            return line == 0;
          if (!auth_line_allowed (in->data, (gsize) line, &filter->peer_began))
            return FALSE;
          g_byte_array_append (to_bus, in->data, (guint) line);
          g_byte_array_remove_range (in, 0, (guint) line);
        }
      else
        {
          g_autoptr (GDBusMessage) message = NULL;
          gsize size;

          if (!next_message (in, &message, &size))
            return FALSE;
          if (!message)
            return TRUE;
          from_peer_message (filter, message, in->data, size, to_bus, to_peer);
          g_byte_array_remove_range (in, 0, (guint) size);
        }
    }
  return TRUE;
}

static void
set_owner (VbBridgeFilter *filter, const char *owner)
{
  g_free (filter->virtbus_owner);
  filter->virtbus_owner = owner && *owner ? g_strdup (owner) : NULL;
}

/* Whether a signal of the bus driver may reach the peer: about virtbus's
 * name (following its owner), or about the peer's own names. */
static gboolean
bus_signal_passes (VbBridgeFilter *filter, GDBusMessage *message)
{
  const char *member = g_dbus_message_get_member (message);
  GVariant *body = g_dbus_message_get_body (message);

  if (g_strcmp0 (member, "NameOwnerChanged") == 0 && body
      && g_variant_is_of_type (body, G_VARIANT_TYPE ("(sss)")))
    {
      const char *name, *new_owner;

      g_variant_get (body, "(&s&s&s)", &name, NULL, &new_owner);
      if (!g_str_equal (name, VB_BRIDGE_SERVICE))
        return FALSE;
      set_owner (filter, new_owner);
      return TRUE;
    }
  return g_strcmp0 (member, "NameAcquired") == 0 || g_strcmp0 (member, "NameLost") == 0;
}

static void
from_bus_message (VbBridgeFilter *filter, GDBusMessage *message, const guint8 *bytes, gsize size,
                  GByteArray *to_peer)
{
  const char *sender = g_dbus_message_get_sender (message);
  gpointer kind;

  switch (g_dbus_message_get_message_type (message))
    {
    case G_DBUS_MESSAGE_TYPE_METHOD_RETURN:
    case G_DBUS_MESSAGE_TYPE_ERROR:
      {
        guint32 reply_to = g_dbus_message_get_reply_serial (message);

        if (reply_to == filter->owner_query)
          {
            GVariant *body = g_dbus_message_get_body (message);

            if (body && g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)")))
              {
                const char *owner;
                g_variant_get (body, "(&s)", &owner);
                set_owner (filter, owner);
              }
            return;
          }
        if (reply_to == filter->owner_watch)
          return;
        /* Only answers to the peer's own calls, each once. */
        if (!g_hash_table_steal_extended (filter->pending, GUINT_TO_POINTER (reply_to), NULL,
                                          &kind))
          return;
        if (GPOINTER_TO_INT (kind) == CALL_TO_VIRTBUS && !filter->virtbus_owner && sender
            && sender[0] == ':')
          set_owner (filter, sender);
        break;
      }
    case G_DBUS_MESSAGE_TYPE_SIGNAL:
      if (g_strcmp0 (sender, BUS_NAME) == 0
            ? !bus_signal_passes (filter, message)
            : (!filter->virtbus_owner || g_strcmp0 (sender, filter->virtbus_owner) != 0))
        return;
      break;
    default:
      /* Someone on the bus calling the peer: it serves nobody here. */
      return;
    }
  g_byte_array_append (to_peer, bytes, (guint) size);
}

gboolean
vb_bridge_filter_from_bus (VbBridgeFilter *filter, const guint8 *data, gsize length,
                           GByteArray *to_peer)
{
  GByteArray *in = filter->from_bus;

  g_byte_array_append (in, data, (guint) length);
  while (in->len > 0)
    {
      if (!filter->bus_messages)
        {
          gssize line;

          /* After the peer's BEGIN the bus answers no more auth lines (which
           * start with a capital word) once its first message, starting
           * with its byte order 'l' or 'B', comes. */
          if (filter->peer_began && (in->data[0] == 'l' || in->data[0] == 'B'))
            {
              filter->bus_messages = TRUE;
              continue;
            }
          line = line_length (in);
          if (line <= 0)
            return line == 0;
          g_byte_array_append (to_peer, in->data, (guint) line);
          g_byte_array_remove_range (in, 0, (guint) line);
        }
      else
        {
          g_autoptr (GDBusMessage) message = NULL;
          gsize size;

          if (!next_message (in, &message, &size))
            return FALSE;
          if (!message)
            return TRUE;
          from_bus_message (filter, message, in->data, size, to_peer);
          g_byte_array_remove_range (in, 0, (guint) size);
        }
    }
  return TRUE;
}
