#include "ctl-terminal.h"

#include <unistd.h>

gboolean
ctl_terminal_make_raw (CtlTerminal *terminal)
{
  struct termios raw;

  terminal->raw = FALSE;
  if (!isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &terminal->saved) < 0)
    return FALSE;
  raw = terminal->saved;
  cfmakeraw (&raw);
  if (tcsetattr (STDIN_FILENO, TCSAFLUSH, &raw) < 0)
    return FALSE;
  terminal->raw = TRUE;
  return TRUE;
}

void
ctl_terminal_restore (CtlTerminal *terminal)
{
  if (!terminal->raw)
    return;
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &terminal->saved);
  terminal->raw = FALSE;
}
