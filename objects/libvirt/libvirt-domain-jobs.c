/* A domain's jobs as libvirt shows them: its domain job (virtbus's migrate,
 * save, managed-save and restore Jobs) for AbortJob, GetJobInfo,
 * GetJobStats and GetControlInfo, and its block job (a block copy's Job) for
 * BlockCopy and the BlockJob* members, with libvirt's numbers. */
#include "libvirt-domain-more.h"

#include "block-copy-api.h"
#include "job-api.h"
#include "libvirt-error.h"
#include "libvirt-xml-check.h"
#include "vb-error.h"

/* virDomainJobType */
#define LV_JOB_NONE 0
#define LV_JOB_UNBOUNDED 2
#define LV_JOB_COMPLETED 3
#define LV_JOB_FAILED 4
#define LV_JOB_CANCELLED 5
/* virDomainJobOperation */
#define LV_JOB_OPERATION_UNKNOWN 0
#define LV_JOB_OPERATION_SAVE 2
#define LV_JOB_OPERATION_RESTORE 3
#define LV_JOB_OPERATION_MIGRATION_OUT 5
/* virDomainGetJobStatsFlags */
#define LV_JOB_STATS_COMPLETED (1u << 0)
#define LV_JOB_STATS_KEEP_COMPLETED (1u << 1)
/* virDomainControlState */
#define LV_CONTROL_OK 0
#define LV_CONTROL_JOB 1
/* virDomainBlockJobType */
#define LV_BLOCK_JOB_TYPE_COPY 2
/* BlockJobAbort's flags */
#define LV_BLOCK_JOB_ABORT_ASYNC (1u << 0)
#define LV_BLOCK_JOB_ABORT_PIVOT (1u << 1)
/* GetBlockJobInfo's and BlockJobSetSpeed's BANDWIDTH_BYTES: else MiB/s */
#define LV_BLOCK_JOB_BANDWIDTH_BYTES (1u << 0)

static VbDomain *
domain_of (VbLvCall *call)
{
  return call->object;
}

static gboolean
check_flags (VbLvCall *call, guint flags, guint known, const char *function)
{
  if (!(flags & ~known))
    return TRUE;
  vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                      "unsupported flags (0x%x) in function %s", flags & ~known,
                                      function));
  return FALSE;
}

/* libvirt's jobs need a running domain (its monitor); fails @call if not. */
static gboolean
check_active (VbLvCall *call)
{
  if (vb_domain_is_active (domain_of (call)))
    return TRUE;
  vb_lv_call_fail (call,
                   g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID, "domain is not running"));
  return FALSE;
}

static int
job_type (VbJob *job)
{
  const char *phase;

  if (!job)
    return LV_JOB_NONE;
  if (!vb_job_is_finished (job))
    return LV_JOB_UNBOUNDED; /* libvirt's type of every active job */
  phase = vb_job_get_phase (job);
  if (g_str_equal (phase, "completed"))
    return LV_JOB_COMPLETED;
  return g_str_equal (phase, "cancelled") ? LV_JOB_CANCELLED : LV_JOB_FAILED;
}

static int
job_operation (VbJob *job)
{
  const char *operation = vb_job_get_operation (job);

  if (g_str_equal (operation, "save") || g_str_equal (operation, "managed-save"))
    return LV_JOB_OPERATION_SAVE;
  if (g_str_equal (operation, "restore"))
    return LV_JOB_OPERATION_RESTORE;
  if (g_str_equal (operation, "migrate"))
    return LV_JOB_OPERATION_MIGRATION_OUT;
  return LV_JOB_OPERATION_UNKNOWN;
}

/* The guest's memory is what migrations and saves move. */
static gboolean
moves_memory (VbJob *job)
{
  int operation = job_operation (job);

  return operation == LV_JOB_OPERATION_SAVE || operation == LV_JOB_OPERATION_MIGRATION_OUT;
}

