/* org.libvirt.StoragePool on StoragePool's checked operations (storage-api.h). */
#include <string.h>

#include "libvirt-error.h"
#include "libvirt-resource.h"
#include "libvirt-net-storage.h"
#include "storage-api.h"
#include "vb-error.h"

/* virStoragePoolState */
#define LV_POOL_INACTIVE 0
#define LV_POOL_RUNNING 2

static VbPool *
pool_of (VbLvCall *call)
{
  return call->object;
}

static gpointer
resolve (const VbLvConnect *connect, const char *path, GError **error)
{
  g_autofree char *uuid = vb_lv_uuid_from_object_path (connect->path, VB_LV_POOL_NODE, path);
  VbPool *pool = uuid ? vb_pool_api_lookup_by_uuid (connect->host, uuid, NULL) : NULL;

  if (!pool)
    {
      g_propagate_error (
        error, vb_lv_error_new ("Storage pool not found: no storage pool with matching uuid '%s'",
                                uuid ? uuid : path));
      return NULL;
    }
  return g_object_ref (pool);
}

/* libvirt's answer for calls that need the pool running. */
static gboolean
check_active (VbLvCall *call)
{
  if (vb_pool_get_active (pool_of (call)))
    return TRUE;
  vb_lv_call_fail (call, vb_lv_error_new ("Requested operation is not valid: storage pool '%s' "
                                          "is not active",
                                          vb_resource_get_name (call->object)));
  return FALSE;
}

/* ---- properties ---- */

static GVariant *
get_active (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_boolean (vb_pool_get_active (object));
}

static void
set_autostart (VbLvCall *call, GVariant *value)
{
  vb_pool_api_set_autostart_async (call->connect->host, pool_of (call),
                                   g_variant_get_boolean (value), vb_lv_void_done,
                                   vb_lv_call_expect (call, vb_pool_api_finish));
}

/* ---- lifecycle ---- */

static void
handle_create (VbLvCall *call)
{
  vb_pool_api_op_async (call->connect->host, pool_of (call), VB_POOL_OP_START,
                        vb_lv_call_uint_arg (call, 0), vb_lv_void_done,
                        vb_lv_call_expect (call, vb_pool_api_finish));
}

static void
handle_destroy (VbLvCall *call)
{
  vb_pool_api_op_async (call->connect->host, pool_of (call), VB_POOL_OP_STOP, 0, vb_lv_void_done,
                        vb_lv_call_expect (call, vb_pool_api_finish));
}

static void
handle_undefine (VbLvCall *call)
{
  vb_pool_api_undefine_async (call->connect->host, pool_of (call), 0, vb_lv_void_done,
                              vb_lv_call_expect (call, vb_pool_api_finish));
}

static void
refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;

  if (!vb_pool_api_finish (result, &error))
    {
      vb_lv_call_fail (call, error);
      return;
    }
  /* libvirt's VIR_STORAGE_POOL_EVENT_ID_REFRESH: Cockpit reads an active
   * pool only once this arrives. The reply goes first, as libvirt's call
   * returns before its event is dispatched. */
  {
    VbDriverHost *host = call->connect->host;
    g_autoptr (VbPool) pool = g_object_ref (pool_of (call));

    vb_lv_call_return (call, NULL);
    vb_lv_net_storage_pool_refreshed (host, pool);
  }
}

static void
handle_refresh (VbLvCall *call)
{
  vb_pool_api_op_async (call->connect->host, pool_of (call), VB_POOL_OP_REFRESH,
                        vb_lv_call_uint_arg (call, 0), refreshed, call);
}

typedef struct {
  VbLvCall *call;
  VbLvLifecycleEvent event;
} OnDisk;

static void
on_disk_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OnDisk *on_disk = user_data;
  VbLvCall *call = on_disk->call;
  VbLvLifecycleEvent event = on_disk->event;
  GError *error = NULL;

  g_free (on_disk);
  if (!vb_pool_api_finish (result, &error))
    {
      vb_lv_call_fail (call, error);
      return;
    }
  {
    VbDriverHost *host = call->connect->host;
    g_autoptr (VbPool) pool = g_object_ref (pool_of (call));

    vb_lv_call_return (call, NULL);
    vb_lv_net_storage_pool_event (host, pool, event);
  }
}

static void
handle_build (VbLvCall *call)
{
  OnDisk *on_disk = g_new0 (OnDisk, 1);

  on_disk->call = call;
  on_disk->event = VB_LV_EVENT_CREATED;
  vb_pool_api_build_async (call->connect->host, pool_of (call), vb_lv_call_uint_arg (call, 0),
                           on_disk_done, on_disk);
}

static void
handle_delete (VbLvCall *call)
{
  OnDisk *on_disk = g_new0 (OnDisk, 1);

  on_disk->call = call;
  on_disk->event = VB_LV_EVENT_DELETED;
  vb_pool_api_delete_async (call->connect->host, pool_of (call), vb_lv_call_uint_arg (call, 0),
                            on_disk_done, on_disk);
}

