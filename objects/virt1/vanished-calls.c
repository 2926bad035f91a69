/* Why this exists: GDBus looks the object of a call up in its worker
 * thread, then runs the handler from an idle in the main context. When the
 * object is unexported in between (Undefine while another client calls),
 * GLib itself answers org.freedesktop.DBus.Error.UnknownMethod ("No such
 * interface"), which no handler of ours sees. The reply cache sees every
 * answer the main loop sends beside the call it answers (it keeps each call
 * until then for its own order rules): at that point such an error is
 * rewritten into NotFound when the path has no object, or has one of the
 * kind that does have that method (so the call was valid and only its
 * object is gone). A successful answer costs a type check; no call is
 * copied or recorded here. */
#include "vanished-calls.h"

#include <string.h>

#include "object-paths.h"

#define NOT_FOUND "org.virtbus.Virt1.Error.NotFound"
#define GDBUS_ERRORS "org.freedesktop.DBus.Error."

typedef struct {
  GMutex lock;
  /* exported path -> GPtrArray of its GDBusInterfaceInfo (static, from
   * gdbus-codegen: safe to read from the worker thread) */
  GHashTable *objects;
} Watch;

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

/* ---- the answers (GDBus worker thread) ---- */

/* Whether an error GDBus gave @call means that its object is gone. Called
 * with the lock held. */
static gboolean
object_vanished (Watch *watch, GDBusMessage *call, const char *error_name)
{
  GPtrArray *infos = g_hash_table_lookup (watch->objects, g_dbus_message_get_path (call));
  const char *interface = g_dbus_message_get_interface (call);
  const char *member = g_dbus_message_get_member (call);

  if (!infos)
    return TRUE; /* no object there now: whatever GDBus said, it is NotFound */
  /* An object is there: only "no such interface" for a method that its
   * interface has is the race (a newer object at the same path, or the
   * error was sent after the removal); an unknown method or a wrong
   * interface stays UnknownMethod. */
  if (!g_str_equal (error_name, GDBUS_ERRORS "UnknownMethod") || !member)
    return FALSE;
  for (guint i = 0; i < infos->len; i++)
    {
      GDBusInterfaceInfo *info = infos->pdata[i];

      if (g_strcmp0 (info->name, interface) == 0)
        return g_dbus_interface_info_lookup_method (info, member) != NULL;
    }
  return FALSE;
}

GDBusMessage *
vb_vanished_calls_rewrite (GDBusObjectManagerServer *object_manager, GDBusMessage *call,
                           GDBusMessage *reply)
{
  Watch *watch = g_object_get_data (G_OBJECT (object_manager), WATCH_KEY);
  const char *error_name = g_dbus_message_get_error_name (reply);
  GDBusMessage *rewritten = NULL;
  gboolean vanished;

  if (!watch || !error_name || !g_str_has_prefix (error_name, GDBUS_ERRORS)
      || !is_object_path (g_dbus_message_get_path (call)))
    return reply;
  g_mutex_lock (&watch->lock);
  vanished = object_vanished (watch, call, error_name);
  g_mutex_unlock (&watch->lock);
  /* Outgoing messages are locked: the answer is a copy. */
  if (vanished && (rewritten = g_dbus_message_copy (reply, NULL)))
    {
      g_autofree char *text = g_strdup_printf ("No object at %s (it was removed, or never existed)",
                                               g_dbus_message_get_path (call));

      g_dbus_message_set_error_name (rewritten, NOT_FOUND);
      g_dbus_message_set_body (rewritten, g_variant_new ("(s)", text));
      g_object_unref (reply);
      return rewritten;
    }
  return reply;
}

void
vb_vanished_calls_install (GDBusObjectManagerServer *object_manager)
{
  Watch *watch = g_new0 (Watch, 1);
  g_autolist (GDBusObject) objects =
    g_dbus_object_manager_get_objects (G_DBUS_OBJECT_MANAGER (object_manager));

  g_mutex_init (&watch->lock);
  watch->objects =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  for (GList *l = objects; l; l = l->next)
    record_object (watch, l->data);
  /* GDBusObjectManagerServer emits no object-added: the exporter tells.
   * Lives as long as the object manager (the daemon's). */
  g_object_set_data (G_OBJECT (object_manager), WATCH_KEY, watch);
}