static guint64
remaining_ms (VbJob *job)
{
  gint64 end = vb_job_get_expected_end_time (job), now = g_get_real_time ();

  return end > now ? (guint64) (end - now) / 1000 : 0;
}

/* ---- the domain job ---- */

void
vb_lv_domain_abort_job (VbLvCall *call)
{
  GError *error = NULL;

  if (!check_active (call))
    return;
  if (!vb_job_api_abort (call->connect->host, domain_of (call), &error))
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, NULL);
}

void
vb_lv_domain_get_job_info (VbLvCall *call)
{
  g_autoptr (VbJob) job = NULL;
  guint64 total = 0, processed = 0, remaining = 0;

  if (!check_active (call))
    return;
  job = vb_job_api_domain_job (call->connect->host, domain_of (call));
  if (job)
    {
      total = vb_job_get_bytes_total (job);
      processed = MIN (vb_job_get_bytes_processed (job), total);
      remaining = total - processed;
    }
  /* type, time elapsed and remaining (ms), then data, memory and file
   * figures, each total, processed, remaining (bytes). */
  vb_lv_call_return (call, g_variant_new ("((ittttttttttt))", job_type (job),
                                          job ? vb_job_get_elapsed_ms (job) : 0,
                                          job ? remaining_ms (job) : 0, total, processed, remaining,
                                          job && moves_memory (job) ? total : 0,
                                          job && moves_memory (job) ? processed : 0,
                                          job && moves_memory (job) ? remaining : 0, (guint64) 0,
                                          (guint64) 0, (guint64) 0));
}

static void
add_detail (GVariantDict *stats, VbJob *job, const char *detail, const char *key)
{
  GVariant *details = vb_job_get_details (job); /* the job's */
  guint64 value;

  if (g_variant_lookup (details, detail, "t", &value))
    g_variant_dict_insert (stats, key, "t", value);
}

/* libvirt's typed parameters of virDomainGetJobStats for @job. */
static GVariant *
job_stats (VbJob *job)
{
  GVariantDict stats;
  guint64 total = vb_job_get_bytes_total (job);
  guint64 processed = MIN (vb_job_get_bytes_processed (job), total);

  g_variant_dict_init (&stats, NULL);
  g_variant_dict_insert (&stats, "operation", "i", job_operation (job));
  /* Since the start; a finished job's whole duration, as libvirt's completed stats. */
  g_variant_dict_insert (&stats, "time_elapsed", "t", vb_job_get_elapsed_ms (job));
  if (!vb_job_is_finished (job))
    {
      if (remaining_ms (job))
        g_variant_dict_insert (&stats, "time_remaining", "t", remaining_ms (job));
    }
  else
    {
      GVariant *details = vb_job_get_details (job); /* the job's */
      const char *message;

      g_variant_dict_insert (&stats, "success", "b", job_type (job) == LV_JOB_COMPLETED);
      if (g_variant_lookup (details, "error", "&s", &message))
        g_variant_dict_insert (&stats, "errmsg", "s", message);
    }
  g_variant_dict_insert (&stats, "data_total", "t", total);
  g_variant_dict_insert (&stats, "data_processed", "t", processed);
  g_variant_dict_insert (&stats, "data_remaining", "t", total - processed);
  if (moves_memory (job))
    {
      g_variant_dict_insert (&stats, "memory_total", "t", total);
      g_variant_dict_insert (&stats, "memory_processed", "t", processed);
      g_variant_dict_insert (&stats, "memory_remaining", "t", total - processed);
      g_variant_dict_insert (&stats, "memory_bps", "t", vb_job_get_rate (job));
    }
  /* A migration's figures from QEMU (qemu-migration.c). */
  add_detail (&stats, job, "iteration", "memory_iteration");
  add_detail (&stats, job, "dirty-rate", "memory_dirty_rate");
  add_detail (&stats, job, "downtime", "downtime");
  return g_variant_dict_end (&stats);
}

