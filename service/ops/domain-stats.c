/* Domain.GetStats. What the definition and the model say (state.*, the
 * sizes of the vCPUs, the memory and the disks) is the same for every
 * driver and for running and shut-off domains alike, so it is made here;
 * the driver adds the counters of a running guest. The image files are
 * read in a thread: a client such as Cockpit polls every few seconds with
 * a short timeout, and a slow disk must stall neither it nor the main loop. */
#include "domain-stats.h"

#include "domain-kind.h"
#include "domain-state-codes.h"
#include "image-size.h"
#include "resource-api.h"
#include "vb-error.h"
#include "vb-log.h"

/* The image of one disk, for the worker thread: plain data only. */
typedef struct {
  char *path; /* NULL: an empty drive, or a volume that cannot be resolved */
  char *format;
  VbImageSize size;
  gboolean known;
} DiskImage;

typedef struct {
  const VbDomainDriver *driver;
  GVariantDict dict;
  GArray *images;     /* DiskImage, index = block.N; the worker's until it returns */
  GVariant *counters; /* the driver's, NULL when none */
  GError *error;      /* the driver's failure, reported once the worker is done too */
  int pending;
} StatsCall;

static void
disk_image_clear (DiskImage *image)
{
  g_free (image->path);
  g_free (image->format);
}

static void
stats_call_free (StatsCall *call)
{
  g_variant_dict_clear (&call->dict);
  g_clear_pointer (&call->images, g_array_unref);
  g_clear_pointer (&call->counters, g_variant_unref);
  g_clear_error (&call->error);
  g_free (call);
}

static char *
volume_path (VbDriverHost *host, const char *pool_name, const char *volume_name, char **format)
{
  VbResource *pool =
    vb_inventory_lookup_name (vb_driver_host_get_inventory (host), VB_TYPE_POOL, pool_name);
  VbVolume *volume = pool && vb_pool_get_active (VB_POOL (pool))
                       ? vb_pool_lookup_volume (VB_POOL (pool), volume_name)
                       : NULL;

  if (!volume)
    return NULL;
  if (!*format)
    *format = g_strdup (vb_volume_get_format (volume));
  return g_strdup (vb_volume_get_path (volume));
}

/* block.count, block.N.name and .path, and the images for the worker. */
static void
add_disks (StatsCall *call, VbDriverHost *host, const VbDomainDef *def)
{
  g_autoptr (GPtrArray) disks = vb_domain_stat_disks (def->xml);

  g_variant_dict_insert (&call->dict, "block.count", "u", disks->len);
  for (guint i = 0; i < disks->len; i++)
    {
      VbStatDisk *disk = disks->pdata[i];
      DiskImage image = { 0 };
      g_autofree char *name_key = g_strdup_printf ("block.%u.name", i);

      image.format = g_strdup (disk->format);
      if (disk->file)
        image.path = g_strdup (disk->file);
      else if (disk->pool && disk->volume)
        image.path = volume_path (host, disk->pool, disk->volume, &image.format);
      g_variant_dict_insert (&call->dict, name_key, "s", disk->target ? disk->target : "");
      if (image.path)
        {
          g_autofree char *path_key = g_strdup_printf ("block.%u.path", i);
          g_variant_dict_insert (&call->dict, path_key, "s", image.path);
        }
      g_array_append_val (call->images, image);
    }
}

static void
read_images (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GArray *images = task_data;

  for (guint i = 0; i < images->len; i++)
    {
      DiskImage *image = &g_array_index (images, DiskImage, i);
      g_autoptr (GError) error = NULL;

      if (!image->path)
        continue;
      image->known = vb_image_size_read (image->path, image->format, &image->size, &error);
      if (!image->known)
        vb_log_debug (image->path, "GetStats cannot read the image: %s", error->message);
    }
  g_task_return_boolean (task, TRUE);
}

static void
insert_size (GVariantDict *dict, guint index, const char *what, guint64 value)
{
  g_autofree char *key = g_strdup_printf ("block.%u.%s", index, what);

  g_variant_dict_insert (dict, key, "t", value);
}

/* One of the worker and the driver is done; the last one answers. Takes
 * the reference on @task the part held. */
static void
part_done (GTask *task)
{
  StatsCall *call = g_task_get_task_data (task);

  if (--call->pending > 0)
    {
      g_object_unref (task);
      return;
    }
  if (call->error)
    {
      g_task_return_error (task, g_steal_pointer (&call->error));
      g_object_unref (task);
      return;
    }
  for (guint i = 0; call->images && i < call->images->len; i++)
    {
      DiskImage *image = &g_array_index (call->images, DiskImage, i);

      if (!image->known)
        continue;
      insert_size (&call->dict, i, "capacity", image->size.capacity);
      insert_size (&call->dict, i, "allocation", image->size.allocation);
      insert_size (&call->dict, i, "physical", image->size.physical);
    }
  /* The hypervisor's view (e.g. QEMU's virtual size after a resize) wins. */
  if (call->counters)
    {
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_variant_iter_init (&iter, call->counters);
      while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
        g_variant_dict_insert_value (&call->dict, key, value);
    }
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_dict_end (&call->dict)),
                         (GDestroyNotify) g_variant_unref);
  g_object_unref (task);
}

