/* Why this exists: GDBus looks the object of a call up in its worker
 * thread, then runs the handler from an idle in the main context. When an
 * object registered on its own (a snapshot, a volume, a secret:
 * object-table.h) is unexported in between (while another client calls),
 * GLib itself answers org.freedesktop.DBus.Error.UnknownMethod ("No such
 * interface"), which no handler of ours sees. The reply cache sees every
 * answer the main loop sends beside the call it answers (it keeps each call
 * until then for its own order rules): at that point such an error is
 * rewritten into NotFound when the path has no object, or has one of the
 * kind that does have that method (so the call was valid and only its
 * object is gone). A successful answer costs a type check; no call is
 * copied or recorded here. The objects served through a subtree answer
 * such a call NotFound themselves (object-table.c). */
#include "vanished-calls.h"

#include <string.h>

#include "object-paths.h"

#define NOT_FOUND "org.virtbus.Virt1.Error.NotFound"
#define GDBUS_ERRORS "org.freedesktop.DBus.Error."

/* Ours: strictly below the manager (the manager itself always exists). */
static gboolean
is_object_path (const char *path)
{
  return path && g_str_has_prefix (path, VB_MANAGER_PATH "/");
}

/* ---- the answers (GDBus worker thread) ---- */

/* Whether an error GDBus gave @call means that its object is gone. */
static gboolean
object_vanished (VbObjectTable *objects, GDBusMessage *call, const char *error_name)
{
  GDBusInterfaceInfo *info = vb_object_table_interface_at (objects, g_dbus_message_get_path (call));
  const char *interface = g_dbus_message_get_interface (call);
  const char *member = g_dbus_message_get_member (call);

  if (!info)
    return TRUE; /* no object there now: whatever GDBus said, it is NotFound */
  /* An object is there: only "no such interface" for a method that its
   * interface has is the race (a newer object at the same path, or the
   * error was sent after the removal); an unknown method or a wrong
   * interface stays UnknownMethod. */
  if (!g_str_equal (error_name, GDBUS_ERRORS "UnknownMethod") || !member)
    return FALSE;
  return g_strcmp0 (info->name, interface) == 0
         && g_dbus_interface_info_lookup_method (info, member) != NULL;
}

GDBusMessage *
vb_vanished_calls_rewrite (VbObjectTable *objects, GDBusMessage *call, GDBusMessage *reply)
{
  const char *error_name = g_dbus_message_get_error_name (reply);
  GDBusMessage *rewritten = NULL;
  gboolean vanished;

  if (!error_name || !g_str_has_prefix (error_name, GDBUS_ERRORS)
      || !is_object_path (g_dbus_message_get_path (call)))
    return reply;
  vanished = object_vanished (objects, call, error_name);
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
