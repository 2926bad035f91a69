#include "qemu-domain.h"
#include "qemu-domain-private.h"
#include "qemu-migration.h"
#include "qemu-block-copy.h"
#include "qemu-snapshot.h"
#include "qemu-save.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config-store.h"
#include "qemu-caps.h"
#include "qemu-command.h"
#include "qemu-console.h"
#include "qemu-status.h"
#include "qemu-hotplug.h"
#include "qemu-tap.h"
#include "qmp-client.h"
#include "vb-config.h"
#include "vb-error.h"
#include "vb-files.h"
#include "xml-schema.h"
#include "vb-log.h"

#define MONITOR_WAIT_MS 15000
#define DESTROY_GRACE_MS 3000
#define LOG_TAIL_BYTES 2000

QemuDriver vb_qemu_driver;

/* ---- the driver's own state ---- */

const char *
vb_qemu_log_name (VbDomain *domain)
{
  return vb_resource_get_log_name (VB_RESOURCE (domain));
}

QemuDomain *
vb_qemu_domain_of (VbDomain *domain)
{
  return vb_resource_get_driver_data (VB_RESOURCE (domain));
}

static char *
qemu_run_dir (void)
{
  return g_build_filename (vb_driver_host_get_run_dir (vb_qemu_driver.host), "qemu", NULL);
}

static char *
domain_dir (const char *uuid)
{
  g_autofree char *base = qemu_run_dir ();
  return g_build_filename (base, uuid, NULL);
}

static const char *
qemu_binary (void)
{
  const char *binary = vb_driver_host_get_setting (vb_qemu_driver.host, "qemu-binary");
  return binary ? binary : VB_QEMU_BINARY;
}

static void
qemu_domain_free (QemuDomain *qd)
{
  if (qd->pidfd_watch)
    g_source_remove (qd->pidfd_watch);
  if (qd->kill_timeout)
    g_source_remove (qd->kill_timeout);
  if (qd->pidfd >= 0)
    close (qd->pidfd);
  vb_console_close (&qd->console);
  vb_qemu_hotplug_free (qd);
  if (qd->qmp)
    {
      g_signal_handlers_disconnect_by_data (qd->qmp, qd);
      vb_qmp_client_close (qd->qmp);
      g_object_unref (qd->qmp);
    }
  g_clear_object (&qd->process);
  g_clear_pointer (&qd->exit_waiters, g_ptr_array_unref);
  if (qd->migration_poll)
    g_source_remove (qd->migration_poll);
  g_free (qd->migration_status);
  vb_qemu_status_free (qd->status);
  g_free (qd->dir);
  g_free (qd->status_path);
  g_free (qd->log_path);
  g_free (qd);
}

static QemuDomain *
qemu_domain_new (VbDomain *domain)
{
  QemuDomain *qd = g_new0 (QemuDomain, 1);
  const char *uuid = vb_resource_get_uuid (VB_RESOURCE (domain));

  qd->domain = domain;
  qd->dir = domain_dir (uuid);
  qd->status_path = g_build_filename (qd->dir, "status.json", NULL);
  qd->log_path = g_build_filename (qd->dir, "qemu.log", NULL);
  qd->pidfd = -1;
  qd->exit_waiters = g_ptr_array_new ();
  return qd;
}

/* ---- capabilities ---- */

static void
caps_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&vb_qemu_driver.caps_waiters);

  vb_qemu_driver.caps = vb_qemu_caps_get_finish (result, &vb_qemu_driver.caps_error);
  if (vb_qemu_driver.caps)
    vb_log_info (NULL, "QEMU %s at %s: KVM %s%s%s", vb_qemu_driver.caps->version,
                 vb_qemu_driver.caps->binary, vb_qemu_driver.caps->kvm_usable ? "usable" : "not usable",
                 vb_qemu_driver.caps->kvm_usable ? "" : ": ",
                 vb_qemu_driver.caps->kvm_usable ? "" : vb_qemu_driver.caps->kvm_why);
  else
    vb_log_warning (NULL, "Cannot probe QEMU: %s", vb_qemu_driver.caps_error->message);
  for (guint i = 0; waiters && i < waiters->len; i++)
    {
      GTask *task = waiters->pdata[i];
      if (vb_qemu_driver.caps)
        g_task_return_pointer (task, vb_qemu_caps_ref (vb_qemu_driver.caps),
                               (GDestroyNotify) vb_qemu_caps_unref);
      else
        g_task_return_error (task, g_error_copy (vb_qemu_driver.caps_error));
      g_object_unref (task);
    }
}

static void
probe_caps (void)
{
  const char *base = vb_driver_host_get_setting (vb_qemu_driver.host, "cache-dir");
  g_autofree char *cache = base ? g_build_filename (base, "qemu-caps", NULL)
                                : g_build_filename (vb_driver_host_get_state_dir (vb_qemu_driver.host),
                                                    "qemu-caps", NULL);

  vb_qemu_driver.caps_waiters = g_ptr_array_new ();
  g_clear_error (&vb_qemu_driver.caps_error);
  vb_qemu_caps_get_async (qemu_binary (), cache, NULL, caps_probed, NULL);
}

/* The capabilities, probed once; a failed probe is tried again next time. */
static void
get_caps_async (GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  if (vb_qemu_driver.caps)
    {
      g_task_return_pointer (task, vb_qemu_caps_ref (vb_qemu_driver.caps),
                             (GDestroyNotify) vb_qemu_caps_unref);
      g_object_unref (task);
      return;
    }
  if (!vb_qemu_driver.caps_waiters)
    probe_caps ();
  g_ptr_array_add (vb_qemu_driver.caps_waiters, task);
}

static VbQemuCaps *
get_caps_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the command line ---- */

static char *
network_bridge (const char *network, gpointer data, GError **error)
{
  VbInventory *inventory = vb_driver_host_get_inventory (vb_qemu_driver.host);
  VbResource *found = vb_inventory_lookup_name (inventory, VB_TYPE_NETWORK, network);

  if (!found)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No network named '%s'", network);
      return NULL;
    }
  if (!vb_network_get_active (VB_NETWORK (found)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Network '%s' is not active",
                   network);
      return NULL;
    }
  return g_strdup (vb_network_get_bridge (VB_NETWORK (found)));
}

