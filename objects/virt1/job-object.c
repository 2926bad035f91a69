#include "job-object.h"

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "property-cache.h"

struct _VbJobObject {
  VbDBusJobSkeleton parent;
  VbJob *job;
};

static void job_iface_init (VbDBusJobIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbJobObject, vb_job_object, VB_DBUS_TYPE_JOB_SKELETON,
                               G_IMPLEMENT_INTERFACE (VB_DBUS_TYPE_JOB, job_iface_init))

static void
sync_properties (VbJobObject *self)
{
  VbDBusJob *iface = VB_DBUS_JOB (self);
  VbJob *job = self->job;
  gboolean new_phase = g_strcmp0 (vb_dbus_job_get_phase (iface), vb_job_get_phase (job)) != 0;

  vb_property_cache_invalidate (G_DBUS_INTERFACE_SKELETON (self));
  vb_dbus_job_set_operation (iface, vb_job_get_operation (job));
  vb_dbus_job_set_phase (iface, vb_job_get_phase (job));
  vb_dbus_job_set_progress (iface, vb_job_get_progress (job));
  vb_dbus_job_set_bytes_total (iface, vb_job_get_bytes_total (job));
  vb_dbus_job_set_bytes_processed (iface, vb_job_get_bytes_processed (job));
  vb_dbus_job_set_rate (iface, vb_job_get_rate (job));
  vb_dbus_job_set_start_time (iface, vb_job_get_start_time (job));
  vb_dbus_job_set_expected_end_time (iface, vb_job_get_expected_end_time (job));
  vb_dbus_job_set_object (iface, vb_job_get_object_path (job));
  vb_dbus_job_set_cancelable (iface, vb_job_get_cancelable (job));
  vb_dbus_job_set_details (iface, vb_job_get_details (job));
  /* Changes are sent from an idle, the last value of each property only: a
   * phase the next one follows within one main-loop turn (QEMU's
   * "wait-unplug" then "active") would never reach clients. Each phase is
   * sent as it begins. */
  if (new_phase)
    g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
}

static void
job_changed (VbJob *job, gpointer user_data)
{
  sync_properties (VB_JOB_OBJECT (user_data));
}

static void
job_completed (VbJob *job, gboolean success, const char *message, gpointer user_data)
{
  VbJobObject *self = user_data;

  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
  vb_dbus_job_emit_completed (VB_DBUS_JOB (self), success, message);
}

static gboolean
handle_cancel (VbDBusJob *iface, GDBusMethodInvocation *invocation)
{
  VbJobObject *self = VB_JOB_OBJECT (iface);
  GError *error = NULL;

  if (!vb_job_cancel (self->job, &error))
    vb_dbus_return_error (invocation, error);
  else
    vb_dbus_job_complete_cancel (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
act (VbDBusJob *iface, GDBusMethodInvocation *invocation, const char *action, guint64 value)
{
  VbJobObject *self = VB_JOB_OBJECT (iface);
  GError *error = NULL;

  if (!vb_job_act (self->job, action, value, &error))
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_pivot (VbDBusJob *iface, GDBusMethodInvocation *invocation)
{
  return act (iface, invocation, "pivot", 0);
}

static gboolean
handle_set_bandwidth (VbDBusJob *iface, GDBusMethodInvocation *invocation, guint64 bandwidth)
{
  return act (iface, invocation, "set-bandwidth", bandwidth);
}

static void
vb_job_object_dispose (GObject *object)
{
  VbJobObject *self = VB_JOB_OBJECT (object);

  if (self->job)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);
  G_OBJECT_CLASS (vb_job_object_parent_class)->dispose (object);
}

static void
vb_job_object_class_init (VbJobObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_job_object_dispose;
  vb_property_cache_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass));
  vb_dispatch_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass), NULL);
}

static void
vb_job_object_init (VbJobObject *self)
{
}

static void
job_iface_init (VbDBusJobIface *iface)
{
  iface->handle_cancel = handle_cancel;
  iface->handle_pivot = handle_pivot;
  iface->handle_set_bandwidth = handle_set_bandwidth;
}

VbJobObject *
vb_job_object_new (VbJob *job)
{
  VbJobObject *self = g_object_new (VB_TYPE_JOB_OBJECT, NULL);

  self->job = g_object_ref (job);
  sync_properties (self);
  g_signal_connect (job, "changed", G_CALLBACK (job_changed), self);
  g_signal_connect (job, "completed", G_CALLBACK (job_completed), self);
  return self;
}
