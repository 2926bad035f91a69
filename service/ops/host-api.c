/* Host facts: see host-api.h. The readers (service/util/host-*.c) take the
 * root of /proc and /sys as a parameter; the service reads the real one,
 * unless the setting "host-root" names another (tests). */
#include "host-api.h"

#include "host-node.h"
#include "host-nodedev.h"
#include "resource-api.h"
#include "vb-error.h"

typedef struct {
  char *root;
  char *name; /* an interface, a node device, or a capability */
  int cell;
  guint flags;
} HostQuery;

static void
host_query_free (HostQuery *query)
{
  g_free (query->root);
  g_free (query->name);
  g_free (query);
}

/* A task of @tag whose @reader runs in a worker thread on its query, once
 * @flags are found to be within @allowed. */
static void
run_query (VbDriverHost *host, gpointer tag, const char *name, int cell, guint flags, guint allowed,
           GTaskThreadFunc reader, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  HostQuery *query;
  const char *root = vb_driver_host_get_setting (host, "host-root");
  GError *error = NULL;

  g_task_set_source_tag (task, tag);
  if (!vb_check_flags (flags, allowed, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  query = g_new0 (HostQuery, 1);
  query->root = g_strdup (root ? root : "/");
  query->name = g_strdup (name);
  query->cell = cell;
  query->flags = flags;
  g_task_set_task_data (task, query, (GDestroyNotify) host_query_free);
  g_task_run_in_thread (task, reader);
}

/* ---- node info and memory ---- */

static GVariant *
cpu_map_variant (GArray *map)
{
  GVariantBuilder bits;

  g_variant_builder_init (&bits, G_VARIANT_TYPE ("ab"));
  for (guint i = 0; i < map->len; i++)
    g_variant_builder_add (&bits, "b", g_array_index (map, gboolean, i));
  return g_variant_builder_end (&bits);
}

static void
read_node_info (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  HostQuery *query = data;
  GError *error = NULL;
  g_autoptr (VbHostNodeInfo) info = vb_host_node_info_read (query->root, &error);
  GVariantBuilder builder;

  if (!info)
    {
      g_task_return_error (task, error);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&builder, "{sv}", "model", g_variant_new_string (info->model));
  g_variant_builder_add (&builder, "{sv}", "memory", g_variant_new_uint64 (info->memory_kib));
  g_variant_builder_add (&builder, "{sv}", "cpus", g_variant_new_uint32 (info->cpus));
  g_variant_builder_add (&builder, "{sv}", "mhz", g_variant_new_uint32 (info->mhz));
  g_variant_builder_add (&builder, "{sv}", "nodes", g_variant_new_uint32 (info->nodes));
  g_variant_builder_add (&builder, "{sv}", "sockets", g_variant_new_uint32 (info->sockets));
  g_variant_builder_add (&builder, "{sv}", "cores", g_variant_new_uint32 (info->cores));
  g_variant_builder_add (&builder, "{sv}", "threads", g_variant_new_uint32 (info->threads));
  /* /proc/cpuinfo is text; anything but UTF-8 is no name. */
  g_variant_builder_add (&builder, "{sv}", "cpu-model",
                         g_variant_new_take_string (g_utf8_make_valid (info->cpu_model, -1)));
  g_variant_builder_add (&builder, "{sv}", "cpu-map", cpu_map_variant (info->cpu_map));
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&builder)),
                         (GDestroyNotify) g_variant_unref);
}

void
vb_host_api_node_info_async (VbDriverHost *host, GAsyncReadyCallback callback, gpointer user_data)
{
  run_query (host, vb_host_api_node_info_async, NULL, 0, 0, 0, read_node_info, callback, user_data);
}

GVariant *
vb_host_api_node_info_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_host_api_node_info_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
read_memory_stats (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  HostQuery *query = data;
  GError *error = NULL;
  GVariant *stats;

  stats = vb_host_memory_stats_read (query->root, query->cell, &error);
  if (stats)
    g_task_return_pointer (task, stats, (GDestroyNotify) g_variant_unref);
  else
    g_task_return_error (task, error);
}

