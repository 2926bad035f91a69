#include "pool-object.h"

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "property-cache.h"
#include "object-paths.h"
#include "storage-api.h"
#include "vb-error.h"

struct _VbPoolObject {
  VbDBusStoragePoolSkeleton parent;
  VbBusContext *context;
  VbPool *pool;
};

static void pool_iface_init (VbDBusStoragePoolIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbPoolObject, vb_pool_object, VB_DBUS_TYPE_STORAGE_POOL_SKELETON,
                               G_IMPLEMENT_INTERFACE (VB_DBUS_TYPE_STORAGE_POOL,
                                                      pool_iface_init))

static void
sync_properties (VbPoolObject *self)
{
  VbDBusStoragePool *iface = VB_DBUS_STORAGE_POOL (self);
  VbResource *resource = VB_RESOURCE (self->pool);
  guint64 capacity, allocation, available;

  vb_property_cache_invalidate (G_DBUS_INTERFACE_SKELETON (self));
  vb_pool_get_sizes (self->pool, &capacity, &allocation, &available);
  vb_dbus_storage_pool_set_name (iface, vb_resource_get_name (resource));
  vb_dbus_storage_pool_set_uuid (iface, vb_resource_get_uuid (resource));
  vb_dbus_storage_pool_set_active (iface, vb_pool_get_active (self->pool));
  vb_dbus_storage_pool_set_persistent (iface, vb_resource_get_persistent (resource));
  vb_dbus_storage_pool_set_autostart (iface, vb_resource_get_autostart (resource));
  vb_dbus_storage_pool_set_capacity (iface, capacity);
  vb_dbus_storage_pool_set_allocation (iface, allocation);
  vb_dbus_storage_pool_set_available (iface, available);
}

static void
pool_changed (VbPool *pool, gpointer user_data)
{
  sync_properties (VB_POOL_OBJECT (user_data));
}

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_pool_api_finish);
}

static gboolean
run_op (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation, VbPoolOp op, guint flags)
{
  VbPoolObject *self = VB_POOL_OBJECT (iface);

  vb_pool_api_op_async (self->context->host, self->pool, op, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_start (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_POOL_OP_START, flags);
}

static gboolean
handle_stop (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_POOL_OP_STOP, flags);
}

static gboolean
handle_refresh (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_POOL_OP_REFRESH, flags);
}

