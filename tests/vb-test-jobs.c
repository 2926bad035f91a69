/* Following a Job object to its end: see vb-test-jobs.h. */
#include "vb-test-jobs.h"

#include "vb-test-calls.h"
#include "vb-test-internal.h"
#include "vb-test-names.h"

char *
vb_test_job_wait_phase (VbTestEnv *env, const char *job, const char *phases, guint timeout_ms)
{
  g_auto (GStrv) wanted = g_strsplit (phases, "|", -1);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *phase = vb_test_get_string (env, job, IFACE_JOB, "Phase");

      if (g_strv_contains ((const char *const *) wanted, phase))
        return g_steal_pointer (&phase);
      if (g_get_monotonic_time () > end)
        g_error ("job %s is in phase %s after %u ms, waited for %s", job, phase, timeout_ms,
                 phases);
      vb_test_sleep_iterating (50);
    }
}

void
vb_test_job_wait_completed (VbTestEnv *env, const char *job, guint timeout_ms)
{
  g_autofree char *phase =
    vb_test_job_wait_phase (env, job, "completed|failed|cancelled", timeout_ms);

  if (!g_str_equal (phase, "completed"))
    {
      g_autofree char *message = vb_test_job_error (env, job);
      g_error ("job %s ended %s: %s", job, phase, message);
    }
}

guint64
vb_test_job_detail (VbTestEnv *env, const char *job, const char *key)
{
  g_autoptr (GVariant) details = vb_test_get_property (env, job, IFACE_JOB, "Details");
  guint64 value = 0;

  if (!g_variant_lookup (details, key, "t", &value))
    {
      g_autofree char *all = g_variant_print (details, FALSE);
      g_error ("job %s has no detail %s: %s", job, key, all);
    }
  return value;
}

char *
vb_test_job_error (VbTestEnv *env, const char *job)
{
  g_autoptr (GVariant) details = vb_test_get_property (env, job, IFACE_JOB, "Details");
  const char *message = NULL;

  g_variant_lookup (details, "error", "&s", &message);
  return g_strdup (message ? message : "");
}
