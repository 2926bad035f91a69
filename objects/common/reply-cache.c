/* Replies sent again from the worker thread: see reply-cache.h. */
#include "reply-cache.h"

#include <stdatomic.h>
#include <string.h>

/* Past this the replies start over: a bound on memory, not a policy (a
 * domain's XML is a few KiB; 10,000 of them would not all be kept). */
#define MAX_REPLY_BYTES (16 * 1024 * 1024)

struct _VbReplyCache {
  GDBusConnection *bus;
  guint filter_id;
  guint owner_changes; /* NameOwnerChanged: callers that left */
  VbReplyGeneration generation;
  const VbReplyHooks *hooks; /* may be NULL */
  gpointer hooks_data;
  _Atomic guint64 hits;

  GMutex lock; /* guards everything below: the worker thread reads, the main loop writes */
  guint64 held_generation; /* what every stored reply was read at */
  gsize held_bytes;        /* their calls' and replies' sizes */
  GHashTable *replies;     /* GBytes (the call) → Entry */
  GHashTable *callers;     /* unique name → Caller */
};

typedef struct {
  GVariant *reply;
  char *action_id; /* NULL: any caller */
} Entry;

/* What the cache knows of one connection to the bus. */
typedef struct {
  GHashTable *waiting; /* serial → Waiting: its calls the main loop has not answered yet */
  GHashTable *allowed; /* actions it was allowed for good (owned strings) */
  gboolean unanswered; /* it sent a call that expects no reply: its order is unknowable */
} Caller;

/* A call on its way through the main loop. */
typedef struct {
  GDBusMessage *call;
  guint64 generation; /* when it came: its answer is no older */
} Waiting;

static void
waiting_free (gpointer data)
{
  Waiting *waiting = data;

  g_object_unref (waiting->call);
  g_free (waiting);
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_variant_unref (entry->reply);
  g_free (entry->action_id);
  g_free (entry);
}

static void
caller_free (gpointer data)
{
  Caller *caller = data;

  g_hash_table_unref (caller->waiting);
  g_hash_table_unref (caller->allowed);
  g_free (caller);
}

/* With the lock held. */
static Caller *
caller_of (VbReplyCache *cache, const char *name)
{
  Caller *caller = g_hash_table_lookup (cache->callers, name);

  if (!caller)
    {
      caller = g_new0 (Caller, 1);
      caller->waiting = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, waiting_free);
      caller->allowed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (cache->callers, g_strdup (name), caller);
    }
  return caller;
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

/* With the lock held: the reply for @message, or NULL to let it go on. */
static GVariant *
lookup_locked (VbReplyCache *cache, GDBusMessage *message, Caller *caller)
{
  g_autoptr (GBytes) key = NULL;
  Entry *entry;

  /* A caller's calls are answered in order: while one of them is still on
   * the main loop (a change, say), the next waits its turn there too. */
  if (caller && (caller->unanswered || g_hash_table_size (caller->waiting) > 0))
    return NULL;
  if (g_hash_table_size (cache->replies) == 0
      || cache->generation.current () != cache->held_generation)
    return NULL;
  key = call_key (message);
  entry = key ? g_hash_table_lookup (cache->replies, key) : NULL;
  if (!entry)
    return NULL;
  if (entry->action_id && (!caller || !g_hash_table_contains (caller->allowed, entry->action_id)))
    return NULL;
  return g_variant_ref (entry->reply);
}

static void store_call (VbReplyCache *cache, guint64 generation, GDBusMessage *call,
                        GVariant *reply, const char *action_id);

/* An answer leaving: the call it answers is no longer waiting. The cache's
 * own answers are to calls that never were. Returns what to send. */
static GDBusMessage *
note_outgoing (VbReplyCache *cache, GDBusMessage *message)
{
  GDBusMessageType type = g_dbus_message_get_message_type (message);
  const char *destination = g_dbus_message_get_destination (message);
  gpointer waiting = NULL;
  Caller *caller;

  if ((type != G_DBUS_MESSAGE_TYPE_METHOD_RETURN && type != G_DBUS_MESSAGE_TYPE_ERROR)
      || !destination)
    return message;
  g_mutex_lock (&cache->lock);
  caller = g_hash_table_lookup (cache->callers, destination);
  if (caller)
    g_hash_table_steal_extended (caller->waiting,
                                 GUINT_TO_POINTER (g_dbus_message_get_reply_serial (message)), NULL,
                                 &waiting);
  g_mutex_unlock (&cache->lock);
  if (!waiting)
    return message;
  if (cache->hooks)
    {
      Waiting *call = waiting;

      if (type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN && cache->hooks->open_read
          && g_dbus_message_get_body (message) && !g_dbus_message_get_unix_fd_list (message)
          && cache->hooks->open_read (call->call, cache->hooks_data))
        store_call (cache, call->generation, call->call, g_dbus_message_get_body (message), NULL);
      if (cache->hooks->on_reply)
        message = cache->hooks->on_reply (call->call, message, cache->hooks_data);
    }
  waiting_free (waiting);
  return message;
}