static char *
volume_path (const char *pool, const char *volume, char **format, gpointer data, GError **error)
{
  VbInventory *inventory = vb_driver_host_get_inventory (vb_qemu_driver.host);
  VbResource *found = vb_inventory_lookup_name (inventory, VB_TYPE_POOL, pool);
  VbVolume *vol;

  if (!found)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No storage pool named '%s'", pool);
      return NULL;
    }
  if (!vb_pool_get_active (VB_POOL (found)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Storage pool '%s' is not active",
                   pool);
      return NULL;
    }
  vol = vb_pool_lookup_volume (VB_POOL (found), volume);
  if (!vol)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "Storage pool '%s' has no volume '%s'",
                   pool, volume);
      return NULL;
    }
  *format = g_strdup (vb_volume_get_format (vol));
  return g_strdup (vb_volume_get_path (vol));
}

static GStrv
machine_names (VbQemuCaps *caps)
{
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; caps && i < caps->machines->len; i++)
    {
      VbQemuMachine *machine = caps->machines->pdata[i];
      g_ptr_array_add (names, g_strdup (machine->name));
      if (machine->alias)
        g_ptr_array_add (names, g_strdup (machine->alias));
    }
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

static VbQemuCommand *
build_command (const VbDomainDef *def, VbQemuCaps *caps, gboolean dry_run, GError **error)
{
  g_autofree char *dir = domain_dir (def->uuid);
  g_autofree char *nvram = g_build_filename (vb_driver_host_get_state_dir (vb_qemu_driver.host),
                                             "qemu", "nvram", NULL);
  g_auto (GStrv) machines = caps ? machine_names (caps) : NULL;
  VbQemuCommandContext context = {
    .qemu_binary = qemu_binary (),
    .domain_dir = dir,
    .nvram_dir = nvram,
    .kvm = g_strcmp0 (def->type, "kvm") == 0,
    .machines = (const char *const *) machines,
    .spice = TRUE,
    .virtio_net_failover = caps ? caps->virtio_net_failover : TRUE,
    .network_bridge = network_bridge,
    .volume_path = volume_path,
    .dry_run = dry_run,
  };

  return vb_qemu_command_build (def, &context, error);
}

/* hotplug: a device plugged in later names networks and volumes as the
 * command line does. */
void
vb_qemu_context_resolvers (VbQemuCommandContext *context)
{
  context->network_bridge = network_bridge;
  context->volume_path = volume_path;
}

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
  g_autoptr (VbQemuCommand) command = build_command (def, vb_qemu_driver.caps, TRUE, error);

  return command != NULL;
}

/* ---- status file ---- */

static void
status_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *name = user_data;
  g_autoptr (GError) error = NULL;

  if (!vb_config_store_finish (vb_driver_host_get_store (vb_qemu_driver.host), result, &error))
    vb_log_warning (name, "cannot record its runtime status: %s", error->message);
}

/* Records the state a restarted service needs, off the main loop. */
void
vb_qemu_save_status (QemuDomain *qd)
{
  VbQemuStatus *status = qd->status;
  g_autofree char *json = NULL;

  if (!status || qd->gone)
    return;
  g_free (status->state);
  status->state = g_strdup (vb_domain_state_to_string (vb_domain_get_state (qd->domain)));
  g_free (status->reason);
  status->reason = g_strdup (vb_domain_get_state_reason (qd->domain));
  status->id = vb_domain_get_id (qd->domain);
  status->persistent = vb_resource_get_persistent (VB_RESOURCE (qd->domain));
  json = vb_qemu_status_to_json (status);
  /* The store's one writer keeps successive states in order. */
  vb_config_store_write_file_async (vb_driver_host_get_store (vb_qemu_driver.host), qd->status_path,
                                    json, status_written, g_strdup (vb_qemu_log_name (qd->domain)));
}

void
vb_qemu_set_state (QemuDomain *qd, VbDomainState state, const char *reason)
{
  vb_domain_set_state (qd->domain, state, reason, vb_domain_get_id (qd->domain));
  vb_qemu_save_status (qd);
}

/* ---- the end of a QEMU ---- */

/* What QEMU itself wrote to its log from @offset on (our header comes before). */
static char *
log_tail (const char *path, gsize offset)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  char *own;

  if (!g_file_get_contents (path, &contents, &length, NULL) || length <= offset)
    return g_strdup ("(QEMU wrote nothing)");
  own = g_strstrip (contents + offset);
  if (!*own)
    return g_strdup ("(QEMU wrote nothing)");
  if (strlen (own) > LOG_TAIL_BYTES)
    return g_strdup (own + strlen (own) - LOG_TAIL_BYTES);
  return g_strdup (own);
}

/* QEMU is gone, for whatever reason: the domain is shut off. */
static void
process_gone (QemuDomain *qd)
{
  VbDomain *domain = qd->domain;
  g_autoptr (VbDomain) held = g_object_ref (domain);
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&qd->exit_waiters);
  const char *reason;

  if (qd->gone)
    return;
  qd->gone = TRUE;
  /* The start sees it and fails, with QEMU's log still in place to quote:
   * a start that never finished ends as stopped/failed, not crashed. */
  if (qd->starting)
    {
      qd->exit_waiters = g_steal_pointer (&waiters);
      return;
    }
  reason = qd->stopping == STOP_DESTROY    ? "destroyed"
           : qd->stopping == STOP_SHUTDOWN ? "shutdown"
           : qd->stopping == STOP_MIGRATED ? "migrated"
           : qd->stopping == STOP_SAVED    ? "saved"
           : qd->stopping == STOP_FAILED || qd->incoming ? "failed"
                                           : "crashed";
  vb_log_message (vb_qemu_log_name (domain), "QEMU (pid %d) ended: %s", qd->pid, reason);
  if (qd->migration)
    {
      GTask *migration = g_steal_pointer (&qd->migration);
      g_task_return_new_error (migration, VB_ERROR, VB_ERROR_FAILED,
                               "QEMU ended during the migration");
      g_object_unref (migration);
    }
  vb_qemu_block_copy_gone (qd);
  vb_qemu_save_process_gone (qd);
  g_unlink (qd->status_path);
  /* The log stays beside the run directory's other logs for a post mortem. */
  {
    g_autofree char *base = qemu_run_dir ();
    g_autofree char *name = g_strdup_printf ("%s.log", vb_resource_get_uuid (VB_RESOURCE (domain)));
    g_autofree char *kept = g_build_filename (base, name, NULL);
    g_rename (qd->log_path, kept);
  }
  vb_remove_flat_dir (qd->dir);

  /* Drops qd: nothing of it is used below. */
  vb_resource_set_driver_data (VB_RESOURCE (domain), NULL, NULL);
  vb_domain_set_state (domain, VB_DOMAIN_SHUTOFF, reason, -1);
  vb_domain_set_live_def (domain, NULL);
  vb_domain_emit_lifecycle (domain, "stopped", reason);

  for (guint i = 0; waiters && i < waiters->len; i++)
    {
      g_task_return_boolean (waiters->pdata[i], TRUE);
      g_object_unref (waiters->pdata[i]);
    }
}

