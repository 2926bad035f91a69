/* virtbusd --save-on-stop: the running guests are managed-saved when the
 * service stops, each with a marker, and started (so restored) from their
 * images when it starts again. */
#include "save-on-stop.h"

#include "domain-api.h"
#include "save-api.h"
#include "vb-log.h"

typedef struct {
  guint pending;
  GTask *task;
} SaveAll;

static void
save_all_one_done (SaveAll *all)
{
  if (--all->pending > 0)
    return;
  g_task_return_boolean (all->task, TRUE);
  g_object_unref (all->task);
  g_free (all);
}

static void
job_completed (VbJob *job, gboolean success, const char *message, gpointer user_data)
{
  SaveAll *all = user_data;

  g_signal_handlers_disconnect_by_data (job, all);
  save_all_one_done (all);
}

static void
auto_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveAll *all = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (VbJob) job = vb_save_api_save_finish (result, &error);

  if (!job)
    {
      vb_log_warning (NULL, "save on stop: %s", error->message);
      save_all_one_done (all);
      return;
    }
  if (vb_job_is_finished (job))
    save_all_one_done (all);
  else
    g_signal_connect (job, "completed", G_CALLBACK (job_completed), all);
}

void
vb_save_on_stop_save_all_async (VbDriverHost *host, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GPtrArray) domains =
    vb_inventory_list (vb_driver_host_get_inventory (host), VB_TYPE_DOMAIN);
  SaveAll *all = g_new0 (SaveAll, 1);

  all->task = g_task_new (NULL, NULL, callback, user_data);
  all->pending = 1; /* ours, dropped at the end: no early completion */
  for (guint i = 0; i < domains->len; i++)
    {
      VbDomain *domain = domains->pdata[i];
      VbDomainState state = vb_domain_get_state (domain);

      if (!vb_resource_get_persistent (VB_RESOURCE (domain))
          || (state != VB_DOMAIN_RUNNING && state != VB_DOMAIN_PAUSED)
          || !vb_save_api_can_save (host, domain))
        continue;
      vb_log_message (vb_resource_get_log_name (VB_RESOURCE (domain)), "saving before the stop");
      all->pending++;
      vb_save_api_managed_save_marked_async (host, domain, auto_saved, all);
    }
  save_all_one_done (all);
}

void
vb_save_on_stop_save_all_finish (GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

static void
auto_restored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *name = user_data;
  g_autoptr (GError) error = NULL;

  if (!vb_domain_api_op_finish (result, &error))
    vb_log_warning (name, "restore of the save on stop failed: %s", error->message);
  else
    vb_log_message (name, "restored the save made at the last stop");
}

void
vb_save_on_stop_restore (VbDriverHost *host)
{
  g_autoptr (GPtrArray) domains =
    vb_inventory_list (vb_driver_host_get_inventory (host), VB_TYPE_DOMAIN);

  for (guint i = 0; i < domains->len; i++)
    {
      VbDomain *domain = domains->pdata[i];
      g_autofree char *marker = NULL;

      /* An autostart domain is started (so restored) by the autostart. */
      if (!vb_domain_get_managed_save (domain) || vb_domain_is_active (domain)
          || vb_resource_get_autostart (VB_RESOURCE (domain)))
        continue;
      marker = vb_save_api_autosave_marker (host, domain);
      if (!g_file_test (marker, G_FILE_TEST_EXISTS))
        continue;
      vb_domain_api_op_async (host, domain, VB_DOMAIN_OP_START, 0, auto_restored,
                              g_strdup (vb_resource_get_log_name (VB_RESOURCE (domain))));
    }
}
