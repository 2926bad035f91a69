/* What virtbus adds to a live migration: the same guest moved between two
 * virtbus services (Domain.Migrate, followed through its Job) against two
 * QEMUs driven by hand over QMP, in the same run, rounds interleaved:
 *   1. an idle guest, pre-copy;
 *   2. a guest dirtying 40 MiB/s of a 48 MiB working set, the stream capped
 *      at 16 MiB/s, switched to post-copy 2 s after the start (within the
 *      first pass: docs/migration.md, "Known limits").
 *
 *   ninja -C build bench-migration     (builds the guest first; a few minutes under TCG)
 *   VB_DAEMON=build/service/daemon/virtbusd VB_TEST_SRCDIR=tests VB_TEST_GUEST_DIR=build/tests/guest \
 *     build/bench/bench-migration [--rounds N] [--bandwidth MIB_S] [--switch-after MS]
 *
 * As in bench-qemu, the raw command line is read from /proc/<pid>/cmdline of
 * the QEMU virtbus started on the source, with its run directory swapped for
 * a fresh one; the raw destination runs the same line with `-incoming defer`,
 * as virtbus's destination does. Both sides set the same capabilities and
 * parameters. Total time: from the migrate command (raw) or the Migrate call
 * (virtbus) to the point the guest runs on the destination and the source is
 * done (raw: query-migrate "completed" and `cont` answered on the
 * destination; virtbus: the Job's Completed signal, which comes after the
 * destination's Finish). Downtime and bytes are QEMU's own figures, from the
 * final query-migrate (raw) or the Job's Details, which are read from it. */
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"
#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define LIVE 1u
#define POSTCOPY 32768u
#define POLL_MS 10
#define MONITOR_TIMEOUT_S 60
#define BOOT_TIMEOUT_S 120
#define MIGRATE_TIMEOUT_S 300
#define GOAL_TOTAL 1.05
#define GOAL_POSTCOPY_DOWNTIME_MS 300

static int n_rounds = 3;
static int bandwidth_mib = 16;
static int switch_after_ms = 2000;

typedef struct {
  const char *name;   /* domain name, and the scenario's label */
  const char *title;
  const char *cmdline_extra;
  guint64 bandwidth;  /* MiB/s, 0: QEMU's default */
  gboolean postcopy;  /* switch to post-copy after switch_after_ms */
} Scenario;

/* ---- small helpers ---- */

static void
wait_marker (const char *log, pid_t pid)
{
  gint64 end = g_get_monotonic_time () + BOOT_TIMEOUT_S * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (log, &text, NULL, NULL) && strstr (text, READY))
        return;
      if (!bench_process_exists (pid))
        g_error ("QEMU %d ended before %s in %s", pid, READY, log);
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
          g_autofree char *stat = NULL;
          gsize length = text ? strlen (text) : 0;

          g_file_get_contents (stat_path, &stat, NULL, NULL);
          g_error ("no %s in %s after %d s; QEMU %d: %s; the log ends with: %s", READY, log,
                   BOOT_TIMEOUT_S, pid, stat ? stat : "gone",
                   text ? text + (length > 600 ? length - 600 : 0) : "(no log)");
        }
      g_usleep (20000);
    }
}

/* A port nobody listens on now, for the raw destination's stream. */
static int
free_port (void)
{
  g_autoptr (GSocket) socket =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  if (!socket || !g_socket_bind (socket, any, FALSE, NULL)
      || !(bound = g_socket_get_local_address (socket, NULL)))
    g_error ("cannot find a free TCP port");
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* ---- the virtbus side: two services, the guest defined on the source ---- */

typedef struct {
  VbTestEnv *src;
  VbTestEnv *dst;
} Services;

typedef struct {
  const Scenario *scenario;
  char *path;       /* on the source */
  char *uuid;
  char *disk;
  char *domain_dir; /* <src run>/qemu/<uuid> */
  char *console_log;
  GStrv argv;       /* what virtbus ran on the source, read from /proc */
} Domain;

static void
domain_clear (Domain *d)
{
  g_free (d->path);
  g_free (d->uuid);
  g_free (d->disk);
  g_free (d->domain_dir);
  g_free (d->console_log);
  g_strfreev (d->argv);
}

/* The guest of tests/test-migration.c. */
static char *
guest_xml (const Scenario *s, const char *disk)
{
  g_autofree char *devices = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                                              "      <source file='%s'/>\n"
                                              "      <target dev='vda' bus='virtio'/>\n"
                                              "    </disk>\n",
                                              disk);

  return vb_test_guest_xml (s->name, 160, s->cmdline_extra, devices);
}

