/* Domain.SetBlockIoTune on the shared sequence of def-change.c, and
 * GetBlockIoTune. */
#include "iotune-api.h"

#include "def-change.h"
#include "disk-iotune.h"
#include "domain-kind.h"
#include "resource-api.h"
#include "vb-error.h"

typedef struct {
  char *disk;
  gboolean given[VB_IOTUNE_N_VALUES];
  guint64 values[VB_IOTUNE_N_VALUES];
  gboolean group_given;
  char *group_name; /* "" clears it */
} IoTuneArgs;

static void
args_free (IoTuneArgs *a)
{
  g_free (a->disk);
  g_free (a->group_name);
  g_free (a);
}

static int
value_index (const char *key)
{
  for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
    if (g_str_equal (vb_iotune_names[i], key))
      return (int) i;
  return -1;
}

static gboolean
read_params (GVariant *params, IoTuneArgs *a, GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, params);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      int i = value_index (key);

      if (g_str_equal (key, "group_name") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_free (a->group_name);
          a->group_name = g_variant_dup_string (value, NULL);
          a->group_given = TRUE;
          continue;
        }
      if (i >= 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
        {
          a->values[i] = g_variant_get_uint64 (value);
          a->given[i] = TRUE;
          continue;
        }
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   i >= 0 || g_str_equal (key, "group_name")
                     ? "I/O limit '%s' has the wrong type (t for limits, s for group_name)"
                     : "Unknown I/O limit '%s'",
                   key);
      g_variant_unref (value);
      return FALSE;
    }
  return TRUE;
}

/* libvirt's merge: a given total clears the read/write values not given,
 * given read/write values clear a total not given (for the rates and the
 * maxima alike); a length goes with its maximum. */
static void
merge (const IoTuneArgs *a, VbDiskIoTune *tune)
{
  for (guint base = 0; base <= VB_IOTUNE_TOTAL_IOPS_SEC_MAX; base += 3)
    {
      if (a->given[base] && !a->given[base + 1] && !a->given[base + 2])
        tune->values[base + 1] = tune->values[base + 2] = 0;
      if ((a->given[base + 1] || a->given[base + 2]) && !a->given[base])
        tune->values[base] = 0;
    }
  for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
    if (a->given[i])
      tune->values[i] = a->values[i];
  /* A maximum set to 0 takes its burst length with it. */
  for (guint i = VB_IOTUNE_TOTAL_BYTES_SEC_MAX; i <= VB_IOTUNE_WRITE_IOPS_SEC_MAX; i++)
    {
      guint length = i - VB_IOTUNE_TOTAL_BYTES_SEC_MAX + VB_IOTUNE_TOTAL_BYTES_SEC_MAX_LENGTH;

      if (!tune->values[i] && !a->given[length])
        tune->values[length] = 0;
    }
  if (a->group_given)
    {
      g_free (tune->group_name);
      tune->group_name = *a->group_name ? g_strdup (a->group_name) : NULL;
    }
}

static IoTuneArgs *
args_of (VbDefChange *change)
{
  return vb_def_change_args (change);
}

static VbDomainDef *
edit (VbDefChange *change, const VbDomainDef *def, gboolean live, GError **error)
{
  IoTuneArgs *a = args_of (change);
  VbDiskIoTune tune;
  VbDomainDef *changed = NULL;

  if (!vb_domain_def_iotune (def, a->disk, &tune, error))
    return NULL;
  merge (a, &tune);
  if (vb_disk_iotune_check (&tune, error))
    changed = vb_domain_def_with_iotune (def, a->disk, &tune, live, error);
  vb_disk_iotune_clear (&tune);
  return changed;
}

static gboolean
driver_can (const VbDomainDriver *driver)
{
  return driver->set_block_iotune_async != NULL;
}

static void
live_async (VbDefChange *change, const VbDomainDef *changed, GAsyncReadyCallback callback,
            gpointer user_data)
{
  vb_def_change_driver (change)->set_block_iotune_async (vb_def_change_host (change),
                                                         vb_def_change_domain (change),
                                                         args_of (change)->disk, changed, callback,
                                                         user_data);
}