void
vb_host_api_memory_stats_async (VbDriverHost *host, int cell, guint flags,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  run_query (host, vb_host_api_memory_stats_async, NULL, cell, flags, 0, read_memory_stats,
             callback, user_data);
}

GVariant *
vb_host_api_memory_stats_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_host_api_memory_stats_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- network interfaces ---- */

static void
list_interfaces (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  HostQuery *query = data;
  GError *error = NULL;
  GStrv names = vb_host_netif_list (query->root, query->flags, &error);

  if (names)
    g_task_return_pointer (task, names, (GDestroyNotify) g_strfreev);
  else
    g_task_return_error (task, error);
}

void
vb_host_api_list_interfaces_async (VbDriverHost *host, guint flags, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  run_query (host, vb_host_api_list_interfaces_async, NULL, 0, flags,
             VB_HOST_NETIF_ACTIVE | VB_HOST_NETIF_INACTIVE, list_interfaces, callback, user_data);
}

GStrv
vb_host_api_list_interfaces_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == vb_host_api_list_interfaces_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
read_interface (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  HostQuery *query = data;
  GError *error = NULL;
  VbHostNetif *netif;

  netif = vb_host_netif_read (query->root, query->name, &error);
  if (!netif)
    {
      g_task_return_error (task, error);
      return;
    }
  /* The kernel's addresses are the real host's: none for a fake sysfs. */
  if (g_str_equal (query->root, "/"))
    vb_host_netif_add_addresses (netif);
  g_task_return_pointer (task, netif, (GDestroyNotify) vb_host_netif_free);
}

void
vb_host_api_interface_async (VbDriverHost *host, const char *name, guint flags,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  run_query (host, vb_host_api_interface_async, name, 0, flags, VB_HOST_NETIF_INACTIVE,
             read_interface, callback, user_data);
}

VbHostNetif *
vb_host_api_interface_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_host_api_interface_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
read_interfaces (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  HostQuery *query = data;
  GError *error = NULL;
  g_auto (GStrv) names = vb_host_netif_list (query->root, 0, &error);
  GPtrArray *netifs;

  if (!names)
    {
      g_task_return_error (task, error);
      return;
    }
  netifs = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_host_netif_free);
  /* One that went away since the listing is left out. */
  for (guint i = 0; names[i]; i++)
    {
      VbHostNetif *netif = vb_host_netif_read (query->root, names[i], NULL);

      if (netif)
        g_ptr_array_add (netifs, netif);
    }
  g_task_return_pointer (task, netifs, (GDestroyNotify) g_ptr_array_unref);
}

void
vb_host_api_interfaces_async (VbDriverHost *host, GAsyncReadyCallback callback, gpointer user_data)
{
  run_query (host, vb_host_api_interfaces_async, NULL, 0, 0, 0, read_interfaces, callback,
             user_data);
}

GPtrArray *
vb_host_api_interfaces_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_host_api_interfaces_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- node devices ---- */

static void
list_node_devices (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  HostQuery *query = data;
  GError *error = NULL;
  GStrv names;

  names = vb_host_nodedev_list (query->root, query->name, &error);
  if (names)
    g_task_return_pointer (task, names, (GDestroyNotify) g_strfreev);
  else
    g_task_return_error (task, error);
}

void
vb_host_api_list_node_devices_async (VbDriverHost *host, const char *capability, guint flags,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  run_query (host, vb_host_api_list_node_devices_async, capability, 0, flags, 0, list_node_devices,
             callback, user_data);
}

GStrv
vb_host_api_list_node_devices_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == vb_host_api_list_node_devices_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
node_device_xml (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  HostQuery *query = data;
  GError *error = NULL;
  char *xml;

  xml = vb_host_nodedev_xml (query->root, query->name, &error);
  if (xml)
    g_task_return_pointer (task, xml, g_free);
  else
    g_task_return_error (task, error);
}

void
vb_host_api_node_device_xml_async (VbDriverHost *host, const char *name, guint flags,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  run_query (host, vb_host_api_node_device_xml_async, name, 0, flags, 0, node_device_xml, callback,
             user_data);
}

char *
vb_host_api_node_device_xml_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == vb_host_api_node_device_xml_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
