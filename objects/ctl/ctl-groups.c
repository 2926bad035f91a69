/* Every table of commands, in the order `virtbusctl help` and the man page
 * list them. A table lives in the file of its commands; add a new one here
 * (its declaration and its row). */
#include "ctl-command.h"

extern const CtlCommand ctl_domain_list_commands[];
extern const CtlCommand ctl_help_commands[];

const CtlGroup ctl_groups[] = {
  { "Domains", ctl_domain_list_commands },
  { "Help", ctl_help_commands },
  { NULL },
};
