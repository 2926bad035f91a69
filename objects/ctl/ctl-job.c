/* job-list, job-watch, job-cancel: the Jobs of long operations, whoever
 * started them, as the client holds them. A Job is named by its number
 * (the N of /org/virtbus/Virt1/job/N) or its object path. */
#include <stdlib.h>
#include <string.h>

#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-job-follow.h"
#include "ctl-output.h"
#include "ctl-progress.h"

#define JOB_PREFIX "/org/virtbus/Virt1/job/"

static guint64
job_number (const char *path)
{
  guint64 number = 0;

  if (g_str_has_prefix (path, JOB_PREFIX))
    g_ascii_string_to_unsigned (path + strlen (JOB_PREFIX), 10, 0, G_MAXUINT64, &number, NULL);
  return number;
}

static int
by_number (gconstpointer a, gconstpointer b)
{
  guint64 x = job_number (g_dbus_proxy_get_object_path (*(GDBusProxy **) a));
  guint64 y = job_number (g_dbus_proxy_get_object_path (*(GDBusProxy **) b));

  return x < y ? -1 : x > y;
}

/* What the Job works on, as people name it: the name of its domain or
 * volume, else its path. */
static char *
object_name (VirtbusClient *client, const char *path)
{
  g_autoptr (VirtbusObject) object = virtbus_client_get_object (client, path);
  VirtbusDomain *domain = object ? virtbus_object_peek_domain (object) : NULL;
  VirtbusStorageVolume *volume = object ? virtbus_object_peek_storage_volume (object) : NULL;

  if (domain)
    return g_strdup (virtbus_domain_get_name (domain));
  if (volume)
    return g_strdup (virtbus_storage_volume_get_name (volume));
  return g_strdup (path);
}

static const CtlColumn list_columns[] = {
  { "Job", "id" },
  { NULL, "job" },
  { "Operation", "operation" },
  { "Object", "object_name" },
  { NULL, "object" },
  { "Phase", "phase" },
  { "Progress", "progress" },
  { NULL, "bytes_processed" },
  { NULL, "bytes_total" },
  { NULL, "rate" },
  { NULL, "cancelable" },
  { NULL },
};

static gboolean
run_list (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (CtlTable) table = ctl_table_new (list_columns);
  g_autolist (GDBusObject) objects = NULL;

  if (!client)
    return FALSE;
  objects = g_dbus_object_manager_get_objects (virtbus_client_get_object_manager (client));
  for (GList *l = objects; l; l = l->next)
    {
      VirtbusJob *job = virtbus_object_get_job (VIRTBUS_OBJECT (l->data));

      if (job)
        g_ptr_array_add (jobs, job);
    }
  g_ptr_array_sort (jobs, by_number);
  for (guint i = 0; i < jobs->len; i++)
    {
      VirtbusJob *job = jobs->pdata[i];
      const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (job));
      double progress = virtbus_job_get_progress (job);
      g_autofree char *name = object_name (client, virtbus_job_get_object (job));
      g_autofree char *percent =
        progress >= 0 ? g_strdup_printf ("%d%%", (int) (progress * 100)) : NULL;

      if (!ctl_args_flag (args, "all")
          && (g_strcmp0 (virtbus_job_get_phase (job), "completed") == 0
              || g_strcmp0 (virtbus_job_get_phase (job), "failed") == 0
              || g_strcmp0 (virtbus_job_get_phase (job), "cancelled") == 0))
        continue;
      ctl_table_add_row (table);
      ctl_table_add_int (table, (gint64) job_number (path), NULL);
      ctl_table_add_string (table, path);
      ctl_table_add_string (table, virtbus_job_get_operation (job));
      ctl_table_add_string (table, name);
      ctl_table_add_string (table, virtbus_job_get_object (job));
      ctl_table_add_string (table, virtbus_job_get_phase (job));
      ctl_table_add (table, json_node_init_double (json_node_alloc (), progress), percent);
      ctl_table_add_int (table, (gint64) virtbus_job_get_bytes_processed (job), NULL);
      ctl_table_add_int (table, (gint64) virtbus_job_get_bytes_total (job), NULL);
      ctl_table_add_int (table, (gint64) virtbus_job_get_rate (job), NULL);
      ctl_table_add_bool (table, virtbus_job_get_cancelable (job));
    }
  ctl_table_print (table, ctx->json);
  return TRUE;
}

/* "7" or "/org/virtbus/Virt1/job/7": the path of a Job the client holds. */
static char *
job_path (CtlContext *ctx, const char *name, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autofree char *path = NULL;
  g_autoptr (VirtbusObject) object = NULL;
  guint64 number;

  if (!client)
    return NULL;
  if (g_ascii_string_to_unsigned (name, 10, 1, G_MAXUINT64, &number, NULL))
    path = g_strdup_printf (JOB_PREFIX "%" G_GUINT64_FORMAT, number);
  else if (g_variant_is_object_path (name))
    path = g_strdup (name);
  if (path)
    object = virtbus_client_get_object (client, path);
  if (!object || !virtbus_object_peek_job (object))
    {
      g_set_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND,
                   "No job '%s' (a finished job goes away after a while)", name);
      return NULL;
    }
  return g_steal_pointer (&path);
}

static gboolean
run_watch (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (CtlJobFollow) follow = ctl_job_follow_new (ctx);
  g_autofree char *path = job_path (ctx, ctl_args_get (args, 0), error);
  VirtbusJob *job;

  if (!path || !ctl_job_follow_run (follow, path, NULL, NULL, NULL, error))
    return FALSE;
  job = ctl_job_follow_get_job (follow);
  ctl_say (ctx, "%s completed", ctl_job_title (virtbus_job_get_operation (job)));
  return TRUE;
}

static gboolean
run_cancel (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autofree char *path = job_path (ctx, ctl_args_get (args, 0), error);
  g_autoptr (VirtbusObject) object = NULL;
  VirtbusJob *job;

  if (!path)
    return FALSE;
  object = virtbus_client_get_object (ctx->client, path);
  job = virtbus_object_peek_job (object);
  if (!virtbus_job_call_cancel_sync (job, NULL, error))
    return FALSE;
  ctl_say (ctx, "Job %s (%s) asked to cancel", ctl_args_get (args, 0),
           virtbus_job_get_operation (job));
  return TRUE;
}

static const CtlArg job_arg[] = { { "JOB", CTL_ARG_WORD }, { NULL } };

const CtlCommand ctl_job_commands[] = {
  { "job-list", "List the long operations that run", NULL,
    (const CtlOption[]){ { "all", NULL, "also those that ended a short while ago" }, { NULL } },
    run_list,
    "A Job is named by its number. --json gives each job's id, job (its object\n"
    "path), operation, object_name, object, phase, progress (0 to 1, -1 unknown),\n"
    "bytes_processed, bytes_total, rate and cancelable." },
  { "job-watch", "Follow a running job with a progress bar until it ends", job_arg, NULL, run_watch,
    "Exits 0 when the job completed, 1 when it failed or was cancelled. Ctrl-C\n"
    "cancels the job." },
  { "job-cancel", "Ask a running job to stop", job_arg, NULL, run_cancel },
  { NULL },
};
