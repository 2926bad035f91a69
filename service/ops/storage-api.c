#include "storage-api.h"

#include <unistd.h>

#include "object-paths.h"
#include "resource-api.h"
#include "vb-error.h"
#include "vb-log.h"

static gpointer
parse_def (const char *xml, GError **error)
{
  return vb_pool_def_parse (xml, error);
}

static const char *
def_name (gconstpointer def)
{
  return ((const VbPoolDef *) def)->name;
}

static const char *
def_uuid (gconstpointer def)
{
  return ((const VbPoolDef *) def)->uuid;
}

static const char *
def_xml (gconstpointer def)
{
  return ((const VbPoolDef *) def)->xml;
}

static const char *
select_driver (VbDriverHost *host, gconstpointer pointer, GError **error)
{
  const VbPoolDef *def = pointer;
  const VbStorageDriver *driver = vb_driver_host_find_storage_driver (host, def->type);

  if (!driver)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "No storage driver of this service runs <pool type='%s'>", def->type);
      return NULL;
    }
  if (driver->validate && !driver->validate (host, def, error))
    return NULL;
  return driver->name;
}

static VbResource *
new_resource (gpointer def, const char *driver, gboolean persistent)
{
  return VB_RESOURCE (vb_pool_new (def, driver, persistent));
}

static void
set_def (VbResource *resource, gpointer def)
{
  vb_pool_set_def (VB_POOL (resource), def);
}

static gboolean
is_active (VbResource *resource)
{
  return vb_pool_get_active (VB_POOL (resource));
}

static gboolean
check_undefine (VbResource *resource, GError **error)
{
  if (!is_active (resource))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
               "Storage pool '%s' is active: stop it before undefining it",
               vb_resource_get_name (resource));
  return FALSE;
}

static const VbStorageDriver *
driver_of (VbDriverHost *host, VbPool *pool)
{
  return vb_driver_host_get_storage_driver (host, vb_resource_get_driver (VB_RESOURCE (pool)));
}

static const VbResourceKind *
kind (void)
{
  static VbResourceKind resolved = {
    .noun = "storage pool",
    .store_kind = "pools",
    .parse = parse_def,
    .free_def = (void (*) (gpointer)) vb_pool_def_free,
    .def_name = def_name,
    .def_uuid = def_uuid,
    .def_xml = def_xml,
    .select_driver = select_driver,
    .new_resource = new_resource,
    .set_def = set_def,
    .is_active = is_active,
    .check_undefine = check_undefine,
  };

  if (!resolved.type)
    resolved.type = VB_TYPE_POOL;
  return &resolved;
}

/* ---- pool operations ---- */

typedef struct {
  VbDriverHost *host;
  VbPool *pool;
  VbPoolOp op;
  guint flags;
  VbVolumeDef *volume_def;
  VbVolume *volume;
  /* clone, resize, transfer */
  VbVolume *source;
  guint64 capacity;
  int fd;
  gboolean upload;
  guint64 offset;
  guint64 length;
} OpData;

static void
op_data_free (OpData *data)
{
  g_clear_object (&data->pool);
  g_clear_object (&data->volume);
  g_clear_object (&data->source);
  g_clear_pointer (&data->volume_def, vb_volume_def_free);
  if (data->fd >= 0)
    close (data->fd);
  g_free (data);
}

static GTask *
op_task_new (VbDriverHost *host, VbPool *pool, VbPoolOp op, guint flags,
             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  OpData *data = g_new0 (OpData, 1);

  data->host = host;
  data->pool = pool ? g_object_ref (pool) : NULL;
  data->op = op;
  data->flags = flags;
  data->fd = -1;
  g_task_set_task_data (task, data, (GDestroyNotify) op_data_free);
  return task;
}

/* Ends a pool task: releases the pool's lock, then returns. */
static void
finish_locked (GTask *task, GError *error, gpointer result, GDestroyNotify result_free)
{
  OpData *data = g_task_get_task_data (task);

  vb_resource_api_release (data->host, kind (), VB_RESOURCE (data->pool));
  if (error)
    g_task_return_error (task, error);
  else if (result)
    g_task_return_pointer (task, result, result_free);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
op_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  driver_of (data->host, data->pool)->op_finish (data->pool, result, &error);
  finish_locked (task, error, NULL, NULL);
}

