/* Simulated domains: every operation completes on the next main loop
 * iteration; a shutdown takes a short while, as a guest would. */
#include "test-driver.h"

#include "vb-error.h"

#define SIMULATED_SHUTDOWN_MS 50

static gboolean
handles_type (const char *type)
{
  return g_strcmp0 (type, "test") == 0;
}

static void
set_stopped (VbDomain *domain, const char *reason)
{
  vb_domain_set_state (domain, VB_DOMAIN_SHUTOFF, reason, -1);
  vb_test_clock_note (domain);
  vb_domain_set_live_def (domain, NULL);
  vb_domain_emit_lifecycle (domain, "stopped", reason);
}

static gboolean
guest_powered_off (gpointer user_data)
{
  VbDomain *domain = user_data;

  /* Destroyed or restarted meanwhile: the guest's shutdown no longer applies. */
  if (vb_domain_get_state (domain) != VB_DOMAIN_SHUTDOWN)
    return G_SOURCE_REMOVE;
  vb_domain_emit_lifecycle (domain, "shutdown", "finished");
  set_stopped (domain, "shutdown");
  return G_SOURCE_REMOVE;
}

static void
op_async (VbDriverHost *host, VbDomain *domain, VbDomainOp op, guint flags,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, cancellable, callback, user_data);

  switch (op)
    {
    case VB_DOMAIN_OP_START:
      if (flags & VB_DOMAIN_START_PAUSED)
        {
          vb_domain_set_state (domain, VB_DOMAIN_PAUSED, "user", vb_driver_host_next_domain_id (host));
          vb_domain_emit_lifecycle (domain, "started", "booted");
          vb_domain_emit_lifecycle (domain, "suspended", "paused");
        }
      else
        {
          vb_domain_set_state (domain, VB_DOMAIN_RUNNING, "booted", vb_driver_host_next_domain_id (host));
          vb_domain_emit_lifecycle (domain, "started", "booted");
        }
      break;
    case VB_DOMAIN_OP_SHUTDOWN:
      vb_domain_set_state (domain, VB_DOMAIN_SHUTDOWN, "user", vb_domain_get_id (domain));
      g_timeout_add_full (G_PRIORITY_DEFAULT, SIMULATED_SHUTDOWN_MS, guest_powered_off,
                          g_object_ref (domain), g_object_unref);
      break;
    case VB_DOMAIN_OP_DESTROY:
      set_stopped (domain, "destroyed");
      break;
    case VB_DOMAIN_OP_REBOOT:
      /* A simulated guest reboots at once and keeps running. */
      vb_domain_set_state (domain, VB_DOMAIN_RUNNING, "booted", vb_domain_get_id (domain));
      break;
    case VB_DOMAIN_OP_SUSPEND:
      vb_domain_set_state (domain, VB_DOMAIN_PAUSED, "user", vb_domain_get_id (domain));
      vb_domain_emit_lifecycle (domain, "suspended", "paused");
      break;
    case VB_DOMAIN_OP_RESUME:
      vb_domain_set_state (domain, VB_DOMAIN_RUNNING, "unpaused", vb_domain_get_id (domain));
      vb_domain_emit_lifecycle (domain, "resumed", "unpaused");
      break;
    case VB_DOMAIN_OP_PM_WAKEUP: /* its guests never suspend: refused before */
    case VB_DOMAIN_OP_RESET:
    case VB_DOMAIN_OP_INJECT_NMI:
      /* A simulated guest has no CPUs to reset or interrupt: as in libvirt,
       * neither changes the state nor has a lifecycle event. */
      break;
    }
  vb_test_clock_note (domain);
  g_task_return_boolean (task, TRUE);
}

static gboolean
op_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static char *
capabilities_xml (VbDriverHost *host)
{
  return g_strdup ("  <guest>\n"
                   "    <os_type>hvm</os_type>\n"
                   "    <arch name='x86_64'>\n"
                   "      <wordsize>64</wordsize>\n"
                   "      <domain type='test'/>\n"
                   "    </arch>\n"
                   "  </guest>\n");
}

/* ---- snapshots: metadata only, as simulated guests have no images ---- */

static void
snapshot_create_async (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);

  if (vb_snapshot_def_is_external (def))
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "The test driver has no disk images for external snapshots");
  else
    g_task_return_boolean (task, TRUE);
}

static void
snapshot_revert_async (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                       gboolean run, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);

  /* With memory the generic layer started the domain paused; set it as asked. */
  if (vb_domain_is_active (domain))
    {
      vb_domain_set_state (domain, run ? VB_DOMAIN_RUNNING : VB_DOMAIN_PAUSED, "from-snapshot",
                           vb_domain_get_id (domain));
      vb_domain_emit_lifecycle (domain, run ? "resumed" : "suspended", "from-snapshot");
      vb_test_clock_note (domain);
    }
  g_task_return_boolean (task, TRUE);
}

static void
snapshot_delete_async (VbDriverHost *host, VbDomain *domain, const VbSnapshotDef *def,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);

  g_task_return_boolean (task, TRUE);
}

const VbDomainDriver vb_test_domain_driver = {
  .name = "test",
  .handles_type = handles_type,
  .validate = vb_test_validate,
  .complete = vb_test_complete,
  .op_async = op_async,
  .op_finish = op_finish,
  .capabilities_xml = capabilities_xml,
  .snapshot_create_async = snapshot_create_async,
  .snapshot_create_finish = op_finish,
  .snapshot_revert_async = snapshot_revert_async,
  .snapshot_revert_finish = op_finish,
  .snapshot_delete_async = snapshot_delete_async,
  .snapshot_delete_finish = op_finish,
  .attach_device_async = vb_test_attach_device_async,
  .attach_device_finish = vb_test_device_finish,
  .detach_device_async = vb_test_detach_device_async,
  .detach_device_finish = vb_test_device_finish,
  .get_stats_async = vb_test_get_stats_async,
  .get_stats_finish = vb_test_get_stats_finish,
  .interface_device = vb_test_interface_device,
  .domain_capabilities_async = vb_test_domain_capabilities_async,
  .domain_capabilities_finish = vb_test_domain_capabilities_finish,
  /* domain actions */
  .send_key_async = vb_test_send_key_async,
  .send_key_finish = vb_test_send_key_finish,
  .set_memory_async = vb_test_set_memory_async,
  .set_memory_finish = vb_test_set_memory_finish,
  .set_block_iotune_async = vb_test_set_block_iotune_async,
  .set_block_iotune_finish = vb_test_set_block_iotune_finish,
  .set_vcpus_async = vb_test_set_vcpus_async,
  .set_vcpus_finish = vb_test_set_vcpus_finish,
  .change_media_async = vb_test_change_media_async,
  .change_media_finish = vb_test_change_media_finish,
};