static void
free_domain_data (gpointer data)
{
  qemu_domain_free (data);
}

static gboolean
pidfd_ready (int fd, GIOCondition condition, gpointer user_data)
{
  QemuDomain *qd = user_data;

  qd->pidfd_watch = 0;
  process_gone (qd);
  return G_SOURCE_REMOVE;
}

static void
child_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  /* The domain may have gone on (a new QEMU) while this one was reaped. */
  if (qd && qd->process == G_SUBPROCESS (source))
    process_gone (qd);
  g_object_unref (domain);
}

/* Watches the process without being its parent (after a restart): a pidfd
 * becomes readable when it ends, so nothing polls. */
static gboolean
watch_pid (QemuDomain *qd, GError **error)
{
  qd->pidfd = (int) syscall (SYS_pidfd_open, qd->pid, 0);
  if (qd->pidfd < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "pidfd_open(%d): %s", qd->pid,
                   g_strerror (errno));
      return FALSE;
    }
  qd->pidfd_watch = g_unix_fd_add (qd->pidfd, G_IO_IN, pidfd_ready, qd);
  return TRUE;
}

static gboolean
force_kill (gpointer user_data)
{
  QemuDomain *qd = user_data;

  qd->kill_timeout = 0;
  vb_log_message (vb_qemu_log_name (qd->domain), "QEMU did not end on SIGTERM: killing it");
  kill (qd->pid, SIGKILL);
  return G_SOURCE_REMOVE;
}

void
vb_qemu_terminate (QemuDomain *qd)
{
  kill (qd->pid, SIGTERM);
  if (!qd->kill_timeout)
    qd->kill_timeout = g_timeout_add (DESTROY_GRACE_MS, force_kill, qd);
}

/* ---- QMP events ---- */

static void
command_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *what = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    vb_log_warning (NULL, "%s failed: %s", what, error->message);
}

void
vb_qemu_execute_logged (QemuDomain *qd, const char *command, JsonObject *args)
{
  g_autofree char *what = g_strdup_printf ("%s: %s", vb_qemu_log_name (qd->domain), command);

  if (qd->qmp)
    vb_qmp_client_execute_async (qd->qmp, command, args, -1, NULL, command_done,
                                 g_steal_pointer (&what));
  if (args)
    json_object_unref (args);
}

void
vb_qemu_send_command (QemuDomain *qd, const char *command)
{
  vb_qemu_execute_logged (qd, command, NULL);
}

static char *
on_crash_action (QemuDomain *qd)
{
  const VbDomainDef *def = vb_domain_get_live_def (qd->domain);
  g_autofree char *xml = NULL;
  const char *start, *end;

  if (!def)
    return g_strdup ("destroy");
  start = strstr (def->xml, "<on_crash>");
  if (!start)
    return g_strdup ("destroy");
  start += strlen ("<on_crash>");
  end = strstr (start, "</on_crash>");
  return end ? g_strndup (start, end - start) : g_strdup ("destroy");
}

static void
on_event (VbQmpClient *client, const char *name, JsonObject *data, gint64 timestamp,
          gpointer user_data)
{
  QemuDomain *qd = user_data;
  VbDomain *domain = qd->domain;
  VbDomainState state = vb_domain_get_state (domain);

  vb_log_debug (vb_qemu_log_name (domain), "QMP event %s", name);
  if (vb_qemu_migration_event (qd, name, data))
    return;
  /* save and restore */
  if (vb_qemu_save_event (qd, name, data))
    return;

  /* block copy */
  if (vb_qemu_block_copy_event (qd, name, data))
    return;

  /* snapshots */
  if (vb_qemu_snapshot_event (qd, name, data))
    return;

  /* hotplug */
  if (vb_qemu_hotplug_event (qd, name, data))
    return;

  if (g_str_equal (name, "SHUTDOWN"))
    {
      /* Our own SIGTERM (Destroy, a crash) also reads as a shutdown: not the guest's. */
      if (qd->stopping != STOP_NONE && qd->stopping != STOP_SHUTDOWN)
        return;
      if (qd->fake_reboot)
        {
          /* Reboot(): the guest powered off when asked; start it again. */
          qd->fake_reboot = FALSE;
          qd->rebooting = TRUE;
          vb_qemu_send_command (qd, "system_reset");
          qd->own_resume = TRUE;
          vb_qemu_send_command (qd, "cont");
          return;
        }
      qd->stopping = STOP_SHUTDOWN;
      vb_qemu_set_state (qd, VB_DOMAIN_SHUTDOWN, qd->shutdown_requested ? "user" : "unknown");
      /* Who ended it: the guest itself (its power-off, or ours via ACPI) or the host. */
      vb_domain_emit_lifecycle (domain, "shutdown", "finished");
      vb_domain_emit_lifecycle (domain, "shutdown",
                                vb_qmp_member_bool (data, "guest", TRUE) ? "guest" : "host");
      /* -no-shutdown left QEMU stopped: end it, the exit completes the shutdown. */
      vb_qemu_send_command (qd, "quit");
    }
  else if (g_str_equal (name, "BLOCK_IO_ERROR"))
    {
      /* With werror/rerror=stop, QEMU stops the guest right after telling why. */
      if (g_strcmp0 (vb_qmp_member_string (data, "action"), "stop") == 0)
        qd->pause_reason = "ioerror";
    }
  else if (g_str_equal (name, "WATCHDOG"))
    {
      if (g_strcmp0 (vb_qmp_member_string (data, "action"), "pause") == 0)
        qd->pause_reason = "watchdog";
    }
  else if (g_str_equal (name, "STOP"))
    {
      const char *reason = qd->pause_reason;

      qd->pause_reason = NULL;
      /* -no-shutdown pauses QEMU at a power-off: during a reboot that is no pause. */
      if (qd->own_stop || qd->rebooting || qd->stopping != STOP_NONE
          || state == VB_DOMAIN_SHUTDOWN)
        return;
      vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, reason ? reason : "unknown");
      vb_domain_emit_lifecycle (domain, "suspended", reason ? reason : "paused");
    }
  else if (g_str_equal (name, "RESUME"))
    {
      if (qd->own_resume)
        {
          qd->own_resume = FALSE;
          qd->rebooting = FALSE;
          if (state != VB_DOMAIN_RUNNING)
            vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "booted");
          return;
        }
      if (state == VB_DOMAIN_RUNNING)
        return;
      vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "unpaused");
      vb_domain_emit_lifecycle (domain, "resumed", "unpaused");
    }
  else if (g_str_equal (name, "GUEST_PANICKED"))
    {
      g_autofree char *action = on_crash_action (qd);

      vb_qemu_set_state (qd, VB_DOMAIN_CRASHED, "panicked");
      vb_domain_emit_lifecycle (domain, "crashed", "panicked");
      if (!g_str_equal (action, "preserve"))
        {
          qd->stopping = STOP_CRASH;
          vb_qemu_terminate (qd);
        }
    }
  else if (g_str_equal (name, "GUEST_CRASHLOADED"))
    {
      /* The guest's crash kernel took over: it still runs. */
      vb_domain_emit_lifecycle (domain, "crashed", "crashloaded");
    }
  else if (g_str_equal (name, "SUSPEND") || g_str_equal (name, "SUSPEND_DISK"))
    {
      vb_qemu_set_state (qd, VB_DOMAIN_PMSUSPENDED, "unknown");
      vb_domain_emit_lifecycle (domain, "pmsuspended",
                                g_str_equal (name, "SUSPEND") ? "memory" : "disk");
    }
  else if (g_str_equal (name, "WAKEUP"))
    {
      vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "wakeup");
      vb_domain_emit_lifecycle (domain, "started", "wakeup");
    }
  /* RESET, POWERDOWN and the rest need no state change. */
}

