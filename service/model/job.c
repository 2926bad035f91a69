#include "job.h"

#include <string.h>

#include "vb-error.h"

struct _VbJob {
  GObject parent;
  guint id;
  char *operation;
  char *object_path;
  char *phase;
  guint64 bytes_total;
  guint64 bytes_processed;
  guint64 rate;
  gint64 start_time;
  gint64 started;     /* monotonic, for the elapsed time */
  gint64 finished_at; /* monotonic, 0 while it runs */
  gboolean cancelable;
  gboolean finished;
  GVariant *details;
  GCancellable *cancellable;
  VbJobActionFunc action_handler;
  gpointer action_data;
  GDestroyNotify action_destroy;
};

G_DEFINE_FINAL_TYPE (VbJob, vb_job, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_COMPLETED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
vb_job_finalize (GObject *object)
{
  VbJob *self = VB_JOB (object);

  g_free (self->operation);
  g_free (self->object_path);
  g_free (self->phase);
  g_variant_unref (self->details);
  g_object_unref (self->cancellable);
  if (self->action_destroy)
    self->action_destroy (self->action_data);
  G_OBJECT_CLASS (vb_job_parent_class)->finalize (object);
}

static void
vb_job_class_init (VbJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_job_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
  signals[SIGNAL_COMPLETED] = g_signal_new ("completed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void
vb_job_init (VbJob *self)
{
  self->phase = g_strdup ("setup");
  self->start_time = g_get_real_time ();
  self->started = g_get_monotonic_time ();
  self->details = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  self->cancellable = g_cancellable_new ();
}

VbJob *
vb_job_new (const char *operation, const char *object_path, gboolean cancelable)
{
  VbJob *self = g_object_new (VB_TYPE_JOB, NULL);

  self->operation = g_strdup (operation);
  self->object_path = g_strdup (object_path);
  self->cancelable = cancelable;
  return self;
}

#define GETTER(type, name) \
  type vb_job_get_##name (VbJob *self) { return self->name; }
GETTER (guint, id)
GETTER (const char *, operation)
GETTER (const char *, object_path)
GETTER (const char *, phase)
GETTER (guint64, bytes_total)
GETTER (guint64, bytes_processed)
GETTER (guint64, rate)
GETTER (gint64, start_time)
GETTER (GVariant *, details)
GETTER (GCancellable *, cancellable)
#undef GETTER

gboolean
vb_job_get_cancelable (VbJob *self)
{
  return self->cancelable && !self->finished;
}

gboolean
vb_job_is_finished (VbJob *self)
{
  return self->finished;
}

void
vb_job_set_id (VbJob *self, guint id)
{
  self->id = id;
}

double
vb_job_get_progress (VbJob *self)
{
  if (self->finished && g_str_equal (self->phase, "completed"))
    return 1.0;
  if (self->bytes_total == 0)
    return -1.0;
  return MIN (1.0, (double) self->bytes_processed / (double) self->bytes_total);
}

guint64
vb_job_get_elapsed_ms (VbJob *self)
{
  gint64 until = self->finished_at ? self->finished_at : g_get_monotonic_time ();

  return until > self->started ? (guint64) (until - self->started) / 1000 : 0;
}

gint64
vb_job_get_expected_end_time (VbJob *self)
{
  guint64 remaining;

  if (self->finished || self->rate == 0 || self->bytes_total == 0)
    return 0;
  remaining = self->bytes_total > self->bytes_processed
                ? self->bytes_total - self->bytes_processed
                : 0;
  return g_get_real_time () + (gint64) (remaining * G_USEC_PER_SEC / self->rate);
}

static void
changed (VbJob *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
vb_job_set_phase (VbJob *self, const char *phase)
{
  if (g_strcmp0 (self->phase, phase) == 0)
    return;
  g_free (self->phase);
  self->phase = g_strdup (phase);
  changed (self);
}

void
vb_job_set_cancelable (VbJob *self, gboolean cancelable)
{
  self->cancelable = cancelable;
  changed (self);
}

void
vb_job_set_bytes (VbJob *self, guint64 total, guint64 processed, guint64 rate)
{
  self->bytes_total = total;
  self->bytes_processed = processed;
  self->rate = rate;
  changed (self);
}

void
vb_job_set_details (VbJob *self, GVariant *details)
{
  g_variant_unref (self->details);
  self->details = g_variant_ref_sink (details);
  changed (self);
}

gboolean
vb_job_cancel (VbJob *self, GError **error)
{
  if (self->finished)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "The %s job has already finished (%s)", self->operation, self->phase);
      return FALSE;
    }
  if (!self->cancelable)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "The %s job cannot be cancelled in phase %s", self->operation, self->phase);
      return FALSE;
    }
  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

void
vb_job_set_action_handler (VbJob *self, VbJobActionFunc handler, gpointer user_data,
                           GDestroyNotify destroy)
{
  if (self->action_destroy)
    self->action_destroy (self->action_data);
  self->action_handler = handler;
  self->action_data = user_data;
  self->action_destroy = destroy;
}

/* "An upload job", "A save job": the operations are English words. */
static const char *
article_for (const char *word)
{
  return word[0] != '\0' && strchr ("aeiouAEIOU", word[0]) != NULL ? "An" : "A";
}

gboolean
vb_job_act (VbJob *self, const char *action, guint64 value, GError **error)
{
  if (self->finished)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "The %s job has already finished (%s)", self->operation, self->phase);
      return FALSE;
    }
  if (!self->action_handler)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s %s job has no %s",
                   article_for (self->operation), self->operation, action);
      return FALSE;
    }
  return self->action_handler (self, action, value, self->action_data, error);
}

void
vb_job_complete (VbJob *self, gboolean success, const char *final_phase, const char *message)
{
  if (self->finished)
    return;
  self->finished = TRUE;
  self->finished_at = g_get_monotonic_time ();
  g_free (self->phase);
  self->phase = g_strdup (final_phase);
  if (!success && message && *message)
    {
      /* A client that reads the Job rather than its Completed signal still
       * learns why, in the same PropertiesChanged as the phase. */
      GVariantDict details;

      g_variant_dict_init (&details, self->details);
      g_variant_dict_insert (&details, "error", "s", message);
      g_variant_unref (self->details);
      self->details = g_variant_ref_sink (g_variant_dict_end (&details));
    }
  changed (self);
  g_signal_emit (self, signals[SIGNAL_COMPLETED], 0, success, message ? message : "");
}
