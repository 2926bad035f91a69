#include "volume-object.h"

#include "authorized-dispatch.h"
#include "property-cache.h"
#include "storage-api.h"
#include "vb-error.h"

struct _VbVolumeObject {
  VbDBusStorageVolumeSkeleton parent;
  VbBusContext *context;
  VbPool *pool;
  VbVolume *volume;
};

static void volume_iface_init (VbDBusStorageVolumeIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbVolumeObject, vb_volume_object,
                               VB_DBUS_TYPE_STORAGE_VOLUME_SKELETON,
                               G_IMPLEMENT_INTERFACE (VB_DBUS_TYPE_STORAGE_VOLUME,
                                                      volume_iface_init))

static void
sync_properties (VbVolumeObject *self)
{
  VbDBusStorageVolume *iface = VB_DBUS_STORAGE_VOLUME (self);
  g_autofree char *pool_path = vb_resource_object_path (VB_RESOURCE (self->pool));

  vb_property_cache_invalidate (G_DBUS_INTERFACE_SKELETON (self));
  vb_dbus_storage_volume_set_name (iface, vb_volume_get_name (self->volume));
  vb_dbus_storage_volume_set_path (iface, vb_volume_get_path (self->volume));
  vb_dbus_storage_volume_set_format (iface, vb_volume_get_format (self->volume));
  vb_dbus_storage_volume_set_capacity (iface, vb_volume_get_capacity (self->volume));
  vb_dbus_storage_volume_set_allocation (iface, vb_volume_get_allocation (self->volume));
  vb_dbus_storage_volume_set_pool (iface, pool_path);
}

static void
volume_changed (VbVolume *volume, gpointer user_data)
{
  sync_properties (VB_VOLUME_OBJECT (user_data));
}

static void
deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_volume_api_delete_finish);
}

static gboolean
handle_delete (VbDBusStorageVolume *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbVolumeObject *self = VB_VOLUME_OBJECT (iface);

  vb_volume_api_delete_async (self->context->host, self->pool, self->volume, flags, deleted,
                              invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_xmldesc (VbDBusStorageVolume *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbVolumeObject *self = VB_VOLUME_OBJECT (iface);
  g_autofree char *xml = NULL;

  if (flags != 0)
    {
      g_dbus_method_invocation_return_error (invocation, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                             "Unsupported flags 0x%x (this call accepts 0x0)",
                                             flags);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  xml = vb_volume_format_xml (self->volume);
  vb_dbus_storage_volume_complete_get_xmldesc (iface, invocation, xml);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
vb_volume_object_dispose (GObject *object)
{
  VbVolumeObject *self = VB_VOLUME_OBJECT (object);

  if (self->volume)
    g_signal_handlers_disconnect_by_data (self->volume, self);
  g_clear_object (&self->volume);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (vb_volume_object_parent_class)->dispose (object);
}

static void
vb_volume_object_class_init (VbVolumeObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_volume_object_dispose;
  vb_property_cache_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass));
  vb_dispatch_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass), NULL);
}

static void
vb_volume_object_init (VbVolumeObject *self)
{
}

static void
volume_iface_init (VbDBusStorageVolumeIface *iface)
{
  iface->handle_delete = handle_delete;
  iface->handle_get_xmldesc = handle_get_xmldesc;
}

VbVolumeObject *
vb_volume_object_new (VbBusContext *context, VbPool *pool, VbVolume *volume)
{
  VbVolumeObject *self = g_object_new (VB_TYPE_VOLUME_OBJECT, NULL);

  self->context = context;
  self->pool = g_object_ref (pool);
  self->volume = g_object_ref (volume);
  sync_properties (self);
  g_signal_connect (volume, "changed", G_CALLBACK (volume_changed), self);
  return self;
}
