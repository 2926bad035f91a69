/* A domain's QEMU process: starting it (command line, spawn, monitor, cont),
 * following it (QMP events become states and lifecycle events), its end, and
 * finding it again after a restart of the service. */
#include "qemu-process.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config-store.h"
#include "object-lock.h"
#include "qemu-cputune.h"
#include "qemu-graphics.h"
#include "qemu-helper-process.h"
#include "qemu-part.h"
#include "qemu-host.h"
#include "qemu-host-fdgroup.h"
#include "qemu-host-sgio.h"
#include "qemu-host-vf.h"
#include "qemu-nvram-make.h"
#include "qemu-transient.h"
#include "qemu-host-tuning.h"
#include "qemu-limits.h"
#include "qemu-log-cap.h"
#include "qemu-numad.h"
#include "qemu-macvtap.h"
#include "qemu-ovs.h"
#include "qemu-tap-tc.h"
#include "qemu-rawio.h"
#include "qemu-tap-script.h"
#include "vb-error.h"
#include "vb-files.h"
#include "vb-log-file.h"
#include "xml-schema.h"
#include "vb-log.h"
#include "vb-process.h"
#include "vb-user.h"

#define MONITOR_WAIT_MS 15000
/* QEMU makes its monitor socket a few ms after it starts: looked for that
 * often (a stat), and connected to once it is there. At 20 ms, as before,
 * the wait alone cost a Start 10 ms on average, a fifth of QEMU's own time
 * to a ready monitor (bench-qemu). */
#define MONITOR_POLL_MS 1
#define DESTROY_GRACE_MS 3000
#define LOG_TAIL_BYTES 2000

/* ---- the end of a QEMU ---- */

/* What QEMU itself wrote to its log from @offset on (our header comes
 * before), its end only. The log is in a directory QEMU's user can write
 * (read not through a link) and what is read goes back to a client. */
static char *
log_tail (const char *path, gsize offset)
{
  g_autofree char *contents = vb_log_file_tail (path, offset, LOG_TAIL_BYTES);
  char *own = contents ? g_strstrip (contents) : NULL;

  if (!own || !*own)
    return g_strdup ("(QEMU wrote nothing)");
  return g_strdup (own);
}

char *
vb_qemu_log_tail (QemuDomain *qd)
{
  return log_tail (qd->log_path, qd->log_offset);
}

/* What the domain's SR-IOV VFs had before it (qemu-host-vf.c): beside its
 * status, in the directory only root reads. */
static char *
vf_record_path (VbDomain *domain)
{
  g_autofree char *base = vb_qemu_status_dir ();
  g_autofree char *name = g_strdup_printf ("%s.vfs", vb_resource_get_uuid (VB_RESOURCE (domain)));

  return g_build_filename (base, name, NULL);
}

static void
restore_vfs (VbDomain *domain)
{
  g_autofree char *record = vf_record_path (domain);

  vb_qemu_host_restore_vfs (record);
}

/* The sgio of the domain's SCSI LUNs (qemu-host-sgio.c), whose record is
 * beside the VFs'. On the main loop, as the start sets it: one short sysfs
 * write per device, and in order, so a start just after a stop never
 * counts the stopped domain's record as a user. */
