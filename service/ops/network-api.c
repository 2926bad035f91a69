#include "network-api.h"

#include "resource-api.h"
#include "vb-error.h"
#include "vb-log.h"

static gpointer
parse_def (const char *xml, GError **error)
{
  return vb_network_def_parse (xml, error);
}

static const char *
def_name (gconstpointer def)
{
  return ((const VbNetworkDef *) def)->name;
}

static const char *
def_uuid (gconstpointer def)
{
  return ((const VbNetworkDef *) def)->uuid;
}

static const char *
def_xml (gconstpointer def)
{
  return ((const VbNetworkDef *) def)->xml;
}

static const char *
select_driver (VbDriverHost *host, gconstpointer def, GError **error)
{
  const VbNetworkDriver *driver = vb_driver_host_get_network_driver (host);

  if (!driver)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "This service runs no network driver");
      return NULL;
    }
  if (driver->validate && !driver->validate (host, def, error))
    return NULL;
  return driver->name;
}

static VbResource *
new_resource (gpointer def, const char *driver, gboolean persistent)
{
  return VB_RESOURCE (vb_network_new (def, driver, persistent));
}

static void
set_def (VbResource *resource, gpointer def)
{
  vb_network_set_def (VB_NETWORK (resource), def);
}

static gboolean
is_active (VbResource *resource)
{
  return vb_network_get_active (VB_NETWORK (resource));
}

static void
loaded (VbDriverHost *host, VbResource *resource)
{
  const VbNetworkDriver *driver = vb_driver_host_get_network_driver (host);

  if (driver->network_loaded)
    driver->network_loaded (host, VB_NETWORK (resource));
}

static const VbResourceKind *
kind (void)
{
  static VbResourceKind resolved = {
    .noun = "network",
    .store_kind = "networks",
    .parse = parse_def,
    .free_def = (void (*) (gpointer)) vb_network_def_free,
    .def_name = def_name,
    .def_uuid = def_uuid,
    .def_xml = def_xml,
    .select_driver = select_driver,
    .new_resource = new_resource,
    .set_def = set_def,
    .is_active = is_active,
    .loaded = loaded,
  };

  if (!resolved.type)
    resolved.type = VB_TYPE_NETWORK;
  return &resolved;
}

typedef struct {
  VbDriverHost *host;
  VbNetwork *network;
  VbNetworkOp op;
  guint flags;
} OpData;

static void
op_data_free (OpData *data)
{
  g_clear_object (&data->network);
  g_free (data);
}

static GTask *
op_task_new (VbDriverHost *host, VbNetwork *network, VbNetworkOp op, guint flags,
             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  OpData *data = g_new0 (OpData, 1);

  data->host = host;
  data->network = network ? g_object_ref (network) : NULL;
  data->op = op;
  data->flags = flags;
  g_task_set_task_data (task, data, (GDestroyNotify) op_data_free);
  return task;
}

static void
op_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  const VbNetworkDriver *driver = vb_driver_host_get_network_driver (data->host);
  GError *error = NULL;
  gboolean ok = driver->op_finish (data->network, result, &error);

  vb_resource_api_release (data->host, kind (), VB_RESOURCE (data->network));
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
op_locked (GTask *task, VbResource *resource)
{
  OpData *data = g_task_get_task_data (task);
  gboolean active = vb_network_get_active (data->network);
  gboolean starting = data->op == VB_NETWORK_OP_START;

  if (active == starting)
    {
      vb_resource_api_release (data->host, kind (), resource);
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Network '%s' is %s", vb_resource_get_name (resource),
                               active ? "already active" : "not active");
      g_object_unref (task);
      return;
    }
  vb_driver_host_get_network_driver (data->host)
    ->op_async (data->host, data->network, data->op, data->flags, NULL, op_done, task);
}

void
vb_network_api_op_async (VbDriverHost *host, VbNetwork *network, VbNetworkOp op, guint flags,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = op_task_new (host, network, op, flags, callback, user_data);
  GError *error = NULL;

  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  vb_resource_api_with_lock (VB_RESOURCE (network), op == VB_NETWORK_OP_START ? "start" : "stop",
                             task, op_locked);
}

gboolean
vb_network_api_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_network_api_define_async (VbDriverHost *host, const char *xml, guint flags,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;

  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_report_error (NULL, callback, user_data, vb_network_api_define_async, error);
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
  data->network = VB_NETWORK (resource);
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
    g_task_return_pointer (outer, g_object_ref (data->network), g_object_unref);
  g_object_unref (outer);
}

void
vb_network_api_create_async (VbDriverHost *host, const char *xml, guint flags,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *outer = g_task_new (NULL, NULL, callback, user_data);
  GTask *task = op_task_new (host, NULL, VB_NETWORK_OP_START, flags, created_started, outer);
  GError *error = NULL;

  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  vb_resource_api_new_transient_async (host, kind (), xml, NULL, created, task);
}

VbNetwork *
vb_network_api_new_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
vb_network_api_undefine_async (VbDriverHost *host, VbNetwork *network, guint flags,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;

  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_report_error (NULL, callback, user_data, vb_network_api_undefine_async, error);
      return;
    }
  vb_resource_api_undefine_async (host, kind (), VB_RESOURCE (network), callback, user_data);
}

