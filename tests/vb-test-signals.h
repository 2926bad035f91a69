/* A log of the signals the service emits, for tests that check what a client
 * listening on the bus would see, and in which order. */
#pragma once

#include "vb-test-daemons.h"

G_BEGIN_DECLS

/* Records the signals the service emits, in order, as "Interface.Member args". */
typedef struct _VbSignalLog VbSignalLog;
VbSignalLog *vb_signal_log_new (VbTestEnv *env);
void vb_signal_log_free (VbSignalLog *log);
/* Waits until a recorded line contains @needle; returns whether it came. */
gboolean vb_signal_log_wait (VbSignalLog *log, const char *needle, guint timeout_ms);
/* The index of the first line containing @needle, -1 when none. */
int vb_signal_log_find (VbSignalLog *log, const char *needle);
void vb_signal_log_clear (VbSignalLog *log);
/* The Domain.LifecycleEvent signals recorded for @path, in order, as
 * "('shutdown', 'finished') ('stopped', 'shutdown')": for tests that check
 * the exact sequence. */
char *vb_signal_log_lifecycle (VbSignalLog *log, const char *path);
void vb_signal_log_dump (VbSignalLog *log);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbSignalLog, vb_signal_log_free)

G_END_DECLS