static void
restore_sgio (const char *uuid)
{
  g_autofree char *base = vb_qemu_status_dir ();

  vb_qemu_host_restore_sgio ("/sys", base, uuid);
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
  for (const VbQemuPart *const *part = vb_qemu_parts; *part; part++)
    if ((*part)->gone)
      (*part)->gone (qd);
  g_unlink (qd->status_path);
  restore_vfs (domain);
  restore_sgio (vb_resource_get_uuid (VB_RESOURCE (domain)));
  vb_qemu_tuning_remove_cgroup (vb_resource_get_uuid (VB_RESOURCE (domain)));
  vb_qemu_limits_remove_cgroups (vb_resource_get_uuid (VB_RESOURCE (domain)));
  /* The log stays beside the run directory's other logs for a post mortem. */
  {
    g_autofree char *base = vb_qemu_run_dir ();
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
  vb_qemu_domain_free (data);
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
  /* The PID was checked before the pidfd pinned it: still the same process? */
  if (qd->status && vb_process_start_time (qd->pid) != qd->status->start_time)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "QEMU (pid %d) ended meanwhile", qd->pid);
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

static void
on_event (VbQmpClient *client, const char *name, JsonObject *data, gint64 timestamp,
          gpointer user_data)
{
  QemuDomain *qd = user_data;
  VbDomain *domain = qd->domain;
  VbDomainState state = vb_domain_get_state (domain);

  vb_log_debug (vb_qemu_log_name (domain), "QMP event %s", name);
  for (const VbQemuPart *const *part = vb_qemu_parts; *part; part++)
    if ((*part)->event && (*part)->event (qd, name, data))
      return;

  if (g_str_equal (name, "SHUTDOWN"))
    {
      /* Once QEMU is being ended, a SHUTDOWN is ours (the quit after a guest's
       * power-off, the SIGTERM of Destroy), not the guest's: it was told. */
      if (qd->stopping != STOP_NONE)
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
      vb_qemu_quit (qd);
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
      /* -no-shutdown pauses QEMU at a power-off: during a reboot that is no
       * pause; a panic stops the guest too: it is crashed, not paused. */
      if (qd->own_stop || qd->rebooting || qd->stopping != STOP_NONE || state == VB_DOMAIN_SHUTDOWN
          || state == VB_DOMAIN_CRASHED)
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
      /* After a restart by on_poweroff or on_crash: booted or crashed. */
      vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, qd->resume_reason ? qd->resume_reason : "unpaused");
      qd->resume_reason = NULL;
      vb_domain_emit_lifecycle (domain, "resumed", "unpaused");
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
  GArray *passed_fds; /* what QEMU gets as fds (taps, the UEFI store): closed at the end */
  GSubprocessLauncher *launcher; /* QEMU's, while the Open vSwitch ports are added */
  /* set_password or block_set_io_throttle failed: the start fails before
   * the guest runs */
  GError *graphics_error;
  VbQemuTuning *tuning;   /* <vcpu cpuset> and <cputune> on the host; NULL: none */
  VbUser *user;           /* QEMU's and its helpers' (NULL outside system mode) */
  char *numad_nodes;      /* numad's advice for placement='auto'; NULL: not asked */
  VbQemuLimits *limits;   /* <memtune> and <blkiotune> on the host; NULL: none */
  /* The status file is written while QEMU initialises, and the guest runs
   * only once both are done: the monitor answered and the file is on disk. */
  VbQemuStatus *status;   /* qd->status from monitor_ready on */
  gboolean status_queued; /* a write was queued: a failure removes the file the same way */
  gboolean scripts_started; /* the taps' scripts ran: a failure runs their downscripts */
  guint status_writes;    /* queued, not yet done */
  GError *status_error;
  gboolean monitor_done;
  gboolean finished; /* the task returned; a late status write only ends */
} StartData;

static void
start_data_free (StartData *data)
{
  for (guint i = 0; data->passed_fds && i < data->passed_fds->len; i++)
    close (g_array_index (data->passed_fds, int, i));
  g_clear_pointer (&data->passed_fds, g_array_unref);
  g_clear_object (&data->launcher);
  g_clear_pointer (&data->caps, vb_qemu_caps_unref);
  g_clear_pointer (&data->command, vb_qemu_command_free);
  g_clear_error (&data->graphics_error);
  g_clear_pointer (&data->tuning, vb_qemu_tuning_free);
  g_clear_pointer (&data->user, vb_user_free);
  g_free (data->numad_nodes);
  g_clear_pointer (&data->limits, vb_qemu_limits_free);
  g_clear_pointer (&data->status, vb_qemu_status_free);
  g_clear_error (&data->status_error);
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
      vb_qemu_helpers_stop (qd);
      /* Ports added before the start failed (--if-exists: any of them). */
      if (data->command)
        {
          g_auto (GStrv) ports = vb_qemu_ovs_ports_of (data->command);

          vb_qemu_ovs_del_ports ((const char *const *) ports, vb_qemu_log_name (data->domain));
        }
      /* The macvtap links made so far: a link outlives its descriptors. */
      if (data->command)
        {
          g_auto (GStrv) macvtaps = vb_qemu_macvtaps_of (data->command);

          vb_macvtap_delete_all ((const char *const *) macvtaps, vb_qemu_log_name (data->domain));
        }
      /* As when QEMU ends: each script that ran has its downscript. */
      if (data->command && data->scripts_started)
        {
          g_auto (GStrv) downscripts = vb_tap_downscripts_of (data->command);

          vb_tap_downscripts_run ((const char *const *) downscripts,
                                  vb_qemu_log_name (data->domain));
        }
      /* After the status write still in flight, never before it: through
       * the same ordered writer. */
      if (data->status_queued)
        vb_config_store_remove_file_async (vb_driver_host_get_store (vb_qemu_driver.host),
                                           qd->status_path, NULL, NULL);
      else
        g_unlink (qd->status_path);
      vb_remove_flat_dir (qd->dir);
      restore_vfs (data->domain);
      restore_sgio (vb_resource_get_uuid (VB_RESOURCE (data->domain)));
      /* Best effort: a QEMU just killed may still be in it; the next start
       * uses it again. */
      vb_qemu_tuning_remove_cgroup (vb_resource_get_uuid (VB_RESOURCE (data->domain)));
      vb_qemu_limits_remove_cgroups (vb_resource_get_uuid (VB_RESOURCE (data->domain)));
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
  data->finished = TRUE;
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
  data->finished = TRUE;
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
  /* Answered before cont was (QMP answers in order): a display without its
   * password locks everyone out, which the start reports. */
  if (data->graphics_error)
    {
      start_failed (task, g_steal_pointer (&data->graphics_error));
      return;
    }
  started (task, "booted");
}

static void
setup_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
}