static void
define_domain (Services *sv, Domain *d, const Scenario *s)
{
  g_autofree char *xml = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) uuid = NULL;

  d->scenario = s;
  d->disk = g_strdup_printf ("%s/%s.img", sv->src->tmpdir, s->name);
  if (!g_file_set_contents (d->disk, "", 0, NULL) || truncate (d->disk, 8 << 20) < 0)
    g_error ("cannot create %s", d->disk);
  xml = guest_xml (s, d->disk);
  reply = vb_test_call_ok (sv->src, MANAGER, IFACE_MANAGER, "DefineDomain",
                           g_variant_new ("(su)", xml, 0));
  g_variant_get (reply, "(o)", &d->path);
  uuid = vb_test_get_property (sv->src, d->path, IFACE_DOMAIN, "UUID");
  d->uuid = g_variant_dup_string (uuid, NULL);
  d->domain_dir = g_build_filename (sv->src->run_dir, "qemu", d->uuid, NULL);
  d->console_log = g_build_filename (d->domain_dir, "serial0.log", NULL);
}

static void
wait_state (VbTestEnv *env, const char *path, const char *state)
{
  if (!vb_test_wait_property (env, path, IFACE_DOMAIN, "State", g_variant_new_string (state),
                              BOOT_TIMEOUT_S * 1000))
    g_error ("%s did not become %s", path, state);
}

/* Starts the guest on the source and waits for its ready marker. */
static pid_t
virtbus_boot (Services *sv, Domain *d)
{
  pid_t pid;

  /* A log left from the last run would show the marker at once. */
  g_unlink (d->console_log);
  g_variant_unref (vb_test_call_ok (sv->src, d->path, IFACE_DOMAIN, "Start",
                                    g_variant_new ("(u)", 0)));
  wait_state (sv->src, d->path, "running");
  pid = bench_virtbus_qemu_pid (sv->src->daemon_pid, d->uuid);
  bench_track_pid (pid);
  wait_marker (d->console_log, pid);
  if (!d->argv)
    d->argv = bench_read_cmdline (pid);
  return pid;
}

typedef struct {
  double total;      /* ms: see the top of the file */
  double completed;  /* ms: raw only, the source's query-migrate says "completed" */
  double setup;      /* ms: virtbus, Migrate call -> Phase "precopy" (after the destination's
                      * Prepare); raw, launch of the destination -> migrate-incoming answered,
                      * which is before its t0 */
  double downtime;   /* ms, QEMU's */
  double bytes;      /* QEMU's ram "transferred" */
} Result;

typedef struct {
  const char *job;
  gint64 precopy_at;
  gint64 at;
  gboolean success;
  char *message;
} JobEnd;

static void
on_job_changed (GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *member, GVariant *parameters,
                gpointer user_data)
{
  JobEnd *end = user_data;
  g_autoptr (GVariant) changed = g_variant_get_child_value (parameters, 1);
  const char *phase;

  if (end->job && g_str_equal (path, end->job) && !end->precopy_at
      && g_variant_lookup (changed, "Phase", "&s", &phase) && g_str_equal (phase, "precopy"))
    end->precopy_at = g_get_monotonic_time ();
}

static void
on_job_completed (GDBusConnection *connection, const char *sender, const char *path,
                  const char *interface, const char *member, GVariant *parameters,
                  gpointer user_data)
{
  JobEnd *end = user_data;
  const char *message;

  if (!end->job || !g_str_equal (path, end->job) || end->at)
    return;
  end->at = g_get_monotonic_time ();
  g_variant_get (parameters, "(b&s)", &end->success, &message);
  end->message = g_strdup (message);
}

