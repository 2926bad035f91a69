#include "ctl-job-follow.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ctl-output.h"
#include "ctl-progress.h"

#define REDRAW_MS 1000            /* the time left ticks even when nothing changes */
#define PLAIN_INTERVAL_US 5000000 /* a plain line at most this often, phases aside */
#define DEFAULT_WIDTH 80

struct _CtlJobFollow {
  CtlContext *ctx;
  GCancellable *cancellable;
  guint sigint;
  guint sigterm;
  gboolean interrupted;
  VirtbusJob *job; /* the last run's, once it began */
};

/* One wait. The library's wait holds it (ref-counted) until its task is
 * freed, which may be after the command returned (a hook that stopped). */
typedef struct {
  CtlJobFollow *follow; /* NULL once the command stopped waiting */
  const char *title;
  char *own_title;
  VirtbusJob *job; /* the wait's proxy, for the final figures */
  gboolean terminal;
  gboolean drawn; /* a bar is on the terminal's last line */
  char *last_phase;
  char *last_line; /* the last plain line, not printed twice */
  gint64 last_plain;
  CtlFollowHook hook;
  gpointer hook_data;
  gboolean stop;
  GError *hook_error;
  gboolean ended;
  GAsyncResult *result;
} Wait;

static void
wait_clear (Wait *wait)
{
  g_clear_object (&wait->job);
  g_free (wait->own_title);
  g_free (wait->last_phase);
  g_free (wait->last_line);
  g_clear_error (&wait->hook_error);
  g_clear_object (&wait->result);
}

