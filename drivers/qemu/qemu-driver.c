/* The QEMU driver's VbDomainDriver: what the contract's members map to,
 * the capability probe and its cache, and the domain operations that are one
 * QMP command. Starting, watching and ending QEMU is qemu-process.c;
 * statistics qemu-stats.c; displays qemu-graphics.c; each feature (migration, save, block copy,
 * snapshots, hotplug) its own file. */
#include "qemu-driver.h"

#include <string.h>

#include "qemu-actions.h"
#include "qemu-iotune.h"
#include "qemu-complete.h"
#include "qemu-block-copy.h"
#include "qemu-domain-private.h"
#include "qemu-domcaps.h"
#include "qemu-graphics.h"
#include "qemu-hotplug.h"
#include "qemu-migration.h"
#include "qemu-process.h"
#include "qemu-save.h"
#include "qemu-snapshot.h"
#include "qemu-stats.h"
#include "vb-error.h"
#include "vb-log.h"

static gboolean
handles_type (const char *type)
{
  return g_strcmp0 (type, "qemu") == 0 || g_strcmp0 (type, "kvm") == 0;
}

/* At define time: whatever the command builder refuses is refused now,
 * naming the element, rather than at the first Start. */
static gboolean
validate (VbDriverHost *host, const VbDomainDef *def, GError **error)
{
  g_autoptr (VbQemuCommand) command = vb_qemu_build_command (def, vb_qemu_driver.caps, TRUE, NULL, error);

  return command != NULL;
}

static char *
complete (VbDriverHost *host, const VbDomainDef *def, GError **error)
{
  return vb_qemu_complete_xml (def, vb_qemu_driver.caps, error);
}

/* ---- the other operations ---- */

static void
simple_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  VbDomain *domain = g_task_get_source_object (task);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  VbDomainOp op = GPOINTER_TO_INT (g_task_get_task_data (task));

  if (!reply)
    {
      if (qd)
        qd->own_stop = qd->own_resume = qd->fake_reboot = FALSE;
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  switch (op)
    {
    case VB_DOMAIN_OP_SHUTDOWN:
      if (qd && vb_domain_get_state (domain) != VB_DOMAIN_SHUTOFF)
        vb_qemu_set_state (qd, VB_DOMAIN_SHUTDOWN, "user");
      break;
    case VB_DOMAIN_OP_SUSPEND:
      if (qd)
        {
          qd->own_stop = FALSE;
          vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "user");
          vb_domain_emit_lifecycle (domain, "suspended", "paused");
        }
      break;
    case VB_DOMAIN_OP_RESUME:
      if (qd)
        {
          qd->own_resume = FALSE;
          vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "unpaused");
          vb_domain_emit_lifecycle (domain, "resumed", "unpaused");
        }
      break;
    case VB_DOMAIN_OP_RESET:
      /* A guest that crashed and was kept (on_crash preserve) now runs its
       * firmware again, stopped: libvirt calls that paused / crashed. */
      if (qd && vb_domain_get_state (domain) == VB_DOMAIN_CRASHED)
        vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "crashed");
      break;
    default:
      break;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