/* Wakes the loop, so the post-copy switch is not late. */
static gboolean
tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static guint64
detail (GVariant *details, const char *key)
{
  guint64 value = 0;

  if (!g_variant_lookup (details, key, "t", &value))
    g_error ("the job's Details have no %s", key);
  return value;
}

static Result
run_virtbus (Services *sv, Domain *d)
{
  const Scenario *s = d->scenario;
  pid_t src_pid = virtbus_boot (sv, d);
  pid_t dst_pid;
  JobEnd end = { 0 };
  GVariantDict params;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) details = NULL;
  g_autofree char *job = NULL;
  g_autofree char *dst_path = NULL;
  gboolean switched = FALSE;
  guint subscription, phase_subscription, timer;
  gint64 t0;
  Result r = { 0 };

  subscription = g_dbus_connection_signal_subscribe (sv->src->client, NULL, IFACE_JOB, "Completed",
                                                     NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_job_completed, &end, NULL);
  phase_subscription = g_dbus_connection_signal_subscribe (
    sv->src->client, NULL, "org.freedesktop.DBus.Properties", "PropertiesChanged", NULL, IFACE_JOB,
    G_DBUS_SIGNAL_FLAGS_NONE, on_job_changed, &end, NULL);
  /* The match rule must be in place on the bus before the migration ends. */
  g_variant_unref (vb_test_call_ok (sv->src, MANAGER, "org.freedesktop.DBus.Peer", "Ping", NULL));

  g_variant_dict_init (&params, NULL);
  if (s->bandwidth)
    g_variant_dict_insert (&params, "bandwidth", "t", s->bandwidth);
  t0 = g_get_monotonic_time ();
  reply = vb_test_call_ok (sv->src, d->path, IFACE_DOMAIN, "Migrate",
                           g_variant_new ("(s@a{sv}u)", sv->dst->bus_address,
                                          g_variant_dict_end (&params),
                                          LIVE | (s->postcopy ? POSTCOPY : 0)));
  g_variant_get (reply, "(o)", &job);
  end.job = job;

  timer = g_timeout_add (POLL_MS, tick, NULL);
  while (!end.at)
    {
      if (s->postcopy && !switched && bench_ms_since (t0) >= switch_after_ms)
        {
          g_autoptr (GVariant) phase = vb_test_get_property (sv->src, job, IFACE_JOB, "Phase");

          if (!g_str_equal (g_variant_get_string (phase, NULL), "precopy"))
            g_error ("virtbus: the job is in phase %s at the post-copy switch",
                     g_variant_get_string (phase, NULL));
          g_variant_unref (vb_test_call_ok (sv->src, d->path, IFACE_DOMAIN,
                                            "MigrateStartPostCopy", g_variant_new ("(u)", 0)));
          switched = TRUE;
        }
      if (bench_ms_since (t0) > MIGRATE_TIMEOUT_S * 1000.0)
        g_error ("virtbus: job %s not completed after %d s", job, MIGRATE_TIMEOUT_S);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (timer);
  g_dbus_connection_signal_unsubscribe (sv->src->client, subscription);
  g_dbus_connection_signal_unsubscribe (sv->src->client, phase_subscription);
  r.total = (end.at - t0) / 1000.0;
  r.setup = end.precopy_at ? (end.precopy_at - t0) / 1000.0 : -1;
  if (!end.success)
    g_error ("virtbus: migration of %s failed: %s", s->name, end.message);
  g_free (end.message);

  details = vb_test_get_property (sv->src, job, IFACE_JOB, "Details");
  r.downtime = detail (details, "downtime");
  r.bytes = detail (details, "transferred");

  /* Back to where we started: nothing on the destination, the source off. */
  wait_state (sv->src, d->path, "shutoff");
  bench_wait_process_gone (src_pid);
  bench_untrack_pid (src_pid);
  {
    g_autoptr (GVariant) found = vb_test_call_ok (sv->dst, MANAGER, IFACE_MANAGER,
                                                  "LookupDomainByName",
                                                  g_variant_new ("(s)", s->name));
    g_variant_get (found, "(o)", &dst_path);
  }
  dst_pid = bench_virtbus_qemu_pid (sv->dst->daemon_pid, d->uuid);
  bench_track_pid (dst_pid);
  g_variant_unref (vb_test_call_ok (sv->dst, dst_path, IFACE_DOMAIN, "Destroy",
                                    g_variant_new ("(u)", 0)));
  bench_wait_process_gone (dst_pid);
  bench_untrack_pid (dst_pid);
  {
    /* Transient there: it goes away, and must be gone before the next round. */
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    g_autoptr (GVariant) found = NULL;

    do
      {
        g_autoptr (GError) error = NULL;

        g_clear_pointer (&found, g_variant_unref);
        found = vb_test_call (sv->dst, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                              g_variant_new ("(s)", s->name), &error);
        if (found)
          g_usleep (20000);
      }
    while (found && g_get_monotonic_time () < deadline);
    if (found)
      g_error ("%s is still on the destination after Destroy", s->name);
  }
  return r;
}