static void
wait_unref (Wait *wait)
{
  g_rc_box_release_full (wait, (GDestroyNotify) wait_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Wait, wait_unref)

const char *
ctl_job_title (const char *operation)
{
  static const struct {
    const char *operation, *title;
  } titles[] = {
    { "migrate", "Migration" }, { "managed-save", "Managed save" }, { "save", "Save" },
    { "restore", "Restore" },   { "block-copy", "Block copy" },     { "upload", "Upload" },
    { "download", "Download" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    if (g_strcmp0 (operation, titles[i].operation) == 0)
      return titles[i].title;
  return operation && *operation ? operation : "Job";
}

static gboolean
on_signal (gpointer user_data)
{
  CtlJobFollow *follow = user_data;

  if (!follow->interrupted && !follow->ctx->quiet && !follow->ctx->json)
    g_printerr ("\nCancelling the job...\n");
  follow->interrupted = TRUE;
  g_cancellable_cancel (follow->cancellable);
  return G_SOURCE_CONTINUE;
}

CtlJobFollow *
ctl_job_follow_new (CtlContext *ctx)
{
  CtlJobFollow *follow = g_new0 (CtlJobFollow, 1);

  follow->ctx = ctx;
  follow->cancellable = g_cancellable_new ();
  follow->sigint = g_unix_signal_add (SIGINT, on_signal, follow);
  follow->sigterm = g_unix_signal_add (SIGTERM, on_signal, follow);
  return follow;
}

void
ctl_job_follow_free (CtlJobFollow *follow)
{
  if (!follow)
    return;
  g_source_remove (follow->sigint);
  g_source_remove (follow->sigterm);
  g_object_unref (follow->cancellable);
  g_clear_object (&follow->job);
  g_free (follow);
}

gboolean
ctl_job_follow_interrupted (CtlJobFollow *follow)
{
  return follow->interrupted;
}

VirtbusJob *
ctl_job_follow_get_job (CtlJobFollow *follow)
{
  return follow->job;
}

static guint
terminal_width (void)
{
  struct winsize size;

  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return DEFAULT_WIDTH;
}

static void
read_figures (VirtbusJob *job, const char *title, CtlProgress *progress)
{
  guint64 end = virtbus_job_get_expected_end_time (job);
  gint64 now = g_get_real_time ();

  progress->title = title;
  progress->phase = virtbus_job_get_phase (job);
  progress->progress = virtbus_job_get_progress (job);
  progress->processed = virtbus_job_get_bytes_processed (job);
  progress->total = virtbus_job_get_bytes_total (job);
  progress->rate = virtbus_job_get_rate (job);
  progress->remaining = -1;
  if (end > 0)
    progress->remaining = ((gint64) end - now) / G_USEC_PER_SEC;
  else if (progress->rate > 0 && progress->total > progress->processed)
    progress->remaining = (gint64) ((progress->total - progress->processed) / progress->rate);
}

static void
draw (Wait *wait, gboolean final)
{
  CtlProgress progress;
  gboolean phase_changed;
  g_autofree char *title = NULL;
  g_autofree char *phase = NULL;

  if (!wait->job || !wait->follow || wait->follow->ctx->quiet || wait->follow->ctx->json)
    return;
  read_figures (wait->job, wait->title, &progress);
  /* The operation and the phase are the service's words. */
  if (wait->terminal)
    {
      progress.title = title = ctl_escape_controls (progress.title, FALSE);
      if (progress.phase)
        progress.phase = phase = ctl_escape_controls (progress.phase, FALSE);
    }
  if (final)
    progress.remaining = -1;
  if (wait->terminal)
    {
      g_autofree char *line = ctl_progress_bar (&progress, terminal_width () - 1);

      /* Back to the line's start, the bar, the rest of the line cleared. */
      fprintf (stderr, "\r%s\033[K%s", line, final ? "\n" : "");
      fflush (stderr);
      wait->drawn = !final;
      return;
    }
  phase_changed = g_strcmp0 (progress.phase, wait->last_phase) != 0;
  if (final || phase_changed || g_get_monotonic_time () - wait->last_plain >= PLAIN_INTERVAL_US)
    {
      g_autofree char *line = ctl_progress_sentence (&progress);

      if (g_strcmp0 (line, wait->last_line) == 0)
        return;
      fprintf (stderr, "%s\n", line);
      fflush (stderr);
      wait->last_plain = g_get_monotonic_time ();
      g_free (wait->last_phase);
      wait->last_phase = g_strdup (progress.phase);
      g_free (wait->last_line);
      wait->last_line = g_steal_pointer (&line);
    }
}

static void
on_progress (VirtbusJob *job, gpointer user_data)
{
  Wait *wait = user_data;

  if (!wait->follow || wait->stop)
    return;
  if (!wait->job)
    {
      wait->job = g_object_ref (job);
      if (!wait->title)
        wait->title = wait->own_title = g_strdup (ctl_job_title (virtbus_job_get_operation (job)));
    }
  draw (wait, FALSE);
  if (!wait->hook)
    return;
  switch (wait->hook (job, wait->hook_data, &wait->hook_error))
    {
    case CTL_FOLLOW_GO_ON:
      break;
    case CTL_FOLLOW_STOP:
    case CTL_FOLLOW_FAIL:
      wait->stop = TRUE;
      break;
    }
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Wait) wait = user_data;

  wait->ended = TRUE;
  wait->result = g_object_ref (result);
}

static gboolean
redraw (gpointer user_data)
{
  draw (user_data, FALSE);
  return G_SOURCE_CONTINUE;
}

static JsonNode *
details_error_node (VirtbusJob *job)
{
  GVariant *details = virtbus_job_get_details (job);
  const char *message = NULL;

  if (details && g_variant_lookup (details, "error", "&s", &message) && *message)
    return json_node_init_string (json_node_alloc (), message);
  return json_node_new (JSON_NODE_NULL);
}

JsonNode *
ctl_job_to_json (VirtbusJob *job)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_set_string_member (object, "job", g_dbus_proxy_get_object_path (G_DBUS_PROXY (job)));
  json_object_set_string_member (object, "operation", virtbus_job_get_operation (job));
  json_object_set_string_member (object, "phase", virtbus_job_get_phase (job));
  json_object_set_double_member (object, "progress", virtbus_job_get_progress (job));
  json_object_set_int_member (object, "bytes_processed",
                              (gint64) virtbus_job_get_bytes_processed (job));
  json_object_set_int_member (object, "bytes_total", (gint64) virtbus_job_get_bytes_total (job));
  json_object_set_int_member (object, "rate", (gint64) virtbus_job_get_rate (job));
  json_object_set_int_member (object, "start_time", (gint64) virtbus_job_get_start_time (job));
  json_object_set_int_member (object, "expected_end_time",
                              (gint64) virtbus_job_get_expected_end_time (job));
  json_object_set_string_member (object, "object", virtbus_job_get_object (job));
  json_object_set_boolean_member (object, "cancelable", virtbus_job_get_cancelable (job));
  json_object_set_member (object, "error", details_error_node (job));
  json_object_unref (object);
  return node;
}

gboolean
ctl_job_follow_run (CtlJobFollow *follow, const char *job_path, const char *title,
                    CtlFollowHook hook, gpointer hook_data, GError **error)
{
  VirtbusClient *client = ctl_context_client (follow->ctx, error);
  g_autoptr (Wait) wait = NULL;
  guint timer = 0;
  gboolean ok;

  if (!client)
    return FALSE;
  wait = g_rc_box_new0 (Wait);
  wait->follow = follow;
  wait->title = title;
  wait->hook = hook;
  wait->hook_data = hook_data;
  wait->terminal = isatty (STDERR_FILENO);
  virtbus_client_wait_job_async (client, job_path, on_progress, g_rc_box_acquire (wait),
                                 (GDestroyNotify) wait_unref, follow->cancellable, on_done,
                                 g_rc_box_acquire (wait));
  if (wait->terminal)
    timer = g_timeout_add (REDRAW_MS, redraw, wait);
  while (!wait->ended && !wait->stop)
    g_main_context_iteration (NULL, TRUE);
  if (timer)
    g_source_remove (timer);
  if (wait->ended)
    ok = virtbus_client_wait_job_finish (client, wait->result, error);
  else if (wait->hook_error)
    {
      g_propagate_error (error, g_steal_pointer (&wait->hook_error));
      ok = FALSE;
    }
  else
    ok = TRUE;
  draw (wait, TRUE);
  if (follow->ctx->json && wait->job)
    ctl_print_json (ctl_job_to_json (wait->job));
  if (wait->job)
    g_set_object (&follow->job, wait->job);
  /* A wait the hook stopped goes on without us. */
  wait->follow = NULL;
  return ok;
}