static void
on_qmp_closed (VbQmpClient *client, GError *why, gpointer user_data)
{
  QemuDomain *qd = user_data;

  /* The process watch tells when QEMU ends; the monitor closing first is normal. */
  vb_log_debug (vb_qemu_log_name (qd->domain), "monitor closed: %s", why ? why->message : "");
}

static void
attach_monitor (QemuDomain *qd, VbQmpClient *qmp)
{
  qd->qmp = qmp;
  vb_qmp_client_set_log_object (qmp, vb_qemu_log_name (qd->domain));
  g_signal_connect (qmp, "event", G_CALLBACK (on_event), qd);
  g_signal_connect (qmp, "closed", G_CALLBACK (on_qmp_closed), qd);
}

/* ---- start ---- */

typedef struct {
  VbDomain *domain;
  guint flags;
  gboolean incoming; /* wait for a migration (-incoming defer) instead of booting */
  VbQemuCaps *caps;
  VbQemuCommand *command;
  gint64 monitor_deadline;
  GArray *tap_fds;
} StartData;

static void
start_data_free (StartData *data)
{
  for (guint i = 0; data->tap_fds && i < data->tap_fds->len; i++)
    close (g_array_index (data->tap_fds, int, i));
  g_clear_pointer (&data->tap_fds, g_array_unref);
  g_clear_pointer (&data->caps, vb_qemu_caps_unref);
  g_clear_pointer (&data->command, vb_qemu_command_free);
  g_object_unref (data->domain);
  g_free (data);
}

/* A start that failed: end QEMU if it was spawned, keep its log's words. */
static void
start_failed (GTask *task, GError *error)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  gboolean spawned = qd && qd->process;
  g_autofree char *tail = spawned ? log_tail (qd->log_path, qd->log_offset) : NULL;

  if (qd)
    {
      if (spawned && !qd->gone && qd->pid > 0)
        {
          qd->gone = TRUE; /* its exit is this failure, not a second event */
          kill (qd->pid, SIGKILL);
        }
      vb_remove_flat_dir (qd->dir);
      vb_resource_set_driver_data (VB_RESOURCE (data->domain), NULL, NULL);
    }
  vb_domain_set_state (data->domain, VB_DOMAIN_SHUTOFF, "failed", -1);
  vb_domain_set_live_def (data->domain, NULL);
  if (spawned)
    vb_domain_emit_lifecycle (data->domain, "stopped", "failed");
  if (tail)
    {
      /* What QEMU said is what the user needs to fix the XML or the host. */
      g_autofree char *message =
        g_strdup_printf ("%s; QEMU's log ends with: %s", error->message, tail);
      g_free (error->message);
      error->message = g_steal_pointer (&message);
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
started (GTask *task, const char *reason)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);

  if (data->flags & VB_DOMAIN_START_PAUSED)
    {
      vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "user");
      vb_domain_emit_lifecycle (data->domain, "started", "booted");
      vb_domain_emit_lifecycle (data->domain, "suspended", "paused");
    }
  else
    {
      vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, reason);
      vb_domain_emit_lifecycle (data->domain, "started", "booted");
    }
  qd->starting = FALSE;
  vb_log_message (vb_qemu_log_name (data->domain), "started (QEMU pid %d)", qd->pid);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
continued (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply || !qd || qd->gone)
    {
      if (!error)
        error = g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU ended while starting");
      start_failed (task, error);
      return;
    }
  started (task, "booted");
}

static void
setup_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
}

static void status_recorded (GObject *source, GAsyncResult *result, gpointer user_data);

/* The live XML says which port a display got, as libvirt's does, so a
 * viewer can read it from GetXMLDesc. */
static void
set_graphics_port (VbDomain *domain, const char *type, int port)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (xmlDoc) doc = live ? vb_xml_parse (live->xml, "domain", NULL) : NULL;
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
  g_autofree char *xml = NULL;
  g_autofree char *text = g_strdup_printf ("%d", port);
  VbDomainDef *updated;

  for (xmlNode *node = vb_xml_child (devices, "graphics"); node; node = vb_xml_next (node, "graphics"))
    {
      g_autofree char *kind = vb_xml_attr (node, "type");
      if (g_strcmp0 (kind, type) == 0)
        {
          xmlSetProp (node, BAD_CAST "port", BAD_CAST text);
          break;
        }
    }
  if (!devices)
    return;
  xml = vb_xml_format (doc);
  updated = vb_domain_def_parse (xml, NULL);
  if (updated)
    vb_domain_set_live_def (domain, updated);
}

