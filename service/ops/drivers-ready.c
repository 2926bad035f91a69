#include "drivers-ready.h"

typedef struct {
  VbDriverHost *host;
  GPtrArray *drivers;
  guint next;
} Walk;

static void
walk_free (Walk *walk)
{
  g_ptr_array_unref (walk->drivers);
  g_free (walk);
}

static void walk_next (GTask *task);

static void
driver_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Walk *walk = g_task_get_task_data (task);
  const VbDomainDriver *driver = walk->drivers->pdata[walk->next - 1];

  driver->ready_finish (result);
  walk_next (task);
}

/* One driver after the other: each is asked once, and they are few. */
static void
walk_next (GTask *task)
{
  Walk *walk = g_task_get_task_data (task);

  while (walk->next < walk->drivers->len)
    {
      const VbDomainDriver *driver = walk->drivers->pdata[walk->next++];

      if (driver->ready_async)
        {
          driver->ready_async (walk->host, driver_ready, task);
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
vb_domain_drivers_ready_async (VbDriverHost *host, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Walk *walk = g_new0 (Walk, 1);

  g_task_set_source_tag (task, vb_domain_drivers_ready_async);
  walk->host = host;
  walk->drivers = vb_driver_host_list_domain_drivers (host);
  g_task_set_task_data (task, walk, (GDestroyNotify) walk_free);
  walk_next (task);
}

void
vb_domain_drivers_ready_finish (GAsyncResult *result)
{
  g_return_if_fail (g_task_is_valid (result, NULL));
  g_task_propagate_boolean (G_TASK (result), NULL);
}

gboolean
vb_domain_drivers_ready_now (VbDriverHost *host)
{
  g_autoptr (GPtrArray) drivers = vb_driver_host_list_domain_drivers (host);

  for (guint i = 0; i < drivers->len; i++)
    {
      const VbDomainDriver *driver = drivers->pdata[i];

      if (driver->ready_async && !(driver->is_ready && driver->is_ready (host)))
        return FALSE;
    }
  return TRUE;
}
