/* virtbusd --stdio-bridge: joins stdin/stdout to a local D-Bus socket, so a
 * migration source can reach this host's service through `ssh host virtbusd
 * --stdio-bridge` (as systemd-stdio-bridge does), but only that service:
 * bridge-filter.c decides what passes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs until either side closes. @address is a unix:path= address; NULL
 * means the system bus. Returns the process exit status. */
int vb_stdio_bridge_run (const char *address);

G_END_DECLS