op_async (VbDriverHost *host, VbDomain *domain, VbDomainOp op, guint flags,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, cancellable, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (op == VB_DOMAIN_OP_START)
    {
      vb_qemu_process_start (domain, flags, task);
      return;
    }
  if (!qd || !qd->qmp || qd->gone)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "The QEMU of domain '%s' is not reachable",
                               vb_resource_get_name (VB_RESOURCE (domain)));
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, GINT_TO_POINTER (op), NULL);
  switch (op)
    {
    case VB_DOMAIN_OP_DESTROY:
      qd->stopping = STOP_DESTROY;
      g_ptr_array_add (qd->exit_waiters, task);
      vb_qemu_terminate (qd);
      return;
    case VB_DOMAIN_OP_SHUTDOWN:
      qd->shutdown_requested = TRUE;
      vb_qmp_client_execute_async (qd->qmp, "system_powerdown", NULL, -1, NULL, simple_reply, task);
      return;
    case VB_DOMAIN_OP_REBOOT:
      qd->fake_reboot = TRUE;
      vb_qmp_client_execute_async (qd->qmp, "system_powerdown", NULL, -1, NULL, simple_reply, task);
      return;
    case VB_DOMAIN_OP_SUSPEND:
      qd->own_stop = TRUE;
      vb_qmp_client_execute_async (qd->qmp, "stop", NULL, -1, NULL, simple_reply, task);
      return;
    case VB_DOMAIN_OP_RESUME:
      qd->own_resume = TRUE;
      vb_qmp_client_execute_async (qd->qmp, "cont", NULL, -1, NULL, simple_reply, task);
      return;
    case VB_DOMAIN_OP_RESET:
      /* A hard reset ends a Reboot() waiting for the guest's power-off, as
       * in libvirt. */
      qd->fake_reboot = FALSE;
      vb_qmp_client_execute_async (qd->qmp, "system_reset", NULL, -1, NULL, simple_reply, task);
      return;
    case VB_DOMAIN_OP_INJECT_NMI:
      vb_qmp_client_execute_async (qd->qmp, "inject-nmi", NULL, -1, NULL, simple_reply, task);
      return;
    case VB_DOMAIN_OP_PM_WAKEUP:
      /* QEMU's WAKEUP event reports it (started / wakeup). */
      vb_qmp_client_execute_async (qd->qmp, "system_wakeup", NULL, -1, NULL, simple_reply, task);
      return;
    case VB_DOMAIN_OP_START:
      break;
    }
  g_assert_not_reached ();
}

static gboolean
op_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
domain_removed (VbDriverHost *host, VbDomain *domain)
{
  vb_resource_set_driver_data (VB_RESOURCE (domain), NULL, NULL);
}

/* ---- console ---- */

static int
open_console (VbDriverHost *host, VbDomain *domain, guint flags, GError **error)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (flags & ~VB_CONSOLE_FORCE)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "Unsupported flags 0x%x", flags);
      return -1;
    }
  if (!qd || qd->gone || !qd->status)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is not running",
                   vb_resource_get_name (VB_RESOURCE (domain)));
      return -1;
    }
  if (!qd->status->console_path)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Domain '%s' has no serial console (<serial type='pty'>)",
                   vb_resource_get_name (VB_RESOURCE (domain)));
      return -1;
    }
  return vb_console_open (&qd->console, qd->status->console_path, flags & VB_CONSOLE_FORCE,
                          error);
}

/* ---- capabilities ---- */

static char *
capabilities_xml (VbDriverHost *host)
{
  g_autofree char *guest = vb_qemu_driver.caps ? vb_qemu_caps_format_xml (vb_qemu_driver.caps) : NULL;
  g_auto (GStrv) lines = NULL;
  GString *indented;

  if (!guest)
    return NULL;
  /* Inside <capabilities>: two more spaces for every line. */
  lines = g_strsplit (guest, "\n", -1);
  indented = g_string_new (NULL);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i])
      g_string_append_printf (indented, "  %s\n", lines[i]);
  return g_string_free (indented, FALSE);
}

static void
caps_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr (VbQemuCaps) caps = vb_qemu_get_caps_finish (result, NULL);

  /* A failed probe leaves the QEMU part out; the rest of the document stands. */
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
ready_async (VbDriverHost *host, GAsyncReadyCallback callback, gpointer user_data)
{
  vb_qemu_get_caps_async (caps_ready, g_task_new (NULL, NULL, callback, user_data));
}

