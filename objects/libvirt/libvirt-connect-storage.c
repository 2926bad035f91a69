/* org.libvirt.Connect's storage pool and volume members, on Manager's
 * storage operations. */
#include <string.h>

#include "libvirt-error.h"
#include "libvirt-net-storage.h"
#include "storage-api.h"
#include "vb-error.h"

/* virConnectListAllStoragePoolsFlags: the state bits Manager.ListStoragePools
 * has (same values), then one bit per pool type. */
#define LV_LIST_POOLS_STATES 0x3fu
#define LV_LIST_POOLS_DIR (1u << 6)
#define LV_LIST_POOLS_ALL_TYPES 0xfffc0u /* DIR (64) to ISCSI_DIRECT (1 << 19) */

/* Whether @pool passes the type bits of @flags (none: every pool). virtbus's
 * "dir" pools are libvirt's; its "test" pools are of no libvirt type. */
static gboolean
passes_types (VbPool *pool, guint flags)
{
  guint types = flags & LV_LIST_POOLS_ALL_TYPES;

  if (!types)
    return TRUE;
  return (types & LV_LIST_POOLS_DIR) && strcmp (vb_pool_get_def (pool)->type, "dir") == 0;
}

void
vb_lv_connect_list_storage_pools (VbLvCall *call)
{
  guint flags = vb_lv_call_uint_arg (call, 0);
  guint unknown = flags & ~(LV_LIST_POOLS_STATES | LV_LIST_POOLS_ALL_TYPES);
  GError *error = NULL;
  g_autoptr (GPtrArray) pools = NULL;
  GVariantBuilder builder;

  if (unknown)
    {
      vb_lv_call_fail (call, vb_lv_error_new ("invalid argument: unsupported flags (0x%x) in "
                                              "function virConnectListAllStoragePools",
                                              unknown));
      return;
    }
  pools = vb_pool_api_list (call->connect->host, flags & LV_LIST_POOLS_STATES, &error);
  if (!pools)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < pools->len; i++)
    {
      g_autofree char *path = NULL;

      if (!passes_types (pools->pdata[i], flags))
        continue;
      path = vb_lv_pool_object_path (call->connect, pools->pdata[i]);
      g_variant_builder_add (&builder, "o", path);
    }
  vb_lv_call_return (call, g_variant_new ("(ao)", &builder));
}

void
vb_lv_connect_storage_pool_lookup_by_name (VbLvCall *call)
{
  const char *name = vb_lv_call_string_arg (call, 0);
  VbPool *pool = vb_pool_api_lookup_by_name (call->connect->host, name, NULL);

  if (!pool)
    vb_lv_call_fail (call, vb_lv_error_new ("Storage pool not found: no storage pool with "
                                            "matching name '%s'",
                                            name));
  else
    vb_lv_call_return_pool (call, g_object_ref (pool), NULL);
}

void
vb_lv_connect_storage_pool_lookup_by_uuid (VbLvCall *call)
{
  const char *uuid = vb_lv_call_string_arg (call, 0);
  VbPool *pool = vb_pool_api_lookup_by_uuid (call->connect->host, uuid, NULL);

  if (!pool)
    vb_lv_call_fail (call, vb_lv_error_new ("Storage pool not found: no storage pool with "
                                            "matching uuid '%s'",
                                            uuid));
  else
    vb_lv_call_return_pool (call, g_object_ref (pool), NULL);
}

static void
pool_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbPool *pool = vb_pool_api_new_finish (result, &error);

  vb_lv_call_return_pool (call, pool, error);
}

void
vb_lv_connect_storage_pool_define_xml (VbLvCall *call)
{
  vb_pool_api_define_async (call->connect->host, vb_lv_call_string_arg (call, 0),
                            vb_lv_call_uint_arg (call, 1), pool_made, call);
}

void
vb_lv_connect_storage_pool_create_xml (VbLvCall *call)
{
  vb_pool_api_create_async (call->connect->host, vb_lv_call_string_arg (call, 0),
                            vb_lv_call_uint_arg (call, 1), pool_made, call);
}

static void
lookup_volume (VbLvCall *call, gboolean by_path)
{
  const char *wanted = vb_lv_call_string_arg (call, 0);
  VbVolume *volume = vb_lv_volume_find (call->connect->host, wanted, by_path, NULL);

  /* libvirt's texts: Cockpit matches "no storage vol with matching" and
   * then deletes the file itself. */
  if (!volume && by_path)
    vb_lv_call_fail (call, vb_lv_error_new ("Storage volume not found: no storage vol with "
                                            "matching path '%s'",
                                            wanted));
  else if (!volume)
    vb_lv_call_fail (call, vb_lv_error_new ("Storage volume not found: no storage vol with "
                                            "matching key %s",
                                            wanted));
  else
    vb_lv_call_return_volume (call, volume, NULL);
}

void
vb_lv_connect_storage_vol_lookup_by_key (VbLvCall *call)
{
  lookup_volume (call, FALSE);
}

void
vb_lv_connect_storage_vol_lookup_by_path (VbLvCall *call)
{
  lookup_volume (call, TRUE);
}