/* On GDBus's worker thread, for every message in and out. */
static GDBusMessage *
filter (GDBusConnection *bus, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  VbReplyCache *cache = user_data;
  const char *sender = g_dbus_message_get_sender (message);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GDBusMessage) answer = NULL;
  Caller *caller;

  if (!incoming)
    return note_outgoing (cache, message);
  if (g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL || !sender)
    return message;

  /* The generation is held from the check until the answer is queued, so
   * that a change (and the signal that announces it, queued after) cannot
   * come between: a client never sees an answer older than an event. */
  cache->generation.hold ();
  g_mutex_lock (&cache->lock);
  caller = g_hash_table_lookup (cache->callers, sender);
  if (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED)
    caller_of (cache, sender)->unanswered = TRUE;
  else if (!(reply = lookup_locked (cache, message, caller)))
    {
      Waiting *waiting = g_new (Waiting, 1);

      waiting->call = g_object_ref (message);
      waiting->generation = cache->generation.current ();
      g_hash_table_replace (caller_of (cache, sender)->waiting,
                            GUINT_TO_POINTER (g_dbus_message_get_serial (message)), waiting);
    }
  g_mutex_unlock (&cache->lock);
  if (reply)
    {
      answer = g_dbus_message_new_method_reply (message);
      g_dbus_message_set_body (answer, reply);
      /* Fails only when the connection is closing, and then nobody waits. */
      g_dbus_connection_send_message (bus, answer, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
      atomic_fetch_add (&cache->hits, 1);
    }
  cache->generation.release ();
  if (!reply)
    return message;
  g_object_unref (message);
  return NULL;
}

/* A caller that left: what the cache knew of it goes (unique names are never
 * used again). */
static void
name_owner_changed (GDBusConnection *bus, const char *sender, const char *path,
                    const char *interface, const char *signal, GVariant *parameters,
                    gpointer user_data)
{
  VbReplyCache *cache = user_data;
  const char *name, *old_owner, *new_owner;

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (*new_owner || name[0] != ':')
    return;
  g_mutex_lock (&cache->lock);
  g_hash_table_remove (cache->callers, name);
  g_mutex_unlock (&cache->lock);
}

/* The last reference goes with the filter's, the subscription's or the
 * owner's, whichever is later: GDBus may still be running the filter after
 * it was removed. */
static void
cache_clear (gpointer data)
{
  VbReplyCache *cache = data;

  g_hash_table_unref (cache->replies);
  g_hash_table_unref (cache->callers);
  g_mutex_clear (&cache->lock);
}

static void
cache_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, cache_clear);
}

VbReplyCache *
vb_reply_cache_new (GDBusConnection *bus, const VbReplyGeneration *generation)
{
  return vb_reply_cache_new_with_hooks (bus, generation, NULL, NULL);
}

VbReplyCache *
vb_reply_cache_new_with_hooks (GDBusConnection *bus, const VbReplyGeneration *generation,
                               const VbReplyHooks *hooks, gpointer user_data)
{
  VbReplyCache *cache = g_atomic_rc_box_new0 (VbReplyCache);

  cache->bus = g_object_ref (bus);
  cache->generation = *generation;
  cache->hooks = hooks;
  cache->hooks_data = user_data;
  g_mutex_init (&cache->lock);
  cache->replies =
    g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, entry_free);
  cache->callers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, caller_free);
  cache->owner_changes =
    g_dbus_connection_signal_subscribe (bus, "org.freedesktop.DBus", "org.freedesktop.DBus",
                                        "NameOwnerChanged", "/org/freedesktop/DBus", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, name_owner_changed,
                                        g_atomic_rc_box_acquire (cache), cache_release);
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
  g_dbus_connection_signal_unsubscribe (cache->bus, cache->owner_changes);
  g_clear_object (&cache->bus);
  cache_release (cache);
}

void
vb_reply_cache_store (VbReplyCache *cache, guint64 generation, GDBusMethodInvocation *invocation,
                      GVariant *reply, const char *action_id)
{
  store_call (cache, generation, g_dbus_method_invocation_get_message (invocation), reply,
              action_id);
}

/* From the main loop (a handler) or the worker thread (open reads). */
static void
store_call (VbReplyCache *cache, guint64 generation, GDBusMessage *message, GVariant *reply,
            const char *action_id)
{
  const char *sender = g_dbus_message_get_sender (message);
  GBytes *key;
  Entry *entry;
  gsize size;

  if (!sender || generation != cache->generation.current ())
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
    g_hash_table_add (caller_of (cache, sender)->allowed, g_strdup (action_id));
  g_mutex_unlock (&cache->lock);
}

guint64
vb_reply_cache_hits (VbReplyCache *cache)
{
  return atomic_load (&cache->hits);
}
