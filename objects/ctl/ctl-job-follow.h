/* Waiting for a Job as a person at a terminal does: a progress bar on
 * standard error redrawn in place (a plain line now and then when standard
 * error is no terminal, nothing with --quiet or --json), and Ctrl-C asking
 * the Job to cancel, after which the wait goes on until the Job ends. */
#pragma once

#include <json-glib/json-glib.h>

#include "ctl-context.h"

G_BEGIN_DECLS

typedef enum {
  CTL_FOLLOW_GO_ON, /* keep waiting */
  CTL_FOLLOW_STOP,  /* stop waiting: the command is done (the Job goes on) */
  CTL_FOLLOW_FAIL,  /* stop waiting with the error the hook set */
} CtlFollowAction;

/* Called at each change of the Job, after the bar was drawn. */
typedef CtlFollowAction (*CtlFollowHook) (VirtbusJob *job, gpointer data, GError **error);

typedef struct _CtlJobFollow CtlJobFollow;

/* Catches SIGINT and SIGTERM from now on: make it before the call that
 * starts the Job, so that a Ctrl-C meanwhile cancels the Job once it
 * exists instead of killing the program that would report it. */
CtlJobFollow *ctl_job_follow_new (CtlContext *ctx);
void ctl_job_follow_free (CtlJobFollow *follow);

/* Waits for the Job at @job_path, drawing its progress titled @title (NULL:
 * from its Operation). TRUE when it completed or @hook stopped the wait;
 * FALSE with the Job's error (G_IO_ERROR_CANCELLED when cancelled). With
 * --json, prints the Job's final figures as a JSON object either way. */
gboolean ctl_job_follow_run (CtlJobFollow *follow, const char *job_path, const char *title,
                             CtlFollowHook hook, gpointer hook_data, GError **error);
/* The Job of the last run, with its final figures; NULL when none began. */
VirtbusJob *ctl_job_follow_get_job (CtlJobFollow *follow);
/* Whether Ctrl-C (or SIGTERM) came. */
gboolean ctl_job_follow_interrupted (CtlJobFollow *follow);

/* What people call the Job's Operation: "Migration", "Upload", ... */
const char *ctl_job_title (const char *operation);
/* The Job's figures as a JSON object (job, operation, phase, progress,
 * bytes_processed, bytes_total, rate, object, cancelable, error). */
JsonNode *ctl_job_to_json (VirtbusJob *job);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtlJobFollow, ctl_job_follow_free)

G_END_DECLS
