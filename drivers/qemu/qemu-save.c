/* Save and restore in the QEMU driver: the guest's state leaves through a
 * migration into the image file (fd:, after the header the generic layer
 * wrote), and comes back by an incoming migration from it. */
#include "qemu-save.h"

#include <gio/gio.h>
#include <errno.h>
#include <unistd.h>

#include "qemu-domain-private.h"
#include "qemu-migration.h"
#include "qemu-process.h"
#include "qemu-transient.h"
#include "vb-error.h"
#include "vb-log.h"

#define SAVE_FD_NAME "vb-save"
#define RESTORE_FD_NAME "vb-restore"

/* Migration capabilities for a save: QEMU's MIGRATION events, nothing that
 * needs a peer. */
static const VbQemuMigrateCap save_caps[] = {
  { "events", TRUE },
  { "postcopy-ram", FALSE },
  { "multifd", FALSE },
  { "auto-converge", FALSE },
  { "pause-before-switchover", FALSE },
};

/* The error of a command's answer, with @prefix; NULL when QEMU agreed. */
static GError *
refused (GObject *source, GAsyncResult *result, const char *prefix)
{
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (reply)
    return NULL;
  g_prefix_error (&error, "%s", prefix);
  return error;
}

/* Why the migration failed, from a query-migrate answer; NULL if QEMU says not. */
static char *
failure_reason (GObject *source, GAsyncResult *result)
{
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);

  return reply && JSON_NODE_HOLDS_OBJECT (reply)
           ? g_strdup (vb_qmp_member_string (json_node_get_object (reply), "error-desc"))
           : NULL;
}

/* Passes @fd to QEMU as @fdname (the client sends a dup of it with the
 * command, queued now), then runs @command (migrate or migrate-incoming) on
 * it; @done gets both answers, with a reference to the domain. */
static void
migrate_fd (QemuDomain *qd, int fd, const char *fdname, const char *command,
            GAsyncReadyCallback done)
{
  g_autoptr (JsonObject) getfd = json_object_new ();
  g_autoptr (JsonObject) migrate = json_object_new ();
  g_autofree char *uri = g_strdup_printf ("fd:%s", fdname);

  json_object_set_string_member (getfd, "fdname", fdname);
  vb_qmp_client_execute_async (qd->qmp, "getfd", getfd, fd, NULL, done, g_object_ref (qd->domain));
  json_object_set_string_member (migrate, "uri", uri);
  vb_qmp_client_execute_async (qd->qmp, command, migrate, -1, NULL, done,
                               g_object_ref (qd->domain));
}

/* ---- save ---- */

typedef struct {
  VbDomain *domain;
  VbJob *job;
  gulong cancel_handler;
} Save;

static void
save_free (Save *s)
{
  if (s->cancel_handler)
    g_cancellable_disconnect (vb_job_get_cancellable (s->job), s->cancel_handler);
  g_object_unref (s->job);
  g_object_unref (s->domain);
  g_free (s);
}

static void
save_done (QemuDomain *qd, GError *error)
{
  GTask *task = g_steal_pointer (&qd->save);

  if (!task)
    {
      g_clear_error (&error);
      return;
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
save_command_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  GError *error = refused (source, result, "QEMU refused the save: ");

  if (error && qd)
    save_done (qd, error);
  else
    g_clear_error (&error);
  g_object_unref (domain);
}

static void
save_failed_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  g_autofree char *why = failure_reason (source, result);

  if (qd)
    save_done (qd, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU could not send the state: %s",
                                why ? why : "no reason given"));
  g_object_unref (domain);
}

static void
on_cancel (GCancellable *cancellable, gpointer user_data)
{
  QemuDomain *qd = vb_qemu_domain_of (user_data);

  if (qd && qd->qmp && qd->save)
    vb_qemu_execute_logged (qd, "migrate_cancel", NULL);
}

