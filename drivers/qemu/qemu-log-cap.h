/* Keeps the logs in running domains' run directories bounded. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The most a log in a domain's run directory grows to before its end is
 * kept as NAME.log.1 and it starts again (virtlogd's default size). */
#define VB_QEMU_LOG_LIMIT (2 * 1024 * 1024)

/* The logs directly in @dir (a domain's run directory, made before its
 * QEMU runs) are watched from now on, until @dir is removed: each write
 * that takes one past VB_QEMU_LOG_LIMIT has it cut, in a thread of its own. */
void vb_qemu_log_cap_watch (const char *dir);

G_END_DECLS
