/* One command in a real terminal (vb-test-tmux.h gives a shell in one):
 * tmux on a private socket, a command in a
 * detached session of a fixed size, its screen read with capture-pane and
 * keys typed with send-keys. The command's exit status shows on the screen
 * as "[exit N]" when it ends. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VbPane VbPane;

/* Runs the shell command @command in a new @width x 30 terminal. */
VbPane *vb_pane_new (const char *tmpdir, const char *command, guint width);
void vb_pane_free (VbPane *tmux);
/* The screen as text, one line per row. */
char *vb_pane_capture (VbPane *tmux);
/* Waits until @needle is on the screen; FALSE after @timeout_ms. */
gboolean vb_pane_wait_text (VbPane *tmux, const char *needle, guint timeout_ms);
/* The last line of the screen holding @needle, NULL when none. */
char *vb_pane_line_with (VbPane *tmux, const char *needle);
/* tmux send-keys: "C-c", "Enter", or text. */
void vb_pane_send_keys (VbPane *tmux, const char *keys);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbPane, vb_pane_free)

G_END_DECLS
