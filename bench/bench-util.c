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

/* ---- QEMU by hand ---- */

void
bench_qemu_prepare (BenchQemu *q, const char *const *argv, const char *domain_dir,
                    const char *dir, const char *const *extra)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *monitor_arg = NULL;
  g_autofree char *log_arg = NULL;
  gboolean monitor_seen = FALSE, log_seen = FALSE;

  if (g_mkdir_with_parents (dir, 0700) < 0)
    g_error ("cannot create %s", dir);
  q->monitor = g_build_filename (dir, "monitor.sock", NULL);
  q->console_log = g_build_filename (dir, "serial0.log", NULL);
  monitor_arg = g_strdup_printf ("path=%s,", q->monitor);
  log_arg = g_strdup_printf ("logfile=%s,", q->console_log);
  for (int i = 0; argv[i]; i++)
    {
      g_autoptr (GString) arg = g_string_new (argv[i]);

      g_string_replace (arg, domain_dir, dir, 0);
      monitor_seen |= strstr (arg->str, "id=charmonitor") && strstr (arg->str, monitor_arg);
      log_seen |= strstr (arg->str, log_arg) != NULL;
      g_strv_builder_add (builder, arg->str);
    }
  if (!monitor_seen || !log_seen)
    g_error ("virtbus's command line has no monitor.sock or serial0.log in %s", domain_dir);
  if (extra)
    g_strv_builder_addv (builder, (const char **) extra);
  q->argv = g_strv_builder_end (builder);
}

void
bench_qemu_spawn (BenchQemu *q, const char *dir)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *log = g_build_filename (dir, "qemu.log", NULL);
  g_autoptr (GError) error = NULL;

  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, bench_own_session, NULL, NULL);
  q->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) q->argv, &error);
  if (!q->process)
    g_error ("cannot run %s: %s", q->argv[0], error->message);
  q->pid = atoi (g_subprocess_get_identifier (q->process));
  bench_track_pid (q->pid);
}

void
bench_qemu_clear (BenchQemu *q)
{
  if (q->pid)
    {
      kill (q->pid, SIGKILL);
      g_subprocess_wait (q->process, NULL, NULL);
      bench_untrack_pid (q->pid);
    }
  g_clear_object (&q->qmp_in);
  g_clear_object (&q->qmp);
  g_clear_object (&q->process);
  g_strfreev (q->argv);
  g_free (q->monitor);
  g_free (q->console_log);
  memset (q, 0, sizeof *q);
}