static void
got_vnc (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
  const char *service = reply && JSON_NODE_HOLDS_OBJECT (reply)
                          ? vb_qmp_member_string (json_node_get_object (reply), "service")
                          : NULL;

  if (service && qd && !qd->gone)
    {
      set_graphics_port (domain, "vnc", atoi (service));
      g_free (qd->status->live_xml);
      qd->status->live_xml = g_strdup (vb_domain_get_live_def (domain)->xml);
      vb_qemu_save_status (qd);
    }
  g_object_unref (domain);
}

static void
monitor_ready (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  VbQemuCommand *command = data->command;
  VbQemuStatus *status = g_new0 (VbQemuStatus, 1);
  const VbDomainDef *live = vb_domain_get_live_def (data->domain);

  /* What the XML asks of a running guest that the command line cannot say. */
  for (guint i = 0; i < command->link_down->len; i++)
    {
      g_autoptr (JsonObject) args = json_object_new ();
      json_object_set_string_member (args, "name", command->link_down->pdata[i]);
      json_object_set_boolean_member (args, "up", FALSE);
      vb_qmp_client_execute_async (qd->qmp, "set_link", args, -1, NULL, setup_done, NULL);
    }
  if (command->balloon_target_kib)
    {
      g_autoptr (JsonObject) args = json_object_new ();
      json_object_set_int_member (args, "value", (gint64) command->balloon_target_kib * 1024);
      vb_qmp_client_execute_async (qd->qmp, "balloon", args, -1, NULL, setup_done, NULL);
    }

  status->uuid = g_strdup (live->uuid);
  status->live_xml = g_strdup (live->xml);
  status->pid = qd->pid;
  status->start_time = vb_process_start_time (qd->pid);
  status->monitor_path = g_strdup (command->monitor_path);
  status->console_path = g_strdup (command->console_path);
  status->console_log = g_strdup (command->console_log);
  {
    GPtrArray *taps = g_ptr_array_new ();
    for (guint i = 0; i < command->taps->len; i++)
      g_ptr_array_add (taps, g_strdup (((VbQemuTap *) command->taps->pdata[i])->ifname));
    g_ptr_array_add (taps, NULL);
    status->taps = (GStrv) g_ptr_array_free (taps, FALSE);
  }
  if (command->spice_port >= 0)
    {
      set_graphics_port (data->domain, "spice", command->spice_port);
      live = vb_domain_get_live_def (data->domain);
    }
  if (command->vnc_display >= 0)
    vb_qmp_client_execute_async (qd->qmp, "query-vnc", NULL, -1, NULL, got_vnc,
                                 g_object_ref (data->domain));
  g_free (status->live_xml);
  status->live_xml = g_strdup (live->xml);
  qd->status = status;
  /* On disk before the guest runs: a service killed from here on finds it again. */
  {
    g_autofree char *json = NULL;

    status->state = g_strdup ("paused");
    status->reason = g_strdup ("starting-up");
    status->id = vb_domain_get_id (data->domain);
    status->persistent = vb_resource_get_persistent (VB_RESOURCE (data->domain));
    json = vb_qemu_status_to_json (status);
    vb_config_store_write_file_async (vb_driver_host_get_store (vb_qemu_driver.host),
                                      qd->status_path, json, status_recorded, task);
  }
}

static void
status_recorded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;

  if (!vb_config_store_finish (vb_driver_host_get_store (vb_qemu_driver.host), result, &error))
    {
      g_prefix_error (&error, "Cannot record the guest's runtime status: ");
      start_failed (task, error);
      return;
    }
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU exited during start-up"));
      return;
    }
  if (data->incoming)
    {
      /* The migration code takes it from here: QEMU waits, paused. */
      qd->starting = FALSE;
      qd->incoming = TRUE;
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (data->flags & VB_DOMAIN_START_PAUSED)
    {
      started (task, "user");
      return;
    }
  qd->own_resume = TRUE;
  vb_qmp_client_execute_async (qd->qmp, "cont", NULL, -1, NULL, continued, task);
}

static void try_monitor (GTask *task);

static gboolean
retry_monitor (gpointer user_data)
{
  try_monitor (user_data);
  return G_SOURCE_REMOVE;
}

static void
monitor_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  g_autoptr (GError) error = NULL;
  VbQmpClient *qmp = vb_qmp_client_new_finish (result, &error);

  if (qmp && qd && !qd->gone)
    {
      attach_monitor (qd, qmp);
      monitor_ready (task);
      return;
    }
  g_clear_object (&qmp);
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU exited during start-up"));
      return;
    }
  if (g_get_monotonic_time () > data->monitor_deadline)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                       "QEMU's monitor did not answer within %d s: %s",
                                       MONITOR_WAIT_MS / 1000, error->message));
      return;
    }
  /* The socket appears a moment after QEMU starts: try again shortly. */
  g_timeout_add (20, retry_monitor, task);
}

static void
try_monitor (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);

  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU exited during start-up"));
      return;
    }
  vb_qmp_client_new_for_path_async (data->command->monitor_path, NULL, monitor_connected, task);
}

static gboolean
chown_for_qemu (const char *path, const char *user, GError **error)
{
  struct passwd *pw = getpwnam (user);

  if (!pw)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "The user '%s' that QEMU runs as does not exist (configure qemu_user)", user);
      return FALSE;
    }
  if (chown (path, pw->pw_uid, pw->pw_gid) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot give %s to %s: %s", path, user,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* In system mode QEMU drops to an unprivileged user once it has opened what
 * it needs; its runtime directory is that user's. */
static gboolean
apply_run_as (StartData *data, QemuDomain *qd, GError **error)
{
  const char *user = vb_driver_host_get_setting (vb_qemu_driver.host, "qemu-user");
  GPtrArray *argv = data->command->argv;

  if (!vb_driver_host_get_system_mode (vb_qemu_driver.host) || !user || !*user)
    return TRUE;
  if (!chown_for_qemu (qd->dir, user, error))
    return FALSE;
  /* Before the terminating NULL. */
  g_ptr_array_insert (argv, (gint) argv->len - 1, g_strdup ("-runas"));
  g_ptr_array_insert (argv, (gint) argv->len - 1, g_strdup (user));
  return TRUE;
}

static gboolean
open_taps (StartData *data, GSubprocessLauncher *launcher, GError **error)
{
  GPtrArray *argv = data->command->argv;

  data->tap_fds = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; i < data->command->taps->len; i++)
    {
      VbQemuTap *tap = data->command->taps->pdata[i];
      int fd = vb_tap_create (tap->ifname, tap->bridge, tap->mac, error);
      int target = 3 + (int) i;

      if (fd < 0)
        return FALSE;
      g_array_append_val (data->tap_fds, fd);
      for (guint a = 0; a < argv->len && argv->pdata[a]; a++)
        if (strstr (argv->pdata[a], tap->fd_arg))
          {
            GString *arg = g_string_new (argv->pdata[a]);
            g_autofree char *number = g_strdup_printf ("%d", target);
            g_string_replace (arg, tap->fd_arg, number, 1);
            g_free (argv->pdata[a]);
            argv->pdata[a] = g_string_free (arg, FALSE);
          }
    }
  for (guint i = 0; i < data->tap_fds->len; i++)
    {
      /* The launcher owns a duplicate; ours are closed when the start ends. */
      g_subprocess_launcher_take_fd (launcher, dup (g_array_index (data->tap_fds, int, i)),
                                     3 + (int) i);
    }
  return TRUE;
}

