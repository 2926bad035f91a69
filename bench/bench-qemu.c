/* What virtbus adds to starting a guest: the same QEMU command line run by
 * hand (launch → QMP ready after cont, → the guest's ready marker) against
 * virtbus Start (→ State "running", → marker), for the same guest, rounds
 * interleaved; then 8 guests started at once, both ways.
 *
 *   ninja -C build bench-qemu        (builds the guest first; a few minutes under TCG)
 *   VB_DAEMON=build/service/daemon/virtbusd VB_TEST_SRCDIR=tests VB_TEST_GUEST_DIR=build/tests/guest \
 *     build/bench/bench-qemu [--rounds N] [--parallel N] [--parallel-rounds N] [--verbose]
 *
 * The raw command line is not rebuilt here: it is read from /proc/<pid>/cmdline
 * of the QEMU virtbus started for the same domain, with the domain's run
 * directory (sockets, logs) swapped for a fresh one, so both sides run the
 * very same QEMU configuration. Everything is measured in the same run. */
#include <gio/gunixsocketaddress.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"
#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define POLL_MS 5
#define MONITOR_TIMEOUT_S 60
#define BOOT_TIMEOUT_S 300
#define GOAL 1.1 /* issue #17: Start → running within 1.1x raw QEMU → QMP ready */

static int n_rounds = 5;
static int n_parallel = 8;
static int n_parallel_rounds = 2;
static gboolean verbose;

/* The virtbusd of the run: its QEMUs are found by their parent. */
static pid_t daemon_pid;

/* ---- small helpers ---- */

/* CPU time (user + system) a process has used so far, in seconds; 0 when gone. */
static double
cpu_seconds (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || !(after = strrchr (stat, ')')))
    return 0;
  /* After "pid (comm) ": state is field 0, utime 11, stime 12. */
  fields = g_strsplit (after + 2, " ", 14);
  if (g_strv_length (fields) < 14)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL))
         / sysconf (_SC_CLK_TCK);
}

/* The same, precise to the microsecond from the scheduler's accounting, but
 * only of the threads alive now: for virtbusd, whose share is milliseconds. */
static double
thread_cpu_seconds (pid_t pid)
{
  g_autofree char *tasks = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr (GDir) dir = g_dir_open (tasks, 0, NULL);
  const char *tid;
  double total = 0;

  while (dir && (tid = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (tasks, tid, "sched", NULL);
      g_autofree char *text = NULL;
      const char *field;

      if (!g_file_get_contents (path, &text, NULL, NULL)
          || !(field = strstr (text, "se.sum_exec_runtime")) || !(field = strchr (field, ':')))
        return cpu_seconds (pid);
      total += g_ascii_strtod (field + 1, NULL) / 1000; /* ms */
    }
  return total;
}

/* CPU time the whole machine has been busy, in seconds: all but idle and iowait. */
static double
machine_busy_seconds (void)
{
  g_autofree char *stat = NULL;
  g_auto (GStrv) fields = NULL;
  double busy = 0;

  if (!g_file_get_contents ("/proc/stat", &stat, NULL, NULL))
    return 0;
  stat[strcspn (stat, "\n")] = '\0';
  fields = g_strsplit_set (stat, " ", -1);
  /* "cpu  user nice system idle iowait irq softirq steal guest guest_nice":
   * guest time is already in user. */
  for (int i = 1, column = 0; fields[i] && column < 8; i++)
    {
      if (!*fields[i])
        continue;
      if (column != 3 && column != 4)
        busy += g_ascii_strtod (fields[i], NULL);
      column++;
    }
  return busy / sysconf (_SC_CLK_TCK);
}

static char *
load_average (void)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("?");
  fields = g_strsplit (text, " ", 4);
  return g_strv_length (fields) >= 3 ? g_strdup_printf ("%s %s %s", fields[0], fields[1], fields[2])
                                     : g_strdup ("?");
}

