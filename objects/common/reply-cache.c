/* Replies sent again from the worker thread: see reply-cache.h. */
#include "reply-cache.h"

#include <stdatomic.h>
#include <string.h>

/* Past these the tables start over: a bound on memory, not a policy (a
 * domain's XML is a few KiB; 10,000 of them would not all be kept). */
#define MAX_REPLY_BYTES (16 * 1024 * 1024)
#define MAX_ALLOWED 4096

struct _VbReplyCache {
  GDBusConnection *bus;
  guint filter_id;
  VbReplyGenerationFunc generation;
  _Atomic guint64 hits;

  GMutex lock; /* guards everything below: the worker thread reads, the main loop writes */
  guint64 held_generation; /* what every stored reply was read at */
  gsize held_bytes;        /* their calls' and replies' sizes */
  GHashTable *replies;     /* GBytes (the call) → Entry */
  GHashTable
    *allowed; /* "action\nsender" → itself: who may be sent replies stored with an action */
  GHashTable *in_flight; /* sender → count of its calls not answered yet */
};

typedef struct {
  GVariant *reply;
  char *action_id; /* NULL: any caller */
} Entry;

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_variant_unref (entry->reply);
  g_free (entry->action_id);
  g_free (entry);
}

static void
append_string (GByteArray *key, const char *text)
{
  g_byte_array_append (key, (const guint8 *) text, strlen (text) + 1);
}

/* A call's identity: object, interface, member and the serialized arguments.
 * NULL when it cannot be cached. */
static GBytes *
call_key (GDBusMessage *message)
{
  const char *path = g_dbus_message_get_path (message);
  const char *interface = g_dbus_message_get_interface (message);
  const char *member = g_dbus_message_get_member (message);
  GVariant *body = g_dbus_message_get_body (message);
  GByteArray *key;

  if (!path || !interface || !member || g_dbus_message_get_unix_fd_list (message))
    return NULL;
  key = g_byte_array_sized_new (128);
  append_string (key, path);
  append_string (key, interface);
  append_string (key, member);
  if (body)
    {
      append_string (key, g_variant_get_type_string (body));
      g_byte_array_append (key, g_variant_get_data (body), g_variant_get_size (body));
    }
  return g_byte_array_free_to_bytes (key);
}

static char *
allowed_key (const char *action_id, const char *sender)
{
  return g_strconcat (action_id, "\n", sender, NULL);
}

/* With the lock held: the reply for @message, or NULL to let it go on. */
static GVariant *
lookup_locked (VbReplyCache *cache, GDBusMessage *message, const char *sender)
{
  g_autoptr (GBytes) key = NULL;
  Entry *entry;

  /* A caller's calls are answered in order: while one of them is still on
   * the main loop (a change, say), the next waits its turn there too. */
  if (g_hash_table_contains (cache->in_flight, sender))
    return NULL;
  if (g_hash_table_size (cache->replies) == 0 || cache->generation () != cache->held_generation)
    return NULL;
  key = call_key (message);
  entry = key ? g_hash_table_lookup (cache->replies, key) : NULL;
  if (!entry)
    return NULL;
  if (entry->action_id)
    {
      g_autofree char *who = allowed_key (entry->action_id, sender);

      if (!g_hash_table_contains (cache->allowed, who))
        return NULL;
    }
  return g_variant_ref (entry->reply);
}

static void
count_in_flight_locked (VbReplyCache *cache, const char *sender, int delta)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (cache->in_flight, sender));

  if (delta < 0 && count == 0)
    return; /* a reply of ours, or to a call GDBus answered before we saw it */
  count += delta;
  if (count == 0)
    g_hash_table_remove (cache->in_flight, sender);
  else
    g_hash_table_insert (cache->in_flight, g_strdup (sender), GUINT_TO_POINTER (count));
}

static void
note_outgoing (VbReplyCache *cache, GDBusMessage *message)
{
  GDBusMessageType type = g_dbus_message_get_message_type (message);
  const char *destination = g_dbus_message_get_destination (message);

  if ((type != G_DBUS_MESSAGE_TYPE_METHOD_RETURN && type != G_DBUS_MESSAGE_TYPE_ERROR)
      || !destination)
    return;
  g_mutex_lock (&cache->lock);
  count_in_flight_locked (cache, destination, -1);
  g_mutex_unlock (&cache->lock);
}