static void
own_session (gpointer user_data)
{
  /* QEMU outlives the service: no signal to the service's group reaches it. */
  setsid ();
}

static void
spawn_qemu (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_autofree char *line = NULL;
  GError *error = NULL;
  int log_fd;

  if (g_mkdir_with_parents (qd->dir, 0700) < 0)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s", qd->dir,
                                       g_strerror (errno)));
      return;
    }
  if (!apply_run_as (data, qd, &error) || !open_taps (data, launcher, &error))
    {
      start_failed (task, error);
      return;
    }
  log_fd = open (qd->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "Cannot open %s: %s",
                                       qd->log_path, g_strerror (errno)));
      return;
    }
  line = vb_qemu_command_to_string (data->command);
  {
    g_autofree char *header = g_strdup_printf ("%s: starting\n%s\n", vb_qemu_log_name (data->domain), line);
    if (write (log_fd, header, strlen (header)) < 0)
      vb_log_warning (vb_qemu_log_name (data->domain), "cannot write %s", qd->log_path);
    qd->log_offset = (gsize) lseek (log_fd, 0, SEEK_CUR);
  }
  g_subprocess_launcher_take_stdout_fd (launcher, log_fd);
  g_subprocess_launcher_take_stderr_fd (launcher, dup (log_fd));
  g_subprocess_launcher_set_child_setup (launcher, own_session, NULL, NULL);
  vb_log_debug (vb_qemu_log_name (data->domain), "running %s", line);
  qd->process = g_subprocess_launcher_spawnv (
    launcher, (const char *const *) data->command->argv->pdata, &error);
  if (!qd->process)
    {
      /* A GSpawnError has no D-Bus name: the service answers in its own domain. */
      GError *failed = g_error_new (VB_ERROR, VB_ERROR_FAILED, "Cannot run %s: %s",
                                    data->command->binary, error->message);
      g_error_free (error);
      start_failed (task, failed);
      return;
    }
  {
    /* NULL when QEMU already exited and GLib reaped it: its end still comes to child_exited(). */
    const char *id = g_subprocess_get_identifier (qd->process);
    qd->pid = id ? atoi (id) : 0;
  }
  g_subprocess_wait_async (qd->process, NULL, child_exited, g_object_ref (data->domain));
  data->monitor_deadline = g_get_monotonic_time () + MONITOR_WAIT_MS * 1000;
  try_monitor (task);
}

static void
caps_for_start (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  const VbDomainDef *def = vb_domain_get_live_def (data->domain);
  GError *error = NULL;
  QemuDomain *qd;

  data->caps = get_caps_finish (result, &error);
  if (!data->caps)
    {
      start_failed (task, error);
      return;
    }
  if (g_str_equal (def->type, "kvm") && !data->caps->kvm_usable)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                       "KVM is not usable on this host (%s); run the domain with "
                                       "<domain type='qemu'> instead",
                                       data->caps->kvm_why ? data->caps->kvm_why : "no reason"));
      return;
    }
  data->command = build_command (def, data->caps, FALSE, &error);
  if (data->command && data->incoming)
    {
      GPtrArray *argv = data->command->argv;
      /* Before the terminating NULL: the stream comes later, by migrate-incoming. */
      g_ptr_array_insert (argv, (gint) argv->len - 1, g_strdup ("-incoming"));
      g_ptr_array_insert (argv, (gint) argv->len - 1, g_strdup ("defer"));
    }
  if (!data->command)
    {
      start_failed (task, error);
      return;
    }
  qd = qemu_domain_new (data->domain);
  qd->starting = TRUE;
  vb_resource_set_driver_data (VB_RESOURCE (data->domain), qd, free_domain_data);
  /* Leftovers of a QEMU that died with the host: sockets in the way. */
  vb_remove_flat_dir (qd->dir);
  vb_domain_set_state (data->domain, VB_DOMAIN_PAUSED, "starting-up",
                       vb_driver_host_next_domain_id (vb_qemu_driver.host));
  spawn_qemu (task);
}

void
vb_qemu_start_incoming_async (VbDomain *domain, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  StartData *data = g_new0 (StartData, 1);

  data->domain = g_object_ref (domain);
  data->incoming = TRUE;
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);
  get_caps_async (caps_for_start, task);
}

gboolean
vb_qemu_start_incoming_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
start_async (VbDomain *domain, guint flags, GTask *task)
{
  StartData *data = g_new0 (StartData, 1);

  data->domain = g_object_ref (domain);
  data->flags = flags;
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);
  get_caps_async (caps_for_start, task);
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
      start_async (domain, flags, task);
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

/* ---- after a restart: finding running guests again ---- */

static VbDomainState
state_from_string (const char *state)
{
  static const VbDomainState all[] = { VB_DOMAIN_RUNNING, VB_DOMAIN_PAUSED, VB_DOMAIN_SHUTDOWN,
                                       VB_DOMAIN_CRASHED, VB_DOMAIN_PMSUSPENDED };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_strcmp0 (state, vb_domain_state_to_string (all[i])) == 0)
      return all[i];
  return VB_DOMAIN_RUNNING;
}

static void
reconnected_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (reply && qd && !qd->gone && JSON_NODE_HOLDS_OBJECT (reply))
    {
      gboolean running = vb_qmp_member_bool (json_node_get_object (reply), "running", FALSE);
      VbDomainState state = vb_domain_get_state (domain);

      /* What happened while nobody watched: trust QEMU over the file. */
      if (running && state == VB_DOMAIN_PAUSED)
        vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "unpaused");
      else if (!running && state == VB_DOMAIN_RUNNING)
        vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "unknown");
    }
  g_object_unref (domain);
}

