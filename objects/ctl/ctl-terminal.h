/* The terminal of standard input in raw mode (every key as typed, no echo,
 * no signals from Ctrl-C), and back as it was. */
#pragma once

#include <glib.h>
#include <termios.h>

G_BEGIN_DECLS

typedef struct {
  gboolean raw;
  struct termios saved;
} CtlTerminal;

/* Raw mode when standard input is a terminal; FALSE with errno otherwise,
 * which leaves @terminal as it was (not raw). */
gboolean ctl_terminal_make_raw (CtlTerminal *terminal);
/* Restores what ctl_terminal_make_raw() changed; harmless when nothing. */
void ctl_terminal_restore (CtlTerminal *terminal);

G_END_DECLS
