/* Process bookkeeping, timing and statistics for the benchmarks: see
 * bench-util.h. */
#include "bench-util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- processes ---- */

/* Plain arrays of PIDs, not GLib containers: the signal handler reads them. */
#define MAX_TRACKED 256
#define MAX_DAEMONS 4
static volatile pid_t tracked[MAX_TRACKED];
static volatile pid_t daemons[MAX_DAEMONS];
static void (*previous_abort) (int);
static void (*previous_trap) (int);
/* rm -rf of a directory, made ready before any signal can come. */
static char *remove_argv[4];

/* A QEMU the benchmark started or found: killed by the signal handler. */
void
bench_track_pid (pid_t pid)
{
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked[i] == 0)
      {
        tracked[i] = pid;
        return;
      }
  g_error ("more than %d QEMUs to keep track of", MAX_TRACKED);
}

void
bench_untrack_pid (pid_t pid)
{
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked[i] == pid)
      tracked[i] = 0;
}

/* A virtbusd whose children the signal handler kills: they are QEMUs of
 * ours, also one started a moment ago whose PID we do not know yet. */
void
bench_watch_daemon (pid_t daemon)
{
  for (int i = 0; i < MAX_DAEMONS; i++)
    if (daemons[i] == 0)
      {
        daemons[i] = daemon;
        return;
      }
  g_error ("more than %d virtbus services to keep track of", MAX_DAEMONS);
}

/* The parent of @pid from /proc/<pid>/stat, 0 when it is gone. With plain
 * system calls, as it also runs in the signal handler. */
pid_t
bench_parent_of (const char *pid)
{
  char path[64], stat[1024];
  const char *after = NULL;
  ssize_t length;
  int fd;

  snprintf (path, sizeof path, "/proc/%s/stat", pid);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return 0;
  length = read (fd, stat, sizeof stat - 1);
  close (fd);
  if (length <= 0)
    return 0;
  stat[length] = '\0';
  for (char *p = stat; *p; p++)
    if (*p == ')')
      after = p;
  /* ") S ppid ..." */
  return after && strlen (after) > 4 ? (pid_t) atoi (after + 4) : 0;
}

static void
kill_children_of (pid_t parent)
{
  DIR *proc = parent > 1 ? opendir ("/proc") : NULL;
  struct dirent *entry;

  while (proc && (entry = readdir (proc)))
    if (entry->d_name[0] >= '1' && entry->d_name[0] <= '9'
        && bench_parent_of (entry->d_name) == parent)
      kill (atoi (entry->d_name), SIGKILL);
  if (proc)
    closedir (proc);
}

static void
on_fatal_signal (int sig)
{
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked[i] > 1)
      kill (tracked[i], SIGKILL);
  for (int i = 0; i < MAX_DAEMONS; i++)
    kill_children_of (daemons[i]);
  /* Interrupted: nothing to look at afterwards. A crash keeps its logs. */
  if (remove_argv[0] && (sig == SIGINT || sig == SIGTERM || sig == SIGHUP))
    {
      pid_t rm = fork ();
      if (rm == 0)
        {
          execv (remove_argv[0], remove_argv);
          _exit (127);
        }
      if (rm > 0)
        waitpid (rm, NULL, 0);
    }
  /* Then the handler vb-test-env installed (it ends the guests listed in the
   * run directories) or the default. */
  if (sig == SIGABRT && previous_abort != SIG_ERR)
    signal (sig, previous_abort);
  else if (sig == SIGTRAP && previous_trap != SIG_ERR)
    signal (sig, previous_trap);
  else
    signal (sig, SIG_DFL);
  raise (sig);
}

/* After vb_test_env_new(), whose own handlers are chained. On SIGINT,
 * SIGTERM or SIGHUP @remove_on_interrupt (may be NULL) is removed too. */