static void
op_locked (GTask *task, VbResource *resource)
{
  OpData *data = g_task_get_task_data (task);
  gboolean active = vb_pool_get_active (data->pool);
  gboolean wants_active = data->op != VB_POOL_OP_START;

  if (active != wants_active)
    {
      finish_locked (task,
                     g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                                  "Storage pool '%s' is %s", vb_resource_get_name (resource),
                                  active ? "already active" : "not active"),
                     NULL, NULL);
      return;
    }
  driver_of (data->host, data->pool)
    ->op_async (data->host, data->pool, data->op, data->flags, NULL, op_done, task);
}

static const char *
pool_op_name (VbPoolOp op)
{
  return op == VB_POOL_OP_START ? "start" : op == VB_POOL_OP_STOP ? "stop" : "refresh";
}

void
vb_pool_api_op_async (VbDriverHost *host, VbPool *pool, VbPoolOp op, guint flags,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task_new (host, pool, op, flags, callback, user_data);
  GError *error = NULL;

  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (pool), pool_op_name (op),
                                  vb_check_flags (flags, 0, &error), &error, op_locked);
}

gboolean
vb_pool_api_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_pool_api_define_async (VbDriverHost *host, const char *xml, guint flags,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;

  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_report_error (NULL, callback, user_data, vb_pool_api_define_async, error);
      return;
    }
  vb_resource_api_define_async (host, kind (), xml, NULL, callback, user_data);
}

static void
created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;
  VbResource *resource = vb_resource_api_new_transient_finish (result, &error);

  if (!resource)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  data->pool = VB_POOL (resource);
  op_locked (task, resource);
}

static void
created_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *outer = user_data;
  GTask *inner = G_TASK (result);
  OpData *data = g_task_get_task_data (inner);
  GError *error = NULL;

  if (!g_task_propagate_boolean (inner, &error))
    g_task_return_error (outer, error);
  else
    g_task_return_pointer (outer, g_object_ref (data->pool), g_object_unref);
  g_object_unref (outer);
}

void
vb_pool_api_create_async (VbDriverHost *host, const char *xml, guint flags,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *outer = g_task_new (NULL, NULL, callback, user_data);
  GTask *task = op_task_new (host, NULL, VB_POOL_OP_START, flags, created_started, outer);
  GError *error = NULL;

  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  vb_resource_api_new_transient_async (host, kind (), xml, NULL, created, task);
}

VbPool *
vb_pool_api_new_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  VbDriverHost *host;
  VbPool *pool;
  GTask *task;
} UndefineData;

static void
pool_undefined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UndefineData *data = user_data;
  GError *error = NULL;
  const VbStorageDriver *driver = driver_of (data->host, data->pool);

  if (!vb_resource_api_finish (result, &error))
    g_task_return_error (data->task, error);
  else
    {
      if (driver->pool_undefined)
        driver->pool_undefined (data->host, data->pool);
      g_task_return_boolean (data->task, TRUE);
    }
  g_object_unref (data->task);
  g_object_unref (data->pool);
  g_free (data);
}

void
vb_pool_api_undefine_async (VbDriverHost *host, VbPool *pool, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  UndefineData *data;
  GError *error = NULL;

  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_report_error (NULL, callback, user_data, vb_pool_api_undefine_async, error);
      return;
    }
  data = g_new0 (UndefineData, 1);
  data->host = host;
  data->pool = g_object_ref (pool);
  data->task = g_task_new (NULL, NULL, callback, user_data);
  vb_resource_api_undefine_async (host, kind (), VB_RESOURCE (pool), pool_undefined, data);
}

void
vb_pool_api_set_autostart_async (VbDriverHost *host, VbPool *pool, gboolean autostart,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  vb_resource_api_set_autostart_async (host, kind (), VB_RESOURCE (pool), autostart, callback,
                                       user_data);
}

char *
vb_pool_api_get_xml (VbPool *pool, guint flags, GError **error)
{
  guint64 capacity = 0, allocation = 0, available = 0;

  if (!vb_check_flags (flags, VB_POOL_XML_INACTIVE, error))
    return NULL;
  /* The sizes the driver measured at the last start, refresh or volume
   * change (never on the main loop here); the persistent configuration
   * (INACTIVE), like an inactive pool, holds none: zeroes, as libvirt writes. */
  if (!(flags & VB_POOL_XML_INACTIVE))
    vb_pool_get_sizes (pool, &capacity, &allocation, &available);
  return vb_pool_def_format_sizes (vb_pool_get_def (pool), capacity, allocation, available);
}