void
vb_lv_domain_get_job_stats (VbLvCall *call)
{
  guint flags;
  g_autoptr (VbJob) job = NULL;

  g_variant_get (call->parameters, "(u)", &flags);
  if (!check_flags (call, flags, LV_JOB_STATS_COMPLETED | LV_JOB_STATS_KEEP_COMPLETED,
                    "virDomainGetJobStats"))
    return;
  /* A finished job stays (virtbus keeps it a while after its end, so
   * KEEP_COMPLETED is what happens anyway); a running job needs the guest. */
  if (flags & LV_JOB_STATS_COMPLETED)
    job = vb_job_api_last_domain_job (call->connect->host, domain_of (call));
  else if (!check_active (call))
    return;
  else
    job = vb_job_api_domain_job (call->connect->host, domain_of (call));
  vb_lv_call_return (call, g_variant_new ("((i@a{sv}))", job_type (job),
                                          job ? vb_lv_double_wrap (job_stats (job))
                                              : g_variant_new ("a{sv}", NULL)));
}

void
vb_lv_domain_get_control_info (VbLvCall *call)
{
  guint flags;
  g_autoptr (VbJob) job = NULL;

  g_variant_get (call->parameters, "(u)", &flags);
  if (!check_flags (call, flags, 0, "virDomainGetControlInfo") || !check_active (call))
    return;
  /* JOB while a job runs, with the time since it started (ms). */
  job = vb_job_api_domain_job (call->connect->host, domain_of (call));
  if (job)
    vb_lv_call_return (call,
                       g_variant_new ("((uut))", LV_CONTROL_JOB, 0, vb_job_get_elapsed_ms (job)));
  else
    vb_lv_call_return (call, g_variant_new ("((uut))", LV_CONTROL_OK, 0, (guint64) 0));
}

/* ---- block jobs ---- */

static void
copy_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (VbJob) job = vb_block_copy_api_start_finish (result, &error);

  /* libvirt's call returns once the copy runs; its end is BlockJobAbort's. */
  if (!job)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, NULL);
}

static void
copy_checked (VbLvCall *call)
{
  const char *disk, *destination_xml;
  g_autoptr (GVariant) params = NULL;
  guint flags;

  /* libvirt's parameters (bandwidth bytes/s, granularity, buf-size) and
   * flags (SHALLOW, REUSE_EXT, TRANSIENT_JOB) are virtbus's. */
  g_variant_get (call->parameters, "(&s&s@a{sv}u)", &disk, &destination_xml, &params, &flags);
  vb_block_copy_api_start_async (call->connect->host, domain_of (call), disk, destination_xml,
                                 params, flags, copy_started, call);
}

void
vb_lv_domain_block_copy (VbLvCall *call)
{
  const char *destination_xml;

  g_variant_get_child (call->parameters, 1, "&s", &destination_xml);
  vb_lv_xml_check (call, destination_xml, copy_checked);
}

/* @disk's running block job; fails @call with libvirt's words when the
 * domain is not running or the disk has none. */
static VbJob *
running_block_job (VbLvCall *call, const char *disk)
{
  GError *error = NULL;
  VbJob *job;

  if (!check_active (call))
    return NULL;
  job = vb_job_api_block_job (call->connect->host, domain_of (call), disk, &error);
  if (!job)
    vb_lv_call_fail (call, error ? error
                                 : g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                                "disk %s does not have an active block job", disk));
  return job;
}