/* ---- the raw side: two QEMUs and a tiny synchronous QMP client ---- */

/* Runs the command virtbus ran for @d, with its run directory swapped for
 * @dir (and waiting for the stream with @incoming), and connects to its
 * monitor. */
static void
qemu_start (BenchQemu *q, const Domain *d, const char *dir, gboolean incoming)
{
  static const char *const incoming_args[] = { "-incoming", "defer", NULL };
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = NULL;
  g_autofree char *log = g_build_filename (dir, "qemu.log", NULL);
  g_autofree char *greeting = NULL;
  g_autoptr (GError) error = NULL;
  gint64 deadline;

  bench_qemu_prepare (q, (const char *const *) d->argv, d->domain_dir, dir,
                      incoming ? incoming_args : NULL);
  bench_qemu_spawn (q, dir);

  /* The socket appears a moment after QEMU starts. */
  address = g_unix_socket_address_new (q->monitor);
  deadline = g_get_monotonic_time () + MONITOR_TIMEOUT_S * G_USEC_PER_SEC;
  while (!(q->qmp = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL,
                                             &error)))
    {
      if (!bench_process_exists (q->pid) || g_get_monotonic_time () > deadline)
        g_error ("no monitor at %s: %s (see %s)", q->monitor, error->message, log);
      g_clear_error (&error);
      g_usleep (5000);
    }
  g_socket_set_timeout (g_socket_connection_get_socket (q->qmp), MONITOR_TIMEOUT_S);
  q->qmp_in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (q->qmp)));
  g_data_input_stream_set_newline_type (q->qmp_in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  greeting = g_data_input_stream_read_line (q->qmp_in, NULL, NULL, &error);
  if (!greeting || !g_str_has_prefix (greeting, "{\"QMP\""))
    g_error ("no QMP greeting at %s", q->monitor);
}

/* Runs @command (JSON arguments @args_json, may be NULL) and returns the
 * "return" member of the reply; events that come first are skipped. */
static JsonNode *
qmp (BenchQemu *q, const char *command, const char *args_json)
{
  g_autofree char *line = args_json ? g_strdup_printf ("{\"execute\": \"%s\", \"arguments\": %s}\n",
                                                        command, args_json)
                                    : g_strdup_printf ("{\"execute\": \"%s\"}\n", command);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (q->qmp));
  g_autoptr (GError) error = NULL;

  if (!g_output_stream_write_all (out, line, strlen (line), NULL, NULL, &error))
    g_error ("QMP %s to %d: %s", command, q->pid, error->message);
  for (;;)
    {
      g_autofree char *reply = g_data_input_stream_read_line (q->qmp_in, NULL, NULL, &error);
      g_autoptr (JsonParser) parser = NULL;
      JsonObject *object;

      if (!reply)
        g_error ("QMP %s to %d: %s", command, q->pid, error ? error->message : "monitor closed");
      if (g_str_has_prefix (reply, "{\"error\""))
        g_error ("QMP %s to %d: %s", command, q->pid, reply);
      if (!g_str_has_prefix (reply, "{\"return\""))
        continue;
      parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, reply, -1, &error))
        g_error ("QMP %s to %d: %s", command, q->pid, error->message);
      object = json_node_get_object (json_parser_get_root (parser));
      return json_node_copy (json_object_get_member (object, "return"));
    }
}

