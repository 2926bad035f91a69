#include "vb-process.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The pid of the process that last forked, written in the parent just
 * before fork() (pthread_atfork's prepare handler, which glibc runs for the
 * fork() of g_spawn with a child setup), so the child can read it from its
 * copy of memory: getppid() cannot say who the parent *was*. */
static volatile pid_t forking_pid;

static void
record_forking_pid (void)
{
  forking_pid = getpid ();
}

/* At load time: the handler must be in place before the first fork, and the
 * callers only hand vb_die_with_parent to a launcher. */
__attribute__ ((constructor)) static void
register_fork_handler (void)
{
  pthread_atfork (record_forking_pid, NULL, NULL);
}

void
vb_die_with_parent (gpointer user_data)
{
  pid_t parent = forking_pid;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* The parent may have died between fork() and prctl(): then no signal
   * will ever come, and the child would outlive us (a probe QEMU running
   * forever). Only async-signal-safe calls here. */
  if (parent != 0 && getppid () != parent)
    _exit (127);
}
