#include "libvirt-dispatch.h"

#include <gio/gunixfdlist.h>
#include <string.h>

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "libvirt-error.h"
#include "model-generation.h"
#include "resource.h"
#include "snapshot.h"
#include "vb-error.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

static void
call_free (VbLvCall *call)
{
  g_clear_object (&call->invocation);
  g_clear_pointer (&call->parameters, g_variant_unref);
  if (call->object)
    (call->object_free ? call->object_free : g_object_unref) (call->object);
  g_free (call->xml);
  g_free (call);
}

void
vb_lv_call_return (VbLvCall *call, GVariant *value)
{
  g_autoptr (GVariant) held = value ? g_variant_ref_sink (value) : NULL;

  /* An answer for a caller allowed for good (or to an open read) can be sent
   * to the same call again without the main loop. */
  if (call->cacheable && held
      && (!call->cache_action
          || vb_dispatch_caller_allowed_now (call->invocation, call->cache_action)))
    vb_reply_cache_store (call->connect->replies, call->generation, call->invocation, held,
                          call->cache_action);
  g_dbus_method_invocation_return_value (g_steal_pointer (&call->invocation), held);
  call_free (call);
}

guint
vb_lv_call_uint_arg (VbLvCall *call, guint index)
{
  guint value;

  g_variant_get_child (call->parameters, index, "u", &value);
  return value;
}

const char *
vb_lv_call_string_arg (VbLvCall *call, guint index)
{
  const char *value;

  g_variant_get_child (call->parameters, index, "&s", &value);
  return value;
}

VbLvCall *
vb_lv_call_expect (VbLvCall *call, VbLvFinishFunc finish)
{
  call->finish = finish;
  return call;
}

void
vb_lv_void_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;

  if (!call->finish (result, &error))
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, NULL);
}

void
vb_lv_call_fail (VbLvCall *call, GError *error)
{
  g_autofree char *message = vb_lv_error_message (error, call->not_found);

  vb_dbus_return_named_error (g_steal_pointer (&call->invocation), VB_LV_ERROR_NAME, message);
  g_error_free (error);
  call_free (call);
}

void
vb_lv_call_return_fd (VbLvCall *call, int fd)
{
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new_from_array (&fd, 1);

  g_dbus_method_invocation_return_value_with_unix_fd_list (g_steal_pointer (&call->invocation),
                                                           g_variant_new ("(h)", 0), fds);
  call_free (call);
}

void
vb_lv_call_unsupported (VbLvCall *call)
{
  g_autofree char *api =
    vb_lv_api_name (g_dbus_method_invocation_get_interface_name (call->invocation),
                    g_dbus_method_invocation_get_method_name (call->invocation));

  /* VIR_ERR_NO_SUPPORT's text, naming the function as libvirt does. */
  vb_lv_call_fail (
    call, vb_lv_error_new ("this function is not supported by the connection driver: %s", api));
}

GVariant *
vb_lv_double_wrap (GVariant *dict)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (dict);
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  g_variant_iter_init (&iter, owned);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_variant_builder_add (&builder, "{sv}", key, g_variant_new_variant (value));
      g_variant_unref (value);
    }
  return g_variant_builder_end (&builder);
}

/* Rules can tell objects apart by these, as for org.virtbus.Virt1. */
static GHashTable *
polkit_details (VbLvCall *call)
{
  GHashTable *details = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  /* Host objects (object_free set) are no GObject: only their path tells them. */
  if (call->object && !call->object_free && VB_IS_RESOURCE (call->object))
    {
      g_hash_table_insert (details, "name", g_strdup (vb_resource_get_name (call->object)));
      g_hash_table_insert (details, "uuid", g_strdup (vb_resource_get_uuid (call->object)));
    }
  else if (call->object && !call->object_free && VB_IS_SNAPSHOT (call->object))
    g_hash_table_insert (details, "name", g_strdup (vb_snapshot_get_name (call->object)));
  g_hash_table_insert (details, "object_path",
                       g_strdup (g_dbus_method_invocation_get_object_path (call->invocation)));
  g_hash_table_insert (details, "member",
                       g_strdup (g_dbus_method_invocation_get_method_name (call->invocation)));
  return details;
}

typedef struct {
  VbLvCall *call;
  VbLvMethodFunc next;
} Authorizing;