static void status_and_monitor_ready (GTask *task);
static void write_status (GTask *task, const VbQemuStatus *status);

/* The live XML says which port a display got and where it listens, as
 * libvirt's does (listen='ADDRESS' and <listen type='address'>, the
 * default address too), so a viewer can read both from GetXMLDesc: Cockpit
 * Machines connects its VNC console to the listen attribute's address. */
static void
set_graphics_listen (xmlNode *graphics)
{
  g_autofree char *address = vb_qemu_graphics_listen (graphics);
  xmlNode *listen_node = vb_xml_child (graphics, "listen");

  if (!address)
    return;
  if (!xmlHasProp (graphics, BAD_CAST "listen"))
    xmlSetProp (graphics, BAD_CAST "listen", BAD_CAST address);
  if (!listen_node)
    {
      listen_node = xmlNewChild (graphics, NULL, BAD_CAST "listen", NULL);
      xmlSetProp (listen_node, BAD_CAST "type", BAD_CAST "address");
      xmlSetProp (listen_node, BAD_CAST "address", BAD_CAST address);
    }
}

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
          set_graphics_listen (node);
          break;
        }
    }
  if (!devices)
    return;
  xml = vb_xml_format (doc);
  updated = vb_domain_def_parse_live (xml, NULL);
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
passwords_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  StartData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_qemu_graphics_set_passwords_finish (result, &error))
    {
      vb_log_warning (vb_qemu_log_name (data->domain), "%s", error->message);
      data->graphics_error = error;
    }
}

static void
throttle_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  StartData *data = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply
    = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    {
      g_prefix_error (&error, "QEMU refused a disk's I/O limits: ");
      vb_log_warning (vb_qemu_log_name (data->domain), "%s", error->message);
      if (!data->graphics_error)
        data->graphics_error = error;
      else
        g_error_free (error);
    }
}

static void
monitor_ready (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  VbQemuCommand *command = data->command;
  const VbDomainDef *live = vb_domain_get_live_def (data->domain);

  /* What the XML asks of a running guest that the command line cannot say. */
  vb_qemu_graphics_set_passwords_async (qd, live->xml, passwords_set, g_object_ref (task));
  for (guint i = 0; i < command->link_down->len; i++)
    {
      g_autoptr (JsonObject) args = json_object_new ();
      json_object_set_string_member (args, "name", command->link_down->pdata[i]);
      json_object_set_boolean_member (args, "up", FALSE);
      vb_qmp_client_execute_async (qd->qmp, "set_link", args, -1, NULL, setup_done, NULL);
    }
  /* Answered before cont is (QMP answers in order): limits QEMU refuses
   * fail the start as a wrong password does. */
  for (guint i = 0; i < command->throttles->len; i++)
    vb_qmp_client_execute_async (qd->qmp, "block_set_io_throttle", command->throttles->pdata[i],
                                 -1, NULL, throttle_set, g_object_ref (task));
  if (command->balloon_target_kib)
    {
      g_autoptr (JsonObject) args = json_object_new ();
      json_object_set_int_member (args, "value", (gint64) command->balloon_target_kib * 1024);
      vb_qmp_client_execute_async (qd->qmp, "balloon", args, -1, NULL, setup_done, NULL);
    }
  if (command->vnc_display >= 0)
    vb_qmp_client_execute_async (qd->qmp, "query-vnc", NULL, -1, NULL, got_vnc,
                                 g_object_ref (data->domain));
  qd->status = g_steal_pointer (&data->status);
  data->monitor_done = TRUE;
  if (qd->status)
    {
      g_autofree char *exe = vb_process_exe (qd->pid);

      /* A wrapper (a script as --qemu-binary) was recorded at the spawn and
       * has exec'd QEMU since: the file must name QEMU before the guest
       * runs, or a restarted service would not know it. */
      if (g_strcmp0 (exe, qd->status->exe) != 0)
        {
          g_free (qd->status->exe);
          qd->status->exe = g_steal_pointer (&exe);
          write_status (task, qd->status);
        }
    }
  if (data->status_writes == 0)
    status_and_monitor_ready (task);
}

static void
status_recorded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data; /* this write's own reference */
  StartData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  data->status_writes--;
  if (!vb_config_store_finish (vb_driver_host_get_store (vb_qemu_driver.host), result, &error)
      && !data->status_error)
    {
      g_prefix_error (&error, "Cannot record the guest's runtime status: ");
      data->status_error = g_steal_pointer (&error);
    }
  /* The monitor's side decides; until it is done, the start is its task. */
  if (!data->finished && data->monitor_done && data->status_writes == 0)
    status_and_monitor_ready (task);
}

static void
write_status (GTask *task, const VbQemuStatus *status)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  g_autofree char *json = vb_qemu_status_to_json (status);

  data->status_queued = TRUE;
  data->status_writes++;
  vb_config_store_write_file_async (vb_driver_host_get_store (vb_qemu_driver.host), qd->status_path,
                                    json, status_recorded, g_object_ref (task));
}

