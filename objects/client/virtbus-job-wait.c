#include "virtbus-job-wait.h"

#include "virtbus-error.h"

/* The wait follows one Job proxy of its own, made in the caller's
 * thread-default main context: the object manager's proxy of a Job a method
 * has just returned may not exist yet (its InterfacesAdded is still queued),
 * and a proxy of our own gets the Job's state in one GetAll after its signal
 * subscriptions, so no change can fall between the two. */

typedef struct {
  VirtbusJob *job;
  VirtbusJobProgressFunc progress;
  gpointer progress_data;
  GDestroyNotify progress_data_free;
  GSource *cancel_source;
  gboolean cancel_asked;
  gboolean cancel_pending; /* Cancel() sent, its reply not in yet */
  gboolean done;
  GError *outcome; /* the end, kept until the reply to Cancel() came */
} Wait;

static void
wait_free (Wait *wait)
{
  g_clear_object (&wait->job);
  if (wait->cancel_source)
    {
      g_source_destroy (wait->cancel_source);
      g_source_unref (wait->cancel_source);
    }
  if (wait->progress_data_free)
    wait->progress_data_free (wait->progress_data);
  g_clear_error (&wait->outcome);
  g_free (wait);
}

static void
task_return (GTask *task, GError *error)
{
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Ends the wait once: the signals stop and the task returns @error or
 * success; after the reply to a Cancel() on its way, so that no call is left
 * for a main context that may not run again (virtbus_client_wait_job()'s).
 * Drops the wait's own reference to @task: the one it holds from
 * proxy_ready() on (the signal handlers and the cancel source borrow it), or
 * before that the proxy call's. Whoever else holds one (the Cancel() call)
 * drops its own. The proxy's signal emissions hold a reference to it, so
 * dropping the last reference to the task (and the proxy with it) in a
 * handler is safe. */
static void
wait_end (GTask *task, GError *error)
{
  g_autoptr (GTask) owned = task;
  Wait *wait = g_task_get_task_data (task);

  if (wait->done)
    {
      g_clear_error (&error);
      return;
    }
  wait->done = TRUE;
  if (wait->job)
    g_signal_handlers_disconnect_by_data (wait->job, task);
  if (wait->cancel_source)
    g_source_destroy (wait->cancel_source);
  if (error)
    g_dbus_error_strip_remote_error (error);
  if (wait->cancel_pending)
    wait->outcome = error;
  else
    task_return (task, error);
}

/* The error of a job that did not complete: it ended as @phase, saying
 * @message. */
static GError *
job_error (VirtbusJob *job, const char *phase, const char *message)
{
  const char *operation = virtbus_job_get_operation (job);

  if (g_strcmp0 (phase, "cancelled") == 0)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The %s job was cancelled", operation);
  if (message && *message)
    return g_error_new_literal (VIRTBUS_ERROR, VIRTBUS_ERROR_FAILED, message);
  return g_error_new (VIRTBUS_ERROR, VIRTBUS_ERROR_FAILED, "The %s job failed", operation);
}

static gboolean
is_final (const char *phase)
{
  return g_strcmp0 (phase, "completed") == 0 || g_strcmp0 (phase, "failed") == 0
         || g_strcmp0 (phase, "cancelled") == 0;
}

/* A failed job's reason is in its Details ("error") in the same
 * PropertiesChanged as its final phase, before its Completed signal. */
static char *
details_error (VirtbusJob *job)
{
  GVariant *details = virtbus_job_get_details (job);
  const char *message = NULL;

  if (details)
    g_variant_lookup (details, "error", "&s", &message);
  return g_strdup (message);
}

static void
check_end (GTask *task)
{
  Wait *wait = g_task_get_task_data (task);
  const char *phase = virtbus_job_get_phase (wait->job);
  g_autofree char *message = NULL;

  if (!is_final (phase))
    return;
  message = details_error (wait->job);
  wait_end (task,
            g_strcmp0 (phase, "completed") == 0 ? NULL : job_error (wait->job, phase, message));
}

static void
properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
  GTask *task = user_data;
  Wait *wait = g_task_get_task_data (task);

  if (wait->progress)
    wait->progress (wait->job, wait->progress_data);
  check_end (task);
}

/* Normally the final phase came first; this covers a service that ends a
 * job by its signal alone. */
static void
completed (VirtbusJob *job, gboolean success, const char *message, gpointer user_data)
{
  wait_end (user_data, success ? NULL : job_error (job, virtbus_job_get_phase (job), message));
}

static void
owner_changed (GObject *proxy, GParamSpec *pspec, gpointer user_data)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));

  if (!owner)
    wait_end (user_data, g_error_new (G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN,
                                      "virtbus left the bus before the job ended"));
}

