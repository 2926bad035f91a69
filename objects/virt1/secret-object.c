#include "secret-object.h"

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "property-cache.h"
#include "secret-api.h"

struct _VbSecretObject {
  VbDBusSecretSkeleton parent;
  VbBusContext *context;
  VbSecret *secret;
};

static void secret_iface_init (VbDBusSecretIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbSecretObject, vb_secret_object, VB_DBUS_TYPE_SECRET_SKELETON,
                               G_IMPLEMENT_INTERFACE (VB_DBUS_TYPE_SECRET, secret_iface_init))

static void
sync_properties (VbSecretObject *self)
{
  VbDBusSecret *iface = VB_DBUS_SECRET (self);
  const VbSecretDef *def = vb_secret_get_def (self->secret);

  vb_property_cache_invalidate (G_DBUS_INTERFACE_SKELETON (self));
  vb_dbus_secret_set_uuid (iface, def->uuid);
  vb_dbus_secret_set_usage_type (iface, def->usage_type ? def->usage_type : "");
  vb_dbus_secret_set_usage_id (iface, def->usage_id ? def->usage_id : "");
  vb_dbus_secret_set_ephemeral (iface, def->ephemeral);
  vb_dbus_secret_set_private (iface, def->private);
}

static void
secret_changed (VbSecret *secret, gpointer user_data)
{
  sync_properties (VB_SECRET_OBJECT (user_data));
}

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_secret_api_finish);
}

static gboolean
handle_get_xmldesc (VbDBusSecret *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbSecretObject *self = VB_SECRET_OBJECT (iface);
  GError *error = NULL;
  g_autofree char *xml = vb_secret_api_get_xml (self->secret, flags, &error);

  if (!xml)
    vb_dbus_return_error (invocation, error);
  else
    vb_dbus_secret_complete_get_xmldesc (iface, invocation, xml);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_value (VbDBusSecret *iface, GDBusMethodInvocation *invocation, GVariant *value,
                  guint flags)
{
  VbSecretObject *self = VB_SECRET_OBJECT (iface);
  gsize len = 0;
  const void *data = g_variant_get_fixed_array (value, &len, 1);
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, len);

  /* The store copies the value before this returns. */
  vb_secret_api_set_value_async (self->context->host, self->secret, bytes, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_undefine (VbDBusSecret *iface, GDBusMethodInvocation *invocation)
{
  VbSecretObject *self = VB_SECRET_OBJECT (iface);

  vb_secret_api_undefine_async (self->context->host, self->secret, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
vb_secret_object_dispose (GObject *object)
{
  VbSecretObject *self = VB_SECRET_OBJECT (object);

  if (self->secret)
    g_signal_handlers_disconnect_by_data (self->secret, self);
  g_clear_object (&self->secret);
  G_OBJECT_CLASS (vb_secret_object_parent_class)->dispose (object);
}

static void
vb_secret_object_class_init (VbSecretObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_secret_object_dispose;
  vb_property_cache_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass));
  vb_dispatch_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass), NULL);
}

static void
vb_secret_object_init (VbSecretObject *self)
{
}

static void
secret_iface_init (VbDBusSecretIface *iface)
{
  iface->handle_get_xmldesc = handle_get_xmldesc;
  iface->handle_set_value = handle_set_value;
  iface->handle_undefine = handle_undefine;
}

VbSecretObject *
vb_secret_object_new (VbBusContext *context, VbSecret *secret)
{
  VbSecretObject *self = g_object_new (VB_TYPE_SECRET_OBJECT, NULL);

  self->context = context;
  self->secret = g_object_ref (secret);
  sync_properties (self);
  g_signal_connect (secret, "changed", G_CALLBACK (secret_changed), self);
  return self;
}
