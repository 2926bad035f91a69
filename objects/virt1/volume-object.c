#include "volume-object.h"

#include <gio/gunixfdlist.h>

#include "authorized-dispatch.h"
#include "dbus-error.h"
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
  vb_complete_void (user_data, result, vb_volume_api_finish);
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
volume_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_volume_api_finish);
}

static gboolean
handle_resize (VbDBusStorageVolume *iface, GDBusMethodInvocation *invocation, guint64 capacity,
               guint flags)
{
  VbVolumeObject *self = VB_VOLUME_OBJECT (iface);

  vb_volume_api_resize_async (self->context->host, self->pool, self->volume, capacity, flags,
                              volume_done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_wipe (VbDBusStorageVolume *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbVolumeObject *self = VB_VOLUME_OBJECT (iface);

  vb_volume_api_wipe_async (self->context->host, self->pool, self->volume, flags, volume_done,
                            invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
transfer_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (VbJob) job = vb_volume_api_transfer_finish (result, &error);

  vb_complete_job_path (user_data, job, error);
}

static gboolean
start_transfer (VbVolumeObject *self, GDBusMethodInvocation *invocation, gboolean upload,
                GUnixFDList *fd_list, GVariant *handle, guint64 offset, guint64 length,
                guint flags)
{
  int index = g_variant_get_handle (handle);
  GError *error = NULL;
  int fd;

  if (!fd_list || index < 0 || index >= g_unix_fd_list_get_length (fd_list))
    {
      g_dbus_method_invocation_return_error (invocation, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                             "The call carries no file descriptor %d", index);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  fd = g_unix_fd_list_get (fd_list, index, &error); /* a duplicate: ours */
  if (fd < 0)
    {
      vb_dbus_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  vb_volume_api_transfer_async (self->context->host, self->pool, self->volume, upload, fd,
                                offset, length, flags, transfer_started, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_upload (VbDBusStorageVolume *iface, GDBusMethodInvocation *invocation,
               GUnixFDList *fd_list, GVariant *fd, guint64 offset, guint64 length, guint flags)
{
  return start_transfer (VB_VOLUME_OBJECT (iface), invocation, TRUE, fd_list, fd, offset, length,
                         flags);
}

static gboolean
handle_download (VbDBusStorageVolume *iface, GDBusMethodInvocation *invocation,
                 GUnixFDList *fd_list, GVariant *fd, guint64 offset, guint64 length, guint flags)
{
  return start_transfer (VB_VOLUME_OBJECT (iface), invocation, FALSE, fd_list, fd, offset,
                         length, flags);
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
  iface->handle_resize = handle_resize;
  iface->handle_wipe = handle_wipe;
  iface->handle_upload = handle_upload;
  iface->handle_download = handle_download;
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
