/* Process groups killed by ID, also on abort: see vb-test-groups.h. */
#include "vb-test-groups.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Few groups live at once; a fixed array is what a signal handler can read. */
#define MAX_GROUPS 16

static volatile sig_atomic_t groups[MAX_GROUPS];
static struct sigaction previous[3];
static const int fatal_signals[3] = { SIGABRT, SIGTRAP, SIGTERM };

void
vb_test_group_child_setup (gpointer user_data)
{
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
on_fatal_signal (int sig)
{
  for (guint i = 0; i < MAX_GROUPS; i++)
    if (groups[i] > 1)
      kill (-(pid_t) groups[i], SIGKILL);
  /* Then whatever handled it before us (vb-test-daemons.c's ends guests). */
  for (guint i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
    if (fatal_signals[i] == sig)
      sigaction (sig, &previous[i], NULL);
  raise (sig);
}

/* Installed over whatever handles the signal now (vb_test_env_new installs
 * the env's once, with signal()): ours runs first and hands the signal on.
 * Checked at every watch, since an env made later replaces ours. */
static void
install_handler (void)
{
  struct sigaction action;

  memset (&action, 0, sizeof action);
  action.sa_handler = on_fatal_signal;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
    {
      struct sigaction current;

      sigaction (fatal_signals[i], NULL, &current);
      if (current.sa_handler != on_fatal_signal)
        sigaction (fatal_signals[i], &action, &previous[i]);
    }
}

void
vb_test_group_watch (GPid pgid)
{
  g_assert_cmpint (pgid, >, 1);
  install_handler ();
  for (guint i = 0; i < MAX_GROUPS; i++)
    if (groups[i] == 0)
      {
        groups[i] = pgid;
        return;
      }
  g_error ("more than %d process groups at once", MAX_GROUPS);
}

void
vb_test_group_kill (GPid pgid)
{
  if (pgid <= 1)
    return;
  kill (-pgid, SIGKILL);
  for (guint i = 0; i < MAX_GROUPS; i++)
    if (groups[i] == pgid)
      groups[i] = 0;
}