GPtrArray *
vb_pool_api_list (VbDriverHost *host, guint flags, GError **error)
{
  return vb_list_resources (host, VB_TYPE_POOL, flags, is_active, error);
}

VbPool *
vb_pool_api_lookup_by_name (VbDriverHost *host, const char *name, GError **error)
{
  return (VbPool *) vb_resource_api_lookup_name (host, kind (), name, error);
}

VbPool *
vb_pool_api_lookup_by_uuid (VbDriverHost *host, const char *uuid, GError **error)
{
  return (VbPool *) vb_resource_api_lookup_uuid (host, kind (), uuid, error);
}

/* ---- volumes ---- */

static gboolean
require_active (VbPool *pool, GError **error)
{
  if (vb_pool_get_active (pool))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Storage pool '%s' is not active",
               vb_resource_get_name (VB_RESOURCE (pool)));
  return FALSE;
}

static void
volume_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;
  VbVolume *volume =
    driver_of (data->host, data->pool)->create_volume_finish (data->pool, result, &error);

  if (volume)
    vb_log_info (vb_resource_get_log_name (VB_RESOURCE (data->pool)), "volume '%s' created",
                 vb_volume_get_name (volume));
  finish_locked (task, error, volume, g_object_unref);
}

static void
create_volume_locked (GTask *task, VbResource *resource)
{
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!require_active (data->pool, &error))
    {
      finish_locked (task, error, NULL, NULL);
      return;
    }
  if (vb_pool_lookup_volume (data->pool, data->volume_def->name))
    {
      finish_locked (task,
                     g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                                  "Storage pool '%s' already has a volume named '%s'",
                                  vb_resource_get_name (resource), data->volume_def->name),
                     NULL, NULL);
      return;
    }
  driver_of (data->host, data->pool)
    ->create_volume_async (data->host, data->pool, g_steal_pointer (&data->volume_def), NULL,
                           volume_created, task);
}

void
vb_volume_api_create_async (VbDriverHost *host, VbPool *pool, const char *xml, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task_new (host, pool, VB_POOL_OP_REFRESH, flags, callback, user_data);
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (pool), "create volume",
                                  vb_check_flags (flags, 0, &error)
                                    && (data->volume_def = vb_volume_def_parse (xml, &error)),
                                  &error, create_volume_locked);
}

VbVolume *
vb_volume_api_create_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
volume_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  driver_of (data->host, data->pool)->delete_volume_finish (data->pool, result, &error);
  finish_locked (task, error, NULL, NULL);
}

static void
delete_volume_locked (GTask *task, VbResource *resource)
{
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!require_active (data->pool, &error))
    {
      finish_locked (task, error, NULL, NULL);
      return;
    }
  if (vb_pool_lookup_volume (data->pool, vb_volume_get_name (data->volume)) != data->volume)
    {
      finish_locked (task,
                     g_error_new (VB_ERROR, VB_ERROR_NOT_FOUND, "The volume '%s' is gone",
                                  vb_volume_get_name (data->volume)),
                     NULL, NULL);
      return;
    }
  driver_of (data->host, data->pool)
    ->delete_volume_async (data->host, data->pool, data->volume, NULL, volume_deleted, task);
}

void
vb_volume_api_delete_async (VbDriverHost *host, VbPool *pool, VbVolume *volume, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task_new (host, pool, VB_POOL_OP_REFRESH, flags, callback, user_data);
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->volume = g_object_ref (volume);
  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (pool), "delete volume",
                                  vb_check_flags (flags, 0, &error), &error, delete_volume_locked);
}

VbVolume *
vb_volume_api_lookup_by_name (VbPool *pool, const char *name, GError **error)
{
  VbVolume *volume = vb_pool_lookup_volume (pool, name);

  if (!volume)
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "Storage pool '%s' has no volume '%s'",
                 vb_resource_get_name (VB_RESOURCE (pool)), name);
  return volume;
}

void
vb_pool_api_load (VbDriverHost *host)
{
  vb_resource_api_load_all (host, kind ());
}

/* ---- build, delete, clone, resize, wipe, transfer (drivers may lack them) ---- */

static gboolean
require_member (VbDriverHost *host, VbPool *pool, gconstpointer member, const char *what,
                GError **error)
{
  if (member)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
               "The %s storage driver of pool '%s' cannot %s",
               vb_resource_get_driver (VB_RESOURCE (pool)),
               vb_resource_get_name (VB_RESOURCE (pool)), what);
  return FALSE;
}