/* On GDBus's worker thread, for every message in and out. */
static GDBusMessage *
filter (GDBusConnection *bus, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  VbReplyCache *cache = user_data;
  const char *sender = g_dbus_message_get_sender (message);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GDBusMessage) answer = NULL;

  if (!incoming)
    {
      note_outgoing (cache, message);
      return message;
    }
  if (g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL || !sender
      || (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED))
    return message;

  g_mutex_lock (&cache->lock);
  reply = lookup_locked (cache, message, sender);
  if (!reply)
    count_in_flight_locked (cache, sender, +1);
  g_mutex_unlock (&cache->lock);
  if (!reply)
    return message;

  answer = g_dbus_message_new_method_reply (message);
  g_dbus_message_set_body (answer, reply);
  /* Fails only when the connection is closing, and then nobody waits. */
  g_dbus_connection_send_message (bus, answer, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
  atomic_fetch_add (&cache->hits, 1);
  g_object_unref (message);
  return NULL;
}

/* The last reference goes with the filter's or the owner's, whichever is
 * later: GDBus may still be running the filter after it was removed. */
static void
cache_clear (gpointer data)
{
  VbReplyCache *cache = data;

  g_hash_table_unref (cache->replies);
  g_hash_table_unref (cache->allowed);
  g_hash_table_unref (cache->in_flight);
  g_mutex_clear (&cache->lock);
}

static void
cache_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, cache_clear);
}

VbReplyCache *
vb_reply_cache_new (GDBusConnection *bus, VbReplyGenerationFunc generation)
{
  VbReplyCache *cache = g_atomic_rc_box_new0 (VbReplyCache);

  cache->bus = g_object_ref (bus);
  cache->generation = generation;
  g_mutex_init (&cache->lock);
  cache->replies =
    g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, entry_free);
  cache->allowed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cache->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cache->filter_id =
    g_dbus_connection_add_filter (bus, filter, g_atomic_rc_box_acquire (cache), cache_release);
  return cache;
}

void
vb_reply_cache_free (VbReplyCache *cache)
{
  if (!cache)
    return;
  g_dbus_connection_remove_filter (cache->bus, cache->filter_id);
  g_clear_object (&cache->bus);
  cache_release (cache);
}

void
vb_reply_cache_store (VbReplyCache *cache, guint64 generation, GDBusMethodInvocation *invocation,
                      GVariant *reply, const char *action_id)
{
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);
  const char *sender = g_dbus_message_get_sender (message);
  GBytes *key;
  Entry *entry;
  gsize size;

  if (!sender || generation != cache->generation ())
    return; /* no bus, or the answer may already be stale */
  key = call_key (message);
  if (!key)
    return;
  entry = g_new0 (Entry, 1);
  entry->reply = g_variant_get_normal_form (reply);
  /* Serialized here, once, so that the worker thread only copies bytes. */
  g_variant_get_data (entry->reply);
  entry->action_id = g_strdup (action_id);

  size = g_bytes_get_size (key) + g_variant_get_size (entry->reply);
  g_mutex_lock (&cache->lock);
  if (cache->held_generation != generation || cache->held_bytes + size > MAX_REPLY_BYTES)
    {
      g_hash_table_remove_all (cache->replies);
      cache->held_generation = generation;
      cache->held_bytes = 0;
    }
  /* A call stored twice (two callers at once) counts twice until the next
   * start-over: a bound needs no more precision. */
  g_hash_table_replace (cache->replies, key, entry);
  cache->held_bytes += size;
  if (action_id)
    {
      if (g_hash_table_size (cache->allowed) >= MAX_ALLOWED)
        g_hash_table_remove_all (cache->allowed);
      g_hash_table_add (cache->allowed, allowed_key (action_id, sender));
    }
  g_mutex_unlock (&cache->lock);
}

guint64
vb_reply_cache_hits (VbReplyCache *cache)
{
  return atomic_load (&cache->hits);
}