static gboolean
handle_undefine (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbPoolObject *self = VB_POOL_OBJECT (iface);

  vb_pool_api_undefine_async (self->context->host, self->pool, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_xmldesc (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbPoolObject *self = VB_POOL_OBJECT (iface);
  GError *error = NULL;
  g_autofree char *xml = vb_pool_api_get_xml (self->pool, flags, &error);

  if (!xml)
    vb_dbus_return_error (invocation, error);
  else
    vb_dbus_storage_pool_complete_get_xmldesc (iface, invocation, xml);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
return_volume_path (GDBusMethodInvocation *invocation, VbPool *pool, VbVolume *volume)
{
  g_autofree char *path =
    vb_object_path_for_volume (vb_resource_get_uuid (VB_RESOURCE (pool)),
                               vb_volume_get_name (volume));

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

static void
volume_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  VbPoolObject *self = VB_POOL_OBJECT (g_dbus_method_invocation_get_user_data (invocation));
  GError *error = NULL;
  g_autoptr (VbVolume) volume = vb_volume_api_create_finish (result, &error);

  if (!volume)
    vb_dbus_return_error (invocation, error);
  else
    return_volume_path (invocation, self->pool, volume);
}

static gboolean
handle_create_volume (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation,
                      const char *xml, guint flags)
{
  VbPoolObject *self = VB_POOL_OBJECT (iface);

  vb_volume_api_create_async (self->context->host, self->pool, xml, flags, volume_created,
                              invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_volumes (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation)
{
  VbPoolObject *self = VB_POOL_OBJECT (iface);
  g_autoptr (GPtrArray) volumes = vb_pool_list_volumes (self->pool);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < volumes->len; i++)
    {
      g_autofree char *path = vb_object_path_for_volume (
        vb_resource_get_uuid (VB_RESOURCE (self->pool)), vb_volume_get_name (volumes->pdata[i]));
      g_variant_builder_add (&builder, "o", path);
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ao)", &builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_volume_by_name (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation,
                              const char *name)
{
  VbPoolObject *self = VB_POOL_OBJECT (iface);
  GError *error = NULL;
  VbVolume *volume = vb_volume_api_lookup_by_name (self->pool, name, &error);

  if (!volume)
    vb_dbus_return_error (invocation, error);
  else
    return_volume_path (invocation, self->pool, volume);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_build (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbPoolObject *self = VB_POOL_OBJECT (iface);

  vb_pool_api_build_async (self->context->host, self->pool, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_delete (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbPoolObject *self = VB_POOL_OBJECT (iface);

  vb_pool_api_delete_async (self->context->host, self->pool, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The volume of this pool exported at @path, or NULL. */
static VbVolume *
volume_at_path (VbPool *pool, const char *path)
{
  g_autoptr (GPtrArray) volumes = vb_pool_list_volumes (pool);

  for (guint i = 0; i < volumes->len; i++)
    {
      g_autofree char *candidate = vb_object_path_for_volume (
        vb_resource_get_uuid (VB_RESOURCE (pool)), vb_volume_get_name (volumes->pdata[i]));
      if (g_str_equal (candidate, path))
        return volumes->pdata[i];
    }
  return NULL;
}

static gboolean
handle_clone_volume (VbDBusStoragePool *iface, GDBusMethodInvocation *invocation,
                     const char *xml, const char *source_path, guint flags)
{
  VbPoolObject *self = VB_POOL_OBJECT (iface);
  VbVolume *source = volume_at_path (self->pool, source_path);

  if (!source)
    {
      g_dbus_method_invocation_return_error (invocation, VB_ERROR, VB_ERROR_NOT_FOUND,
                                             "Storage pool '%s' has no volume at %s",
                                             vb_resource_get_name (VB_RESOURCE (self->pool)),
                                             source_path);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  vb_volume_api_clone_async (self->context->host, self->pool, xml, source, flags,
                             volume_created, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
set_property (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
              const char *property, GVariant *value)
{
  VbPoolObject *self = VB_POOL_OBJECT (skeleton);

  g_assert (g_str_equal (property, "Autostart"));
  vb_pool_api_set_autostart_async (self->context->host, self->pool,
                                   g_variant_get_boolean (value), done, invocation);
}

static void
vb_pool_object_dispose (GObject *object)
{
  VbPoolObject *self = VB_POOL_OBJECT (object);

  if (self->pool)
    g_signal_handlers_disconnect_by_data (self->pool, self);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (vb_pool_object_parent_class)->dispose (object);
}

static void
vb_pool_object_class_init (VbPoolObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_pool_object_dispose;
  vb_property_cache_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass));
  vb_dispatch_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass), set_property);
}

static void
vb_pool_object_init (VbPoolObject *self)
{
}

static void
pool_iface_init (VbDBusStoragePoolIface *iface)
{
  iface->handle_start = handle_start;
  iface->handle_stop = handle_stop;
  iface->handle_refresh = handle_refresh;
  iface->handle_undefine = handle_undefine;
  iface->handle_get_xmldesc = handle_get_xmldesc;
  iface->handle_create_volume = handle_create_volume;
  iface->handle_list_volumes = handle_list_volumes;
  iface->handle_lookup_volume_by_name = handle_lookup_volume_by_name;
  iface->handle_build = handle_build;
  iface->handle_delete = handle_delete;
  iface->handle_clone_volume = handle_clone_volume;
}

VbPoolObject *
vb_pool_object_new (VbBusContext *context, VbPool *pool)
{
  VbPoolObject *self = g_object_new (VB_TYPE_POOL_OBJECT, NULL);

  self->context = context;
  self->pool = g_object_ref (pool);
  sync_properties (self);
  g_signal_connect (pool, "changed", G_CALLBACK (pool_changed), self);
  return self;
}