/* What the machine did while a run waited for its guests, in CPU seconds. */
typedef struct {
  double busy;   /* the whole machine */
  double qemu;   /* this run's QEMUs, in all */
  double daemon; /* virtbusd */
} Load;

/* Everything but this run's QEMUs and virtbusd: the benchmark, the bus, and
 * whatever else shares the machine. */
static double
load_others (Load load)
{
  return MAX (0, load.busy - load.qemu - load.daemon);
}

static gboolean
file_has_marker (const char *path)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, READY);
}

/* ---- the domains, as virtbus holds them ---- */

typedef struct {
  char *path;       /* D-Bus object */
  char *uuid;
  char *domain_dir; /* <run>/qemu/<uuid>: where virtbus puts its sockets and logs */
  char *console_log;
  GStrv argv;       /* what virtbus ran, read from /proc */
} Domain;

static void
domain_clear (Domain *d)
{
  g_free (d->path);
  g_free (d->uuid);
  g_free (d->domain_dir);
  g_free (d->console_log);
  g_strfreev (d->argv);
}

static char *
guest_xml (const char *name, const char *disk)
{
  g_autofree char *devices = g_strdup_printf (
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <source file='%s'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <interface type='user'>\n      <model type='virtio'/>\n    </interface>\n"
    "    <memballoon model='virtio'/>\n",
    disk);

  return vb_test_guest_xml (name, 128, NULL, devices);
}

static void
define_domain (VbTestEnv *env, Domain *d, const char *name)
{
  g_autofree char *disk = g_strdup_printf ("%s/%s.img", env->tmpdir, name);
  g_autofree char *xml = guest_xml (name, disk);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) uuid = NULL;

  if (!g_file_set_contents (disk, "", 0, NULL) || truncate (disk, 8 << 20) < 0)
    g_error ("cannot create %s", disk);
  reply = vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                           g_variant_new ("(su)", xml, 0));
  g_variant_get (reply, "(o)", &d->path);
  uuid = vb_test_get_property (env, d->path, IFACE_DOMAIN, "UUID");
  d->uuid = g_variant_dup_string (uuid, NULL);
  d->domain_dir = g_build_filename (env->run_dir, "qemu", d->uuid, NULL);
  d->console_log = g_build_filename (d->domain_dir, "serial0.log", NULL);
}

static void
wait_state (VbTestEnv *env, const Domain *d, const char *state)
{
  if (!vb_test_wait_property (env, d->path, IFACE_DOMAIN, "State", g_variant_new_string (state),
                              BOOT_TIMEOUT_S * 1000))
    g_error ("%s did not become %s", d->path, state);
}

static void
destroy_domain (VbTestEnv *env, const Domain *d, pid_t pid)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, d->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));

  wait_state (env, d, "shutoff");
  bench_wait_process_gone (pid);
  bench_untrack_pid (pid);
}

/* Starts the domain once through virtbus and keeps the exact command line. */
static void
capture_command (VbTestEnv *env, Domain *d)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, d->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  pid_t pid;

  wait_state (env, d, "running");
  pid = bench_virtbus_qemu_pid (daemon_pid, d->uuid);
  bench_track_pid (pid);
  d->argv = bench_read_cmdline (pid);
  destroy_domain (env, d, pid);
}

/* ---- plain QEMU with a tiny synchronous QMP client ---- */

typedef struct {
  BenchQemu qemu;
  gint64 t0;
  double qmp_ready; /* ms after t0: greeting, qmp_capabilities and cont answered */
  double marker;    /* ms after t0: READY in the console log */
  double cpu;       /* s of CPU QEMU had used when the marker was seen */
  GError *error;
} RawGuest;

static void
raw_guest_clear (RawGuest *g)
{
  bench_qemu_clear (&g->qemu);
  g_clear_error (&g->error);
  memset (g, 0, sizeof *g);
}