static void
cancel_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Wait *wait = g_task_get_task_data (task);
  GError *error = NULL;

  wait->cancel_pending = FALSE;
  /* A job that ended meanwhile refuses; its end is the outcome. */
  if (virtbus_job_call_cancel_finish (VIRTBUS_JOB (source), result, &error) || wait->done
      || is_final (virtbus_job_get_phase (wait->job)))
    {
      g_clear_error (&error);
      if (wait->done)
        task_return (task, g_steal_pointer (&wait->outcome));
      return;
    }
  g_dbus_error_strip_remote_error (error);
  g_prefix_error (&error, "The %s job goes on: ", virtbus_job_get_operation (wait->job));
  /* The end drops the wait's own reference; this call's goes with @task. */
  wait_end (task, error);
}

static gboolean
cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  Wait *wait = g_task_get_task_data (task);

  if (!wait->done && !wait->cancel_asked)
    {
      wait->cancel_asked = TRUE;
      wait->cancel_pending = TRUE;
      virtbus_job_call_cancel (wait->job, NULL, cancel_done, g_object_ref (task));
    }
  return G_SOURCE_REMOVE;
}

static void
proxy_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Wait *wait = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  wait->job = virtbus_job_proxy_new_finish (result, &error);
  if (!wait->job)
    {
      wait_end (g_steal_pointer (&task), error);
      return;
    }
  /* GetAll failed, which a proxy ignores: there is no Job at that path
   * (anymore: a finished job stays only for a while). */
  if (!virtbus_job_get_phase (wait->job))
    {
      wait_end (g_steal_pointer (&task),
                g_error_new (VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND, "No job at %s",
                             g_dbus_proxy_get_object_path (G_DBUS_PROXY (wait->job))));
      return;
    }
  g_signal_connect (wait->job, "g-properties-changed", G_CALLBACK (properties_changed), task);
  g_signal_connect (wait->job, "completed", G_CALLBACK (completed), task);
  g_signal_connect (wait->job, "notify::g-name-owner", G_CALLBACK (owner_changed), task);
  if (wait->progress)
    wait->progress (wait->job, wait->progress_data);
  if (cancellable)
    {
      wait->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (wait->cancel_source, G_SOURCE_FUNC (cancelled), task, NULL);
      g_source_attach (wait->cancel_source, g_task_get_context (task));
    }
  /* The task's reference now belongs to the wait, which wait_end() drops. */
  check_end (g_steal_pointer (&task));
}

/**
 * virtbus_client_wait_job_async:
 * @client: a #VirtbusClient
 * @job_path: the object path of an org.virtbus.Virt1.Job, as Migrate, Save,
 *   BlockCopy, Upload and the other long operations return it
 * @progress: (nullable) (scope notified) (closure progress_data) (destroy progress_data_free):
 *   called when the wait begins and at every change of the Job's properties
 * @progress_data: data for @progress
 * @progress_data_free: (nullable): frees @progress_data when the wait is over
 * @cancellable: (nullable): cancelling it asks the Job to Cancel()
 * @callback: (scope async): called when the Job has ended
 * @user_data: data for @callback
 *
 * Follows the Job at @job_path until it ends; @callback gets the outcome
 * from virtbus_client_wait_job_finish(). Signals and callbacks come in the
 * thread-default main context of the caller.
 *
 * Cancelling @cancellable calls the Job's Cancel() and goes on waiting for
 * the Job to end: the outcome is what became of the Job (a job that
 * completed before the cancel took effect completed). When the Job refuses
 * to be cancelled, the wait ends with that error and the Job goes on.
 */