void
vb_qemu_save_async (VbDriverHost *host, VbDomain *domain, int fd, VbJob *job,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  Save *s = g_new0 (Save, 1);

  s->domain = g_object_ref (domain);
  s->job = g_object_ref (job);
  g_task_set_task_data (task, s, (GDestroyNotify) save_free);
  if (!qd || !qd->qmp || qd->gone || qd->save || qd->migration)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "The QEMU of domain '%s' is not reachable or busy",
                               vb_resource_get_name (VB_RESOURCE (domain)));
      g_object_unref (task);
      return;
    }
  {
    GError *error = NULL;

    if (!vb_qemu_transient_refuse (domain, "save", &error))
      {
        g_task_return_error (task, error);
        g_object_unref (task);
        return;
      }
  }
  qd->save = task;
  /* Stopped first, as a save is a snapshot of one moment, not a live copy. */
  if (vb_domain_get_state (domain) == VB_DOMAIN_RUNNING)
    {
      qd->own_stop = TRUE;
      vb_qemu_send_command (qd, "stop");
    }
  vb_qemu_migrate_set_capabilities (qd, save_caps, G_N_ELEMENTS (save_caps));
  {
    JsonObject *args = json_object_new ();
    /* QEMU's default cap (32 MiB/s in 7.2) would make a save crawl: the
     * disk is the limit here. */
    json_object_set_int_member (args, "max-bandwidth", G_MAXINT64 >> 10);
    vb_qemu_execute_logged (qd, "migrate-set-parameters", args);
  }
  migrate_fd (qd, fd, SAVE_FD_NAME, "migrate", save_command_done);
  s->cancel_handler = g_cancellable_connect (vb_job_get_cancellable (job), G_CALLBACK (on_cancel),
                                             g_object_ref (domain), g_object_unref);
}

gboolean
vb_qemu_save_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
save_end_cont (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    {
      g_prefix_error (&error, "The save failed and the guest could not be resumed: ");
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
vb_qemu_save_end_async (VbDriverHost *host, VbDomain *domain, gboolean success, gboolean resume,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (!qd || !qd->qmp || qd->gone)
    {
      /* Gone already: nothing is left to end or resume. */
      if (success)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "QEMU ended during the save");
      g_object_unref (task);
      return;
    }
  if (success)
    {
      /* The image is whole and on the disk: this QEMU may go. */
      qd->stopping = STOP_SAVED;
      g_ptr_array_add (qd->exit_waiters, task);
      vb_qemu_quit (qd);
      return;
    }
  /* Harmless when the migration ended already; stops one still writing. */
  vb_qemu_execute_logged (qd, "migrate_cancel", NULL);
  if (!resume)
    {
      vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "user");
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  qd->own_resume = TRUE;
  vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "save-canceled");
  vb_domain_emit_lifecycle (qd->domain, "resumed", "unpaused");
  vb_qmp_client_execute_async (qd->qmp, "cont", NULL, -1, NULL, save_end_cont, task);
}

gboolean
vb_qemu_save_end_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- restore ---- */

typedef struct {
  VbDomain *domain;
  int fd;
  gboolean paused;
  GError *error; /* the failure, reported once QEMU is gone */
} Restore;

static void
restore_free (Restore *r)
{
  if (r->fd >= 0)
    close (r->fd);
  g_clear_error (&r->error);
  g_object_unref (r->domain);
  g_free (r);
}

/* Success: the guest is where the save left it. */
static void
restore_done (QemuDomain *qd)
{
  GTask *task = g_steal_pointer (&qd->restore);
  Restore *r = g_task_get_task_data (task);

  qd->stopping = STOP_NONE;
  vb_log_message (vb_qemu_log_name (qd->domain), "restored (QEMU pid %d)", qd->pid);
  if (r->paused)
    {
      vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "user");
      vb_domain_emit_lifecycle (qd->domain, "started", "restored");
      vb_domain_emit_lifecycle (qd->domain, "suspended", "paused");
    }
  else if (vb_domain_get_state (qd->domain) != VB_DOMAIN_RUNNING)
    {
      vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "restored");
      vb_domain_emit_lifecycle (qd->domain, "started", "restored");
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
return_later (gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* Failure: QEMU ends, and the restore fails once it is gone (the domain is
 * shut off by then). */
static void
restore_failed (QemuDomain *qd, GError *error)
{
  GTask *task = g_steal_pointer (&qd->restore);
  Restore *r;

  if (!task)
    {
      g_clear_error (&error);
      return;
    }
  r = g_task_get_task_data (task);
  r->error = error;
  vb_log_warning (vb_qemu_log_name (qd->domain), "restore failed: %s", error->message);
  qd->stopping = STOP_FAILED;
  if (qd->gone)
    {
      /* Called from the process's end: answer once the domain is shut off. */
      g_idle_add (return_later, task);
      return;
    }
  g_ptr_array_add (qd->exit_waiters, task);
  vb_qemu_terminate (qd);
}

static void
restore_command_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  GError *error = refused (source, result, "QEMU refused to load the saved state: ");

  if (error && qd && qd->restore)
    restore_failed (qd, error);
  else
    g_clear_error (&error);
  g_object_unref (domain);
}