/* The volume the task names is still the pool's (a refresh may have dropped it). */
static gboolean
require_volume (OpData *data, VbVolume *volume, GError **error)
{
  if (vb_pool_lookup_volume (data->pool, vb_volume_get_name (volume)) == volume)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "The volume '%s' is gone",
               vb_volume_get_name (volume));
  return FALSE;
}

static void
void_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  gboolean (*finish) (VbPool *, GAsyncResult *, GError **) =
    g_object_get_data (G_OBJECT (task), "vb-finish");
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  finish (data->pool, result, &error);
  finish_locked (task, error, NULL, NULL);
}

static void
build_or_delete_locked (GTask *task, VbResource *resource)
{
  OpData *data = g_task_get_task_data (task);
  const VbStorageDriver *driver = driver_of (data->host, data->pool);
  gboolean build = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "vb-build"));
  GError *error = NULL;

  if (!require_member (data->host, data->pool,
                       build ? (gconstpointer) driver->build_async
                             : (gconstpointer) driver->delete_async,
                       build ? "build pools" : "delete pools", &error))
    {
      finish_locked (task, error, NULL, NULL);
      return;
    }
  if (vb_pool_get_active (data->pool))
    {
      finish_locked (task,
                     g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                                  "Storage pool '%s' is active: stop it first",
                                  vb_resource_get_name (resource)),
                     NULL, NULL);
      return;
    }
  if (build)
    {
      g_object_set_data (G_OBJECT (task), "vb-finish", driver->build_finish);
      driver->build_async (data->host, data->pool, data->flags, NULL, void_done, task);
    }
  else
    {
      g_object_set_data (G_OBJECT (task), "vb-finish", driver->delete_finish);
      driver->delete_async (data->host, data->pool, data->flags, NULL, void_done, task);
    }
}

static void
build_or_delete (VbDriverHost *host, VbPool *pool, gboolean build, guint flags,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task_new (host, pool, VB_POOL_OP_REFRESH, flags, callback, user_data);
  GError *error = NULL;

  g_object_set_data (G_OBJECT (task), "vb-build", GINT_TO_POINTER (build));
  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (pool), build ? "build" : "delete",
                                  vb_check_flags (flags, 0, &error), &error,
                                  build_or_delete_locked);
}

void
vb_pool_api_build_async (VbDriverHost *host, VbPool *pool, guint flags,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  build_or_delete (host, pool, TRUE, flags, callback, user_data);
}

void
vb_pool_api_delete_async (VbDriverHost *host, VbPool *pool, guint flags,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  build_or_delete (host, pool, FALSE, flags, callback, user_data);
}

static void
volume_cloned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;
  VbVolume *volume =
    driver_of (data->host, data->pool)->clone_volume_finish (data->pool, result, &error);

  if (volume)
    vb_log_info (vb_resource_get_log_name (VB_RESOURCE (data->pool)),
                 "volume '%s' cloned from '%s'", vb_volume_get_name (volume),
                 vb_volume_get_name (data->source));
  finish_locked (task, error, volume, g_object_unref);
}

static void
clone_locked (GTask *task, VbResource *resource)
{
  OpData *data = g_task_get_task_data (task);
  const VbStorageDriver *driver = driver_of (data->host, data->pool);
  GError *error = NULL;

  if (!require_member (data->host, data->pool, driver->clone_volume_async, "clone volumes",
                       &error)
      || !require_active (data->pool, &error) || !require_volume (data, data->source, &error))
    {
      finish_locked (task, error, NULL, NULL);
      return;
    }
  if (vb_pool_lookup_volume (data->pool, data->volume_def->name))
    {
      finish_locked (task,
                     g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                                  "Storage pool '%s' already has a volume named '%s'",
                                  vb_resource_get_name (resource), data->volume_def->name),
                     NULL, NULL);
      return;
    }
  driver->clone_volume_async (data->host, data->pool, g_steal_pointer (&data->volume_def),
                              data->source, NULL, volume_cloned, task);
}

void
vb_volume_api_clone_async (VbDriverHost *host, VbPool *pool, const char *xml, VbVolume *source,
                           guint flags, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task_new (host, pool, VB_POOL_OP_REFRESH, flags, callback, user_data);
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->source = g_object_ref (source);
  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (pool), "clone volume",
                                  vb_check_flags (flags, 0, &error)
                                    && (data->volume_def = vb_volume_def_parse (xml, &error)),
                                  &error, clone_locked);
}