/* What a restarted service needs to find this QEMU again, on disk before the
 * guest runs (a service killed from the spawn on finds it). Written while
 * QEMU initialises, off the path to its first QMP answer: everything in it is
 * known once QEMU has been exec'd (the spawn returns only then), the port of
 * a VNC display aside, which got_vnc() records when QEMU tells it. */
static void
record_status (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  VbQemuCommand *command = data->command;
  VbQemuStatus *status = g_new0 (VbQemuStatus, 1);
  const VbDomainDef *live;

  if (command->spice_port >= 0)
    set_graphics_port (data->domain, "spice", command->spice_port);
  /* The macvtaps' names are known now: the live XML shows them. */
  vb_qemu_macvtap_name_live (data->domain, command);
  live = vb_domain_get_live_def (data->domain);
  status->uuid = g_strdup (live->uuid);
  status->live_xml = g_strdup (live->xml);
  status->pid = qd->pid;
  status->start_time = vb_process_start_time (qd->pid);
  status->exe = vb_process_exe (qd->pid);
  status->monitor_path = g_strdup (command->monitor_path);
  status->console_path = g_strdup (command->console_path);
  status->console_log = g_strdup (command->console_log);
  status->numad_nodes = g_strdup (command->numad_nodes);
  {
    GPtrArray *taps = g_ptr_array_new ();
    for (guint i = 0; i < command->taps->len; i++)
      g_ptr_array_add (taps, g_strdup (((VbQemuTap *) command->taps->pdata[i])->ifname));
    g_ptr_array_add (taps, NULL);
    status->taps = (GStrv) g_ptr_array_free (taps, FALSE);
  }
  status->ovs_ports = vb_qemu_ovs_ports_of (command);
  status->downscripts = vb_tap_downscripts_of (command);
  status->macvtaps = vb_qemu_macvtaps_of (command);
  vb_qemu_helpers_record (qd, status);
  status->state = g_strdup ("paused");
  status->reason = g_strdup ("starting-up");
  status->id = vb_domain_get_id (data->domain);
  status->persistent = vb_resource_get_persistent (VB_RESOURCE (data->domain));
  data->status = status;
  write_status (task, status);
}

/* The monitor answered and the status file is on disk: the guest may run. */
static void
status_and_monitor_ready (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);

  if (data->status_error)
    {
      start_failed (task, g_steal_pointer (&data->status_error));
      return;
    }
  if (!qd || qd->gone || !qd->status)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU exited during start-up"));
      return;
    }
  if (data->graphics_error)
    {
      start_failed (task, g_steal_pointer (&data->graphics_error));
      return;
    }
  if (data->incoming)
    {
      /* The migration code takes it from here: QEMU waits, paused. */
      qd->starting = FALSE;
      qd->incoming = TRUE;
      data->finished = TRUE;
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
tuned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;

  if (!vb_qemu_tuning_apply_finish (result, &error))
    {
      start_failed (task, error);
      return;
    }
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU exited during start-up"));
      return;
    }
  monitor_ready (task);
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
      /* Before the guest runs: its every instruction is counted. */
      qd->perf = vb_qemu_perf_open (data->command->xml, qd->pid, &error);
      if (error)
        {
          start_failed (task, g_steal_pointer (&error));
          return;
        }
      /* While the guest is still paused (-S): its vCPUs never run unpinned. */
      if (data->tuning)
        vb_qemu_tuning_apply_async (g_steal_pointer (&data->tuning), qmp, qd->pid, tuned, task);
      else
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
  /* Not listening yet: try again shortly. */
  g_timeout_add (MONITOR_POLL_MS, retry_monitor, task);
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
  /* A connection is tried once the socket is there; until then, or the
   * deadline, a look every millisecond costs a stat. */
  if (!g_file_test (data->command->monitor_path, G_FILE_TEST_EXISTS)
      && g_get_monotonic_time () <= data->monitor_deadline)
    {
      g_timeout_add (MONITOR_POLL_MS, retry_monitor, task);
      return;
    }
  vb_qmp_client_new_for_path_async (data->command->monitor_path, NULL, monitor_connected, task);
}

const char *
vb_qemu_process_user (void)
{
  return vb_qemu_user_name ();
}

typedef struct {
  const VbUser *user;
  const VbQemuTuning *tuning;
  const VbQemuLimits *limits;
  gboolean mem_lock;
  gboolean rawio; /* QEMU keeps CAP_SYS_RAWIO (qemu-rawio.h) */
} ChildSetup;