/* The command virtbus ran for @d, with its run directory swapped for @dir. */
static void
raw_guest_prepare (RawGuest *g, const Domain *d, const char *dir)
{
  bench_qemu_prepare (&g->qemu, (const char *const *) d->argv, d->domain_dir, dir, NULL);
}

static void
raw_guest_spawn (RawGuest *g, const char *dir)
{
  g->qmp_ready = g->marker = -1;
  g->t0 = g_get_monotonic_time ();
  bench_qemu_spawn (&g->qemu, dir);
}

/* The next reply; events that come first are skipped. */
static gboolean
qmp_read (RawGuest *g, const char *prefix, GError **error)
{
  for (;;)
    {
      GError *read_error = NULL;
      g_autofree char *line =
        g_data_input_stream_read_line (g->qemu.qmp_in, NULL, NULL, &read_error);

      if (!line)
        {
          if (!read_error)
            read_error = g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "monitor closed");
          g_propagate_error (error, read_error);
          return FALSE;
        }
      if (g_str_has_prefix (line, "{\"error\""))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "QMP: %s", line);
          return FALSE;
        }
      if (g_str_has_prefix (line, prefix))
        return TRUE;
    }
}

static gboolean
qmp_execute (RawGuest *g, const char *command, GError **error)
{
  g_autofree char *line = g_strdup_printf ("{\"execute\": \"%s\"}\n", command);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (g->qemu.qmp));

  return g_output_stream_write_all (out, line, strlen (line), NULL, NULL, error)
         && qmp_read (g, "{\"return\"", error);
}

/* Connects (the socket appears a moment after QEMU starts), reads the
 * greeting, negotiates and lets the CPUs run: the raw "QMP ready". */
static gpointer
raw_guest_handshake (gpointer data)
{
  RawGuest *g = data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (g->qemu.monitor);
  gint64 deadline = g->t0 + MONITOR_TIMEOUT_S * G_USEC_PER_SEC;

  while (!g->qemu.qmp)
    {
      g_autoptr (GError) error = NULL;

      g->qemu.qmp = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
      if (g->qemu.qmp)
        break;
      if (!bench_process_exists (g->qemu.pid) || g_get_monotonic_time () > deadline)
        {
          g->error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "no monitor at %s: %s",
                                  g->qemu.monitor, error->message);
          return NULL;
        }
      g_usleep (POLL_MS * 1000);
    }
  g_socket_set_timeout (g_socket_connection_get_socket (g->qemu.qmp), MONITOR_TIMEOUT_S);
  g->qemu.qmp_in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (g->qemu.qmp)));
  g_data_input_stream_set_newline_type (g->qemu.qmp_in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  if (!qmp_read (g, "{\"QMP\"", &g->error) || !qmp_execute (g, "qmp_capabilities", &g->error)
      || !qmp_execute (g, "cont", &g->error))
    return NULL;
  g->qmp_ready = bench_ms_since (g->t0);
  return NULL;
}

/* @count raw QEMUs for @domains, launched back to back; returns once all
 * printed the marker. Each monitor has its own thread, as virtbus serves
 * all monitors at once from its main loop. */
