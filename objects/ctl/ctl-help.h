/* Help for people: the overview of every command, and one command's usage,
 * options and description. */
#pragma once

#include <stdio.h>

#include "ctl-command.h"

G_BEGIN_DECLS

void ctl_help_print_overview (FILE *out);
void ctl_help_print_command (FILE *out, const CtlCommand *command);

G_END_DECLS