void
vb_lv_domain_get_block_job_info (VbLvCall *call)
{
  const char *disk;
  guint flags;
  GError *error = NULL;
  g_autoptr (VbJob) job = NULL;
  GVariant *details; /* the job's */
  guint64 bandwidth = 0;

  g_variant_get (call->parameters, "(&su)", &disk, &flags);
  if (!check_flags (call, flags, LV_BLOCK_JOB_BANDWIDTH_BYTES, "virDomainGetBlockJobInfo")
      || !check_active (call))
    return;
  job = vb_job_api_block_job (call->connect->host, domain_of (call), disk, &error);
  if (error)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  /* No job: libvirt's call answers 0 and a zeroed record. */
  if (!job)
    {
      vb_lv_call_return (call,
                         g_variant_new ("((ittt))", 0, (guint64) 0, (guint64) 0, (guint64) 0));
      return;
    }
  details = vb_job_get_details (job);
  g_variant_lookup (details, "bandwidth", "t", &bandwidth);
  if (!(flags & LV_BLOCK_JOB_BANDWIDTH_BYTES))
    bandwidth >>= 20;
  /* cur and end: libvirt's cur == end says the copy is ready to pivot. */
  vb_lv_call_return (call, g_variant_new ("((ittt))", LV_BLOCK_JOB_TYPE_COPY, bandwidth,
                                          vb_job_get_bytes_processed (job),
                                          vb_job_get_bytes_total (job)));
}

void
vb_lv_domain_block_job_set_speed (VbLvCall *call)
{
  const char *disk;
  guint64 bandwidth;
  guint flags;
  GError *error = NULL;
  g_autoptr (VbJob) job = NULL;

  g_variant_get (call->parameters, "(&stu)", &disk, &bandwidth, &flags);
  if (!check_flags (call, flags, LV_BLOCK_JOB_BANDWIDTH_BYTES, "virDomainBlockJobSetSpeed"))
    return;
  if (!(flags & LV_BLOCK_JOB_BANDWIDTH_BYTES))
    {
      if (bandwidth > G_MAXUINT64 >> 20)
        {
          vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                              "bandwidth must be less than %" G_GUINT64_FORMAT,
                                              G_MAXUINT64 >> 20));
          return;
        }
      bandwidth <<= 20;
    }
  if (!(job = running_block_job (call, disk)))
    return;
  if (!vb_job_act (job, "set-bandwidth", bandwidth, &error))
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, NULL);
}

static void
block_job_ended (VbJob *job, gboolean success, const char *message, gpointer user_data)
{
  VbLvCall *call = user_data;
  guint flags;

  g_variant_get_child (call->parameters, 1, "u", &flags);
  g_signal_handlers_disconnect_by_data (job, call);
  /* A cancel ends the job "cancelled": what was asked. A pivot must
   * complete. */
  if (!(flags & LV_BLOCK_JOB_ABORT_PIVOT) || success)
    vb_lv_call_return (call, NULL);
  else
    vb_lv_call_fail (call,
                     vb_lv_error_new ("operation failed: %s", message ? message : "pivot failed"));
  g_object_unref (job);
}

void
vb_lv_domain_block_job_abort (VbLvCall *call)
{
  const char *disk;
  guint flags;
  GError *error = NULL;
  VbJob *job;
  gboolean done;

  g_variant_get (call->parameters, "(&su)", &disk, &flags);
  if (!check_flags (call, flags, LV_BLOCK_JOB_ABORT_ASYNC | LV_BLOCK_JOB_ABORT_PIVOT,
                    "virDomainBlockJobAbort")
      || !(job = running_block_job (call, disk)))
    return;
  done = flags & LV_BLOCK_JOB_ABORT_PIVOT ? vb_job_act (job, "pivot", 0, &error)
                                          : vb_job_cancel (job, &error);
  if (!done)
    {
      g_object_unref (job);
      vb_lv_call_fail (call, error);
      return;
    }
  /* Without ASYNC libvirt's call returns once the job is gone. */
  if ((flags & LV_BLOCK_JOB_ABORT_ASYNC) || vb_job_is_finished (job))
    {
      g_object_unref (job);
      vb_lv_call_return (call, NULL);
      return;
    }
  g_signal_connect (job, "completed", G_CALLBACK (block_job_ended), call);
}