/* In the forked child, before exec: async-signal-safe calls only. */
static void
qemu_child_setup (gpointer user_data)
{
  const ChildSetup *setup = user_data;
  const VbUser *user = setup->user;

  /* Before QEMU makes a thread: each inherits these CPUs. */
  vb_qemu_tuning_child_setup (setup->tuning);
  /* Into the memory and blkio cgroups before QEMU takes any memory. */
  vb_qemu_limits_child_setup (setup->limits);
  /* QEMU outlives the service: no signal to the service's group reaches it. */
  setsid ();
  /* <locked/>: QEMU's mlockall() of the guest's memory, which its own user
   * could not do within the default limit; raised while still root. */
  if (setup->mem_lock)
    {
      struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

      setrlimit (RLIMIT_MEMLOCK, &unlimited);
    }
  /* QEMU never holds root, not even while it opens the files the command
   * line names: what its user cannot open, it cannot open (no -runas, which
   * would drop only after every file was opened as root). */
  if (user && setup->rawio)
    vb_qemu_rawio_drop_to (user);
  else if (user)
    vb_user_drop_to (user);
}

static void spawn_qemu (GTask *task);

static void
vfs_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;

  if (!vb_qemu_host_setup_vfs_finish (result, &error))
    {
      start_failed (task, error);
      return;
    }
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The start was abandoned"));
      return;
    }
  spawn_qemu (task);
}

static void
helpers_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;

  if (!vb_qemu_helpers_start_finish (result, &error))
    {
      start_failed (task, error);
      return;
    }
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The start was abandoned"));
      return;
    }
  {
    g_autofree char *record = vf_record_path (data->domain);

    vb_qemu_host_setup_vfs_async (data->command, record, vfs_set, task);
  }
}

static void
transients_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;

  if (!vb_qemu_transient_make_finish (result, &error))
    {
      start_failed (task, error);
      return;
    }
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The start was abandoned"));
      return;
    }
  vb_qemu_helpers_start_async (qd, data->command, data->user, helpers_started, task);
}

static void
nvram_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;

  if (!vb_qemu_nvram_make_finish (result, &error))
    {
      start_failed (task, error);
      return;
    }
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The start was abandoned"));
      return;
    }
  vb_qemu_transient_make_async (data->command, data->user, transients_made, task);
}

/* The run directory, then a UEFI variable store converted from its
 * template, then the overlays of transient disks, then the helpers QEMU connects to (swtpm, virtiofsd), then
 * QEMU. */
static void
prepare_qemu (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;
  g_autofree char *status_dir = vb_qemu_status_dir ();

  /* Looked up here: the child may not call getpwnam(). */
  if (!vb_qemu_lookup_user (&data->user, &error))
    {
      start_failed (task, error);
      return;
    }
  if (!vb_qemu_host_make_run_dir (qd->dir, data->user, &error))
    {
      start_failed (task, error);
      return;
    }
  if (g_mkdir_with_parents (status_dir, 0700) < 0)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s",
                                       status_dir, g_strerror (errno)));
      return;
    }
  vb_qemu_nvram_make_async (data->command, data->user, nvram_made, task);
}

static void run_qemu (GTask *task);

static void
scripts_ran (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;

  if (!vb_tap_scripts_run_finish (result, &error))
    {
      start_failed (task, error);
      return;
    }
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The start was abandoned"));
      return;
    }
  run_qemu (task);
}

/* The taps are made: their <script>s, as root, off the main loop, before
 * QEMU gets them (qemu-tap-script.c). */
static void
run_scripts (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  g_auto (GStrv) downscripts = vb_tap_downscripts_of (data->command);
  gboolean any = downscripts[0] != NULL;

  for (guint i = 0; i < data->command->taps->len; i++)
    any = any || ((VbQemuTap *) data->command->taps->pdata[i])->script != NULL;
  if (!any)
    {
      run_qemu (task);
      return;
    }
  data->scripts_started = TRUE;
  vb_tap_scripts_run_async (data->command, scripts_ran, task);
}

static void
ovs_ports_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;

  if (!vb_qemu_ovs_add_ports_finish (result, &error))
    {
      start_failed (task, error);
      return;
    }
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The start was abandoned"));
      return;
    }
  run_scripts (task);
}

static void
add_ovs_ports (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  g_auto (GStrv) ports = vb_qemu_ovs_ports_of (data->command);

  if (ports[0])
    {
      vb_qemu_ovs_add_ports_async (data->command, ovs_ports_added, task);
      return;
    }
  run_scripts (task);
}

static void
tc_applied (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GError *error = NULL;

  if (!vb_qemu_tc_apply_finish (result, &error))
    {
      start_failed (task, error);
      return;
    }
  if (!qd || qd->gone)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The start was abandoned"));
      return;
    }
  add_ovs_ports (task);
}

/* The host's side first (sgio, limits, taps, secrets, the variable store; the
 * VFs were set before, off the main loop), then the taps' <bandwidth> (tc,
 * off the main loop), then their Open vSwitch ports (ovs-vsctl, off the main
 * loop), then QEMU. */