static void
authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Authorizing *authorizing = user_data;
  VbLvCall *call = authorizing->call;
  VbLvMethodFunc next = authorizing->next;
  GError *error = NULL;

  g_free (authorizing);
  if (!vb_dispatch_check_caller_finish (result, &error))
    vb_lv_call_fail (call, error);
  else
    next (call);
}

/* Runs @next once the caller may do @action_id (NULL: refused); @key (may be
 * NULL) = @value is one more polkit detail. */
static void
authorize_detail (VbLvCall *call, const char *action_id, const char *key, const char *value,
                  VbLvMethodFunc next)
{
  Authorizing *authorizing;
  g_autoptr (GHashTable) details = NULL;

  if (action_id && vb_dispatch_caller_allowed_now (call->invocation, action_id))
    {
      next (call);
      return;
    }
  authorizing = g_new0 (Authorizing, 1);
  authorizing->call = call;
  authorizing->next = next;
  /* Read decisions are remembered per connection: no details for them. */
  if (action_id && strcmp (action_id, VB_ACTION_READ) != 0)
    details = polkit_details (call);
  if (details && key && value)
    g_hash_table_insert (details, (gpointer) key, g_strdup (value));
  vb_dispatch_check_caller_async (call->invocation, action_id, details, NULL, authorized,
                                  authorizing);
}

static void
authorize (VbLvCall *call, const char *action_id, VbLvMethodFunc next)
{
  authorize_detail (call, action_id, NULL, NULL, next);
}

void
vb_lv_call_authorize_also (VbLvCall *call, const char *action_id, VbLvMethodFunc next)
{
  vb_lv_call_authorize_also_detail (call, action_id, NULL, NULL, next);
}

void
vb_lv_call_authorize_also_detail (VbLvCall *call, const char *action_id, const char *key,
                                  const char *value, VbLvMethodFunc next)
{
  const GDBusMethodInfo *method = g_dbus_method_invocation_get_method_info (call->invocation);
  const char *declared =
    method ? g_dbus_annotation_info_lookup (method->annotations, VB_AUTHORIZATION_ALSO_ANNOTATION)
           : NULL;
  g_auto (GStrv) actions = declared ? g_strsplit (declared, " ", -1) : NULL;

  /* Who may see the answer depends on more than the member's action. */
  call->cacheable = FALSE;
  /* Only what the XML declares may be asked for: the reference stays true. */
  if (!actions || !g_strv_contains ((const char *const *) actions, action_id))
    {
      g_critical ("%s does not declare %s %s",
                  g_dbus_method_invocation_get_method_name (call->invocation),
                  VB_AUTHORIZATION_ALSO_ANNOTATION, action_id);
      vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_NOT_AUTHORIZED,
                                          "%s is not declared for this member", action_id));
      return;
    }
  authorize_detail (call, action_id, key, value, next);
}

static const VbLvMethod *
find_method (const VbLvInterface *iface, const char *name)
{
  for (const VbLvMethod *m = iface->methods; m && m->name; m++)
    if (strcmp (m->name, name) == 0)
      return m;
  return NULL;
}

static const VbLvProperty *
find_property (const VbLvInterface *iface, const char *name)
{
  for (const VbLvProperty *p = iface->properties; p && p->name; p++)
    if (strcmp (p->name, name) == 0)
      return p;
  return NULL;
}

static GVariant *
property_value (VbLvCall *call, const VbLvProperty *property)
{
  GVariant *value = property->get (call->connect, call->object);

  return g_variant_take_ref (value);
}

