/* Keeps the logs in running domains' run directories bounded. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The most a log in a domain's run directory grows to before its end is
 * kept as NAME.log.1 and it starts again (virtlogd's default size). */
#define VB_QEMU_LOG_LIMIT (2 * 1024 * 1024)

/* A QEMU runs (started, or found again after a restart): the logs of every
 * domain's run directory are looked at every few seconds, off the main loop,
 * until no domain has one. */
void vb_qemu_log_cap_watch (void);

G_END_DECLS
