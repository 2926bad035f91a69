/* A long operation (migration, save, block copy, upload) with its progress.
 * The operation updates it; the Job D-Bus object mirrors it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VB_TYPE_JOB (vb_job_get_type ())
G_DECLARE_FINAL_TYPE (VbJob, vb_job, VB, JOB, GObject)

VbJob *vb_job_new (const char *operation, const char *object_path, gboolean cancelable);

guint vb_job_get_id (VbJob *self);
void vb_job_set_id (VbJob *self, guint id);
const char *vb_job_get_operation (VbJob *self);
const char *vb_job_get_object_path (VbJob *self);
const char *vb_job_get_phase (VbJob *self);
double vb_job_get_progress (VbJob *self);
guint64 vb_job_get_bytes_total (VbJob *self);
guint64 vb_job_get_bytes_processed (VbJob *self);
guint64 vb_job_get_rate (VbJob *self);
gint64 vb_job_get_start_time (VbJob *self);
gint64 vb_job_get_expected_end_time (VbJob *self);
gboolean vb_job_get_cancelable (VbJob *self);
/* a{sv}, never NULL. */
GVariant *vb_job_get_details (VbJob *self);
gboolean vb_job_is_finished (VbJob *self);
/* Milliseconds since the job started, or from its start to its end once it
 * has finished (libvirt's time_elapsed); a monotonic clock. */
guint64 vb_job_get_elapsed_ms (VbJob *self);

void vb_job_set_phase (VbJob *self, const char *phase);
void vb_job_set_cancelable (VbJob *self, gboolean cancelable);
/* Progress and the expected end follow from the bytes and the rate. */
void vb_job_set_bytes (VbJob *self, guint64 total, guint64 processed, guint64 rate);
/* Takes a floating or full reference of an a{sv}. */
void vb_job_set_details (VbJob *self, GVariant *details);

/* Cancelled by Job.Cancel(); the operation watches it. */
GCancellable *vb_job_get_cancellable (VbJob *self);
/* Fails with VB_ERROR_OPERATION_INVALID when not cancelable or finished. */
gboolean vb_job_cancel (VbJob *self, GError **error);

/* Operation specific requests on a running job (Job.Pivot: "pivot",
 * Job.SetBandwidth: "set-bandwidth" with bytes/s in @value). The operation
 * registers one handler; it answers FALSE with an error when it cannot. */
typedef gboolean (*VbJobActionFunc) (VbJob *job, const char *action, guint64 value,
                                     gpointer user_data, GError **error);
void vb_job_set_action_handler (VbJob *self, VbJobActionFunc handler, gpointer user_data,
                                GDestroyNotify destroy);
/* Fails with VB_ERROR_OPERATION_INVALID when finished, VB_ERROR_NOT_SUPPORTED
 * when the operation has no such request. */
gboolean vb_job_act (VbJob *self, const char *action, guint64 value, GError **error);

/* Ends the job: Phase becomes @final_phase (completed, failed, cancelled) and
 * "completed" is emitted once; without @success, @message is also the
 * "error" entry of Details. */
void vb_job_complete (VbJob *self, gboolean success, const char *final_phase,
                      const char *message);

G_END_DECLS