static void
restore_failed_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  g_autofree char *why = failure_reason (source, result);

  if (qd)
    restore_failed (qd, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                     "QEMU could not load the saved state: %s",
                                     why ? why
                                         : "the stream is damaged or does not fit the "
                                           "domain's devices (see QEMU's log)"));
  g_object_unref (domain);
}

static void
incoming_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Restore *r = g_task_get_task_data (task);
  QemuDomain *qd;
  GError *error = NULL;

  if (!vb_qemu_start_incoming_finish (result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  qd = vb_qemu_domain_of (r->domain);
  /* Ours from here, not the migration code's. */
  qd->incoming = FALSE;
  qd->restore = task;
  qd->stopping = STOP_FAILED; /* an end before the state is in is a failed start */
  vb_qemu_migrate_set_capabilities (qd, save_caps, G_N_ELEMENTS (save_caps));
  migrate_fd (qd, r->fd, RESTORE_FD_NAME, "migrate-incoming", restore_command_done);
  close (r->fd);
  r->fd = -1;
}

void
vb_qemu_restore_async (VbDriverHost *host, VbDomain *domain, int fd, gboolean paused,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  Restore *r = g_new0 (Restore, 1);

  r->domain = g_object_ref (domain);
  /* A dup shares the file offset: QEMU reads from the stream's start. */
  r->fd = dup (fd);
  r->paused = paused;
  g_task_set_task_data (task, r, (GDestroyNotify) restore_free);
  if (r->fd < 0)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "dup: %s", g_strerror (errno));
      g_object_unref (task);
      return;
    }
  vb_qemu_start_incoming_async (domain, incoming_started, task);
}

gboolean
vb_qemu_restore_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  Restore *r = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (r->error)
    {
      g_propagate_error (error, g_steal_pointer (&r->error));
      return FALSE;
    }
  return TRUE;
}

/* ---- events ---- */

static gboolean
save_event (QemuDomain *qd, const char *name, JsonObject *data)
{
  const char *status =
    g_str_equal (name, "MIGRATION") ? vb_qmp_member_string (data, "status") : NULL;

  if (qd->save)
    {
      if (g_str_equal (name, "STOP") && qd->own_stop)
        {
          qd->own_stop = FALSE;
          vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "save");
          /* As libvirt: the guest stops for its save, a client sees it. */
          vb_domain_emit_lifecycle (qd->domain, "suspended", "paused");
          return TRUE;
        }
      if (g_str_equal (name, "MIGRATION_PASS"))
        return TRUE;
      if (!status)
        return FALSE;
      if (g_str_equal (status, "active"))
        vb_job_set_phase (((Save *) g_task_get_task_data (qd->save))->job, "saving");
      else if (g_str_equal (status, "completed"))
        save_done (qd, NULL);
      else if (g_str_equal (status, "failed"))
        vb_qmp_client_execute_async (qd->qmp, "query-migrate", NULL, -1, NULL, save_failed_status,
                                     g_object_ref (qd->domain));
      else if (g_str_equal (status, "cancelled"))
        save_done (qd, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The save was cancelled"));
      return TRUE;
    }
  if (qd->restore)
    {
      Restore *r = g_task_get_task_data (qd->restore);

      if (g_str_equal (name, "RESUME") && qd->own_resume)
        {
          qd->own_resume = FALSE;
          restore_done (qd);
          return TRUE;
        }
      if (!status)
        return g_str_equal (name, "STOP");
      if (g_str_equal (status, "completed"))
        {
          if (r->paused)
            restore_done (qd);
          else
            {
              qd->own_resume = TRUE;
              vb_qmp_client_execute_async (qd->qmp, "cont", NULL, -1, NULL, restore_command_done,
                                           g_object_ref (qd->domain));
            }
        }
      else if (g_str_equal (status, "failed"))
        vb_qmp_client_execute_async (qd->qmp, "query-migrate", NULL, -1, NULL,
                                     restore_failed_status, g_object_ref (qd->domain));
      return TRUE;
    }
  return FALSE;
}

static void
save_gone (QemuDomain *qd)
{
  if (qd->save)
    save_done (qd, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU ended during the save"));
  if (qd->restore)
    restore_failed (qd, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                     "QEMU ended while loading the saved state"));
}

const VbQemuPart vb_qemu_save_part = {
  .name = "save",
  .event = save_event,
  .gone = save_gone,
};
