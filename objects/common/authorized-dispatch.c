#include "authorized-dispatch.h"

#include "dbus-error.h"
#include "vb-error.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

typedef struct {
  GDBusInterfaceVTable vtable;        /* what GDBus calls: ours */
  const GDBusInterfaceVTable *parent; /* the generated one */
  GDBusInterfaceSkeletonClass *parent_class;
  VbSetPropertyFunc set_property;
} DispatchInfo;

static VbAuthz *the_authz;
static GQuark info_quark;

void
vb_dispatch_set_authz (VbAuthz *authz)
{
  the_authz = authz;
}

static DispatchInfo *
info_for (GDBusInterfaceSkeleton *skeleton)
{
  return g_type_get_qdata (G_OBJECT_TYPE (skeleton), info_quark);
}

/* Rules can tell objects apart by these (e.g. action.lookup("name")). */
static GHashTable *
polkit_details (GDBusInterfaceSkeleton *skeleton, const char *object_path, const char *member)
{
  GHashTable *details = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  GObjectClass *klass = G_OBJECT_GET_CLASS (skeleton);
  static const char *const keys[] = { "name", "uuid" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GParamSpec *spec = g_object_class_find_property (klass, keys[i]);
      char *value = NULL;

      if (!spec || spec->value_type != G_TYPE_STRING)
        continue;
      g_object_get (skeleton, keys[i], &value, NULL);
      if (value)
        g_hash_table_insert (details, (gpointer) keys[i], value);
    }
  g_hash_table_insert (details, "object_path", g_strdup (object_path));
  g_hash_table_insert (details, "member", g_strdup (member));
  return details;
}

typedef struct {
  GDBusInterfaceSkeleton *skeleton;
  GDBusMethodInvocation *invocation;
  GVariant *property_value; /* set for Properties.Set */
  char *property_name;
} Pending;

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->skeleton);
  g_clear_pointer (&pending->property_value, g_variant_unref);
  g_free (pending->property_name);
  g_free (pending);
}

static void
run_authorized (Pending *pending)
{
  GDBusMethodInvocation *invocation = pending->invocation;
  DispatchInfo *info = info_for (pending->skeleton);

  if (pending->property_name)
    {
      info->set_property (pending->skeleton, invocation, pending->property_name,
                          pending->property_value);
    }
  else
    {
      info->parent->method_call (g_dbus_method_invocation_get_connection (invocation),
                                 g_dbus_method_invocation_get_sender (invocation),
                                 g_dbus_method_invocation_get_object_path (invocation),
                                 g_dbus_method_invocation_get_interface_name (invocation),
                                 g_dbus_method_invocation_get_method_name (invocation),
                                 g_dbus_method_invocation_get_parameters (invocation),
                                 invocation, pending->skeleton);
    }
  pending_free (pending);
}

static void
authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;
  GError *error = NULL;

  if (!vb_authz_check_finish (the_authz, result, &error))
    {
      vb_dbus_return_error (pending->invocation, error);
      pending_free (pending);
      return;
    }
  run_authorized (pending);
}