static void
spawn_qemu (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  const VbUser *user = data->user;
  GError *error = NULL;
  g_autofree char *status_dir = vb_qemu_status_dir ();

  /* stdin is /dev/null: nothing of the service's reaches QEMU. */
  data->launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  data->passed_fds = g_array_new (FALSE, FALSE, sizeof (int));
  /* rawio='yes' first: nothing is made on the host for a start refused. */
  if ((data->command->rawio && user && !vb_qemu_rawio_possible (&error))
      || !vb_qemu_host_set_sgio (data->command->sgio, "/sys", status_dir,
                                 vb_resource_get_uuid (VB_RESOURCE (data->domain)), &error)
      || (data->limits && !vb_qemu_limits_prepare (data->limits, &error))
      || !vb_qemu_host_open_taps (data->command, data->passed_fds, data->launcher, &error)
      || !vb_qemu_host_pass_secrets (data->command, data->passed_fds, data->launcher, &error)
      || !vb_qemu_host_prepare_nvram (data->command, user, data->passed_fds, data->launcher, &error)
      || !vb_qemu_host_pass_fdgroups (data->command, data->domain, data->passed_fds, data->launcher,
                                      &error))
    {
      start_failed (task, error);
      return;
    }
  if (vb_qemu_tc_wanted (data->command))
    {
      vb_qemu_tc_apply_async (data->command, tc_applied, task);
      return;
    }
  add_ovs_ports (task);
}

static void
run_qemu (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (data->domain);
  GSubprocessLauncher *launcher = data->launcher;
  g_autofree char *line = NULL;
  const VbUser *user = data->user;
  ChildSetup *setup;
  GError *error = NULL;
  int log_fd;

  /* The directory is QEMU's user's (and so every other QEMU's): a new file,
   * never one planted there, nor a symbolic link. */
  log_fd = vb_qemu_host_create_in_run_dir (qd->dir, "qemu.log");
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
  setup = g_new0 (ChildSetup, 1);
  setup->user = user;
  setup->tuning = data->tuning;
  setup->limits = data->limits;
  setup->mem_lock = data->command->mem_lock;
  setup->rawio = data->command->rawio;
  g_subprocess_launcher_set_child_setup (launcher, qemu_child_setup, setup, g_free);
  /* What the command asks for (SDL's audio driver, a desktop session). */
  for (guint i = 0; i < data->command->env->len; i++)
    {
      g_auto (GStrv) pair = g_strsplit (data->command->env->pdata[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  vb_log_debug (vb_qemu_log_name (data->domain), "running %s", line);
  vb_qemu_log_cap_watch (qd->dir);
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
  if (qd->pid > 0)
    record_status (task);
  data->monitor_deadline = g_get_monotonic_time () + MONITOR_WAIT_MS * 1000;
  try_monitor (task);
}

static void numad_for_start (GObject *source, GAsyncResult *result, gpointer user_data);
static void build_for_start (GTask *task);

static void
caps_for_start (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  const VbDomainDef *def = vb_domain_get_live_def (data->domain);
  GError *error = NULL;

  data->caps = vb_qemu_get_caps_finish (result, &error);
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
  /* placement='auto': numad's advice first, which takes seconds. */
  if (vb_qemu_numad_wanted (def))
    {
      vb_qemu_numad_advice_async (def, NULL, numad_for_start, task);
      return;
    }
  build_for_start (task);
}

static void
numad_for_start (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->numad_nodes = vb_qemu_numad_advice_finish (result, &error);
  if (!data->numad_nodes)
    {
      start_failed (task, error);
      return;
    }
  build_for_start (task);
}

static void
build_for_start (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  const VbDomainDef *def;
  GError *error = NULL;
  QemuDomain *qd;

  /* A password for every display, in the live XML before the command line
   * is built from it (which turns the displays' locks on). */
  if (!vb_qemu_graphics_prepare (data->domain, &error))
    {
      start_failed (task, error);
      return;
    }
  def = vb_domain_get_live_def (data->domain);
  data->command = vb_qemu_build_command (def, data->caps, FALSE, data->numad_nodes, &error);
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
  /* What the host must do to QEMU's threads, checked before it runs. */
  data->tuning = vb_qemu_tuning_new (def->uuid, data->command->xml, data->numad_nodes, &error);
  if (!error)
    data->limits = vb_qemu_limits_new (def->uuid, data->command->xml, data->numad_nodes, &error);
  if (!error)
    (void) vb_qemu_host_tuning_check (data->command->xml, &error);
  if (error)
    {
      start_failed (task, error);
      return;
    }
  /* The live XML is what runs: every PCI address and implicit controller
   * the command line names, also for a definition stored without them. */
  {
    VbDomainDef *ran = vb_domain_def_parse_live (data->command->xml, NULL);

    if (ran)
      vb_domain_set_live_def (data->domain, ran);
  }
  qd = vb_qemu_domain_new (data->domain);
  qd->starting = TRUE;
  vb_resource_set_driver_data (VB_RESOURCE (data->domain), qd, free_domain_data);
  /* Leftovers of a QEMU that died with the host: sockets in the way. */
  vb_remove_flat_dir (qd->dir);
  vb_domain_set_state (data->domain, VB_DOMAIN_PAUSED, "starting-up",
                       vb_driver_host_next_domain_id (vb_qemu_driver.host));
  prepare_qemu (task);
}

void
vb_qemu_start_incoming_async (VbDomain *domain, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  StartData *data = g_new0 (StartData, 1);

  data->domain = g_object_ref (domain);
  data->incoming = TRUE;
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);
  vb_qemu_get_caps_async (caps_for_start, task);
}

gboolean
vb_qemu_start_incoming_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_qemu_process_start (VbDomain *domain, guint flags, GTask *task)
{
  StartData *data = g_new0 (StartData, 1);

  data->domain = g_object_ref (domain);
  data->flags = flags;
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);
  vb_qemu_get_caps_async (caps_for_start, task);
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

/* While the service reconnects to a QEMU it found running, the domain's
 * lock is held, so an operation asked for meanwhile waits for the monitor
 * (and the state QEMU reports) instead of failing as unreachable. */
typedef struct {
  VbDomain *domain;
  gboolean locked;
} Reconnect;

static void
reconnect_done (Reconnect *reconnect)
{
  if (reconnect->locked)
    {
      vb_object_lock_release (vb_resource_get_lock (VB_RESOURCE (reconnect->domain)));
      /* Whatever waited on the lock (dropping a transient that ended) looks again. */
      vb_resource_changed (VB_RESOURCE (reconnect->domain));
    }
  g_object_unref (reconnect->domain);
  g_free (reconnect);
}

static void
reconnected_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reconnect *reconnect = user_data;
  VbDomain *domain = reconnect->domain;
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
  reconnect_done (reconnect);
}

static void
reconnected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reconnect *reconnect = user_data;
  VbDomain *domain = reconnect->domain;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  g_autoptr (GError) error = NULL;
  VbQmpClient *qmp = vb_qmp_client_new_finish (result, &error);

  if (!qd || qd->gone)
    {
      g_clear_object (&qmp);
      reconnect_done (reconnect);
      return;
    }
  if (!qmp)
    {
      /* Alive but deaf: it cannot be managed; end it rather than leave a ghost. */
      vb_log_warning (vb_qemu_log_name (domain), "cannot reach QEMU's monitor again (%s): ending it",
                      error->message);
      vb_qemu_terminate (qd);
      reconnect_done (reconnect);
      return;
    }
  attach_monitor (qd, qmp);
  vb_log_message (vb_qemu_log_name (domain), "reconnected to QEMU (pid %d)", qd->pid);
  for (const VbQemuPart *const *part = vb_qemu_parts; *part; part++)
    if ((*part)->reattached)
      (*part)->reattached (qd);
  vb_qmp_client_execute_async (qmp, "query-status", NULL, -1, NULL, reconnected_status, reconnect);
}