/* Properties.Get, GetAll, Set: the object is resolved already. */
static void
handle_properties (VbLvCall *call, const VbLvInterface *iface)
{
  const char *method = g_dbus_method_invocation_get_method_name (call->invocation);

  if (strcmp (method, "GetAll") == 0)
    {
      GVariantBuilder builder;

      /* Each value a variant holding the variant: libvirt-dbus's wire format,
       * which clients read as props.Name.v.v. */
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
      for (const VbLvProperty *p = iface->properties; p && p->name; p++)
        {
          g_autoptr (GVariant) value = property_value (call, p);

          g_variant_builder_add (&builder, "{sv}", p->name, g_variant_new_variant (value));
        }
      vb_lv_call_return (call, g_variant_new ("(a{sv})", &builder));
      return;
    }
  else
    {
      const GDBusPropertyInfo *info = g_dbus_method_invocation_get_property_info (call->invocation);
      const VbLvProperty *property = info ? find_property (iface, info->name) : NULL;

      if (!property)
        {
          vb_lv_call_fail (call, vb_lv_error_new ("no property %s", info ? info->name : "?"));
          return;
        }
      if (strcmp (method, "Get") == 0)
        {
          g_autoptr (GVariant) value = property_value (call, property);

          vb_lv_call_return (call, g_variant_new ("(v)", value));
          return;
        }
      /* Set: GDBus checked the property is writable and the value's type. */
      if (!property->set)
        {
          vb_lv_call_unsupported (call);
          return;
        }
      {
        g_autoptr (GVariant) value = NULL;
        VbLvSetFunc set = property->set;

        g_variant_get_child (call->parameters, 2, "v", &value);
        set (call, value);
      }
    }
}

/* What runs once a call is authorized: stored on the call's way there. */
typedef struct {
  VbLvCall call;
  const VbLvInterface *iface;
  const VbLvProperty *set_property;
  VbLvMethodFunc method;
} Pending;

static void
run_set (VbLvCall *call)
{
  handle_properties (call, ((Pending *) call)->iface);
}

/* The call once its object is resolved: authorized, then run. */
static void
dispatch (Pending *pending)
{
  VbLvCall *call = &pending->call;
  const VbLvInterface *iface = pending->iface;
  GDBusMethodInvocation *invocation = call->invocation;
  const char *interface_name = g_dbus_method_invocation_get_interface_name (invocation);
  const char *method_name = g_dbus_method_invocation_get_method_name (invocation);

  if (strcmp (interface_name, PROPERTIES_INTERFACE) == 0)
    {
      const GDBusPropertyInfo *info;
      const char *action;

      /* Reads of properties are open, as org.virtbus.Virt1's are. */
      if (strcmp (method_name, "Set") != 0)
        {
          call->cacheable = iface->cacheable_properties;
          handle_properties (call, iface);
          return;
        }
      info = g_dbus_method_invocation_get_property_info (invocation);
      action = g_dbus_annotation_info_lookup (info->annotations, VB_AUTHORIZATION_ANNOTATION);
      authorize (call, action, run_set);
      return;
    }
  else
    {
      const GDBusMethodInfo *info = g_dbus_method_invocation_get_method_info (invocation);
      const char *action =
        g_dbus_annotation_info_lookup (info->annotations, VB_AUTHORIZATION_ANNOTATION);
      const VbLvMethod *method = find_method (iface, method_name);

      call->cacheable = method && method->cacheable;
      call->cache_action = action;
      authorize (call, action, method ? method->func : vb_lv_call_unsupported);
    }
}

static void
resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;
  VbLvCall *call = &pending->call;
  GError *error = NULL;

  call->object = pending->iface->resolve_finish (result, &error);
  if (!call->object)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  call->object_free = pending->iface->object_free;
  dispatch (pending);
}

static void
method_call (GDBusConnection *connection, const char *sender, const char *object_path,
             const char *interface_name, const char *method_name, GVariant *parameters,
             GDBusMethodInvocation *invocation, gpointer user_data)
{
  const VbLvBinding *binding = user_data;
  const VbLvInterface *iface = binding->iface;
  Pending *pending = g_new0 (Pending, 1);
  VbLvCall *call = &pending->call;
  GError *error = NULL;

  pending->iface = iface;
  call->connect = binding->connect;
  call->invocation = invocation; /* the reference GDBus handed us */
  call->parameters = g_variant_ref (parameters);
  call->not_found = iface->not_found;
  call->generation = vb_model_generation ();
  if (iface->resolve_async)
    {
      iface->resolve_async (binding->connect, object_path, resolved, pending);
      return;
    }
  if (iface->resolve)
    {
      call->object = iface->resolve (binding->connect, object_path, &error);
      if (!call->object)
        {
          vb_lv_call_fail (call, error);
          return;
        }
    }
  dispatch (pending);
}

const GDBusInterfaceVTable *
vb_lv_dispatch_vtable (void)
{
  /* No get_property and set_property: GDBus then sends Properties calls to
   * method_call, where they get libvirt-dbus's wrapping. */
  static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

  return &vtable;
}