static void
resize_or_wipe_locked (GTask *task, VbResource *resource)
{
  OpData *data = g_task_get_task_data (task);
  const VbStorageDriver *driver = driver_of (data->host, data->pool);
  gboolean resize = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "vb-resize"));
  GError *error = NULL;

  if (!require_member (data->host, data->pool,
                       resize ? (gconstpointer) driver->resize_volume_async
                              : (gconstpointer) driver->wipe_volume_async,
                       resize ? "resize volumes" : "wipe volumes", &error)
      || !require_active (data->pool, &error) || !require_volume (data, data->volume, &error))
    {
      finish_locked (task, error, NULL, NULL);
      return;
    }
  if (resize)
    {
      g_object_set_data (G_OBJECT (task), "vb-finish", driver->resize_volume_finish);
      driver->resize_volume_async (data->host, data->pool, data->volume, data->capacity,
                                   data->flags, NULL, void_done, task);
    }
  else
    {
      g_object_set_data (G_OBJECT (task), "vb-finish", driver->wipe_volume_finish);
      driver->wipe_volume_async (data->host, data->pool, data->volume, data->flags, NULL,
                                 void_done, task);
    }
}

void
vb_volume_api_resize_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                            guint64 capacity, guint flags, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  GTask *task = op_task_new (host, pool, VB_POOL_OP_REFRESH, flags, callback, user_data);
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->volume = g_object_ref (volume);
  data->capacity = capacity;
  g_object_set_data (G_OBJECT (task), "vb-resize", GINT_TO_POINTER (TRUE));
  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (pool), "resize volume",
                                  vb_check_flags (flags, VB_VOLUME_RESIZE_SHRINK, &error), &error,
                                  resize_or_wipe_locked);
}

void
vb_volume_api_wipe_async (VbDriverHost *host, VbPool *pool, VbVolume *volume, guint flags,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task_new (host, pool, VB_POOL_OP_REFRESH, flags, callback, user_data);
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->volume = g_object_ref (volume);
  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (pool), "wipe volume",
                                  vb_check_flags (flags, 0, &error), &error, resize_or_wipe_locked);
}

gboolean
vb_volume_api_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The copy itself runs outside the pool's lock (it may take minutes): the
 * lock only covers the checks and the start. */
static void
transfer_locked (GTask *task, VbResource *resource)
{
  OpData *data = g_task_get_task_data (task);
  const VbStorageDriver *driver = driver_of (data->host, data->pool);
  GError *error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (VbJob) job = NULL;

  if (!require_member (data->host, data->pool, driver->transfer_volume,
                       data->upload ? "upload to volumes" : "download volumes", &error)
      || !require_active (data->pool, &error) || !require_volume (data, data->volume, &error))
    {
      finish_locked (task, error, NULL, NULL);
      return;
    }
  path = vb_object_path_for_volume (vb_resource_get_uuid (resource),
                                    vb_volume_get_name (data->volume));
  job = vb_job_new (data->upload ? "upload" : "download", path, TRUE);
  if (!driver->transfer_volume (data->host, data->pool, data->volume, job,
                                g_steal_fd (&data->fd), data->upload, data->offset,
                                data->length, &error))
    {
      finish_locked (task, error, NULL, NULL);
      return;
    }
  vb_inventory_add_job (vb_driver_host_get_inventory (data->host), job);
  vb_log_info (vb_resource_get_log_name (resource), "%s of volume '%s' started as job %u",
               data->upload ? "upload" : "download", vb_volume_get_name (data->volume),
               vb_job_get_id (job));
  finish_locked (task, NULL, g_steal_pointer (&job), g_object_unref);
}

void
vb_volume_api_transfer_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                              gboolean upload, int fd, guint64 offset, guint64 length,
                              guint flags, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task_new (host, pool, VB_POOL_OP_REFRESH, flags, callback, user_data);
  OpData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->volume = g_object_ref (volume);
  data->fd = fd;
  data->upload = upload;
  data->offset = offset;
  data->length = length;
  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (pool), upload ? "upload" : "download",
                                  vb_check_flags (flags, 0, &error), &error, transfer_locked);
}

VbJob *
vb_volume_api_transfer_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
