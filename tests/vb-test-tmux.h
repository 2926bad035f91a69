/* A program in a real terminal: tmux on a private socket, a command in a
 * detached session of a fixed size, its screen read with capture-pane and
 * keys typed with send-keys. The command's exit status shows on the screen
 * as "[exit N]" when it ends. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VbTmux VbTmux;

/* Runs the shell command @command in a new @width x 30 terminal. */
VbTmux *vb_tmux_new (const char *tmpdir, const char *command, guint width);
void vb_tmux_free (VbTmux *tmux);
/* The screen as text, one line per row. */
char *vb_tmux_capture (VbTmux *tmux);
/* Waits until @needle is on the screen; FALSE after @timeout_ms. */
gboolean vb_tmux_wait_text (VbTmux *tmux, const char *needle, guint timeout_ms);
/* The last line of the screen holding @needle, NULL when none. */
char *vb_tmux_line_with (VbTmux *tmux, const char *needle);
/* tmux send-keys: "C-c", "Enter", or text. */
void vb_tmux_send_keys (VbTmux *tmux, const char *keys);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbTmux, vb_tmux_free)

G_END_DECLS
