#include "net-command.h"

#include "vb-error.h"
#include "vb-log.h"

static void
communicated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GSubprocess *process = G_SUBPROCESS (source);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GError *error = NULL;
  const char *command = g_task_get_task_data (task);

  if (!g_subprocess_communicate_utf8_finish (process, result, &out, &err, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!g_subprocess_get_successful (process))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "'%s' failed: %s", command,
                               err && *g_strstrip (err) ? err : "no message");
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&out), g_free);
}

void
vb_net_run_async (const char *const *argv, const char *input, GCancellable *cancellable,
                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                           | G_SUBPROCESS_FLAGS_STDIN_PIPE;
  GError *error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  char *command = g_strjoinv (" ", (char **) argv);

  g_task_set_task_data (task, command, g_free);
  vb_log_debug (NULL, "running %s", command);
  process = g_subprocess_newv (argv, flags, &error);
  if (!process)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_subprocess_communicate_utf8_async (process, input ? input : "", cancellable, communicated,
                                       task);
}

char *
vb_net_run_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ignored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = vb_net_run_finish (result, &error);

  if (error)
    vb_log_debug (NULL, "%s", error->message);
}

void
vb_net_run_quietly (const char *const *argv, const char *input)
{
  vb_net_run_async (argv, input, NULL, ignored, NULL);
}
