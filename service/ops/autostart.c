#include "autostart.h"

#include "domain-api.h"
#include "network-api.h"
#include "storage-api.h"
#include "vb-log.h"

typedef struct {
  GTask *task;
  guint pending; /* starts in flight, plus one while they are being issued */
} Autostart;

typedef struct {
  Autostart *autostart;
  char *name;
  gboolean (*finish) (GAsyncResult *result, GError **error);
} One;

static void
one_less (Autostart *autostart)
{
  if (--autostart->pending > 0)
    return;
  g_task_return_boolean (autostart->task, TRUE);
  g_object_unref (autostart->task);
  g_free (autostart);
}

static void
started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  One *one = user_data;
  g_autoptr (GError) error = NULL;

  if (!one->finish (result, &error))
    vb_log_warning (one->name, "autostart failed: %s", error->message);
  else
    vb_log_info (one->name, "autostarted");
  one_less (one->autostart);
  g_free (one->name);
  g_free (one);
}

static One *
one_new (Autostart *autostart, VbResource *resource,
         gboolean (*finish) (GAsyncResult *result, GError **error))
{
  One *one = g_new0 (One, 1);

  autostart->pending++;
  one->autostart = autostart;
  one->name = g_strdup (vb_resource_get_log_name (resource));
  one->finish = finish;
  return one;
}

/* The autostart objects of @type that are not active. */
static GPtrArray *
to_start (VbDriverHost *host, GType type, gboolean (*is_active) (VbResource *resource))
{
  GPtrArray *all = vb_inventory_list (vb_driver_host_get_inventory (host), type);

  for (guint i = all->len; i > 0; i--)
    {
      VbResource *resource = all->pdata[i - 1];

      if (!vb_resource_get_autostart (resource) || is_active (resource))
        g_ptr_array_remove_index (all, i - 1);
    }
  return all;
}

static gboolean
network_active (VbResource *resource)
{
  return vb_network_get_active (VB_NETWORK (resource));
}

static gboolean
pool_active (VbResource *resource)
{
  return vb_pool_get_active (VB_POOL (resource));
}

static gboolean
domain_active (VbResource *resource)
{
  return vb_domain_is_active (VB_DOMAIN (resource));
}

void
vb_autostart_all_async (VbDriverHost *host, GAsyncReadyCallback callback, gpointer user_data)
{
  Autostart *autostart = g_new0 (Autostart, 1);
  g_autoptr (GPtrArray) networks = to_start (host, VB_TYPE_NETWORK, network_active);
  g_autoptr (GPtrArray) pools = to_start (host, VB_TYPE_POOL, pool_active);
  g_autoptr (GPtrArray) domains = to_start (host, VB_TYPE_DOMAIN, domain_active);

  autostart->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (autostart->task, vb_autostart_all_async);
  autostart->pending = 1;
  for (guint i = 0; i < networks->len; i++)
    vb_network_api_op_async (host, networks->pdata[i], VB_NETWORK_OP_START, 0, started,
                             one_new (autostart, networks->pdata[i], vb_network_api_finish));
  for (guint i = 0; i < pools->len; i++)
    vb_pool_api_op_async (host, pools->pdata[i], VB_POOL_OP_START, 0, started,
                          one_new (autostart, pools->pdata[i], vb_pool_api_finish));
  for (guint i = 0; i < domains->len; i++)
    vb_domain_api_op_async (host, domains->pdata[i], VB_DOMAIN_OP_START, 0, started,
                            one_new (autostart, domains->pdata[i], vb_domain_api_op_finish));
  one_less (autostart);
}

void
vb_autostart_all_finish (GAsyncResult *result)
{
  g_return_if_fail (g_async_result_is_tagged (result, vb_autostart_all_async));
  g_task_propagate_boolean (G_TASK (result), NULL);
}
