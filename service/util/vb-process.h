/* Small helpers for child processes of the service. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* qemu-img as Debian installs it (qemu-utils): run by this path, never
 * looked up in the service's PATH. */
#define VB_QEMU_IMG_BINARY "/usr/bin/qemu-img"

/* A GSpawnChildSetupFunc: the child is killed when the service dies. For
 * helpers that mean nothing without us (probes), never for guests. */
void vb_die_with_parent (gpointer user_data);

/* The same for a helper that runs as the QEMU user: @user_data is a const
 * VbUser * (vb-user.h) to drop to first (vb_user_drop_to()), NULL to stay
 * who we are. It must stay valid until the spawn returns. */
void vb_die_with_parent_as (gpointer user_data);

/* The start time of @pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), 0 when it does not exist or is a zombie. With the pid it
 * names one process for good: pids are reused, start times are not. */
guint64 vb_process_start_time (int pid);

/* The program @pid runs (/proc/PID/exe), without the " (deleted)" of a
 * binary replaced on disk since; NULL when it cannot be read. */
char *vb_process_exe (int pid);

G_END_DECLS