static void
reconnected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  g_autoptr (GError) error = NULL;
  VbQmpClient *qmp = vb_qmp_client_new_finish (result, &error);

  if (!qd || qd->gone)
    {
      g_clear_object (&qmp);
      g_object_unref (domain);
      return;
    }
  if (!qmp)
    {
      /* Alive but deaf: it cannot be managed; end it rather than leave a ghost. */
      vb_log_warning (vb_qemu_log_name (domain), "cannot reach QEMU's monitor again (%s): ending it",
                      error->message);
      vb_qemu_terminate (qd);
      g_object_unref (domain);
      return;
    }
  attach_monitor (qd, qmp);
  vb_log_message (vb_qemu_log_name (domain), "reconnected to QEMU (pid %d)", qd->pid);
  vb_qemu_block_copy_reattached (qd);
  vb_qmp_client_execute_async (qmp, "query-status", NULL, -1, NULL, reconnected_status, domain);
}

/* Takes @status. The domain gets its live state back and a watch on QEMU. */
static void
reattach (VbDomain *domain, VbQemuStatus *status)
{
  g_autoptr (GError) error = NULL;
  VbDomainDef *live = vb_domain_def_parse (status->live_xml, &error);
  QemuDomain *qd;

  if (!live)
    {
      vb_log_warning (vb_qemu_log_name (domain), "its runtime status is unreadable (%s)", error->message);
      vb_qemu_status_free (status);
      return;
    }
  qd = qemu_domain_new (domain);
  qd->pid = status->pid;
  qd->status = status;
  vb_resource_set_driver_data (VB_RESOURCE (domain), qd, free_domain_data);
  vb_domain_set_live_def (domain, live);
  vb_driver_host_note_domain_id (vb_qemu_driver.host, status->id);
  vb_domain_set_state (domain, state_from_string (status->state),
                       status->reason ? status->reason : "unknown", status->id);
  if (!watch_pid (qd, &error))
    {
      vb_log_warning (vb_qemu_log_name (domain), "%s", error->message);
      process_gone (qd);
      return;
    }
  vb_qmp_client_new_for_path_async (status->monitor_path, NULL, reconnected,
                                    g_object_ref (domain));
}

/* Reads the status file in @dir: NULL when there is none, it is broken, or
 * its QEMU is gone (then the directory is cleaned up). */
static VbQemuStatus *
read_live_status (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "status.json", NULL);
  g_autofree char *json = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuStatus) status = NULL;

  if (!g_file_get_contents (path, &json, NULL, NULL))
    return NULL;
  status = vb_qemu_status_from_json (json, &error);
  if (!status)
    {
      vb_log_warning (NULL, "Ignoring %s: %s", path, error->message);
      return NULL;
    }
  if (vb_process_start_time (status->pid) != status->start_time || status->start_time == 0)
    {
      vb_log_message (NULL, "QEMU of %s (pid %d) ended while the service was away", status->uuid,
                      status->pid);
      vb_remove_flat_dir (dir);
      return NULL;
    }
  return g_steal_pointer (&status);
}

static void
domain_loaded (VbDriverHost *host, VbDomain *domain)
{
  g_autofree char *dir = domain_dir (vb_resource_get_uuid (VB_RESOURCE (domain)));
  gboolean had_status = g_file_test (dir, G_FILE_TEST_IS_DIR);
  VbQemuStatus *status = read_live_status (dir);

  if (status)
    reattach (domain, status);
  else if (had_status)
    vb_domain_set_state (domain, VB_DOMAIN_SHUTOFF, "unknown", -1);
}

static GPtrArray *
adopt_running (VbDriverHost *host)
{
  g_autofree char *base = qemu_run_dir ();
  g_autoptr (GDir) listing = g_dir_open (base, 0, NULL);
  VbInventory *inventory = vb_driver_host_get_inventory (host);
  GPtrArray *found = g_ptr_array_new ();
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *dir = g_build_filename (base, entry, NULL);
      g_autoptr (VbQemuStatus) status = NULL;
      g_autoptr (GError) error = NULL;
      VbDomainDef *def;

      if (!g_file_test (dir, G_FILE_TEST_IS_DIR)
          || vb_inventory_lookup_uuid (inventory, VB_TYPE_DOMAIN, entry))
        continue;
      status = read_live_status (dir);
      if (!status)
        continue;
      def = vb_domain_def_parse (status->live_xml, &error);
      if (!def || vb_inventory_lookup_name (inventory, VB_TYPE_DOMAIN, def->name))
        {
          vb_log_warning (NULL, "Cannot take back the transient domain in %s: %s", dir,
                          def ? "its name is taken" : error->message);
          g_clear_pointer (&def, vb_domain_def_free);
          continue;
        }
      /* domain_loaded reattaches once the domain is in the inventory */
      g_ptr_array_add (found, vb_domain_new (def, "qemu", FALSE));
    }
  return found;
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

/* ---- statistics ---- */

typedef struct {
  GVariantDict dict;
  int pending;
  guint64 memory_kib;
} Stats;

static guint64
thread_cpu_ns (int pid, int tid)
{
  g_autofree char *path = tid ? g_strdup_printf ("/proc/%d/task/%d/stat", pid, tid)
                              : g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &contents, NULL, NULL) || !(after = strrchr (contents, ')')))
    return 0;
  fields = g_strsplit (after + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;
  /* utime + stime, fields 14 and 15, in clock ticks. */
  return (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10))
         * (G_GUINT64_CONSTANT (1000000000) / (guint64) sysconf (_SC_CLK_TCK));
}

static guint64
read_counter (const char *ifname, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/statistics/%s", ifname, name);
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) ? g_ascii_strtoull (text, NULL, 10) : 0;
}

static void
stats_part_done (GTask *task)
{
  Stats *stats = g_task_get_task_data (task);

  if (--stats->pending > 0)
    return;
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_dict_end (&stats->dict)),
                         (GDestroyNotify) g_variant_unref);
  g_object_unref (task);
}

static JsonArray *
reply_array (GObject *source, GAsyncResult *result)
{
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);

  if (!reply || !JSON_NODE_HOLDS_ARRAY (reply))
    return NULL;
  return json_array_ref (json_node_get_array (reply));
}