static gboolean
live_finish (VbDefChange *change, GAsyncResult *result, GError **error)
{
  return vb_def_change_driver (change)->set_block_iotune_finish (vb_def_change_domain (change),
                                                                 result, error);
}

static char *
describe (VbDefChange *change)
{
  return g_strdup_printf ("I/O limits of disk %s set", args_of (change)->disk);
}

static const VbDefChangeClass iotune_class = {
  .what = "set block I/O limits",
  .action = "change the I/O limits of",
  .flags = 0,
  .edit = edit,
  .driver_can = driver_can,
  .live_async = live_async,
  .live_finish = live_finish,
  .describe = describe,
};

void
vb_iotune_api_set_async (VbDriverHost *host, VbDomain *domain, const char *disk, GVariant *params,
                         guint flags, GAsyncReadyCallback callback, gpointer user_data)
{
  IoTuneArgs *a = g_new0 (IoTuneArgs, 1);
  GError *error = NULL;

  a->disk = g_strdup (disk);
  if (!read_params (params, a, &error))
    {
      args_free (a);
      g_task_report_error (domain, callback, user_data, vb_def_change_run, error);
      return;
    }
  vb_def_change_run (&iotune_class, host, domain, flags, a, (GDestroyNotify) args_free, callback,
                     user_data);
}

gboolean
vb_iotune_api_set_finish (GAsyncResult *result, GError **error)
{
  return vb_def_change_finish (result, error);
}

/* ---- Get ---- */

static GVariant *
to_variant (const VbDiskIoTune *tune)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
    g_variant_builder_add (&builder, "{sv}", vb_iotune_names[i],
                           g_variant_new_uint64 (tune->values[i]));
  g_variant_builder_add (&builder, "{sv}", "group_name",
                         g_variant_new_string (tune->group_name ? tune->group_name : ""));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
got_live (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VbDriverHost *host = g_task_get_task_data (task);
  VbDomain *domain = VB_DOMAIN (source);
  VbDiskIoTune tune = { 0 };
  GError *error = NULL;

  if (!vb_domain_api_driver (host, domain)->get_block_iotune_finish (domain, result, &tune, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, to_variant (&tune), (GDestroyNotify) g_variant_unref);
  vb_disk_iotune_clear (&tune);
}

void
vb_iotune_api_get_async (VbDriverHost *host, VbDomain *domain, const char *disk, guint flags,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);
  const VbDomainDriver *driver = vb_domain_api_driver (host, domain);
  const VbDomainDef *def;
  gboolean live;
  VbDiskIoTune tune = { 0 };
  GError *error = NULL;

  g_task_set_source_tag (task, vb_iotune_api_get_async);
  if (!vb_check_flags (flags, VB_DEVICE_AFFECT_LIVE | VB_DEVICE_AFFECT_CONFIG, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if ((flags & VB_DEVICE_AFFECT_LIVE) && (flags & VB_DEVICE_AFFECT_CONFIG))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "LIVE and CONFIG cannot both be read at once");
      return;
    }
  live = (flags & VB_DEVICE_AFFECT_LIVE)
         || (!(flags & VB_DEVICE_AFFECT_CONFIG) && vb_domain_is_active (domain));
  if (live && !vb_domain_is_active (domain))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Domain '%s' is not running",
                               vb_resource_get_name (VB_RESOURCE (domain)));
      return;
    }
  def = live ? vb_domain_get_live_def (domain) : vb_domain_get_def (domain);
  /* The disk must exist in the definition asked about. */
  if (!def || !vb_domain_def_iotune (def, disk, &tune, &error))
    {
      if (!error)
        error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is not running",
                             vb_resource_get_name (VB_RESOURCE (domain)));
      g_task_return_error (task, error);
      return;
    }
  if (!live || !driver->get_block_iotune_async)
    {
      g_task_return_pointer (task, to_variant (&tune), (GDestroyNotify) g_variant_unref);
      vb_disk_iotune_clear (&tune);
      return;
    }
  vb_disk_iotune_clear (&tune);
  g_task_set_task_data (task, host, NULL);
  driver->get_block_iotune_async (host, domain, disk, got_live, g_steal_pointer (&task));
}

GVariant *
vb_iotune_api_get_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
