/* What the chaos programs share: a seed a failure can be replayed from, a
 * time budget, and the question every chaos call asks of its answer: is
 * this an error the service is allowed to give? */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The seed of this run: VB_CHAOS_SEED when set, else a fresh one; printed
 * with the command line that replays it. */
guint32 vb_chaos_seed (const char *program);
/* How long the run may take: VB_CHAOS_SECONDS when set, else @default_s. */
guint vb_chaos_seconds (guint default_s);

typedef enum {
  VB_CHAOS_OK,          /* the call returned */
  VB_CHAOS_REFUSED,     /* an org.virtbus.Virt1.Error.* name */
  VB_CHAOS_UNDELIVERED, /* nobody owned the name: the call never reached a service */
  VB_CHAOS_LOST,        /* the service went away before answering */
  VB_CHAOS_TIMEOUT,     /* no answer within the call's timeout */
  VB_CHAOS_FOREIGN,     /* any other error name: a bug unless the caller expects it */
} VbChaosOutcome;

/* Classifies the result of a call: @error NULL means success. */
VbChaosOutcome vb_chaos_classify (const GError *error);
/* The D-Bus name of @error, or its GIO code as text; never NULL. */
char *vb_chaos_error_name (const GError *error);

/* The files under @dir (recursively) whose names end with @suffix, as a
 * newline-separated list; "" when none. */
char *vb_chaos_find_files (const char *dir, const char *suffix);

G_END_DECLS