static void
ready_finish (GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

/* The capabilities, once probed, stay. */
static gboolean
is_ready (VbDriverHost *host)
{
  return vb_qemu_driver.caps != NULL;
}

static void
init (VbDriverHost *host)
{
  vb_qemu_driver.host = host;
  /* Probed now, so the first Start does not wait for it. */
  vb_qemu_probe_caps ();
}

const VbDomainDriver vb_qemu_domain_driver = {
  .name = "qemu",
  .outlives_service = TRUE,
  .init = init,
  .handles_type = handles_type,
  .validate = validate,
  .complete = complete,
  .op_async = op_async,
  .op_finish = op_finish,
  .domain_loaded = vb_qemu_process_domain_loaded,
  .domain_removed = domain_removed,
  .adopt_running = vb_qemu_process_adopt_running,
  .open_console = open_console,
  .open_graphics_async = vb_qemu_open_graphics_async,
  .open_graphics_finish = vb_qemu_open_graphics_finish,
  .get_stats_async = vb_qemu_get_stats_async,
  .get_stats_finish = vb_qemu_get_stats_finish,
  .capabilities_xml = capabilities_xml,
  .ready_async = ready_async,
  .is_ready = is_ready,
  .ready_finish = ready_finish,
  .migrate_prepare_async = vb_qemu_migrate_prepare_async,
  .migrate_prepare_finish = vb_qemu_migrate_prepare_finish,
  .migrate_perform_async = vb_qemu_migrate_perform_async,
  .migrate_perform_finish = vb_qemu_migrate_perform_finish,
  .migrate_finish_async = vb_qemu_migrate_finish_async,
  .migrate_finish_finish = vb_qemu_migrate_finish_finish,
  .migrate_confirm = vb_qemu_migrate_confirm,
  .migrate_control = vb_qemu_migrate_control,
  /* save and restore */
  .save_async = vb_qemu_save_async,
  .save_finish = vb_qemu_save_finish,
  .save_end_async = vb_qemu_save_end_async,
  .save_end_finish = vb_qemu_save_end_finish,
  .restore_async = vb_qemu_restore_async,
  .restore_finish = vb_qemu_restore_finish,

  /* block copy */
  .block_copy_async = vb_qemu_block_copy_async,
  .block_copy_finish = vb_qemu_block_copy_finish,

  /* snapshots */
  .snapshot_create_async = vb_qemu_snapshot_create_async,
  .snapshot_create_finish = vb_qemu_snapshot_finish,
  .snapshot_revert_async = vb_qemu_snapshot_revert_async,
  .snapshot_revert_finish = vb_qemu_snapshot_finish,
  .snapshot_delete_async = vb_qemu_snapshot_delete_async,
  .snapshot_delete_finish = vb_qemu_snapshot_finish,

  /* hotplug */
  .attach_device_async = vb_qemu_attach_device_async,
  .attach_device_finish = vb_qemu_attach_device_finish,
  .detach_device_async = vb_qemu_detach_device_async,
  .detach_device_finish = vb_qemu_detach_device_finish,
  .interface_device = vb_qemu_interface_device,

  /* domain capabilities */
  .domain_capabilities_async = vb_qemu_domain_capabilities_async,
  .domain_capabilities_finish = vb_qemu_domain_capabilities_finish,

  /* domain actions */
  .send_key_async = vb_qemu_send_key_async,
  .send_key_finish = vb_qemu_send_key_finish,
  .set_memory_async = vb_qemu_set_memory_async,
  .set_memory_finish = vb_qemu_set_memory_finish,
  .set_vcpus_async = vb_qemu_set_vcpus_async,
  .set_vcpus_finish = vb_qemu_set_vcpus_finish,
  .change_media_async = vb_qemu_change_media_async,
  .change_media_finish = vb_qemu_change_media_finish,
  .update_virtio_mem_async = vb_qemu_update_virtio_mem_async,
  .update_virtio_mem_finish = vb_qemu_update_virtio_mem_finish,
  .set_block_iotune_async = vb_qemu_set_block_iotune_async,
  .set_block_iotune_finish = vb_qemu_set_block_iotune_finish,
  .get_block_iotune_async = vb_qemu_get_block_iotune_async,
  .get_block_iotune_finish = vb_qemu_get_block_iotune_finish,
};