static void
qmp_ok (BenchQemu *q, const char *command, const char *args_json)
{
  json_node_unref (qmp (q, command, args_json));
}

static gboolean
has_capability (BenchQemu *q, const char *name)
{
  g_autoptr (JsonNode) caps = qmp (q, "query-migrate-capabilities", NULL);
  JsonArray *list = json_node_get_array (caps);

  for (guint i = 0; i < json_array_get_length (list); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (list, i),
                                                    "capability"),
                     name))
      return TRUE;
  return FALSE;
}

/* What virtbus sets on both sides (drivers/qemu/qemu-migration.c). */
static void
set_capabilities (BenchQemu *q, gboolean postcopy, gboolean preempt)
{
  g_autofree char *args = g_strdup_printf (
    "{\"capabilities\": [{\"capability\": \"events\", \"state\": true}%s%s]}",
    postcopy ? ", {\"capability\": \"postcopy-ram\", \"state\": true}" : "",
    preempt ? ", {\"capability\": \"postcopy-preempt\", \"state\": true}" : "");

  qmp_ok (q, "migrate-set-capabilities", args);
}

static char *
run_status (BenchQemu *q)
{
  g_autoptr (JsonNode) status = qmp (q, "query-status", NULL);

  return g_strdup (json_object_get_string_member (json_node_get_object (status), "status"));
}

static Result
run_raw (VbTestEnv *env, const Domain *d)
{
  static int sequence;
  const Scenario *s = d->scenario;
  g_autofree char *src_dir = g_strdup_printf ("%s/raw/%d/src", env->tmpdir, sequence);
  g_autofree char *dst_dir = g_strdup_printf ("%s/raw/%d/dst", env->tmpdir, sequence++);
  g_autofree char *uri = g_strdup_printf ("tcp:127.0.0.1:%d", free_port ());
  g_autofree char *uri_args = g_strdup_printf ("{\"uri\": \"%s\"}", uri);
  BenchQemu src = { 0 }, dst = { 0 };
  gboolean preempt, switched = FALSE;
  double dst_running = -1;
  gint64 t0;
  Result r = { .completed = -1 };

  qemu_start (&src, d, src_dir, FALSE);
  qmp_ok (&src, "qmp_capabilities", NULL);
  t0 = g_get_monotonic_time ();
  qemu_start (&dst, d, dst_dir, TRUE);
  qmp_ok (&dst, "qmp_capabilities", NULL);
  preempt = s->postcopy && has_capability (&src, "postcopy-preempt")
            && has_capability (&dst, "postcopy-preempt");
  set_capabilities (&dst, s->postcopy, preempt);
  qmp_ok (&dst, "migrate-incoming", uri_args);
  r.setup = bench_ms_since (t0);
  set_capabilities (&src, s->postcopy, preempt);
  if (s->bandwidth)
    {
      g_autofree char *args =
        g_strdup_printf ("{\"max-bandwidth\": %" G_GUINT64_FORMAT "}", s->bandwidth << 20);
      qmp_ok (&src, "migrate-set-parameters", args);
    }
  qmp_ok (&src, "cont", NULL);
  wait_marker (src.console_log, src.pid);

  t0 = g_get_monotonic_time ();
  qmp_ok (&src, "migrate", uri_args);
  while (r.completed < 0 || dst_running < 0)
    {
      if (s->postcopy && !switched && bench_ms_since (t0) >= switch_after_ms)
        {
          qmp_ok (&src, "migrate-start-postcopy", NULL);
          switched = TRUE;
        }
      if (r.completed < 0)
        {
          g_autoptr (JsonNode) info = qmp (&src, "query-migrate", NULL);
          JsonObject *object = json_node_get_object (info);
          const char *status = json_object_get_string_member_with_default (object, "status", "");

          if (g_str_equal (status, "completed"))
            {
              r.completed = bench_ms_since (t0);
              /* QEMU says "completed" a moment before it has worked out the
               * downtime (0 until then): ask again for the settled figures. */
              for (int i = 0; i < 100 && !json_object_get_int_member_with_default (object,
                                                                                  "downtime", 0);
                   i++)
                {
                  g_usleep (1000);
                  json_node_unref (info);
                  info = qmp (&src, "query-migrate", NULL);
                  object = json_node_get_object (info);
                }
              r.downtime = json_object_get_int_member_with_default (object, "downtime", 0);
              r.bytes = json_object_get_int_member_with_default (
                json_object_get_object_member (object, "ram"), "transferred", 0);
            }
          else if (g_str_equal (status, "failed") || g_str_equal (status, "cancelled"))
            g_error ("raw: migration of %s %s (see %s)", s->name, status, src_dir);
        }
      if (dst_running < 0)
        {
          g_autofree char *status = run_status (&dst);

          /* Out of inmigrate: its memory is what the source said (pre-copy done,
           * or the post-copy discards applied). With -S it waits for us. */
          if (g_str_equal (status, "paused"))
            {
              qmp_ok (&dst, "cont", NULL);
              dst_running = bench_ms_since (t0);
            }
          else if (g_str_equal (status, "running"))
            dst_running = bench_ms_since (t0); /* a command line without -S */
          else if (!g_str_equal (status, "inmigrate"))
            g_error ("raw: the destination is %s (see %s)", status, dst_dir);
        }
      if (bench_ms_since (t0) > MIGRATE_TIMEOUT_S * 1000.0)
        g_error ("raw: migration of %s not completed after %d s", s->name, MIGRATE_TIMEOUT_S);
      if (r.completed < 0 || dst_running < 0)
        g_usleep (POLL_MS * 1000);
    }
  r.total = MAX (r.completed, dst_running);
  bench_qemu_clear (&src);
  bench_qemu_clear (&dst);
  return r;
}

