/* org.libvirt.StorageVol on StorageVolume's checked operations
 * (storage-api.h). The object is found by its key, in every active pool. */
#include <string.h>

#include "libvirt-error.h"
#include "libvirt-net-storage.h"
#include "libvirt-paths.h"
#include "storage-api.h"
#include "vb-error.h"

/* virStorageVolType: every virtbus volume is a file. */
#define LV_VOL_FILE 0
/* virStorageVolWipeAlgorithm: zeroes, what StorageVolume.Wipe does. */
#define LV_WIPE_ALG_ZERO 0

static VbVolume *
volume_of (VbLvCall *call)
{
  return call->object;
}

static gpointer
resolve (const VbLvConnect *connect, const char *path, GError **error)
{
  g_autofree char *prefix = g_strconcat (connect->path, "/" VB_LV_VOLUME_NODE "/", NULL);
  g_autofree char *key =
    g_str_has_prefix (path, prefix) ? vb_lv_decode_str (path + strlen (prefix)) : NULL;
  VbVolume *volume = key ? vb_lv_volume_find (connect->host, key, FALSE, NULL) : NULL;

  if (!volume)
    {
      g_propagate_error (error, vb_lv_error_new ("Storage volume not found: no storage vol with "
                                                 "matching key %s",
                                                 key ? key : path));
      return NULL;
    }
  return volume;
}

/* The pool holding @call's volume now (a reference); NULL once it is gone
 * (its pool stopped): @call has failed then. */
static VbPool *
pool_of (VbLvCall *call)
{
  VbPool *pool = NULL;
  g_autoptr (VbVolume) volume =
    vb_lv_volume_find (call->connect->host, vb_volume_get_key (volume_of (call)), FALSE, &pool);

  if (!volume)
    vb_lv_call_fail (call, vb_lv_error_new ("Storage volume not found: no storage vol with "
                                            "matching key %s",
                                            vb_volume_get_key (volume_of (call))));
  return pool;
}

/* libvirt's text for a flag its call does not know. */
static gboolean
check_no_flags (VbLvCall *call, guint flags, const char *function)
{
  if (!flags)
    return TRUE;
  vb_lv_call_fail (call,
                   vb_lv_error_new ("invalid argument: unsupported flags (0x%x) in function %s",
                                    flags, function));
  return FALSE;
}

/* ---- properties ---- */

static GVariant *
get_name (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (vb_volume_get_name (object));
}

static GVariant *
get_key (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (vb_volume_get_key (object));
}

static GVariant *
get_path (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (vb_volume_get_path (object));
}

/* ---- methods ---- */

static void
handle_delete (VbLvCall *call)
{
  g_autoptr (VbPool) pool = pool_of (call);

  if (pool)
    vb_volume_api_delete_async (call->connect->host, pool, volume_of (call),
                                vb_lv_call_uint_arg (call, 0), vb_lv_void_done,
                                vb_lv_call_expect (call, vb_volume_api_finish));
}

static void
handle_get_info (VbLvCall *call)
{
  if (!check_no_flags (call, vb_lv_call_uint_arg (call, 0), "virStorageVolGetInfoFlags"))
    return;
  vb_lv_call_return (call, g_variant_new ("((itt))", LV_VOL_FILE,
                                          vb_volume_get_capacity (volume_of (call)),
                                          vb_volume_get_allocation (volume_of (call))));
}

static void
handle_get_xml_desc (VbLvCall *call)
{
  g_autofree char *xml = NULL;

  if (!check_no_flags (call, vb_lv_call_uint_arg (call, 0), "virStorageVolGetXMLDesc"))
    return;
  xml = vb_volume_format_xml (volume_of (call));
  vb_lv_call_return (call, g_variant_new ("(s)", xml));
}

static void
handle_resize (VbLvCall *call)
{
  guint64 capacity;
  guint flags;
  g_autoptr (VbPool) pool = NULL;

  g_variant_get (call->parameters, "(tu)", &capacity, &flags);
  pool = pool_of (call);
  if (pool)
    vb_volume_api_resize_async (call->connect->host, pool, volume_of (call), capacity, flags,
                                vb_lv_void_done, vb_lv_call_expect (call, vb_volume_api_finish));
}

static void
handle_wipe (VbLvCall *call)
{
  guint pattern, flags;
  g_autoptr (VbPool) pool = NULL;

  g_variant_get (call->parameters, "(uu)", &pattern, &flags);
  if (pattern != LV_WIPE_ALG_ZERO)
    {
      vb_lv_call_fail (call, vb_lv_error_new ("Operation not supported: wiping algorithm %u is "
                                              "not supported",
                                              pattern));
      return;
    }
  if (!check_no_flags (call, flags, "virStorageVolWipePattern"))
    return;
  pool = pool_of (call);
  if (pool)
    vb_volume_api_wipe_async (call->connect->host, pool, volume_of (call), 0, vb_lv_void_done,
                              vb_lv_call_expect (call, vb_volume_api_finish));
}

static const VbLvMethod methods[] = {
  { "Delete", handle_delete },
  { "GetInfo", handle_get_info },
  { "GetXMLDesc", handle_get_xml_desc },
  { "Resize", handle_resize },
  { "Wipe", handle_wipe },
  { NULL },
};

static const VbLvProperty properties[] = {
  { "Name", get_name },
  { "Key", get_key },
  { "Path", get_path },
  { NULL },
};

const VbLvInterface vb_lv_storage_vol_interface = {
  .name = "org.libvirt.StorageVol",
  .not_found = "Storage volume not found",
  .methods = methods,
  .properties = properties,
  .cacheable_properties = TRUE,
  .resolve = resolve,
};
