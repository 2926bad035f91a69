/* managedsave, save and restore: the guest's state to an image and back,
 * each a Job followed with a progress bar. */
#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-job-follow.h"

/* The flags of ManagedSave, Save and Manager.Restore. */
#define SAVE_RUNNING (1u << 1)
#define SAVE_PAUSED (1u << 2)

static gboolean
state_flags (CtlArgs *args, guint *flags, GError **error)
{
  gboolean running = ctl_args_flag (args, "running");
  gboolean paused = ctl_args_flag (args, "paused");

  if (running && paused)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           "--running and --paused exclude each other");
      return FALSE;
    }
  *flags = running ? SAVE_RUNNING : paused ? SAVE_PAUSED : 0;
  return TRUE;
}

/* The service opens the file, maybe with another working directory. */
static char *
absolute (const char *file)
{
  return g_canonicalize_filename (file, NULL);
}

typedef gboolean (*SaveCall) (VirtbusDomain *domain, const char *file, guint flags, char **job,
                              GError **error);

static gboolean
save_with (CtlContext *ctx, CtlArgs *args, SaveCall call, const char *file, GError **error)
{
  g_autoptr (CtlJobFollow) follow = ctl_job_follow_new (ctx);
  g_autoptr (VirtbusDomain) domain = NULL;
  g_autofree char *name = NULL;
  g_autofree char *job = NULL;
  guint flags;

  if (!state_flags (args, &flags, error))
    return FALSE;
  domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  if (!domain)
    return FALSE;
  name = g_strdup (virtbus_domain_get_name (domain));
  if (!call (domain, file, flags, &job, error)
      || !ctl_job_follow_run (follow, job, NULL, NULL, NULL, error))
    return FALSE;
  if (file)
    ctl_say (ctx, "Domain '%s' saved to %s", name, file);
  else
    ctl_say (ctx, "Domain '%s' state saved by virtbus", name);
  return TRUE;
}

static gboolean
call_managed_save (VirtbusDomain *domain, const char *file, guint flags, char **job, GError **error)
{
  return virtbus_domain_call_managed_save_sync (domain, flags, job, NULL, error);
}

static gboolean
run_managedsave (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return save_with (ctx, args, call_managed_save, NULL, error);
}

static gboolean
call_save (VirtbusDomain *domain, const char *file, guint flags, char **job, GError **error)
{
  return virtbus_domain_call_save_sync (domain, file, flags, job, NULL, error);
}

static gboolean
run_save (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autofree char *file = absolute (ctl_args_get (args, 1));

  return save_with (ctx, args, call_save, file, error);
}

static gboolean
run_restore (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autofree char *file = absolute (ctl_args_get (args, 0));
  g_autoptr (CtlJobFollow) follow = ctl_job_follow_new (ctx);
  g_autoptr (VirtbusObject) object = NULL;
  g_autofree char *job = NULL;
  VirtbusClient *client;
  VirtbusDomain *domain;
  guint flags;

  if (!state_flags (args, &flags, error) || !(client = ctl_context_client (ctx, error)))
    return FALSE;
  if (!virtbus_manager_call_restore_sync (virtbus_client_get_manager (client), file, flags, &job,
                                          NULL, error)
      || !ctl_job_follow_run (follow, job, NULL, NULL, NULL, error))
    return FALSE;
  object =
    ctl_context_wait_object (ctx, virtbus_job_get_object (ctl_job_follow_get_job (follow)), error);
  if (!object || !(domain = virtbus_object_peek_domain (object)))
    return FALSE;
  ctl_say (ctx, "Domain '%s' restored from %s", virtbus_domain_get_name (domain), file);
  return TRUE;
}

#define STATE_OPTIONS                                                \
  { "running", NULL, "the guest runs when it comes back" },          \
    { "paused", NULL, "the guest stays paused when it comes back" }, \
  {                                                                  \
    NULL                                                             \
  }

const CtlCommand ctl_domain_save_commands[] = {
  { "managedsave", "Save a running domain's state for its next start, showing the progress",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { NULL } },
    (const CtlOption[]){ STATE_OPTIONS }, run_managedsave,
    "The guest's memory goes to an image virtbus keeps and the domain shuts off;\n"
    "start continues the guest where it was. Ctrl-C cancels: the guest goes on." },
  { "save", "Save a running domain's state to a file, showing the progress",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { "FILE", CTL_ARG_FILE }, { NULL } },
    (const CtlOption[]){ STATE_OPTIONS }, run_save,
    "FILE must not exist. The domain shuts off (a transient one goes); restore\n"
    "brings it back. Ctrl-C cancels: no image stays and the guest goes on." },
  { "restore", "Bring back a domain saved to a file, showing the progress",
    (const CtlArg[]){ { "FILE", CTL_ARG_FILE }, { NULL } }, (const CtlOption[]){ STATE_OPTIONS },
    run_restore,
    "Without --running or --paused the guest comes back as it was when saved.\n"
    "The image stays." },
  { NULL },
};