/* ---- report ---- */

static void
print_header (const Domain *d)
{
  g_autofree char *version = NULL;
  g_autofree char *line = bench_shell_line ((const char *const *) d->argv);
  const char *version_argv[] = { d->argv[0], "--version", NULL };
  const char *accel = "?";

  for (int i = 0; d->argv[i]; i++)
    if (g_str_equal (d->argv[i], "-accel") && d->argv[i + 1])
      accel = d->argv[i + 1];
  if (!g_spawn_sync (NULL, (char **) version_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &version, NULL, NULL, NULL))
    version = g_strdup ("(unknown)");
  version[strcspn (version, "\n")] = '\0';
  g_print ("%s (%s)\n", version, d->argv[0]);
  g_print ("%u CPUs, accelerator %s\n", g_get_num_processors (), accel);
  g_print ("virtbusd: %s, two services on two private dbus-daemons\n", g_getenv ("VB_DAEMON"));
  g_print ("guest: %s/{vmlinux,initramfs.img}, 160 MiB, 1 vCPU\n", g_getenv ("VB_TEST_GUEST_DIR"));
  g_print ("command (virtbus's source QEMU of scenario 1, from /proc/<pid>/cmdline; raw runs it\n"
           "with its own run dir, the destination with -incoming defer added):\n  %s\n",
           line);
  g_print ("total: Migrate call -> Job Completed (virtbus); migrate -> source completed and\n"
           "destination cont answered (raw). downtime, bytes: QEMU's query-migrate.\n");
}