void
vb_network_api_set_autostart_async (VbDriverHost *host, VbNetwork *network, gboolean autostart,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  vb_resource_api_set_autostart_async (host, kind (), VB_RESOURCE (network), autostart, callback,
                                       user_data);
}

char *
vb_network_api_get_xml (VbNetwork *network, guint flags, GError **error)
{
  const VbNetworkDef *live = vb_network_get_live_def (network);

  if (!vb_check_flags (flags, VB_NETWORK_XML_INACTIVE, error))
    return NULL;
  if (live && vb_network_get_active (network) && !(flags & VB_NETWORK_XML_INACTIVE))
    return g_strdup (live->xml);
  return g_strdup (vb_network_get_def (network)->xml);
}

GPtrArray *
vb_network_api_list (VbDriverHost *host, guint flags, GError **error)
{
  return vb_list_resources (host, VB_TYPE_NETWORK, flags, is_active, error);
}

VbNetwork *
vb_network_api_lookup_by_name (VbDriverHost *host, const char *name, GError **error)
{
  return (VbNetwork *) vb_resource_api_lookup_name (host, kind (), name, error);
}

VbNetwork *
vb_network_api_lookup_by_uuid (VbDriverHost *host, const char *uuid, GError **error)
{
  return (VbNetwork *) vb_resource_api_lookup_uuid (host, kind (), uuid, error);
}

void
vb_network_api_load (VbDriverHost *host)
{
  const VbNetworkDriver *driver = vb_driver_host_get_network_driver (host);
  g_autoptr (GPtrArray) running = NULL;

  vb_resource_api_load_all (host, kind ());
  if (!driver || !driver->adopt_running)
    return;
  running = driver->adopt_running (host);
  for (guint i = 0; running && i < running->len; i++)
    {
      vb_resource_api_adopt (host, kind (), running->pdata[i]);
      g_object_unref (running->pdata[i]);
    }
}

/* ---- DHCP leases and Update ---- */

static void
leases_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OpData *data = g_task_get_task_data (task);
  const VbNetworkDriver *driver = vb_driver_host_get_network_driver (data->host);
  GError *error = NULL;
  GVariant *leases = driver->get_dhcp_leases_finish (data->network, result, &error);

  if (!leases)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_variant_ref_sink (leases), (GDestroyNotify) g_variant_unref);
}

void
vb_network_api_get_dhcp_leases_async (VbDriverHost *host, VbNetwork *network, guint flags,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  const VbNetworkDriver *driver = vb_driver_host_get_network_driver (host);
  GTask *task = op_task_new (host, network, VB_NETWORK_OP_START, flags, callback, user_data);
  GError *error = NULL;

  if (!vb_check_flags (flags, 0, &error))
    g_task_return_error (task, error);
  else if (!driver->get_dhcp_leases_async)
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "The '%s' network driver has no DHCP leases", driver->name);
  else if (!vb_network_get_active (network))
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                             "Network '%s' is not active",
                             vb_resource_get_name (VB_RESOURCE (network)));
  else
    {
      driver->get_dhcp_leases_async (host, network, NULL, leases_done, task);
      return;
    }
  g_object_unref (task);
}

GVariant *
vb_network_api_get_dhcp_leases_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  guint command;
  guint section;
  int parent_index;
  char *xml;
} UpdateArgs;

static void
update_args_free (UpdateArgs *args)
{
  g_free (args->xml);
  g_free (args);
}

static void
update_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpData *data = g_task_get_task_data (task);
  const VbNetworkDriver *driver = vb_driver_host_get_network_driver (data->host);
  GError *error = NULL;
  gboolean ok = driver->update_finish (data->network, result, &error);

  vb_resource_api_release (data->host, kind (), VB_RESOURCE (data->network));
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
update_locked (GTask *task, VbResource *resource)
{
  OpData *data = g_task_get_task_data (task);
  UpdateArgs *args = g_object_get_data (G_OBJECT (task), "vb-update-args");

  vb_driver_host_get_network_driver (data->host)
    ->update_async (data->host, data->network, args->command, args->section, args->parent_index,
                    args->xml, data->flags, NULL, update_done, task);
}

void
vb_network_api_update_async (VbDriverHost *host, VbNetwork *network, guint command,
                             guint section, int parent_index, const char *xml, guint flags,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  const VbNetworkDriver *driver = vb_driver_host_get_network_driver (host);
  GTask *task = op_task_new (host, network, VB_NETWORK_OP_START, flags, callback, user_data);
  UpdateArgs *args = g_new0 (UpdateArgs, 1);
  GError *error = NULL;

  args->command = command;
  args->section = section;
  args->parent_index = parent_index;
  args->xml = g_strdup (xml);
  g_object_set_data_full (G_OBJECT (task), "vb-update-args", args,
                          (GDestroyNotify) update_args_free);
  if (!vb_check_flags (flags, VB_NETWORK_UPDATE_AFFECT_LIVE | VB_NETWORK_UPDATE_AFFECT_CONFIG,
                       &error))
    g_task_return_error (task, error);
  else if (!driver->update_async)
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "The '%s' network driver cannot update networks", driver->name);
  else
    {
      vb_resource_api_with_lock (VB_RESOURCE (network), "update", task, update_locked);
      return;
    }
  g_object_unref (task);
}