static gboolean qemu_uid (uid_t *uid);

/* Takes @status. The domain gets its live state back and a watch on QEMU. */
static void
reattach (VbDomain *domain, VbQemuStatus *status)
{
  g_autoptr (GError) error = NULL;
  VbDomainDef *live = vb_domain_def_parse_live (status->live_xml, &error);
  QemuDomain *qd;

  if (!live)
    {
      vb_log_warning (vb_qemu_log_name (domain), "its runtime status is unreadable (%s)", error->message);
      vb_qemu_status_free (status);
      return;
    }
  qd = vb_qemu_domain_new (domain);
  qd->pid = status->pid;
  qd->status = status;
  vb_resource_set_driver_data (VB_RESOURCE (domain), qd, free_domain_data);
  vb_domain_set_live_def (domain, live);
  vb_driver_host_note_domain_id (vb_qemu_driver.host, status->id);
  vb_domain_set_state (domain, state_from_string (status->state),
                       status->reason ? status->reason : "unknown", status->id);
  {
    uid_t uid;

    /* Before the watch: a QEMU that ended meanwhile ends its helpers too. */
    if (qemu_uid (&uid))
      vb_qemu_helpers_adopt (qd, status, uid);
  }
  if (!watch_pid (qd, &error))
    {
      vb_log_warning (vb_qemu_log_name (domain), "%s", error->message);
      process_gone (qd);
      return;
    }
  vb_qemu_log_cap_watch (qd->dir);
  {
    Reconnect *reconnect = g_new0 (Reconnect, 1);

    reconnect->domain = g_object_ref (domain);
    reconnect->locked = vb_object_lock_try_acquire (vb_resource_get_lock (VB_RESOURCE (domain)),
                                                    "reconnecting to its QEMU");
    vb_qmp_client_new_for_path_async (status->monitor_path, NULL, reconnected, reconnect);
  }
}

/* The uid QEMU runs as: the --qemu-user in system mode, else the service's. */
static gboolean
qemu_uid (uid_t *uid)
{
  const char *user = vb_qemu_user_name ();
  struct passwd *pw = user ? getpwnam (user) : NULL;

  if (user && !pw)
    return FALSE;
  *uid = pw ? pw->pw_uid : geteuid ();
  return TRUE;
}

/* The binary a status file of an older service (which recorded none) means:
 * the <emulator> of its live XML or the default, as the command line named it. */