static void
images_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  part_done (user_data);
}

static void
counters_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StatsCall *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  call->counters = call->driver->get_stats_finish (VB_DOMAIN (source), result, &error);
  /* A guest that stopped meanwhile has no counters: what the model said stands. */
  if (!call->counters && !g_error_matches (error, VB_ERROR, VB_ERROR_OPERATION_INVALID))
    call->error = g_steal_pointer (&error);
  part_done (task);
}

/* The groups @flags asks for, or FALSE with @error. */
static gboolean
parse_flags (guint flags, guint *groups, GError **error)
{
  const guint known_flags = VB_STATS_NOWAIT | VB_STATS_ENFORCE;
  /* libvirt ignores the groups it does not know unless told to enforce them. */
  guint requested = flags & ~(known_flags | VB_STATS_BACKING);

  if (flags & VB_STATS_BACKING)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Statistics of the backing chain (flag 0x%x) are not supported",
                   VB_STATS_BACKING);
      return FALSE;
    }
  if ((flags & VB_STATS_ENFORCE) && (requested & ~VB_STATS_ALL_GROUPS))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Statistics groups 0x%x are not supported", requested & ~VB_STATS_ALL_GROUPS);
      return FALSE;
    }
  /* As libvirt: none asked means all; groups it does not know ask for nothing. */
  *groups = requested == 0 ? VB_STATS_ALL_GROUPS : requested & VB_STATS_ALL_GROUPS;
  return TRUE;
}

void
vb_domain_api_get_stats_async (VbDriverHost *host, VbDomain *domain, guint flags,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);
  gboolean active = vb_domain_is_active (domain);
  const VbDomainDef *def = active && vb_domain_get_live_def (domain)
                             ? vb_domain_get_live_def (domain)
                             : vb_domain_get_def (domain);
  StatsCall *call;
  GError *error = NULL;
  guint groups = 0;

  g_task_set_source_tag (task, vb_domain_api_get_stats_async);
  if (!parse_flags (flags, &groups, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  call = g_new0 (StatsCall, 1);
  call->driver = vb_domain_api_driver (host, domain);
  g_variant_dict_init (&call->dict, NULL);
  g_task_set_task_data (task, call, (GDestroyNotify) stats_call_free);

  if (groups & VB_STATS_STATE)
    {
      VbDomainState state = vb_domain_get_state (domain);

      g_variant_dict_insert (&call->dict, "state.state", "i", vb_domain_state_code (state));
      g_variant_dict_insert (&call->dict, "state.reason", "i",
                             vb_domain_reason_code (state, vb_domain_get_state_reason (domain)));
    }
  if (groups & VB_STATS_BALLOON)
    {
      /* A running guest's balloon is the driver's to tell. */
      g_variant_dict_insert (&call->dict, "balloon.current", "t", def->current_memory_kib);
      g_variant_dict_insert (&call->dict, "balloon.maximum", "t", def->memory_kib);
    }
  if (groups & VB_STATS_VCPU)
    {
      g_variant_dict_insert (&call->dict, "vcpu.current", "u", def->vcpus);
      g_variant_dict_insert (&call->dict, "vcpu.maximum", "u", def->vcpus);
      /* virtbus's name before it had libvirt's: kept for its callers. */
      g_variant_dict_insert (&call->dict, "vcpu.count", "u", def->vcpus);
    }

  /* One part each: this function, the worker, the driver; each holds a reference. */
  call->pending = 1;
  if (groups & VB_STATS_BLOCK)
    {
      g_autoptr (GTask) worker = NULL;

      call->images = g_array_new (FALSE, TRUE, sizeof (DiskImage));
      g_array_set_clear_func (call->images, (GDestroyNotify) disk_image_clear);
      add_disks (call, host, def);
      worker = g_task_new (NULL, NULL, images_read, g_object_ref (task));
      g_task_set_source_tag (worker, read_images);
      g_task_set_task_data (worker, g_array_ref (call->images), (GDestroyNotify) g_array_unref);
      call->pending++;
      g_task_run_in_thread (worker, read_images);
    }
  if (active && groups && call->driver->get_stats_async)
    {
      call->pending++;
      call->driver->get_stats_async (host, domain, groups, NULL, counters_done,
                                     g_object_ref (task));
    }
  part_done (g_steal_pointer (&task));
}

GVariant *
vb_domain_api_get_stats_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_domain_api_get_stats_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
