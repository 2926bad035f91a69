#include "libvirt-net-storage.h"

#include <string.h>

#include "libvirt-paths.h"
#include "storage-api.h"

#define UUID_LEN 36

char *
vb_lv_uuid_object_path (const char *connect_path, const char *node, const char *uuid)
{
  g_autofree char *encoded = g_strdelimit (g_strdup (uuid), "-", '_');

  return g_strdup_printf ("%s/%s/_%s", connect_path, node, encoded);
}

char *
vb_lv_uuid_from_object_path (const char *connect_path, const char *node, const char *path)
{
  g_autofree char *prefix = g_strdup_printf ("%s/%s/_", connect_path, node);
  const char *rest;
  char *uuid;

  if (!g_str_has_prefix (path, prefix))
    return NULL;
  rest = path + strlen (prefix);
  if (strlen (rest) != UUID_LEN)
    return NULL;
  uuid = g_strdelimit (g_strdup (rest), "_", '-');
  for (const char *p = uuid; *p; p++)
    if (!g_ascii_isxdigit (*p) && *p != '-')
      {
        g_free (uuid);
        return NULL;
      }
  return uuid;
}

char *
vb_lv_network_object_path (const VbLvConnect *connect, VbNetwork *network)
{
  return vb_lv_uuid_object_path (connect->path, VB_LV_NETWORK_NODE,
                                 vb_resource_get_uuid (VB_RESOURCE (network)));
}

char *
vb_lv_pool_object_path (const VbLvConnect *connect, VbPool *pool)
{
  return vb_lv_uuid_object_path (connect->path, VB_LV_POOL_NODE,
                                 vb_resource_get_uuid (VB_RESOURCE (pool)));
}

char *
vb_lv_volume_object_path (const VbLvConnect *connect, VbVolume *volume)
{
  g_autofree char *key = vb_lv_encode_str (vb_volume_get_key (volume));

  return g_strdup_printf ("%s/" VB_LV_VOLUME_NODE "/%s", connect->path, key);
}

VbVolume *
vb_lv_volume_find (VbDriverHost *host, const char *wanted, gboolean by_path, VbPool **pool)
{
  g_autoptr (GPtrArray) pools = vb_pool_api_list (host, 0, NULL);

  /* Volumes are known only while their pool is active, as in libvirt. */
  for (guint i = 0; pools && i < pools->len; i++)
    {
      g_autoptr (GPtrArray) volumes = NULL;

      if (!vb_pool_get_active (pools->pdata[i]))
        continue;
      volumes = vb_pool_list_volumes (pools->pdata[i]);
      for (guint j = 0; j < volumes->len; j++)
        {
          VbVolume *volume = volumes->pdata[j];
          const char *have = by_path ? vb_volume_get_path (volume) : vb_volume_get_key (volume);

          if (g_strcmp0 (have, wanted) != 0)
            continue;
          if (pool)
            *pool = g_object_ref (pools->pdata[i]);
          return g_object_ref (volume);
        }
    }
  return NULL;
}

void
vb_lv_call_return_network (VbLvCall *call, VbNetwork *network, GError *error)
{
  g_autofree char *path = NULL;

  if (!network)
    {
      call->not_found = "Network not found";
      vb_lv_call_fail (call, error);
      return;
    }
  path = vb_lv_network_object_path (call->connect, network);
  g_object_unref (network);
  vb_lv_call_return (call, g_variant_new ("(o)", path));
}

void
vb_lv_call_return_pool (VbLvCall *call, VbPool *pool, GError *error)
{
  g_autofree char *path = NULL;

  if (!pool)
    {
      call->not_found = "Storage pool not found";
      vb_lv_call_fail (call, error);
      return;
    }
  path = vb_lv_pool_object_path (call->connect, pool);
  g_object_unref (pool);
  vb_lv_call_return (call, g_variant_new ("(o)", path));
}

void
vb_lv_call_return_volume (VbLvCall *call, VbVolume *volume, GError *error)
{
  g_autofree char *path = NULL;

  if (!volume)
    {
      call->not_found = "Storage volume not found";
      vb_lv_call_fail (call, error);
      return;
    }
  path = vb_lv_volume_object_path (call->connect, volume);
  g_object_unref (volume);
  vb_lv_call_return (call, g_variant_new ("(o)", path));
}
