#include "vb-process.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vb-user.h"

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

void
vb_die_with_parent_as (gpointer user_data)
{
  const VbUser *user = user_data;

  /* The drop comes first: a change of effective uid or gid clears the
   * parent-death signal, so one set before it would be lost. */
  if (user)
    vb_user_drop_to (user);
  vb_die_with_parent (NULL);
}

guint64
vb_process_start_time (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after_name;
  char *end;
  guint64 start_time;

  if (pid <= 0 || !g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  /* The command name (field 2) is in parentheses and may itself hold spaces
   * and ')': the fields we want follow the last ')'. */
  after_name = strrchr (contents, ')');
  if (!after_name || after_name[1] != ' ')
    return 0;
  fields = g_strsplit (after_name + 2, " ", 0);
  /* fields[0] is field 3 (state), so field 22 (starttime) is fields[19]. A
   * zombie is dead, whoever has not reaped it yet. */
  if (g_strv_length (fields) < 20 || fields[0][0] == 'Z' || fields[0][0] == 'X')
    return 0;
  start_time = g_ascii_strtoull (fields[19], &end, 10);
  return end != fields[19] && *end == '\0' ? start_time : 0;
}

char *
vb_process_exe (int pid)
{
  g_autofree char *link = g_strdup_printf ("/proc/%d/exe", pid);
  g_autofree char *exe = pid > 0 ? g_file_read_link (link, NULL) : NULL;

  if (exe && g_str_has_suffix (exe, " (deleted)"))
    exe[strlen (exe) - strlen (" (deleted)")] = '\0';
  return g_steal_pointer (&exe);
}
