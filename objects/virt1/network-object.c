#include "network-object.h"

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "property-cache.h"
#include "network-api.h"

struct _VbNetworkObject {
  VbDBusNetworkSkeleton parent;
  VbBusContext *context;
  VbNetwork *network;
};

static void network_iface_init (VbDBusNetworkIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbNetworkObject, vb_network_object,
                               VB_DBUS_TYPE_NETWORK_SKELETON,
                               G_IMPLEMENT_INTERFACE (VB_DBUS_TYPE_NETWORK, network_iface_init))

static void
sync_properties (VbNetworkObject *self)
{
  VbDBusNetwork *iface = VB_DBUS_NETWORK (self);
  VbResource *resource = VB_RESOURCE (self->network);

  vb_property_cache_invalidate (G_DBUS_INTERFACE_SKELETON (self));
  vb_dbus_network_set_name (iface, vb_resource_get_name (resource));
  vb_dbus_network_set_uuid (iface, vb_resource_get_uuid (resource));
  vb_dbus_network_set_active (iface, vb_network_get_active (self->network));
  vb_dbus_network_set_persistent (iface, vb_resource_get_persistent (resource));
  vb_dbus_network_set_autostart (iface, vb_resource_get_autostart (resource));
  vb_dbus_network_set_bridge (iface, vb_network_get_bridge (self->network));
}

static void
network_changed (VbNetwork *network, gpointer user_data)
{
  sync_properties (VB_NETWORK_OBJECT (user_data));
}

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_network_api_finish);
}

static gboolean
run_op (VbDBusNetwork *iface, GDBusMethodInvocation *invocation, VbNetworkOp op, guint flags)
{
  VbNetworkObject *self = VB_NETWORK_OBJECT (iface);

  vb_network_api_op_async (self->context->host, self->network, op, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_start (VbDBusNetwork *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_NETWORK_OP_START, flags);
}

static gboolean
handle_stop (VbDBusNetwork *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_NETWORK_OP_STOP, flags);
}

static gboolean
handle_undefine (VbDBusNetwork *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbNetworkObject *self = VB_NETWORK_OBJECT (iface);

  vb_network_api_undefine_async (self->context->host, self->network, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_xmldesc (VbDBusNetwork *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbNetworkObject *self = VB_NETWORK_OBJECT (iface);
  GError *error = NULL;
  g_autofree char *xml = vb_network_api_get_xml (self->network, flags, &error);

  if (!xml)
    vb_dbus_return_error (invocation, error);
  else
    vb_dbus_network_complete_get_xmldesc (iface, invocation, xml);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
leases_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) leases = vb_network_api_get_dhcp_leases_finish (result, &error);

  if (!leases)
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&leases, 1));
}

static gboolean
handle_get_dhcpleases (VbDBusNetwork *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbNetworkObject *self = VB_NETWORK_OBJECT (iface);

  vb_network_api_get_dhcp_leases_async (self->context->host, self->network, flags, leases_done,
                                        invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_update (VbDBusNetwork *iface, GDBusMethodInvocation *invocation, guint command,
               guint section, gint parent_index, const char *xml, guint flags)
{
  VbNetworkObject *self = VB_NETWORK_OBJECT (iface);

  vb_network_api_update_async (self->context->host, self->network, command, section,
                               parent_index, xml, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
set_property (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
              const char *property, GVariant *value)
{
  VbNetworkObject *self = VB_NETWORK_OBJECT (skeleton);

  g_assert (g_str_equal (property, "Autostart"));
  vb_network_api_set_autostart_async (self->context->host, self->network,
                                      g_variant_get_boolean (value), done, invocation);
}

static void
vb_network_object_dispose (GObject *object)
{
  VbNetworkObject *self = VB_NETWORK_OBJECT (object);

  if (self->network)
    g_signal_handlers_disconnect_by_data (self->network, self);
  g_clear_object (&self->network);
  G_OBJECT_CLASS (vb_network_object_parent_class)->dispose (object);
}

static void
vb_network_object_class_init (VbNetworkObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_network_object_dispose;
  vb_property_cache_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass));
  vb_dispatch_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass), set_property);
}

static void
vb_network_object_init (VbNetworkObject *self)
{
}

static void
network_iface_init (VbDBusNetworkIface *iface)
{
  iface->handle_start = handle_start;
  iface->handle_stop = handle_stop;
  iface->handle_undefine = handle_undefine;
  iface->handle_get_xmldesc = handle_get_xmldesc;
  iface->handle_get_dhcpleases = handle_get_dhcpleases;
  iface->handle_update = handle_update;
}

VbNetworkObject *
vb_network_object_new (VbBusContext *context, VbNetwork *network)
{
  VbNetworkObject *self = g_object_new (VB_TYPE_NETWORK_OBJECT, NULL);

  self->context = context;
  self->network = g_object_ref (network);
  sync_properties (self);
  g_signal_connect (network, "changed", G_CALLBACK (network_changed), self);
  return self;
}