static void
dispatch_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                      const char *interface_name, const char *method_name,
                      GVariant *parameters, GDBusMethodInvocation *invocation,
                      gpointer user_data)
{
  GDBusInterfaceSkeleton *skeleton = user_data;
  DispatchInfo *info = info_for (skeleton);
  Pending *pending = g_new0 (Pending, 1);
  GDBusAnnotationInfo **annotations;
  const char *member;
  const char *action;
  GDBusMessageFlags flags =
    g_dbus_message_get_flags (g_dbus_method_invocation_get_message (invocation));
  g_autoptr (GHashTable) details = NULL;

  pending->skeleton = g_object_ref (skeleton);
  pending->invocation = invocation;

  if (g_str_equal (interface_name, PROPERTIES_INTERFACE))
    {
      /* Only Set comes here: Get and GetAll are served by the generated code
       * (or, for the objects of a subtree, by objects/virt1/object-table.c). */
      const GDBusPropertyInfo *property = g_dbus_method_invocation_get_property_info (invocation);

      annotations = property->annotations;
      member = property->name;
      pending->property_name = g_strdup (property->name);
      g_variant_get_child (parameters, 2, "v", &pending->property_value);
    }
  else
    {
      const GDBusMethodInfo *method = g_dbus_method_invocation_get_method_info (invocation);

      annotations = method->annotations;
      member = method->name;
    }

  action = g_dbus_annotation_info_lookup (annotations, VB_AUTHORIZATION_ANNOTATION);
  if (!action || !the_authz || (pending->property_name && !info->set_property))
    {
      g_dbus_method_invocation_return_error (invocation, VB_ERROR, VB_ERROR_NOT_AUTHORIZED,
                                             "%s.%s declares no authorization: refused",
                                             interface_name, member);
      pending_free (pending);
      return;
    }
  /* Reads by a known client, and calls from our own user, skip the round trip. */
  if (vb_authz_allowed_now (the_authz, sender, action))
    {
      run_authorized (pending);
      return;
    }
  /* Read decisions are remembered per connection, not per object: details
   * would suggest to rules that reads can be told apart, so none are sent. */
  if (!g_str_equal (action, VB_ACTION_READ))
    details = polkit_details (skeleton, object_path, member);
  vb_authz_check_async (the_authz, sender, action, details,
                        (flags & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0,
                        NULL, authorized, pending);
}

/* @declared: the annotation's value, actions separated by spaces. */
static gboolean
action_declared (const char *declared, const char *action_id)
{
  g_auto (GStrv) actions = g_strsplit (declared, " ", -1);

  return g_strv_contains ((const char *const *) actions, action_id);
}

static void
also_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!vb_authz_check_finish (the_authz, result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Both _async below; @key and @value (may be NULL) add one polkit detail. */
static void
authorize_also (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
                const char *action_id, const char *key, const char *value,
                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data,
                gpointer source_tag)
{
  g_autoptr (GTask) task = g_task_new (skeleton, cancellable, callback, user_data);
  const GDBusMethodInfo *method = g_dbus_method_invocation_get_method_info (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *declared = NULL;
  GDBusMessageFlags flags =
    g_dbus_message_get_flags (g_dbus_method_invocation_get_message (invocation));
  g_autoptr (GHashTable) details = NULL;

  g_task_set_source_tag (task, source_tag);
  if (method)
    declared = g_dbus_annotation_info_lookup (method->annotations, VB_AUTHORIZATION_ALSO_ANNOTATION);
  /* Only what the XML declares may be asked for: the reference stays true. */
  if (!declared || !action_declared (declared, action_id))
    {
      g_critical ("%s does not declare %s %s", g_dbus_method_invocation_get_method_name (invocation),
                  VB_AUTHORIZATION_ALSO_ANNOTATION, action_id);
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_AUTHORIZED,
                               "%s is not declared for this member: refused", action_id);
      return;
    }
  if (!the_authz)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_AUTHORIZED,
                               "no authorizer: %s refused", action_id);
      return;
    }
  if (vb_authz_allowed_now (the_authz, sender, action_id))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  details = polkit_details (skeleton, g_dbus_method_invocation_get_object_path (invocation),
                            g_dbus_method_invocation_get_method_name (invocation));
  if (key && value)
    g_hash_table_insert (details, (gpointer) key, g_strdup (value));
  vb_authz_check_async (the_authz, sender, action_id, details,
                        (flags & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0,
                        cancellable, also_checked, g_steal_pointer (&task));
}

void
vb_dispatch_authorize_also_async (GDBusInterfaceSkeleton *skeleton,
                                  GDBusMethodInvocation *invocation, const char *action_id,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  authorize_also (skeleton, invocation, action_id, NULL, NULL, cancellable, callback, user_data,
                  vb_dispatch_authorize_also_async);
}

void
vb_dispatch_authorize_also_detail_async (GDBusInterfaceSkeleton *skeleton,
                                         GDBusMethodInvocation *invocation, const char *action_id,
                                         const char *key, const char *value,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  authorize_also (skeleton, invocation, action_id, key, value, cancellable, callback, user_data,
                  vb_dispatch_authorize_also_detail_async);
}

gboolean
vb_dispatch_authorize_also_detail_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_dispatch_authorize_also_detail_async),
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
vb_dispatch_authorize_also_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_dispatch_authorize_also_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
vb_dispatch_caller_allowed_now (GDBusMethodInvocation *invocation, const char *action_id)
{
  return the_authz
         && vb_authz_allowed_now (the_authz, g_dbus_method_invocation_get_sender (invocation),
                                  action_id);
}

static void
caller_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!vb_authz_check_finish (the_authz, result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
vb_dispatch_check_caller_async (GDBusMethodInvocation *invocation, const char *action_id,
                                GHashTable *details, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GDBusMessageFlags flags =
    g_dbus_message_get_flags (g_dbus_method_invocation_get_message (invocation));

  g_task_set_source_tag (task, vb_dispatch_check_caller_async);
  if (!the_authz || !action_id)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_AUTHORIZED,
                               "%s.%s declares no authorization: refused",
                               g_dbus_method_invocation_get_interface_name (invocation),
                               g_dbus_method_invocation_get_method_name (invocation));
      return;
    }
  vb_authz_check_async (the_authz, g_dbus_method_invocation_get_sender (invocation), action_id,
                        details,
                        (flags & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0,
                        cancellable, caller_checked, g_steal_pointer (&task));
}

gboolean
vb_dispatch_check_caller_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_dispatch_check_caller_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static GDBusInterfaceVTable *
get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  DispatchInfo *info = info_for (skeleton);

  if (!info->parent)
    {
      info->parent = info->parent_class->get_vtable (skeleton);
      info->vtable.method_call = dispatch_method_call;
      info->vtable.get_property = info->parent->get_property;
      /* NULL makes GDBus send Properties.Set through method_call, where it is checked. */
      info->vtable.set_property = NULL;
    }
  return &info->vtable;
}

void
vb_dispatch_class_init (GDBusInterfaceSkeletonClass *klass, VbSetPropertyFunc set_property)
{
  DispatchInfo *info = g_new0 (DispatchInfo, 1);

  if (!info_quark)
    info_quark = g_quark_from_static_string ("vb-dispatch-info");
  info->parent_class = g_type_class_peek_parent (klass);
  info->set_property = set_property;
  g_type_set_qdata (G_TYPE_FROM_CLASS (klass), info_quark, info);
  klass->get_vtable = get_vtable;
}