void
bench_install_signal_handlers (const char *remove_on_interrupt)
{
  if (remove_on_interrupt)
    {
      remove_argv[0] = "/bin/rm";
      remove_argv[1] = "-rf";
      remove_argv[2] = g_strdup (remove_on_interrupt);
    }
  previous_abort = signal (SIGABRT, on_fatal_signal);
  previous_trap = signal (SIGTRAP, on_fatal_signal);
  signal (SIGINT, on_fatal_signal);
  signal (SIGTERM, on_fatal_signal);
  signal (SIGHUP, on_fatal_signal);
}

/* The QEMU @daemon runs for @uuid: found in /proc by its parent and -uuid, as
 * status.json is written a moment after State says "running". */
pid_t
bench_virtbus_qemu_pid (pid_t daemon, const char *uuid)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
      const char *entry;

      while (proc && (entry = g_dir_read_name (proc)))
        {
          g_autofree char *path = NULL;
          g_autofree char *cmdline = NULL;
          gsize length = 0;

          if (!g_ascii_isdigit (entry[0]) || bench_parent_of (entry) != daemon)
            continue;
          path = g_strdup_printf ("/proc/%s/cmdline", entry);
          if (!g_file_get_contents (path, &cmdline, &length, NULL))
            continue;
          /* The arguments are NUL-separated: look for "-uuid\0<uuid>". */
          for (gsize at = 0; at < length; at += strlen (cmdline + at) + 1)
            if (g_str_equal (cmdline + at, "-uuid") && at + 6 < length
                && g_str_equal (cmdline + at + 6, uuid))
              return atoi (entry);
        }
      if (g_get_monotonic_time () > end)
        g_error ("no QEMU of virtbusd (pid %d) runs %s", daemon, uuid);
      g_usleep (10000);
    }
}

/* Child setup for a raw QEMU (g_subprocess_launcher_set_child_setup). */
void
bench_own_session (gpointer user_data)
{
  /* Like virtbus: QEMU in its own session. And it must not outlive us. */
  setsid ();
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Alive and not a zombie. */
gboolean
bench_process_exists (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || !(after = strrchr (stat, ')')))
    return FALSE;
  return after[2] != 'Z' && after[2] != 'X';
}

long
bench_rss_kib (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL) || !(line = strstr (status, "VmRSS:")))
    return -1;
  return strtol (line + strlen ("VmRSS:"), NULL, 10);
}

void
bench_wait_process_gone (pid_t pid)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (bench_process_exists (pid))
    {
      if (g_get_monotonic_time () > end)
        g_error ("QEMU pid %d did not end", pid);
      g_usleep (10000);
    }
}

/* The arguments @pid was started with: how the raw side runs the very
 * command line virtbus ran. */
GStrv
bench_read_cmdline (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", pid);
  g_autofree char *data = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  gsize length = 0;

  if (!g_file_get_contents (path, &data, &length, NULL) || length == 0)
    g_error ("cannot read %s", path);
  for (gsize at = 0; at < length; at += strlen (data + at) + 1)
    g_strv_builder_add (builder, data + at);
  return g_strv_builder_end (builder);
}

/* @argv quoted for a shell, for the report. */
char *
bench_shell_line (const char *const *argv)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (int i = 0; argv[i]; i++)
    {
      g_autofree char *quoted = g_shell_quote (argv[i]);
      if (i)
        g_string_append_c (out, ' ');
      g_string_append (out, quoted);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- timing and statistics ---- */

double
bench_ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Of a copy: @values keep their order (they are per-round columns). 0 when
 * there are none. */
double
bench_median (const double *values, int n)
{
  g_autofree double *sorted = NULL;

  if (n <= 0)
    return 0;
  sorted = g_memdup2 (values, sizeof (double) * n);
  qsort (sorted, n, sizeof (double), compare_doubles);
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

double
bench_max_of (const double *values, int n)
{
  double best = values[0];

  for (int i = 1; i < n; i++)
    best = MAX (best, values[i]);
  return best;
}
