/* Serial console sessions: the service connects to QEMU's console socket and
 * hands the client one end of a socket pair, copying bytes both ways. Being
 * in the middle, it knows when a session ends, so it can refuse a second one
 * (or end the first one when asked to) as libvirt does. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VbConsoleSession VbConsoleSession;

/* Domain.OpenConsole flags */
#define VB_CONSOLE_FORCE (1u << 0)

/* Opens a session on @socket_path, kept in @slot; returns the client's fd.
 * Fails with VB_ERROR_BUSY when @slot holds a live session and @force is FALSE. */
int vb_console_open (VbConsoleSession **slot, const char *socket_path, gboolean force,
                     GError **error);
/* Ends the session in @slot, if any. */
void vb_console_close (VbConsoleSession **slot);

G_END_DECLS