static Load
run_raw (VbTestEnv *env, const Domain *domains, int count, RawGuest *guests)
{
  static int sequence;
  g_autofree GThread **threads = g_new0 (GThread *, count);
  gint64 deadline;
  int missing = count;
  Load load = { 0 };

  for (int i = 0; i < count; i++)
    {
      g_autofree char *dir = g_strdup_printf ("%s/raw/%d", env->tmpdir, sequence++);

      raw_guest_prepare (&guests[i], &domains[i], dir);
    }
  load.busy = -machine_busy_seconds ();
  for (int i = 0; i < count; i++)
    {
      g_autofree char *dir = g_path_get_dirname (guests[i].qemu.monitor);

      raw_guest_spawn (&guests[i], dir);
    }
  if (count == 1)
    raw_guest_handshake (&guests[0]);
  else
    for (int i = 0; i < count; i++)
      threads[i] = g_thread_new ("qmp", raw_guest_handshake, &guests[i]);

  deadline = g_get_monotonic_time () + BOOT_TIMEOUT_S * G_USEC_PER_SEC;
  while (missing > 0)
    {
      for (int i = 0; i < count; i++)
        if (guests[i].marker < 0 && file_has_marker (guests[i].qemu.console_log))
          {
            guests[i].marker = bench_ms_since (guests[i].t0);
            guests[i].cpu = cpu_seconds (guests[i].qemu.pid);
            missing--;
          }
      if (missing > 0 && g_get_monotonic_time () > deadline)
        g_error ("raw: %d of %d guests printed no %s in %d s", missing, count, READY,
                 BOOT_TIMEOUT_S);
      if (missing > 0)
        g_usleep (POLL_MS * 1000);
    }
  load.busy += machine_busy_seconds ();
  for (int i = 0; i < count; i++)
    {
      load.qemu += cpu_seconds (guests[i].qemu.pid);
      if (threads[i])
        g_thread_join (threads[i]);
      if (guests[i].error)
        g_error ("raw guest %d: %s", i, guests[i].error->message);
    }
  return load;
}

/* ---- the same through virtbus ---- */

typedef struct {
  const Domain *domain;
  gint64 t0;
  double replied; /* ms after t0: Start() returned */
  double running; /* ms after t0: PropertiesChanged says State "running" */
  double marker;
  double cpu;     /* s of CPU QEMU had used when the marker was seen */
  pid_t pid;
  guint subscription;
  GError *error;
} VbGuest;

static void
on_properties_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *interface, const char *member, GVariant *parameters,
                       gpointer user_data)
{
  VbGuest *g = user_data;
  g_autoptr (GVariant) changed = g_variant_get_child_value (parameters, 1);
  const char *state = NULL;

  if (g->running < 0 && g_variant_lookup (changed, "State", "&s", &state)
      && g_str_equal (state, "running"))
    g->running = bench_ms_since (g->t0);
}

static void
start_returned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbGuest *g = user_data;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &g->error);

  g->replied = bench_ms_since (g->t0);
}

/* Wakes the loop, so the console logs are looked at every POLL_MS. */
static gboolean
tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Start()s @count domains at once (async calls) and returns once all are
 * running and printed the marker. */
