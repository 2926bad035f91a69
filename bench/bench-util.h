/* What the benchmarks that run QEMU share: bookkeeping of the processes they
 * start (so none outlives a run, however it ends), reading /proc, and the
 * timing and statistics of their figures. */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* ---- processes: every QEMU started or caused is ended on any exit ---- */

void bench_track_pid (pid_t pid);
void bench_untrack_pid (pid_t pid);
void bench_watch_daemon (pid_t daemon);
void bench_install_signal_handlers (const char *remove_on_interrupt);

pid_t bench_parent_of (const char *pid);
pid_t bench_virtbus_qemu_pid (pid_t daemon, const char *uuid);
void bench_own_session (gpointer user_data);
gboolean bench_process_exists (pid_t pid);
void bench_wait_process_gone (pid_t pid);
/* The resident memory of @pid in KiB (VmRSS), -1 when it is gone. */
long bench_rss_kib (pid_t pid);
GStrv bench_read_cmdline (pid_t pid);
char *bench_shell_line (const char *const *argv);

/* ---- QEMU by hand, with the command line virtbus ran ---- */

typedef struct {
  GStrv argv;
  char *monitor;     /* QMP socket */
  char *console_log; /* serial 0's log */
  GSubprocess *process;
  pid_t pid;
  GSocketConnection *qmp;
  GDataInputStream *qmp_in;
} BenchQemu;

/* @argv (what virtbus ran, read from /proc) with virtbus's @domain_dir
 * swapped for @dir (made if missing) and @extra (may be NULL) appended;
 * fails unless the monitor and the console log then live in @dir. */
void bench_qemu_prepare (BenchQemu *q, const char *const *argv, const char *domain_dir,
                         const char *dir, const char *const *extra);
/* Starts it in its own session, stdout and stderr to @dir/qemu.log; tracked. */
void bench_qemu_spawn (BenchQemu *q, const char *dir);
/* Kills it (if started) and frees everything. */
void bench_qemu_clear (BenchQemu *q);

/* ---- timing and statistics ---- */

double bench_ms_since (gint64 t0);
double bench_median (const double *values, int n);
double bench_max_of (const double *values, int n);

G_END_DECLS
