/* Why this exists: GDBus looks the object of a call up in its worker
 * thread, then runs the handler from an idle in the main context. When the
 * object is unexported in between (Undefine while another client calls),
 * GLib itself answers org.freedesktop.DBus.Error.UnknownMethod ("No such
 * interface"), which no handler of ours sees. A connection filter does see
 * every message in both directions: it remembers the calls to our object
 * paths and rewrites such an error into NotFound when, at reply time, the
 * path has no object, or has one of the kind that does have that method
 * (so the call was valid and only its object is gone). */
#include "vanished-calls.h"

#include <string.h>

#include "object-paths.h"

#define NOT_FOUND "org.virtbus.Virt1.Error.NotFound"
#define GDBUS_ERRORS "org.freedesktop.DBus.Error."

typedef struct {
  char *path;
  char *interface;
  char *member;
} Call;

typedef struct {
  GMutex lock;
  /* "sender serial" -> Call, for the calls not answered yet */
  GHashTable *calls;
  /* exported path -> GPtrArray of its GDBusInterfaceInfo (static, from
   * gdbus-codegen: safe to read from the worker thread) */
  GHashTable *objects;
} Watch;

static void
call_free (Call *call)
{
  g_free (call->path);
  g_free (call->interface);
  g_free (call->member);
  g_free (call);
}

static char *
call_key (const char *sender, guint32 serial)
{
  return g_strdup_printf ("%s %u", sender ? sender : "", serial);
}

/* Ours: strictly below the manager (the manager itself always exists). */
static gboolean
is_object_path (const char *path)
{
  return path && g_str_has_prefix (path, VB_MANAGER_PATH "/");
}

/* ---- what is exported (main thread, told by the exporter) ---- */

#define WATCH_KEY "vb-vanished-calls"

static void
record_object (Watch *watch, GDBusObject *object)
{
  g_autolist (GDBusInterface) interfaces = g_dbus_object_get_interfaces (object);
  GPtrArray *infos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_dbus_interface_info_unref);

  for (GList *l = interfaces; l; l = l->next)
    g_ptr_array_add (infos, g_dbus_interface_info_ref (g_dbus_interface_get_info (l->data)));
  g_mutex_lock (&watch->lock);
  g_hash_table_replace (watch->objects, g_strdup (g_dbus_object_get_object_path (object)), infos);
  g_mutex_unlock (&watch->lock);
}

void
vb_vanished_calls_exported (GDBusObjectManagerServer *object_manager, const char *path)
{
  Watch *watch = g_object_get_data (G_OBJECT (object_manager), WATCH_KEY);
  g_autoptr (GDBusObject) object = NULL;

  /* Before the install: it finds the object among those exported. */
  if (!watch)
    return;
  object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (object_manager), path);
  if (object)
    record_object (watch, object);
}

void
vb_vanished_calls_unexported (GDBusObjectManagerServer *object_manager, const char *path)
{
  Watch *watch = g_object_get_data (G_OBJECT (object_manager), WATCH_KEY);

  if (!watch)
    return;
  g_mutex_lock (&watch->lock);
  g_hash_table_remove (watch->objects, path);
  g_mutex_unlock (&watch->lock);
}

/* ---- the filter (GDBus worker thread) ---- */

/* Whether an error GDBus gave @call means that its object is gone. Called
 * with the lock held. */
static gboolean
object_vanished (Watch *watch, const Call *call, const char *error_name)
{
  GPtrArray *infos = g_hash_table_lookup (watch->objects, call->path);

  if (!infos)
    return TRUE; /* no object there now: whatever GDBus said, it is NotFound */
  /* An object is there: only "no such interface" for a method that its
   * interface has is the race (a newer object at the same path, or the
   * error was sent after the removal); an unknown method or a wrong
   * interface stays UnknownMethod. */
  if (!g_str_equal (error_name, GDBUS_ERRORS "UnknownMethod") || !call->member)
    return FALSE;
  for (guint i = 0; i < infos->len; i++)
    {
      GDBusInterfaceInfo *info = infos->pdata[i];

      if (g_strcmp0 (info->name, call->interface) == 0)
        return g_dbus_interface_info_lookup_method (info, call->member) != NULL;
    }
  return FALSE;
}

static GDBusMessage *
incoming_call (Watch *watch, GDBusMessage *message)
{
  const char *path = g_dbus_message_get_path (message);
  Call *call;

  if (!is_object_path (path)
      || (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED))
    return message;
  call = g_new0 (Call, 1);
  call->path = g_strdup (path);
  call->interface = g_strdup (g_dbus_message_get_interface (message));
  call->member = g_strdup (g_dbus_message_get_member (message));
  g_mutex_lock (&watch->lock);
  g_hash_table_replace (
    watch->calls,
    call_key (g_dbus_message_get_sender (message), g_dbus_message_get_serial (message)), call);
  g_mutex_unlock (&watch->lock);
  return message;
}

static GDBusMessage *
outgoing_reply (Watch *watch, GDBusMessage *message)
{
  g_autofree char *key =
    call_key (g_dbus_message_get_destination (message), g_dbus_message_get_reply_serial (message));
  const char *error_name = g_dbus_message_get_error_name (message);
  GDBusMessage *rewritten = NULL;
  Call *call;

  g_mutex_lock (&watch->lock);
  call = g_hash_table_lookup (watch->calls, key);
  if (call && error_name && g_str_has_prefix (error_name, GDBUS_ERRORS)
      && object_vanished (watch, call, error_name))
    {
      /* Outgoing messages are locked: the answer is a copy. */
      rewritten = g_dbus_message_copy (message, NULL);
      if (rewritten)
        {
          g_autofree char *text =
            g_strdup_printf ("No object at %s (it was removed, or never existed)", call->path);

          g_dbus_message_set_error_name (rewritten, NOT_FOUND);
          g_dbus_message_set_body (rewritten, g_variant_new ("(s)", text));
        }
    }
  if (call)
    g_hash_table_remove (watch->calls, key);
  g_mutex_unlock (&watch->lock);
  if (!rewritten)
    return message;
  g_object_unref (message);
  return rewritten;
}

static GDBusMessage *
filter (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  GDBusMessageType type = g_dbus_message_get_message_type (message);

  if (incoming && type == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return incoming_call (user_data, message);
  if (!incoming && (type == G_DBUS_MESSAGE_TYPE_ERROR || type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN))
    return outgoing_reply (user_data, message);
  return message;
}

void
vb_vanished_calls_install (GDBusConnection *connection, GDBusObjectManagerServer *object_manager)
{
  Watch *watch = g_new0 (Watch, 1);
  g_autolist (GDBusObject) objects =
    g_dbus_object_manager_get_objects (G_DBUS_OBJECT_MANAGER (object_manager));

  g_mutex_init (&watch->lock);
  watch->calls =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) call_free);
  watch->objects =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  for (GList *l = objects; l; l = l->next)
    record_object (watch, l->data);
  /* GDBusObjectManagerServer emits no object-added: the exporter tells. */
  g_object_set_data (G_OBJECT (object_manager), WATCH_KEY, watch);
  /* Lives as long as the connection and the object manager (the
   * daemon's): the filter may run until the connection is gone. */
  g_dbus_connection_add_filter (connection, filter, watch, NULL);
}