static Load
run_virtbus (VbTestEnv *env, const Domain *domains, int count, VbGuest *guests)
{
  gint64 deadline;
  gboolean done = FALSE;
  guint timer;
  Load load = { 0 };

  for (int i = 0; i < count; i++)
    {
      guests[i] = (VbGuest) { .domain = &domains[i], .replied = -1, .running = -1, .marker = -1 };
      /* A stale log would show the marker at once. */
      if (g_file_test (domains[i].console_log, G_FILE_TEST_EXISTS))
        g_error ("%s is left from an earlier start", domains[i].console_log);
      guests[i].subscription = g_dbus_connection_signal_subscribe (
        env->client, NULL, "org.freedesktop.DBus.Properties", "PropertiesChanged",
        domains[i].path, IFACE_DOMAIN, G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed,
        &guests[i], NULL);
    }
  /* The match rules must be in place on the bus before the first Start. */
  g_variant_unref (vb_test_call_ok (env, MANAGER, "org.freedesktop.DBus.Peer", "Ping", NULL));

  load.busy = -machine_busy_seconds ();
  load.daemon = -thread_cpu_seconds (daemon_pid);
  for (int i = 0; i < count; i++)
    {
      guests[i].t0 = g_get_monotonic_time ();
      g_dbus_connection_call (env->client, "org.virtbus.Virt1", domains[i].path, IFACE_DOMAIN,
                              "Start", g_variant_new ("(u)", 0), NULL, G_DBUS_CALL_FLAGS_NONE,
                              BOOT_TIMEOUT_S * 1000, NULL, start_returned, &guests[i]);
    }
  deadline = g_get_monotonic_time () + BOOT_TIMEOUT_S * G_USEC_PER_SEC;
  timer = g_timeout_add (POLL_MS, tick, NULL);
  while (!done)
    {
      /* Signals are taken as they come, the console logs at each tick. */
      gboolean all_running = TRUE;

      g_main_context_iteration (NULL, TRUE);
      done = TRUE;
      for (int i = 0; i < count; i++)
        {
          VbGuest *g = &guests[i];

          if (g->error)
            g_error ("Start of %s: %s", g->domain->path, g->error->message);
          if (g->marker < 0 && file_has_marker (g->domain->console_log))
            {
              g->marker = bench_ms_since (g->t0);
              g->cpu = -1;
            }
          done &= g->replied >= 0 && g->running >= 0 && g->marker >= 0;
          all_running &= g->replied >= 0 && g->running >= 0;
        }
      /* Looking through /proc for the QEMUs costs CPU: not before all run. */
      for (int i = 0; all_running && i < count; i++)
        {
          VbGuest *g = &guests[i];

          if (!g->pid)
            {
              g->pid = bench_virtbus_qemu_pid (daemon_pid, g->domain->uuid);
              bench_track_pid (g->pid);
            }
          if (g->cpu < 0)
            g->cpu = cpu_seconds (g->pid);
        }
      if (!done && g_get_monotonic_time () > deadline)
        g_error ("virtbus: guests not all running with %s after %d s", READY, BOOT_TIMEOUT_S);
    }
  load.busy += machine_busy_seconds ();
  load.daemon += thread_cpu_seconds (daemon_pid);
  g_source_remove (timer);
  for (int i = 0; i < count; i++)
    {
      load.qemu += cpu_seconds (guests[i].pid);
      g_dbus_connection_signal_unsubscribe (env->client, guests[i].subscription);
    }
  return load;
}

static void
stop_virtbus (VbTestEnv *env, const VbGuest *guests, int count)
{
  for (int i = 0; i < count; i++)
    destroy_domain (env, guests[i].domain, guests[i].pid);
}

/* ---- report ---- */

static void
print_header (VbTestEnv *env, const Domain *d)
{
  g_autofree char *version = NULL;
  g_autofree char *line = bench_shell_line ((const char *const *) d->argv);
  g_autofree char *cpuinfo = NULL;
  g_autofree char *model = NULL;
  g_autofree char *load = load_average ();
  const char *version_argv[] = { d->argv[0], "--version", NULL };
  const char *accel = "?";

  for (int i = 0; d->argv[i]; i++)
    if (g_str_equal (d->argv[i], "-accel") && d->argv[i + 1])
      accel = d->argv[i + 1];

  if (!g_spawn_sync (NULL, (char **) version_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &version, NULL, NULL, NULL))
    version = g_strdup ("(unknown)");
  version[strcspn (version, "\n")] = '\0';
  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      const char *name = strstr (cpuinfo, "model name");
      if (name && (name = strchr (name, ':')))
        model = g_strndup (name + 2, strcspn (name + 2, "\n"));
    }
  g_print ("%s (%s)\n", version, d->argv[0]);
  g_print ("%u CPUs (%s), accelerator %s, load average %s\n", g_get_num_processors (),
           model ? model : "?", accel, load);
  g_print ("virtbusd: %s on a private dbus-daemon\n", g_getenv ("VB_DAEMON"));
  g_print ("guest: %s/{vmlinux,initramfs.img}, 128 MiB, 1 vCPU, 'console=ttyS0 quiet'\n",
           g_getenv ("VB_TEST_GUEST_DIR"));
  g_print ("command (virtbus's, from /proc/<pid>/cmdline; raw runs it with its own run dir):\n"
           "  %s\n",
           line);
}

