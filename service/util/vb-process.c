#include "vb-process.h"

#include <signal.h>
#include <sys/prctl.h>

void
vb_die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}