static void
run_scenario (Services *sv, Domain *d)
{
  const Scenario *s = d->scenario;
  g_autofree double *raw_total = g_new0 (double, n_rounds);
  g_autofree double *raw_completed = g_new0 (double, n_rounds);
  g_autofree double *raw_downtime = g_new0 (double, n_rounds);
  g_autofree double *raw_bytes = g_new0 (double, n_rounds);
  g_autofree double *vb_total = g_new0 (double, n_rounds);
  g_autofree double *vb_downtime = g_new0 (double, n_rounds);
  g_autofree double *vb_bytes = g_new0 (double, n_rounds);
  g_autofree double *raw_setup = g_new0 (double, n_rounds);
  g_autofree double *vb_setup = g_new0 (double, n_rounds);
  double raw_t, vb_t, ratio, vb_down;

  g_print ("\n== %s: %d round%s, virtbus then raw ==\n", s->title, n_rounds,
           n_rounds == 1 ? "" : "s");
  g_print ("  raw: dst prep = launch of the destination QEMU -> migrate-incoming answered (its\n"
           "  own clock); virtbus: precopy = Migrate() -> Job Phase \"precopy\" (inside the total:\n"
           "  the destination's Prepare starts its QEMU). The goal compares virtbus's total with\n"
           "  raw's dst prep + total: both then launch the destination and migrate.\n");
  g_print ("  %5s | %-46s | %-37s\n", "", "raw", "virtbus");
  g_print ("  %5s | %8s %9s %8s %8s %8s | %8s %8s %8s %8s\n", "round", "total", "completed",
           "downtime", "MiB", "dst prep", "total", "downtime", "MiB", "precopy");
  for (int r = 0; r < n_rounds; r++)
    {
      Result vb = run_virtbus (sv, d);
      Result raw = run_raw (sv->src, d);

      vb_total[r] = vb.total;
      vb_downtime[r] = vb.downtime;
      vb_bytes[r] = vb.bytes;
      raw_total[r] = raw.total;
      raw_completed[r] = raw.completed;
      raw_downtime[r] = raw.downtime;
      raw_bytes[r] = raw.bytes;
      raw_setup[r] = raw.setup;
      vb_setup[r] = vb.setup;
      g_print ("  %5d | %5.0f ms %6.0f ms %5.0f ms %8.1f %5.0f ms | %5.0f ms %5.0f ms %8.1f %5.0f ms\n",
               r + 1, raw.total, raw.completed, raw.downtime, raw.bytes / (1 << 20), raw.setup,
               vb.total, vb.downtime, vb.bytes / (1 << 20), vb.setup);
    }
  raw_t = bench_median (raw_total, n_rounds);
  vb_t = bench_median (vb_total, n_rounds);
  ratio = vb_t / raw_t;
  vb_down = bench_median (vb_downtime, n_rounds);
  g_print ("\n  %-24s %10s %10s %7s\n", "(medians)", "raw", "virtbus", "ratio");
  {
    /* The same work on both sides: launch the destination, then migrate. */
    g_autofree double *raw_whole = g_new0 (double, n_rounds);

    for (int r = 0; r < n_rounds; r++)
      raw_whole[r] = raw_setup[r] + raw_total[r];
    g_print ("  %-24s %7.0f ms %7.0f ms %6.2fx   goal <= %.2fx: %s\n",
             "dst prep + total", bench_median (raw_whole, n_rounds), vb_t,
             vb_t / bench_median (raw_whole, n_rounds), GOAL_TOTAL,
             vb_t / bench_median (raw_whole, n_rounds) <= GOAL_TOTAL ? "ok" : "OVER");
  }
  g_print ("  %-24s %7.0f ms %7.0f ms %6.2fx   (raw's migration alone)\n", "total time", raw_t,
           vb_t, ratio);
  g_print ("  %-24s %7.0f ms %10s\n", "  raw source completed",
           bench_median (raw_completed, n_rounds), "");
  g_print ("  %-24s %7.0f ms %7.0f ms %6.2fx   (not a goal: virtbus's total less its\n"
           "  %-24s %28s  Migrate -> precopy, against raw's total)\n",
           "total after setup", raw_t, vb_t - bench_median (vb_setup, n_rounds),
           (vb_t - bench_median (vb_setup, n_rounds)) / raw_t, "", "");
  g_print ("  %-24s %7.0f ms %7.0f ms\n", "dst prep / precopy", bench_median (raw_setup, n_rounds),
           bench_median (vb_setup, n_rounds));
  g_print ("  %-24s %7.0f ms %7.0f ms %6.2fx   %s", "downtime",
           bench_median (raw_downtime, n_rounds), vb_down,
           vb_down / MAX (1, bench_median (raw_downtime, n_rounds)),
           s->postcopy ? "" : "(not a goal)\n");
  if (s->postcopy)
    g_print ("goal virtbus < %d ms: %s\n", GOAL_POSTCOPY_DOWNTIME_MS,
             vb_down < GOAL_POSTCOPY_DOWNTIME_MS ? "ok" : "OVER");
  g_print ("  %-24s %6.1f MiB %6.1f MiB %6.2fx   (not a goal)\n", "transferred",
           bench_median (raw_bytes, n_rounds) / (1 << 20),
           bench_median (vb_bytes, n_rounds) / (1 << 20),
           bench_median (vb_bytes, n_rounds) / bench_median (raw_bytes, n_rounds));
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &n_rounds, "Rounds of each scenario, each way (3)", "N" },
    { "bandwidth", 0, 0, G_OPTION_ARG_INT, &bandwidth_mib,
      "Stream cap of the dirtying scenario in MiB/s (16)", "MIB_S" },
    { "switch-after", 0, 0, G_OPTION_ARG_INT, &switch_after_ms,
      "Post-copy switch after this many ms of pre-copy (2000)", "MS" },
    { NULL }
  };
  g_autoptr (GOptionContext) context =
    g_option_context_new ("- live migration through virtbus against plain QMP");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) src = NULL;
  g_autoptr (VbTestEnv) dst = NULL;
  Scenario scenarios[] = {
    { "bench-mig-idle", "1. idle guest, pre-copy", NULL, 0, FALSE },
    { "bench-mig-dirty", NULL, "vb.dirty_mib_s=40 vb.mem_mib=48", 0, TRUE },
  };
  g_autofree char *dirty_title = NULL;
  Domain domains[G_N_ELEMENTS (scenarios)] = { { 0 } };
  Services sv;
  gint64 start = g_get_monotonic_time ();

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (n_rounds < 1 || bandwidth_mib < 1 || switch_after_ms < 0)
    g_error ("--rounds and --bandwidth must be at least 1, --switch-after at least 0");
  if (!g_getenv ("VB_TEST_GUEST_DIR"))
    g_error ("VB_TEST_GUEST_DIR is not set: the directory of the built test guest");
  {
    /* virtbusd and the raw QEMUs must see the same absolute paths. */
    g_autofree char *absolute = g_canonicalize_filename (g_getenv ("VB_TEST_GUEST_DIR"), NULL);
    g_autofree char *kernel = g_build_filename (absolute, "vmlinux", NULL);

    g_setenv ("VB_TEST_GUEST_DIR", absolute, TRUE);
    if (!g_file_test (kernel, G_FILE_TEST_EXISTS))
      g_error ("%s is missing: ninja -C build tests/guest/guest.stamp", kernel);
  }
  dirty_title = g_strdup_printf ("2. guest dirtying 40 MiB/s (48 MiB), %d MiB/s cap, post-copy "
                                 "after %d ms",
                                 bandwidth_mib, switch_after_ms);
  scenarios[1].title = dirty_title;
  scenarios[1].bandwidth = bandwidth_mib;

  src = vb_test_env_new (VB_TEST_ENV_NONE);
  dst = vb_test_env_new (VB_TEST_ENV_NONE);
  bench_install_signal_handlers (NULL);
  vb_test_env_start_daemon (src, NULL);
  bench_watch_daemon (src->daemon_pid);
  vb_test_env_start_daemon (dst, NULL);
  bench_watch_daemon (dst->daemon_pid);
  sv = (Services) { src, dst };

  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    define_domain (&sv, &domains[i], &scenarios[i]);
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    run_scenario (&sv, &domains[i]);
  g_print ("\n== setup ==\n");
  print_header (&domains[0]);
  g_print ("\ngoals: total time <= %.2fx raw; post-copy downtime < %d ms\n", GOAL_TOTAL,
           GOAL_POSTCOPY_DOWNTIME_MS);
  g_print ("total run time %.0f s\n", bench_ms_since (start) / 1000);
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    domain_clear (&domains[i]);
  return 0;
}
