/* A terminal a test types into and reads, as a person at it would: a bash
 * in a tmux pane of a private tmux server (its socket in the test's
 * directory), with the build's virtbusctl and its completion. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *socket;
  char *dir;
} VbTmux;

/* FALSE (and the test skipped) when tmux is not installed. */
gboolean vb_tmux_available (void);
/* A 160x50 pane running bash (no rc files, prompt "$ ") in @dir, with the
 * directory of $VB_CTL first in $PATH and virtbusctl's completion loaded. */
VbTmux *vb_tmux_new (const char *dir);
/* Kills the tmux server and what runs in it. */
void vb_tmux_free (VbTmux *tmux);
/* Types @text as it is (no Enter). */
void vb_tmux_type (VbTmux *tmux, const char *text);
/* Presses keys by tmux's names: "Enter", "Tab", "C-]". */
void vb_tmux_keys (VbTmux *tmux, const char *key);
/* Pastes @size bytes of @text into the pane at once, as a terminal's paste
 * does (tmux buffers what the program does not read yet). */
void vb_tmux_paste (VbTmux *tmux, const char *text, gsize size);
/* The screen and the lines above it, wrapped lines joined. */
char *vb_tmux_screen (VbTmux *tmux);
/* Waits until the screen matches @pattern (a GRegex, multi-line); returns
 * the match (capture group 1 if any); fails the test, showing the screen,
 * when @timeout_ms pass. */
char *vb_tmux_wait (VbTmux *tmux, const char *pattern, guint timeout_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbTmux, vb_tmux_free)

G_END_DECLS