static char *
binary_of_live_xml (const char *live_xml)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (live_xml, "domain", NULL);
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
  xmlNode *emulator = devices ? vb_xml_child (devices, "emulator") : NULL;
  g_autofree char *binary = emulator ? vb_xml_text (emulator) : g_strdup (vb_qemu_binary ());
  g_autofree char *found = binary ? g_find_program_in_path (binary) : NULL;
  char *real = found ? realpath (found, NULL) : NULL;
  char *exe = g_strdup (real);

  free (real);
  return exe;
}

/* The status file an older service kept in the domain's directory, which
 * QEMU's user can write. Taken only if it is the service's own (not a link,
 * one link, owned by the service's user: nothing QEMU's user can make), and
 * then moved where it belongs. Its binary is not taken from it. */
static VbQemuStatus *
read_old_status (const char *uuid, const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "status.json", NULL);
  g_autofree char *new_path = vb_qemu_status_path (uuid);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuStatus) status = vb_qemu_status_read (path, &error);

  if (!status)
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        vb_log_warning (NULL, "Ignoring %s: %s", path, error->message);
      return NULL;
    }
  g_clear_pointer (&status->exe, g_free);
  status->exe = binary_of_live_xml (status->live_xml);
  {
    g_autofree char *base = vb_qemu_status_dir ();
    g_autofree char *json = vb_qemu_status_to_json (status);

    if (g_mkdir_with_parents (base, 0700) < 0
        || !vb_write_file_atomic (new_path, json, strlen (json), 0600, &error))
      {
        vb_log_warning (NULL, "Ignoring %s: cannot move it to %s: %s", path, new_path,
                        error ? error->message : g_strerror (errno));
        return NULL;
      }
  }
  g_unlink (path);
  vb_log_message (NULL, "Moved the runtime status of %s to %s", uuid, new_path);
  return g_steal_pointer (&status);
}

/* Reads the status file of the domain @uuid, whose run directory is @dir:
 * NULL when there is none, it is broken, or its QEMU is gone (then the
 * directory is cleaned up) or the PID is not the QEMU the service started
 * (then nothing is signalled: the file is dropped with a warning). */
static VbQemuStatus *
read_live_status (const char *uuid, const char *dir)
{
  g_autofree char *path = vb_qemu_status_path (uuid);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuStatus) status = vb_qemu_status_read (path, &error);
  g_autofree char *monitor = g_build_filename (dir, "monitor.sock", NULL);
  gboolean uid_known;
  uid_t uid;

  if (!status && g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    status = read_old_status (uuid, dir);
  else if (!status)
    vb_log_warning (NULL, "Ignoring %s: %s", path, error->message);
  if (!status)
    return NULL;
  g_clear_error (&error);
  if (g_strcmp0 (status->uuid, uuid) != 0 || g_strcmp0 (status->monitor_path, monitor) != 0)
    {
      vb_log_warning (NULL, "Ignoring %s: it is not about %s and its monitor", path, uuid);
      g_unlink (path);
      return NULL;
    }
  uid_known = qemu_uid (&uid);
  if (!uid_known)
    g_set_error (&error, VB_ERROR, VB_ERROR_FAILED, "QEMU's user does not exist");
  else
    vb_qemu_status_check_process (status, status->exe, uid, &error);
  /* Its helpers (swtpm, virtiofsd) are ended with a QEMU that is gone or not ours. */
  if (error && uid_known)
    vb_qemu_helpers_end_recorded (status, uid);
  if (g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND))
    {
      vb_log_message (NULL, "QEMU of %s (pid %d) ended while the service was away", uuid,
                      status->pid);
      g_unlink (path);
      restore_sgio (uuid);
      /* Its macvtap links outlive it: deleted now, as they would have been. */
      vb_macvtap_delete_all ((const char *const *) status->macvtaps, uuid);
      vb_remove_flat_dir (dir);
      return NULL;
    }
  if (error)
    {
      /* Not the QEMU this service started: never reattached, never signalled. */
      vb_log_warning (NULL, "Not reattaching %s: %s", uuid, error->message);
      g_unlink (path);
      restore_sgio (uuid);
      return NULL;
    }
  return g_steal_pointer (&status);
}

void
vb_qemu_process_domain_loaded (VbDriverHost *host, VbDomain *domain)
{
  const char *uuid = vb_resource_get_uuid (VB_RESOURCE (domain));
  g_autofree char *dir = vb_qemu_domain_dir (uuid);
  gboolean had_status = g_file_test (dir, G_FILE_TEST_IS_DIR);
  VbQemuStatus *status = had_status ? read_live_status (uuid, dir) : NULL;

  if (status)
    reattach (domain, status);
  else if (had_status)
    vb_domain_set_state (domain, VB_DOMAIN_SHUTOFF, "unknown", -1);
}

GPtrArray *
vb_qemu_process_adopt_running (VbDriverHost *host)
{
  g_autofree char *base = vb_qemu_run_dir ();
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
      status = read_live_status (entry, dir);
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