static void
print_table_head (void)
{
  g_print ("  %-36s %9s %11s   %6s   goal <= %.1fx\n", "(medians)", "raw", "virtbus", "ratio",
           GOAL);
}

static void
print_row (const char *name, const char *unit, double raw, double vb, gboolean goal)
{
  int digits = g_str_equal (unit, "s") ? 2 : 0;
  g_autofree char *raw_text = g_strdup_printf ("%.*f %s", digits, raw, unit);
  g_autofree char *vb_text = g_strdup_printf ("%.*f %s", digits, vb, unit);

  g_print ("  %-36s %9s %11s   %5.2fx   %s\n", name, raw_text, vb_text, vb / raw,
           !goal ? "(not a goal)" : vb / raw <= GOAL ? "ok" : "OVER");
}

static void
one_guest_section (VbTestEnv *env, const Domain *d)
{
  g_autofree double *raw_qmp = g_new0 (double, n_rounds);
  g_autofree double *raw_marker = g_new0 (double, n_rounds);
  g_autofree double *raw_cpu = g_new0 (double, n_rounds);
  g_autofree double *vb_replied = g_new0 (double, n_rounds);
  g_autofree double *vb_running = g_new0 (double, n_rounds);
  g_autofree double *vb_marker = g_new0 (double, n_rounds);
  g_autofree double *vb_cpu = g_new0 (double, n_rounds);
  g_autofree double *vb_daemon = g_new0 (double, n_rounds);

  g_print ("\n== one guest, %d rounds: raw, virtbus, raw, virtbus, ... ==\n", n_rounds);
  g_print ("  times in ms from launch (raw) or Start() (virtbus); cpu: CPU s of QEMU at the marker;\n"
           "  others: CPU s used by everything but QEMU and virtbusd meanwhile (bench, bus, other work)\n");
  g_print ("  %5s | %5s %7s %5s %6s | %5s %7s %7s %5s %8s %6s\n", "round", "QMP", "marker", "cpu",
           "others", "Start", "running", "marker", "cpu", "virtbusd", "others");
  for (int r = 0; r < n_rounds; r++)
    {
      RawGuest raw = { 0 };
      VbGuest vb;
      Load raw_load, vb_load;

      raw_load = run_raw (env, d, 1, &raw);
      raw_qmp[r] = raw.qmp_ready;
      raw_marker[r] = raw.marker;
      raw_cpu[r] = raw.cpu;
      raw_guest_clear (&raw);

      vb_load = run_virtbus (env, d, 1, &vb);
      vb_replied[r] = vb.replied;
      vb_running[r] = vb.running;
      vb_marker[r] = vb.marker;
      vb_cpu[r] = vb.cpu;
      vb_daemon[r] = vb_load.daemon * 1000;
      stop_virtbus (env, &vb, 1);

      g_print ("  %5d | %5.0f %7.0f %5.2f %6.2f | %5.0f %7.0f %7.0f %5.2f %5.0f ms %6.2f\n", r + 1,
               raw_qmp[r], raw_marker[r], raw_cpu[r], load_others (raw_load), vb_replied[r],
               vb_running[r], vb_marker[r], vb_cpu[r], vb_daemon[r], load_others (vb_load));
    }
  g_print ("\n");
  print_table_head ();
  print_row ("launch/Start -> QMP ready/running", "ms", bench_median (raw_qmp, n_rounds),
             bench_median (vb_running, n_rounds), TRUE);
  print_row ("launch/Start -> guest ready marker", "ms", bench_median (raw_marker, n_rounds),
             bench_median (vb_marker, n_rounds), TRUE);
  print_row ("QEMU CPU time at the marker", "s", bench_median (raw_cpu, n_rounds),
             bench_median (vb_cpu, n_rounds), FALSE);
  g_print ("  virtbus Start() returned after %.0f ms; virtbusd used %.0f ms of CPU per start\n",
           bench_median (vb_replied, n_rounds), bench_median (vb_daemon, n_rounds));
}

