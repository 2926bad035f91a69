#include "authz.h"

#include <polkit/polkit.h>
#include <unistd.h>

#include "authz-subject.h"
#include "vb-error.h"
#include "vb-log.h"

struct _VbAuthz {
  GDBusConnection *bus;
  VbAuthzMode mode;
  gboolean polkit_on_same_bus;
  PolkitAuthority *authority; /* NULL until first needed */
  GHashTable *read_allowed;   /* unique names allowed the read action */
  GHashTable *credentials;    /* unique name → Credentials: the bus never reuses a name */
  guint name_owner_watch;
};

typedef struct {
  guint32 uid;
  guint32 pid;
  guint64 start_time; /* of pid, read when the first call arrived; 0 if unread */
} Credentials;

typedef struct {
  VbAuthz *authz;
  char *sender;
  char *action_id;
  GHashTable *details;
  gboolean allow_interaction;
  guint32 uid;
  guint32 pid;
  guint64 start_time;
} Check;

static void
check_free (Check *check)
{
  g_free (check->sender);
  g_free (check->action_id);
  g_clear_pointer (&check->details, g_hash_table_unref);
  g_free (check);
}

static void
name_owner_changed (GDBusConnection *connection, const char *sender_name,
                    const char *object_path, const char *interface_name,
                    const char *signal_name, GVariant *parameters, gpointer user_data)
{
  VbAuthz *authz = user_data;
  const char *name, *old_owner, *new_owner;

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  /* A unique name is never reused: forget it when its connection goes. */
  if (name[0] == ':' && new_owner[0] == '\0')
    {
      g_hash_table_remove (authz->read_allowed, name);
      g_hash_table_remove (authz->credentials, name);
    }
}

VbAuthz *
vb_authz_new (GDBusConnection *bus, VbAuthzMode mode, gboolean polkit_on_same_bus)
{
  VbAuthz *authz = g_new0 (VbAuthz, 1);

  authz->bus = g_object_ref (bus);
  authz->mode = mode;
  authz->polkit_on_same_bus = polkit_on_same_bus;
  authz->read_allowed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  authz->credentials = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  authz->name_owner_watch = g_dbus_connection_signal_subscribe (
    bus, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
    "/org/freedesktop/DBus", NULL, G_DBUS_SIGNAL_FLAGS_NONE, name_owner_changed, authz, NULL);
  return authz;
}

void
vb_authz_free (VbAuthz *authz)
{
  if (!authz)
    return;
  g_dbus_connection_signal_unsubscribe (authz->bus, authz->name_owner_watch);
  g_clear_object (&authz->authority);
  g_hash_table_unref (authz->read_allowed);
  g_hash_table_unref (authz->credentials);
  g_object_unref (authz->bus);
  g_free (authz);
}

static void
refuse (GTask *task, const char *why)
{
  Check *check = g_task_get_task_data (task);

  vb_log_info (NULL, "Refused %s to %s (uid %u): %s", check->action_id, check->sender,
               check->uid, why);
  g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_AUTHORIZED,
                           "Not authorized to %s: %s", check->action_id, why);
  g_object_unref (task);
}

static void
allow (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  if (g_str_equal (check->action_id, VB_ACTION_READ))
    g_hash_table_add (check->authz->read_allowed, g_strdup (check->sender));
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
polkit_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PolkitAuthorizationResult) answer = NULL;

  answer = polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result,
                                                        &error);
  if (!answer)
    {
      g_autofree char *why = g_strdup_printf ("polkit could not be asked (%s)", error->message);
      refuse (task, why);
      return;
    }
  if (polkit_authorization_result_get_is_authorized (answer))
    allow (task);
  else if (polkit_authorization_result_get_is_challenge (answer))
    refuse (task, "polkit requires authentication and none was possible");
  else
    refuse (task, "polkit denied the request");
}

static void
ask_polkit (GTask *task)
{
  Check *check = g_task_get_task_data (task);
  g_autoptr (PolkitSubject) subject = NULL;
  g_autoptr (PolkitDetails) details = polkit_details_new ();
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

  subject = vb_authz_subject_new (check->sender, check->authz->polkit_on_same_bus, check->pid,
                                  check->start_time, check->uid);
  if (!subject)
    {
      refuse (task, "the caller's process could not be identified");
      return;
    }
  if (check->details)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, check->details);
      while (g_hash_table_iter_next (&iter, &key, &value))
        polkit_details_insert (details, key, value);
    }
  if (check->allow_interaction)
    flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
  polkit_authority_check_authorization (check->authz->authority, subject, check->action_id,
                                        details, flags, g_task_get_cancellable (task),
                                        polkit_checked, task);
}

