/* Who polkit is asked about: the polkit subject for a caller of virtbus.
 *
 * When polkitd listens on the bus the caller is on, the subject is the
 * caller's unique bus name, and polkitd asks the bus for its credentials
 * itself. Otherwise polkitd cannot resolve that name, and the subject is the
 * caller's process: its pid with the start time read when its first call
 * arrived, and the uid the bus reported. */
#pragma once

#include <polkit/polkit.h>

G_BEGIN_DECLS

/* The start time of process @pid if it runs with effective uid @uid (the
 * uid its bus reported); 0 when it does not, or when either cannot be read. */
guint64 vb_authz_caller_start_time (guint32 pid, guint32 uid);

/* The subject for @sender: a PolkitSystemBusName when @polkit_on_same_bus, else
 * a PolkitUnixProcess for @pid started at @start_time, owned by @uid. NULL
 * (refuse) when a process subject is needed and @pid or @start_time is 0. */
PolkitSubject *vb_authz_subject_new (const char *sender, gboolean polkit_on_same_bus, guint32 pid,
                                     guint64 start_time, guint32 uid);

G_END_DECLS