static void
got_cpus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (g_task_get_source_object (task));
  g_autoptr (JsonArray) cpus = reply_array (source, result);

  if (cpus && qd)
    {
      g_variant_dict_insert (&stats->dict, "vcpu.count", "u", json_array_get_length (cpus));
      for (guint i = 0; i < json_array_get_length (cpus); i++)
        {
          JsonObject *cpu = json_array_get_object_element (cpus, i);
          g_autofree char *key = g_strdup_printf ("vcpu.%u.time", i);
          int tid = (int) vb_qmp_member_int (cpu, "thread-id", 0);
          g_variant_dict_insert (&stats->dict, key, "t", thread_cpu_ns (qd->pid, tid));
        }
    }
  stats_part_done (task);
}

static void
got_balloon (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
  guint64 actual = stats->memory_kib;

  /* Without a balloon device the guest has all its memory. */
  if (reply && JSON_NODE_HOLDS_OBJECT (reply))
    actual = (guint64) vb_qmp_member_int (json_node_get_object (reply), "actual", 0) / 1024;
  g_variant_dict_insert (&stats->dict, "balloon.current", "t", actual);
  g_variant_dict_insert (&stats->dict, "balloon.maximum", "t", stats->memory_kib);
  stats_part_done (task);
}

/* "/machine/peripheral/disk-vda/virtio-backend" or "disk-vda" → "vda". */
static char *
disk_name_of_qdev (const char *qdev)
{
  const char *id = qdev;
  const char *end;

  if (!qdev)
    return NULL;
  if (g_str_has_prefix (qdev, "/machine/peripheral/"))
    id = qdev + strlen ("/machine/peripheral/");
  end = strchr (id, '/');
  if (g_str_has_prefix (id, "disk-"))
    id += strlen ("disk-");
  return end ? g_strndup (id, end - id) : g_strdup (id);
}

static void
got_blocks (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  g_autoptr (JsonArray) blocks = reply_array (source, result);
  guint count = 0;

  for (guint i = 0; blocks && i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);
      JsonObject *counters = vb_qmp_member_object (block, "stats");
      const char *qdev = vb_qmp_member_string (block, "qdev");
      g_autofree char *name = disk_name_of_qdev (qdev);
      static const char *const keys[][2] = { { "rd_operations", "rd.reqs" }, { "rd_bytes", "rd.bytes" },
                                             { "wr_operations", "wr.reqs" }, { "wr_bytes", "wr.bytes" } };
      g_autofree char *name_key = g_strdup_printf ("block.%u.name", count);

      if (!counters || !name)
        continue;
      g_variant_dict_insert (&stats->dict, name_key, "s", name);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          g_autofree char *key = g_strdup_printf ("block.%u.%s", count, keys[k][1]);
          g_variant_dict_insert (&stats->dict, key, "t",
                                 (guint64) vb_qmp_member_int (counters, keys[k][0], 0));
        }
      count++;
    }
  g_variant_dict_insert (&stats->dict, "block.count", "u", count);
  stats_part_done (task);
}

static void
get_stats_async (VbDriverHost *host, VbDomain *domain, GCancellable *cancellable,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, cancellable, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  Stats *stats = g_new0 (Stats, 1);

  g_task_set_task_data (task, stats, g_free);
  if (!qd || !qd->qmp || qd->gone)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Domain '%s' is not running",
                               vb_resource_get_name (VB_RESOURCE (domain)));
      g_object_unref (task);
      return;
    }
  g_variant_dict_init (&stats->dict, NULL);
  stats->memory_kib = vb_domain_get_live_def (domain)->memory_kib;
  g_variant_dict_insert (&stats->dict, "cpu.time", "t", thread_cpu_ns (qd->pid, 0));
  /* A tap's receive is the guest's transmit: libvirt reports them swapped. */
  g_variant_dict_insert (&stats->dict, "net.count", "u",
                         qd->status && qd->status->taps ? g_strv_length (qd->status->taps) : 0);
  for (guint i = 0; qd->status && qd->status->taps && qd->status->taps[i]; i++)
    {
      const char *tap = qd->status->taps[i];
      static const char *const keys[][2] = { { "rx.bytes", "tx_bytes" }, { "rx.pkts", "tx_packets" },
                                             { "tx.bytes", "rx_bytes" }, { "tx.pkts", "rx_packets" } };
      g_autofree char *name_key = g_strdup_printf ("net.%u.name", i);

      g_variant_dict_insert (&stats->dict, name_key, "s", tap);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          g_autofree char *key = g_strdup_printf ("net.%u.%s", i, keys[k][0]);
          g_variant_dict_insert (&stats->dict, key, "t", read_counter (tap, keys[k][1]));
        }
    }
  stats->pending = 3;
  vb_qmp_client_execute_async (qd->qmp, "query-cpus-fast", NULL, -1, NULL, got_cpus, task);
  vb_qmp_client_execute_async (qd->qmp, "query-balloon", NULL, -1, NULL, got_balloon, task);
  vb_qmp_client_execute_async (qd->qmp, "query-blockstats", NULL, -1, NULL, got_blocks, task);
}

static GVariant *
get_stats_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
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
  g_autoptr (VbQemuCaps) caps = get_caps_finish (result, NULL);

  /* A failed probe leaves the QEMU part out; the rest of the document stands. */
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
ready_async (VbDriverHost *host, GAsyncReadyCallback callback, gpointer user_data)
{
  get_caps_async (caps_ready, g_task_new (NULL, NULL, callback, user_data));
}

static void
ready_finish (GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

static void
init (VbDriverHost *host)
{
  vb_qemu_driver.host = host;
  /* Probed now, so the first Start does not wait for it. */
  probe_caps ();
}

const VbDomainDriver vb_qemu_domain_driver = {
  .name = "qemu",
  .init = init,
  .handles_type = handles_type,
  .validate = validate,
  .op_async = op_async,
  .op_finish = op_finish,
  .domain_loaded = domain_loaded,
  .domain_removed = domain_removed,
  .adopt_running = adopt_running,
  .open_console = open_console,
  .get_stats_async = get_stats_async,
  .get_stats_finish = get_stats_finish,
  .capabilities_xml = capabilities_xml,
  .ready_async = ready_async,
  .ready_finish = ready_finish,
  .migrate_prepare_async = vb_qemu_migrate_prepare_async,
  .migrate_prepare_finish = vb_qemu_migrate_prepare_finish,
  .migrate_perform_async = vb_qemu_migrate_perform_async,
  .migrate_perform_finish = vb_qemu_migrate_perform_finish,
  .migrate_finish = vb_qemu_migrate_finish,
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
};
