/* Running the build's virtbusctl as a person would: with arguments, text on
 * its standard input, an $EDITOR, as another user; what it printed and how
 * it exited. */
#pragma once

#include "vb-test-daemons.h"

G_BEGIN_DECLS

typedef struct {
  int status; /* the exit code; the test fails when it was killed */
  char *out;
  char *err;
} VbCtlRun;

void vb_ctl_run_free (VbCtlRun *run);
/* The build's virtbusctl ($VB_CTL). */
const char *vb_ctl_path (void);
/* virtbusctl @args (NULL-terminated) with @input on its standard input (NULL:
 * none). */
VbCtlRun *vb_ctl_run_raw (const char *input, const char *const *args);
/* The same on @env's bus (--address first). */
VbCtlRun *vb_ctl_run (VbTestEnv *env, const char *input, const char *const *args);
/* The same with $EDITOR set to @editor (and no $VISUAL). */
VbCtlRun *vb_ctl_run_edit (VbTestEnv *env, const char *editor, const char *input,
                           const char *const *args);
/* The same as the user @user. */
VbCtlRun *vb_ctl_run_as (VbTestEnv *env, const char *user, const char *const *args);
/* Runs on @env's bus expecting exit code 0 and nothing on stderr; returns
 * its output. */
char *vb_ctl_ok (VbTestEnv *env, const char *const *args);
/* Runs on @env's bus expecting exit code @status; returns its stderr. */
char *vb_ctl_fails (VbTestEnv *env, int status, const char *const *args);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbCtlRun, vb_ctl_run_free)

G_END_DECLS