void
virtbus_client_wait_job_async (VirtbusClient *client, const char *job_path,
                               VirtbusJobProgressFunc progress, gpointer progress_data,
                               GDestroyNotify progress_data_free, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Wait *wait;

  g_return_if_fail (VIRTBUS_IS_CLIENT (client));
  g_return_if_fail (g_variant_is_object_path (job_path));
  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, virtbus_client_wait_job_async);
  /* The outcome is the Job's, cancelled or not. */
  g_task_set_check_cancellable (task, FALSE);
  wait = g_new0 (Wait, 1);
  wait->progress = progress;
  wait->progress_data = progress_data;
  wait->progress_data_free = progress_data_free;
  g_task_set_task_data (task, wait, (GDestroyNotify) wait_free);
  virtbus_job_proxy_new (virtbus_client_get_connection (client), G_DBUS_PROXY_FLAGS_NONE,
                         VIRTBUS_BUS_NAME, job_path, NULL, proxy_ready, g_steal_pointer (&task));
}

/**
 * virtbus_client_wait_job_finish:
 * @client: a #VirtbusClient
 * @result: the #GAsyncResult given to the callback of virtbus_client_wait_job_async()
 * @error: return location for an error
 *
 * Returns: %TRUE when the Job completed; %FALSE with @error set when it
 *   failed (%VIRTBUS_ERROR_FAILED with the Job's reason), was cancelled
 *   (%G_IO_ERROR_CANCELLED), does not exist (%VIRTBUS_ERROR_NOT_FOUND: a
 *   finished Job goes away after a while), refused a cancel, or virtbus left
 *   the bus (%G_DBUS_ERROR_SERVICE_UNKNOWN).
 */
gboolean
virtbus_client_wait_job_finish (VirtbusClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == virtbus_client_wait_job_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/**
 * virtbus_client_wait_job:
 * @client: a #VirtbusClient
 * @job_path: the object path of an org.virtbus.Virt1.Job
 * @progress: (nullable) (scope call) (closure progress_data): called when the
 *   wait begins and at every change of the Job's properties
 * @progress_data: data for @progress
 * @cancellable: (nullable): cancelling it (from another thread, or from
 *   @progress) asks the Job to Cancel()
 * @error: return location for an error
 *
 * As virtbus_client_wait_job_async(), blocking until the Job ends. It runs
 * a main context of its own meanwhile, where @progress is called.
 *
 * Returns: %TRUE when the Job completed; %FALSE with @error set otherwise
 *   (see virtbus_client_wait_job_finish()).
 */
gboolean
virtbus_client_wait_job (VirtbusClient *client, const char *job_path,
                         VirtbusJobProgressFunc progress, gpointer progress_data,
                         GCancellable *cancellable, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GAsyncResult) result = NULL;
  gboolean ok;

  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), FALSE);
  g_return_val_if_fail (g_variant_is_object_path (job_path), FALSE);
  g_main_context_push_thread_default (context);
  virtbus_client_wait_job_async (client, job_path, progress, progress_data, NULL, cancellable,
                                 store_result, &result);
  while (!result)
    g_main_context_iteration (context, TRUE);
  ok = virtbus_client_wait_job_finish (client, result, error);
  /* The task, and with it the Job's proxy, goes now; GDBus frees the
   * proxy's signal subscriptions in this context, which nothing will run
   * after us. */
  g_clear_object (&result);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  return ok;
}