/* ---- reading ---- */

static void
handle_get_info (VbLvCall *call)
{
  guint64 capacity, allocation, available;
  gboolean active = vb_pool_get_active (pool_of (call));

  vb_pool_get_sizes (pool_of (call), &capacity, &allocation, &available);
  vb_lv_call_return (call, g_variant_new ("((ittt))", active ? LV_POOL_RUNNING : LV_POOL_INACTIVE,
                                          capacity, allocation, available));
}

static void
handle_get_xml_desc (VbLvCall *call)
{
  GError *error = NULL;
  g_autofree char *xml =
    vb_pool_api_get_xml (pool_of (call), vb_lv_call_uint_arg (call, 0), &error);

  if (!xml)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new ("(s)", xml));
}

static void
handle_list_storage_volumes (VbLvCall *call)
{
  guint flags = vb_lv_call_uint_arg (call, 0);
  g_autoptr (GPtrArray) volumes = NULL;
  GVariantBuilder builder;

  /* virStoragePoolListAllVolumes has no flags yet. */
  if (flags)
    {
      vb_lv_call_fail (call, vb_lv_error_new ("invalid argument: unsupported flags (0x%x) in "
                                              "function virStoragePoolListAllVolumes",
                                              flags));
      return;
    }
  if (!check_active (call))
    return;
  volumes = vb_pool_list_volumes (pool_of (call));
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < volumes->len; i++)
    {
      g_autofree char *path = vb_lv_volume_object_path (call->connect, volumes->pdata[i]);

      g_variant_builder_add (&builder, "o", path);
    }
  vb_lv_call_return (call, g_variant_new ("(ao)", &builder));
}

static void
handle_storage_vol_lookup_by_name (VbLvCall *call)
{
  const char *name = vb_lv_call_string_arg (call, 0);
  VbVolume *volume;

  if (!check_active (call))
    return;
  volume = vb_volume_api_lookup_by_name (pool_of (call), name, NULL);
  if (!volume)
    vb_lv_call_fail (call, vb_lv_error_new ("Storage volume not found: no storage vol with "
                                            "matching name '%s'",
                                            name));
  else
    vb_lv_call_return_volume (call, g_object_ref (volume), NULL);
}

/* ---- volumes ---- */

static void
volume_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbVolume *volume = vb_volume_api_create_finish (result, &error);

  vb_lv_call_return_volume (call, volume, error);
}

static void
handle_storage_vol_create_xml (VbLvCall *call)
{
  vb_volume_api_create_async (call->connect->host, pool_of (call), vb_lv_call_string_arg (call, 0),
                              vb_lv_call_uint_arg (call, 1), volume_created, call);
}

static void
handle_storage_vol_create_xml_from (VbLvCall *call)
{
  const char *key = vb_lv_call_string_arg (call, 1);
  g_autoptr (VbPool) source_pool = NULL;
  g_autoptr (VbVolume) source = vb_lv_volume_find (call->connect->host, key, FALSE, &source_pool);

  if (!source)
    {
      vb_lv_call_fail (call, vb_lv_error_new ("Storage volume not found: no storage vol with "
                                              "matching key %s",
                                              key));
      return;
    }
  /* virtbus copies within one pool (CloneVolume's source is a volume of it). */
  if (source_pool != pool_of (call))
    {
      vb_lv_call_fail (call, vb_lv_error_new ("Operation not supported: the volume '%s' is in "
                                              "another storage pool",
                                              key));
      return;
    }
  vb_volume_api_clone_async (call->connect->host, pool_of (call), vb_lv_call_string_arg (call, 0),
                             source, vb_lv_call_uint_arg (call, 2), volume_created, call);
}

static const VbLvMethod methods[] = {
  { "Build", handle_build },
  { "Create", handle_create },
  { "Delete", handle_delete },
  { "Destroy", handle_destroy },
  { "GetInfo", handle_get_info },
  { "GetXMLDesc", handle_get_xml_desc },
  { "ListStorageVolumes", handle_list_storage_volumes },
  { "Refresh", handle_refresh },
  { "StorageVolCreateXML", handle_storage_vol_create_xml },
  { "StorageVolCreateXMLFrom", handle_storage_vol_create_xml_from },
  { "StorageVolLookupByName", handle_storage_vol_lookup_by_name },
  { "Undefine", handle_undefine },
  { NULL },
};

static const VbLvProperty properties[] = {
  { "Active", get_active },
  { "Autostart", vb_lv_resource_get_autostart, set_autostart },
  { "Name", vb_lv_resource_get_name },
  { "Persistent", vb_lv_resource_get_persistent },
  { "UUID", vb_lv_resource_get_uuid },
  { NULL },
};

const VbLvInterface vb_lv_storage_pool_interface = {
  .name = "org.libvirt.StoragePool",
  .not_found = "Storage pool not found",
  .methods = methods,
  .properties = properties,
  .cacheable_properties = TRUE,
  .resolve = resolve,
};