static void
parallel_section (VbTestEnv *env, const Domain *domains)
{
  int n = n_parallel, rounds = n_parallel_rounds;
  g_autofree double *raw_all_qmp = g_new0 (double, rounds);
  g_autofree double *raw_all_marker = g_new0 (double, rounds);
  g_autofree double *raw_med_marker = g_new0 (double, rounds);
  g_autofree double *raw_cpu = g_new0 (double, rounds);
  g_autofree double *vb_all_running = g_new0 (double, rounds);
  g_autofree double *vb_all_marker = g_new0 (double, rounds);
  g_autofree double *vb_med_marker = g_new0 (double, rounds);
  g_autofree double *vb_cpu = g_new0 (double, rounds);
  g_autofree double *vb_daemon = g_new0 (double, rounds);

  g_print ("\n== %d guests started at once, %d round%s: raw, virtbus, ... ==\n", n, rounds,
           rounds == 1 ? "" : "s");
  g_print ("  times in ms from the first launch or Start(); cpu: CPU s of the %d QEMUs at their\n"
           "  markers, summed; others: as above\n", n);
  g_print ("  %5s | %7s %7s %7s %6s | %7s %7s %7s %8s %6s\n", "round", "all QMP", "markers",
           "cpu", "others", "running", "markers", "cpu", "virtbusd", "others");
  for (int r = 0; r < rounds; r++)
    {
      g_autofree RawGuest *raw = g_new0 (RawGuest, n);
      g_autofree VbGuest *vb = g_new0 (VbGuest, n);
      g_autofree double *ready = g_new0 (double, n);
      g_autofree double *marker = g_new0 (double, n);
      Load raw_load, vb_load;

      raw_load = run_raw (env, domains, n, raw);
      for (int i = 0; i < n; i++)
        {
          ready[i] = (raw[i].t0 - raw[0].t0) / 1000.0 + raw[i].qmp_ready;
          marker[i] = (raw[i].t0 - raw[0].t0) / 1000.0 + raw[i].marker;
          raw_cpu[r] += raw[i].cpu;
        }
      for (int i = 0; verbose && i < n; i++)
        g_print ("        raw %d: launched at %3.0f ms, QMP ready %4.0f ms, marker %5.0f ms\n", i,
                 (raw[i].t0 - raw[0].t0) / 1000.0, raw[i].qmp_ready, raw[i].marker);
      raw_all_qmp[r] = bench_max_of (ready, n);
      raw_all_marker[r] = bench_max_of (marker, n);
      raw_med_marker[r] = bench_median (marker, n);
      for (int i = 0; i < n; i++)
        raw_guest_clear (&raw[i]);

      vb_load = run_virtbus (env, domains, n, vb);
      for (int i = 0; i < n; i++)
        {
          ready[i] = (vb[i].t0 - vb[0].t0) / 1000.0 + vb[i].running;
          marker[i] = (vb[i].t0 - vb[0].t0) / 1000.0 + vb[i].marker;
          vb_cpu[r] += vb[i].cpu;
        }
      for (int i = 0; verbose && i < n; i++)
        g_print ("        virtbus %d: Start at %3.0f ms, returned %4.0f ms, running %4.0f ms, "
                 "marker %5.0f ms\n",
                 i, (vb[i].t0 - vb[0].t0) / 1000.0, vb[i].replied, vb[i].running, vb[i].marker);
      vb_all_running[r] = bench_max_of (ready, n);
      vb_all_marker[r] = bench_max_of (marker, n);
      vb_med_marker[r] = bench_median (marker, n);
      vb_daemon[r] = vb_load.daemon * 1000;
      stop_virtbus (env, vb, n);

      g_print ("  %5d | %7.0f %7.0f %7.2f %6.2f | %7.0f %7.0f %7.2f %5.0f ms %6.2f\n", r + 1,
               raw_all_qmp[r], raw_all_marker[r], raw_cpu[r], load_others (raw_load),
               vb_all_running[r], vb_all_marker[r], vb_cpu[r], vb_daemon[r],
               load_others (vb_load));
    }
  g_print ("\n");
  print_table_head ();
  print_row ("all QMP ready / all running", "ms", bench_median (raw_all_qmp, rounds),
             bench_median (vb_all_running, rounds), TRUE);
  print_row ("all guest ready markers", "ms", bench_median (raw_all_marker, rounds),
             bench_median (vb_all_marker, rounds), TRUE);
  print_row ("median guest's ready marker", "ms", bench_median (raw_med_marker, rounds),
             bench_median (vb_med_marker, rounds), FALSE);
  print_row ("QEMU CPU time at the markers, sum", "s", bench_median (raw_cpu, rounds),
             bench_median (vb_cpu, rounds), FALSE);
  g_print ("  virtbusd used %.0f ms of CPU for the %d starts\n", bench_median (vb_daemon, rounds),
           n);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &n_rounds, "Rounds of one guest, each way (5; 0: skip)",
      "N" },
    { "parallel", 0, 0, G_OPTION_ARG_INT, &n_parallel, "Guests started at once (8; 0: skip)",
      "N" },
    { "parallel-rounds", 0, 0, G_OPTION_ARG_INT, &n_parallel_rounds,
      "Rounds of the guests at once, each way (2)", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Times of each guest started at once",
      NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context =
    g_option_context_new ("- QEMU start-up through virtbus against plain QEMU");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) env = NULL;
  g_autofree Domain *domains = NULL;
  gint64 start = g_get_monotonic_time ();

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (n_rounds < 0 || n_parallel < 0 || n_parallel_rounds < 1)
    g_error ("--rounds and --parallel must be at least 0, --parallel-rounds at least 1");
  if (!g_getenv ("VB_TEST_GUEST_DIR"))
    g_error ("VB_TEST_GUEST_DIR is not set: the directory of the built test guest");
  {
    /* virtbusd and the raw QEMUs must see the same absolute paths. */
    g_autofree char *absolute = g_canonicalize_filename (g_getenv ("VB_TEST_GUEST_DIR"), NULL);
    g_setenv ("VB_TEST_GUEST_DIR", absolute, TRUE);
  }
  {
    g_autofree char *kernel = g_build_filename (g_getenv ("VB_TEST_GUEST_DIR"), "vmlinux", NULL);
    if (!g_file_test (kernel, G_FILE_TEST_EXISTS))
      g_error ("%s is missing: ninja -C build tests/guest/guest.stamp", kernel);
  }

  env = vb_test_env_new (VB_TEST_ENV_NONE);
  /* Interrupted: nothing to look at afterwards. A crash keeps its logs. */
  bench_install_signal_handlers (env->tmpdir);
  vb_test_env_start_daemon (env, NULL);
  daemon_pid = env->daemon_pid;
  bench_watch_daemon (daemon_pid);

  /* Domain 0 is the one guest; 1..n the guests at once. Each is started once
   * through virtbus first, for its command line (and to get the capability
   * probe and cold caches out of the way). */
  domains = g_new0 (Domain, 1 + n_parallel);
  for (int i = 0; i <= n_parallel; i++)
    {
      g_autofree char *name = i ? g_strdup_printf ("bench-par-%d", i) : g_strdup ("bench-one");

      define_domain (env, &domains[i], name);
      capture_command (env, &domains[i]);
    }
  print_header (env, &domains[0]);

  if (n_rounds > 0)
    one_guest_section (env, &domains[0]);
  if (n_parallel > 0)
    parallel_section (env, domains + 1);

  {
    g_autofree char *load = load_average ();
    g_print ("\ntotal run time %.0f s; load average at the end %s\n", bench_ms_since (start) / 1000,
             load);
  }
  for (int i = 0; i <= n_parallel; i++)
    domain_clear (&domains[i]);
  return 0;
}