static void
authority_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  PolkitAuthority *authority = polkit_authority_get_finish (result, &error);

  if (!authority)
    {
      g_autofree char *why = g_strdup_printf ("polkit is not reachable (%s)", error->message);
      refuse (task, why);
      return;
    }
  if (!check->authz->authority)
    check->authz->authority = authority;
  else
    g_object_unref (authority);
  ask_polkit (task);
}

static void decide (GTask *task);

static void
remember_credentials (Check *check)
{
  Credentials *known = g_new0 (Credentials, 1);

  known->uid = check->uid;
  known->pid = check->pid;
  known->start_time = check->start_time;
  g_hash_table_replace (check->authz->credentials, g_strdup (check->sender), known);
}

static void
credentials_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) credentials = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (!reply)
    {
      refuse (task, "the bus does not know the caller");
      return;
    }
  credentials = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (credentials, "UnixUserID", "u", &check->uid))
    {
      refuse (task, "the bus did not tell the caller's user");
      return;
    }
  g_variant_lookup (credentials, "ProcessID", "u", &check->pid);
  /* polkitd cannot ask our bus about the caller, so the caller will be
   * named to it by pid: pin that pid to the caller's process now, while the
   * caller's call is here (see vb_authz_subject_new()). */
  if (!check->authz->polkit_on_same_bus && check->pid != 0)
    check->start_time = vb_authz_caller_start_time (check->pid, check->uid);
  remember_credentials (check);
  decide (task);
}

static void
decide (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  if (check->authz->mode == VB_AUTHZ_PER_USER && check->uid == getuid ())
    {
      allow (task);
      return;
    }
  /* polkitd authorizes uid 0 for every action whatever its rules say (a rule
   * returning NO for root is not applied): asking it about root is only a
   * round trip, one per call for the actions not remembered. */
  if (check->uid == 0)
    {
      allow (task);
      return;
    }
  if (!check->authz->polkit_on_same_bus && check->pid == 0)
    {
      refuse (task, "the bus did not tell the caller's process");
      return;
    }
  if (!check->authz->polkit_on_same_bus && check->start_time == 0)
    {
      refuse (task, "the caller's process could not be identified");
      return;
    }
  if (check->authz->authority)
    ask_polkit (task);
  else
    polkit_authority_get_async (g_task_get_cancellable (task), authority_ready, task);
}

void
vb_authz_check_async (VbAuthz *authz, const char *sender, const char *action_id,
                      GHashTable *details, gboolean allow_interaction,
                      GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Check *check = g_new0 (Check, 1);
  Credentials *known;

  check->authz = authz;
  check->sender = g_strdup (sender);
  check->action_id = g_strdup (action_id);
  check->details = details ? g_hash_table_ref (details) : NULL;
  check->allow_interaction = allow_interaction;
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);

  if (!sender)
    {
      /* Only a peer-to-peer connection has no sender; we offer none. */
      refuse (task, "the caller is unknown");
      return;
    }
  if (g_str_equal (action_id, VB_ACTION_READ)
      && g_hash_table_contains (authz->read_allowed, sender))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  known = g_hash_table_lookup (authz->credentials, sender);
  if (known)
    {
      check->uid = known->uid;
      check->pid = known->pid;
      check->start_time = known->start_time;
      decide (task);
      return;
    }
  g_dbus_connection_call (authz->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionCredentials",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, -1, cancellable, credentials_ready, task);
}

gboolean
vb_authz_allowed_now (VbAuthz *authz, const char *sender, const char *action_id)
{
  Credentials *known;

  if (!sender)
    return FALSE;
  if (g_str_equal (action_id, VB_ACTION_READ) && g_hash_table_contains (authz->read_allowed, sender))
    return TRUE;
  known = g_hash_table_lookup (authz->credentials, sender);
  /* As in decide(): the service's own user on a per-user bus, and root. */
  return known
         && ((authz->mode == VB_AUTHZ_PER_USER && known->uid == getuid ()) || known->uid == 0);
}

gboolean
vb_authz_check_finish (VbAuthz *authz, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
