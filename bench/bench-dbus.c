/* D-Bus read latency of virtbusd against Peer.Ping (the floor), with 1 and
 * 16 clients; GetAll and GetManagedObjects against a bare GDBus service
 * (bench-bare.c) answering the same bytes, with 1 and 16 clients; and the
 * 10,000-domain scale run: restart time, RSS,
 * GetManagedObjects against a bare GDBus service (bench-bare.c) answering
 * the very same reply on the same bus (its floor): 7 calls of each, then 9
 * pairs in turns.
 *
 *   meson compile -C build bench-dbus && VB_DAEMON=build/service/daemon/virtbusd \
 *     VB_TEST_SRCDIR=tests build/bench/bench-dbus [--calls N] [--domains N] [--scale-only]
 *     [--no-scale] [--rows TEXT] [--repeat-gmo N]
 *
 * The four reads of issue #17 are measured twice: as clients get them
 * (answered from GDBus's worker thread when remembered) and, in the rows
 * "main loop: …", on connections whose calls all go to the main loop (what
 * every read cost before the reply cache): the before and after of the same
 * run.
 *
 * The rows in turns also say how much CPU virtbusd ("srv us"), the bus
 * ("bus us") and this process, the clients ("cli us"; with the bare service
 * in the rows against it), spent per measured call: with 16 clients on a
 * small machine the CPU is what is shared, so a ratio above the floor is
 * read with them.
 *
 * Everything is measured in the same run, so ratios compare like with like. */
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "bench-bare.h"
#include "bench-calls.h"
#include "bench-util.h"
#include "vb-test-env.h"

static int n_calls = 4000;
static int n_domains = 10000;
static gboolean scale_only;
static gboolean no_scale;
/* More GetManagedObjects after the scale run (to profile the daemon). */
static int repeat_gmo;
static char *only_rows; /* a part of the names of the rows to run; NULL: all */
/* Whose CPU each row charges to the measured call: virtbusd's and the bus's. */
static GPid daemon_pid, bus_pid;

#define ROUNDS 5

/* CPU time all of @pid's threads have run, in ns (schedstat), or 0. */
static guint64
cpu_ns (pid_t pid)
{
  g_autofree char *dir_name = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr (GDir) dir = g_dir_open (dir_name, 0, NULL);
  const char *task;
  guint64 total = 0;

  while (dir && (task = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_strdup_printf ("%s/%s/schedstat", dir_name, task);
      g_autofree char *text = NULL;

      if (g_file_get_contents (path, &text, NULL, NULL))
        total += g_ascii_strtoull (text, NULL, 10);
    }
  return total;
}

/* CPU time this process (the clients; every thread, ended ones too) has run, in ns. */
static guint64
own_cpu_ns (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_GUINT64_CONSTANT (1000000000)
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * G_GUINT64_CONSTANT (1000);
}

/* One row: @method of @interface at @path of virtbusd. */
static BenchFigures
measure (const char *address, const char *path, const char *interface, const char *method,
         GVariant *args, int clients)
{
  BenchCall call = { address, "org.virtbus.Virt1", path, interface, method, args };

  return bench_measure_call (&call, n_calls, clients);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median_of (double *values, int n)
{
  qsort (values, n, sizeof values[0], compare_doubles);
  return values[n / 2];
}

/* One row measured in turns with a reference call (ROUNDS rounds of
 * n_calls / ROUNDS calls each), so that both see the same load on a shared
 * machine: the row's figures are the medians of its rounds, and its ratios
 * the medians of each round's ratios to the reference just before it. */
static void
row_against (const char *name, const BenchCall *reference, const BenchCall *measured, int clients)
{
  double rate[ROUNDS], median[ROUNDS], p99[ROUNDS], med_ratio[ROUNDS], thr_ratio[ROUNDS];
  double service_cpu[ROUNDS], bus_cpu[ROUNDS], client_cpu[ROUNDS];

  if (only_rows && !strstr (name, only_rows))
    return;

  for (int r = 0; r < ROUNDS; r++)
    {
      BenchFigures floor = bench_measure_call (reference, n_calls / ROUNDS, clients);
      guint64 service_before = cpu_ns (daemon_pid), bus_before = cpu_ns (bus_pid);
      guint64 client_before = own_cpu_ns ();
      BenchFigures f = bench_measure_call (measured, n_calls / ROUNDS, clients);
      /* The 50 warm-up calls count too. */
      int made = (n_calls / ROUNDS / clients) * clients + 50;

      service_cpu[r] = (cpu_ns (daemon_pid) - service_before) / 1e3 / made;
      bus_cpu[r] = (cpu_ns (bus_pid) - bus_before) / 1e3 / made;
      client_cpu[r] = (own_cpu_ns () - client_before) / 1e3 / made;

      rate[r] = f.calls_per_s;
      median[r] = f.median;
      p99[r] = f.p99;
      med_ratio[r] = f.median / floor.median;
      thr_ratio[r] = floor.calls_per_s / f.calls_per_s;
    }
  g_print ("%-28s %2d  %9.0f  %8.1f  %8.1f   %5.2fx  %5.2fx  %6.1f  %6.1f  %6.1f\n", name, clients,
           median_of (rate, ROUNDS), median_of (median, ROUNDS) * 1e6,
           median_of (p99, ROUNDS) * 1e6, median_of (med_ratio, ROUNDS),
           median_of (thr_ratio, ROUNDS), median_of (service_cpu, ROUNDS),
           median_of (bus_cpu, ROUNDS), median_of (client_cpu, ROUNDS));
}

/* The header of row_against's rows: bench_print_call_header's columns and
 * the CPU virtbusd, the bus and the clients spent per measured call, in us. */
static void
print_row_header (void)
{
  g_print ("%-28s %2s  %9s  %8s  %8s   %6s  %6s  %6s  %6s  %6s\n", "call", "cl", "calls/s",
           "med(us)", "p99(us)", "med/x", "thr/x", "srv us", "bus us", "cli us");
}

/* One row measured in turns with Ping. */
static void
paired_row (const char *name, const char *address, const char *path, const char *interface,
            const char *method, GVariant *args, int clients)
{
  BenchCall ping = { address, "org.virtbus.Virt1", MANAGER, "org.freedesktop.DBus.Peer", "Ping",
                     NULL };
  g_autoptr (GVariant) held = args ? g_variant_ref_sink (args) : NULL;
  /* not floating: bench_measure_call takes its own reference */
  BenchCall call = { address, "org.virtbus.Virt1", path, interface, method, held };

  row_against (name, &ping, &call, clients);
}

/* The same read answered by the main loop, as it was before the reply cache
 * (and is the first time after any change): each client's connection first
 * sends a call expecting no reply, whose end nobody can see, so the cache
 * leaves all its calls to the main loop (reply-cache.h). Not Ping nor
 * Properties.Get as that call: GDBus answers those even when no reply is
 * expected (and the bus refuses the answer, noisily). */
static void
main_loop_row (const char *name, const char *address, const char *path, const char *interface,
               const char *method, GVariant *args, int clients)
{
  BenchCall ping = { address, "org.virtbus.Virt1", MANAGER, "org.freedesktop.DBus.Peer", "Ping",
                     NULL };
  g_autoptr (GVariant) held = args ? g_variant_ref_sink (args) : NULL;
  g_autoptr (GVariant) list_args = g_variant_ref_sink (g_variant_new ("(u)", 0));
  BenchCall no_reply = { address,       "org.virtbus.Virt1", MANAGER,
                         IFACE_MANAGER, "ListDomains",       list_args };
  BenchCall call = { address, "org.virtbus.Virt1", path, interface, method, held, &no_reply };

  row_against (name, &ping, &call, clients);
}

/* The same bytes from a bare GDBus service (bench-bare.c) on the same bus:
 * what GDBus itself costs for a reply of that size, on both sides. Rows of
 * virtbusd measured in turns with the bare service's same read; the ratios
 * are virtbus/bare. */
static void
bare_section (VbTestEnv *env, const char *domain_path)
{
  const int client_counts[] = { 1, 16 };
  const char *a = env->bus_address;
  const char *bare_domain = "/org/libvirt/Test/domain/_0";
  g_autoptr (GVariant) all = vb_test_call_ok (env, domain_path, "org.freedesktop.DBus.Properties",
                                              "GetAll", g_variant_new ("(s)", IFACE_DOMAIN));
  g_autoptr (GVariant) objects =
    vb_test_call_ok (env, MANAGER, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL);
  g_autoptr (GVariant) properties = g_variant_get_child_value (all, 0);
  g_autoptr (GVariant) object_dict = g_variant_get_child_value (objects, 0);
  g_autoptr (GVariant) virt1_all = g_variant_ref_sink (g_variant_new ("(s)", IFACE_DOMAIN));
  g_autoptr (GVariant) bare_all = g_variant_ref_sink (g_variant_new ("(s)", "org.libvirt.Domain"));
  BenchCall virtbus_get_all = { a,           "org.virtbus.Virt1",
                                domain_path, "org.freedesktop.DBus.Properties",
                                "GetAll",    virt1_all };
  BenchCall bare_get_all = { a,           "org.libvirt",
                             bare_domain, "org.freedesktop.DBus.Properties",
                             "GetAll",    bare_all };
  BenchCall virtbus_objects = {
    a, "org.virtbus.Virt1", MANAGER, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL
  };
  BenchCall bare_objects = { a,
                             "org.libvirt",
                             "/org/libvirt/Test",
                             "org.freedesktop.DBus.ObjectManager",
                             "GetManagedObjects",
                             NULL };
  BenchBare *bare = bench_bare_start (a, bare_domain, g_variant_ref (properties), "<domain/>");

  bench_bare_set_managed_objects (bare, g_variant_ref (objects));
  g_print ("\n== against a bare GDBus service answering the same bytes (bench-bare.c), in turns; "
           "ratios: virtbus/bare ==\n");
  g_print ("GetAll: %zu bytes; GetManagedObjects: %zu bytes, %zu objects\n",
           g_variant_get_size (all), g_variant_get_size (objects),
           g_variant_n_children (object_dict));
  print_row_header ();
  for (guint i = 0; i < G_N_ELEMENTS (client_counts); i++)
    {
      row_against ("GetAll Domain, virtbus/bare", &bare_get_all, &virtbus_get_all,
                   client_counts[i]);
      row_against ("GetManagedObjects, v/bare", &bare_objects, &virtbus_objects, client_counts[i]);
    }
  bench_bare_stop (bare);
}

/* @method at @path on @connection, once: seconds. */
static double
time_call (GDBusConnection *connection, const char *path, const char *interface, const char *method,
           GVariant *args)
{
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (connection, "org.virtbus.Virt1", path, interface, method, args,
                                 NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);

  if (!reply)
    g_error ("%s: %s", method, error->message);
  return (g_get_monotonic_time () - start) / 1e6;
}

/* GetAll as the main loop answers it (the first call after any change of
 * the model): a connection that once sent a call expecting no reply is
 * never answered from the reply cache (reply-cache.c), so each of its calls
 * goes the whole way. One client, in turns with Ping on the same
 * connection: medians, and the median of the ratios. */
static void
main_loop_get_all_row (VbTestEnv *env, const char *domain_path)
{
  const char *name = "GetAll on the main loop";
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GDBusMessage) no_reply = NULL;
  g_autofree double *getall = NULL, *ping = NULL, *ratio = NULL;
  int n = n_calls / 4;
  guint64 cpu;

  if ((only_rows && !strstr (name, only_rows)) || n < 1)
    return;
  connection =
    g_dbus_connection_new_for_address_sync (env->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  if (!connection)
    g_error ("%s", error->message);
  /* Not Ping nor Properties.Get: GDBus answers those even when no reply is
   * expected (and the bus refuses the answer, noisily). */
  no_reply =
    g_dbus_message_new_method_call ("org.virtbus.Virt1", MANAGER, IFACE_MANAGER, "ListDomains");
  g_dbus_message_set_body (no_reply, g_variant_new ("(u)", 0));
  g_dbus_message_set_flags (no_reply, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
  if (!g_dbus_connection_send_message (connection, no_reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL,
                                       &error))
    g_error ("%s", error->message);
  getall = g_new (double, n);
  ping = g_new (double, n);
  ratio = g_new (double, n);
  cpu = cpu_ns (env->daemon_pid);
  for (int i = 0; i < n; i++)
    {
      ping[i] = time_call (connection, MANAGER, "org.freedesktop.DBus.Peer", "Ping", NULL);
      getall[i] = time_call (connection, domain_path, "org.freedesktop.DBus.Properties", "GetAll",
                             g_variant_new ("(s)", IFACE_DOMAIN));
      ratio[i] = getall[i] / ping[i];
    }
  cpu = cpu_ns (env->daemon_pid) - cpu;
  g_print ("%-28s  1  median %8.1f us, Ping %8.1f us: %5.2fx (median of %d ratios); virtbusd's "
           "CPU %.1f us per GetAll and Ping\n",
           name, median_of (getall, n) * 1e6, median_of (ping, n) * 1e6, median_of (ratio, n), n,
           cpu / 1e3 / n);
}

static void
latency_section (VbTestEnv *env, const char *domain_path)
{
  const int client_counts[] = { 1, 16 };
  const char *a = env->bus_address;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) summaries = vb_test_call (env, MANAGER, IFACE_MANAGER, "ListDomainSummaries",
                                                 g_variant_new ("(u)", 0), &error);
  /* So that an older virtbusd can be measured beside this one. */
  gboolean has_summaries = summaries != NULL;

  g_print ("\n== read latency (test driver, %d calls per row, 10 domains defined) ==\n", n_calls);
  g_print ("each row in %d turns with Ping; ratios: medians of the turns' ratios\n", ROUNDS);
  print_row_header ();
  for (guint i = 0; i < G_N_ELEMENTS (client_counts); i++)
    {
      int clients = client_counts[i];

      paired_row ("Peer.Ping (against itself)", a, MANAGER, "org.freedesktop.DBus.Peer", "Ping",
                  NULL, clients);
      paired_row ("Properties.Get State", a, domain_path, "org.freedesktop.DBus.Properties", "Get",
                  g_variant_new ("(ss)", IFACE_DOMAIN, "State"), clients);
      paired_row ("Properties.GetAll Domain", a, domain_path, "org.freedesktop.DBus.Properties",
                  "GetAll", g_variant_new ("(s)", IFACE_DOMAIN), clients);
      paired_row ("Domain.GetXMLDesc", a, domain_path, IFACE_DOMAIN, "GetXMLDesc",
                  g_variant_new ("(u)", 0), clients);
      paired_row ("Manager.ListDomains", a, MANAGER, IFACE_MANAGER, "ListDomains",
                  g_variant_new ("(u)", 0), clients);
      if (has_summaries)
        paired_row ("Manager.ListDomainSummaries", a, MANAGER, IFACE_MANAGER, "ListDomainSummaries",
                    g_variant_new ("(u)", 0), clients);
      paired_row ("GetManagedObjects", a, MANAGER, "org.freedesktop.DBus.ObjectManager",
                  "GetManagedObjects", NULL, clients);
      main_loop_row ("  main loop: Get State", a, domain_path, "org.freedesktop.DBus.Properties",
                     "Get", g_variant_new ("(ss)", IFACE_DOMAIN, "State"), clients);
      main_loop_row ("  main loop: GetAll Domain", a, domain_path,
                     "org.freedesktop.DBus.Properties", "GetAll",
                     g_variant_new ("(s)", IFACE_DOMAIN), clients);
      main_loop_row ("  main loop: GetXMLDesc", a, domain_path, IFACE_DOMAIN, "GetXMLDesc",
                     g_variant_new ("(u)", 0), clients);
      main_loop_row ("  main loop: ListDomains", a, MANAGER, IFACE_MANAGER, "ListDomains",
                     g_variant_new ("(u)", 0), clients);
      if (clients == 1)
        {
          BenchFigures ping = measure (a, MANAGER, "org.freedesktop.DBus.Peer", "Ping", NULL, 1);

          /* Why a large reply cannot reach Ping: GDBus's own work on it. */
          bench_print_gdbus_cost_rows ("Ping's reply", NULL, clients, ping);
          bench_print_gdbus_cost_rows ("GetAll's",
                                       vb_test_call_ok (env, domain_path,
                                                        "org.freedesktop.DBus.Properties", "GetAll",
                                                        g_variant_new ("(s)", IFACE_DOMAIN)),
                                       clients, ping);
          if (has_summaries)
            bench_print_gdbus_cost_rows ("Summaries'", g_variant_ref (summaries), clients, ping);
        }
    }
  main_loop_get_all_row (env, domain_path);
}

typedef struct {
  int outstanding;
  int done;
  int failed;
} Pipeline;

static void
defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pipeline *pipeline = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (!reply)
    {
      if (pipeline->failed++ == 0)
        g_printerr ("define failed: %s\n", error->message);
    }
  pipeline->outstanding--;
  pipeline->done++;
}

static void
define_many (VbTestEnv *env, int count)
{
  Pipeline pipeline = { 0 };
  int sent = 0;
  gint64 start = g_get_monotonic_time ();

  while (pipeline.done < count)
    {
      while (sent < count && pipeline.outstanding < 64)
        {
          g_autofree char *name = g_strdup_printf ("scale-%05d", sent);
          g_autofree char *xml = vb_test_domain_xml (name, NULL);

          g_dbus_connection_call (env->client, "org.virtbus.Virt1", MANAGER, IFACE_MANAGER,
                                  "DefineDomain", g_variant_new ("(su)", xml, 0), NULL,
                                  G_DBUS_CALL_FLAGS_NONE, 60000, NULL, defined, &pipeline);
          pipeline.outstanding++;
          sent++;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  if (pipeline.failed)
    g_error ("%d defines failed", pipeline.failed);
  g_print ("defined %d domains in %.1f s (%.0f/s, each durable when answered)\n", count,
           (g_get_monotonic_time () - start) / 1e6,
           count / ((g_get_monotonic_time () - start) / 1e6));
}

/* GetManagedObjects of @bus_name at @path, 7 times: the median and the best
 * in seconds; *reply (if not NULL) gets the last answer. */
static void
time_get_managed_objects (VbTestEnv *env, const char *bus_name, const char *path, double *median,
                          double *best, GVariant **reply)
{
  double times[7];

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GVariant) answer = g_dbus_connection_call_sync (
        env->client, bus_name, path, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
        NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, 120000, NULL, &error);

      times[i] = (g_get_monotonic_time () - start) / 1e6;
      if (!answer)
        g_error ("GetManagedObjects of %s: %s", bus_name, error->message);
      if (reply && i + 1 == G_N_ELEMENTS (times))
        *reply = g_steal_pointer (&answer);
    }
  qsort (times, G_N_ELEMENTS (times), sizeof times[0], compare_doubles);
  *median = times[G_N_ELEMENTS (times) / 2];
  *best = times[0];
}

/* One GetManagedObjects of @bus_name at @path, in seconds. */
static double
time_one_get_managed_objects (VbTestEnv *env, const char *bus_name, const char *path)
{
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GVariant) answer =
    g_dbus_connection_call_sync (env->client, bus_name, path, "org.freedesktop.DBus.ObjectManager",
                                 "GetManagedObjects", NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                 G_DBUS_CALL_FLAGS_NONE, 120000, NULL, &error);

  if (!answer)
    g_error ("GetManagedObjects of %s: %s", bus_name, error->message);
  return (g_get_monotonic_time () - start) / 1e6;
}

/* virtbusd's GetManagedObjects and the bare service's in turns, call by
 * call, so that each pair sees the same load on a shared machine: the
 * medians of each, and the median of the 9 ratios. */
static double
get_managed_objects_in_turns (VbTestEnv *env, double *median, double *bare)
{
  double ours[9], theirs[9], ratios[9];

  for (guint i = 0; i < G_N_ELEMENTS (ratios); i++)
    {
      ours[i] = time_one_get_managed_objects (env, "org.virtbus.Virt1", MANAGER);
      theirs[i] = time_one_get_managed_objects (env, "org.libvirt", "/org/libvirt/Test");
      ratios[i] = ours[i] / theirs[i];
    }
  *median = median_of (ours, G_N_ELEMENTS (ours));
  *bare = median_of (theirs, G_N_ELEMENTS (theirs));
  return median_of (ratios, G_N_ELEMENTS (ratios));
}

/* The first view a GUI can have of every domain: ListDomainSummaries, the
 * first call after a restart (nothing remembered) and the median of 7. */
static void
time_summaries (VbTestEnv *env, double gmo)
{
  double times[8];
  gsize size = 0;

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GVariant) answer =
        vb_test_call (env, MANAGER, IFACE_MANAGER, "ListDomainSummaries", g_variant_new ("(u)", 0),
                      &error);

      times[i] = (g_get_monotonic_time () - start) / 1e6;
      if (!answer)
        {
          g_print ("ListDomainSummaries: %s\n", error->message);
          return;
        }
      size = g_variant_get_size (answer);
    }
  qsort (times + 1, G_N_ELEMENTS (times) - 1, sizeof times[0], compare_doubles);
  g_print ("ListDomainSummaries, %.1f MB: first %6.1f ms, then median %6.1f ms (%.2fx "
           "GetManagedObjects' median)\n",
           size / 1e6, times[0] * 1e3, times[4] * 1e3, times[4] / gmo);
}

static void
scale_section (VbTestEnv *env)
{
  gint64 start;
  double restart, restart_best, restarts[5], rss_each[5], gmo, gmo_best, bare, bare_best;
  double turns, turns_bare, turns_ratio, first_cpu[2];
  g_autofree char *load = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) objects_dict = NULL;
  guint objects;
  BenchBare *floor;
  long rss, rss_after;

  g_print ("\n== scale: %d test domains ==\n", n_domains);
  define_many (env, n_domains);
  /* Several restarts: one on a shared machine says little. The name is
   * owned once every object is exported, so each is a complete start. */
  for (guint i = 0; i < G_N_ELEMENTS (restarts); i++)
    {
      vb_test_env_stop_daemon (env, FALSE);
      start = g_get_monotonic_time ();
      vb_test_env_start_daemon (env, NULL);
      restarts[i] = (g_get_monotonic_time () - start) / 1e6;
      rss_each[i] = bench_rss_kib (env->daemon_pid);
    }
  restart = median_of (restarts, G_N_ELEMENTS (restarts));
  restart_best = restarts[0];
  rss = (long) median_of (rss_each, G_N_ELEMENTS (rss_each));
  /* virtbusd's CPU for the first call after the restart (nothing kept
   * yet) and for the next: not in the 7 below. */
  for (guint i = 0; i < G_N_ELEMENTS (first_cpu); i++)
    {
      guint64 cpu = cpu_ns (env->daemon_pid);

      g_variant_unref (vb_test_call_ok (env, MANAGER, "org.freedesktop.DBus.ObjectManager",
                                        "GetManagedObjects", NULL));
      first_cpu[i] = (cpu_ns (env->daemon_pid) - cpu) / 1e9;
    }
  time_get_managed_objects (env, "org.virtbus.Virt1", MANAGER, &gmo, &gmo_best, &reply);
  objects_dict = g_variant_get_child_value (reply, 0);
  objects = (guint) g_variant_n_children (objects_dict);
  rss_after = bench_rss_kib (env->daemon_pid);
  /* The floor: the same bytes from a bare GDBus service on the same bus. */
  floor = bench_bare_start (env->bus_address, "/org/libvirt/Test/domain/_0",
                            g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0), "<domain/>");
  bench_bare_set_managed_objects (floor, g_variant_ref (reply));
  time_get_managed_objects (env, "org.libvirt", "/org/libvirt/Test", &bare, &bare_best, NULL);
  turns_ratio = get_managed_objects_in_turns (env, &turns, &turns_bare);
  bench_bare_stop (floor);
  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);
  g_print ("restart until the name is owned: median %6.3f s, best %6.3f s of %u (goal <= 0.3 s); "
           "load average %.14s\n",
           restart, restart_best, (guint) G_N_ELEMENTS (restarts), load ? load : "?");
  g_print ("GetManagedObjects, %u objects, %.1f MB: median %6.1f ms, best %6.1f ms (of 7)\n",
           objects, g_variant_get_size (reply) / 1e6, gmo * 1e3, gmo_best * 1e3);
  g_print ("  bare GDBus service, same reply: median %6.1f ms, best %6.1f ms: %.2fx (goal <= "
           "1.10x), best %.2fx\n",
           bare * 1e3, bare_best * 1e3, gmo / bare, gmo_best / bare_best);
  g_print ("  virtbusd's CPU: %.1f ms for the first after the restart, %.1f ms for the next\n",
           first_cpu[0] * 1e3, first_cpu[1] * 1e3);
  g_print ("  in turns, call by call (9 each): median %6.1f ms, bare %6.1f ms: ratio %.2fx (median "
           "of the 9 ratios; goal <= 1.10x)\n",
           turns * 1e3, turns_bare * 1e3, turns_ratio);
  time_summaries (env, gmo);
  g_print ("RSS of virtbusd: %6.1f MiB just after the restarts (median; goal <= 50 MiB), "
           "%.1f MiB after the GetManagedObjects\n",
           rss / 1024.0, rss_after / 1024.0);
  if (objects < (guint) n_domains)
    g_error ("only %u of %d domains came back", objects, n_domains);
  if (repeat_gmo > 0)
    {
      g_print ("virtbusd pid %d: %d more GetManagedObjects\n", (int) env->daemon_pid, repeat_gmo);
      for (int i = 0; i < repeat_gmo; i++)
        g_variant_unref (vb_test_call_ok (env, MANAGER, "org.freedesktop.DBus.ObjectManager",
                                          "GetManagedObjects", NULL));
    }
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "calls", 0, 0, G_OPTION_ARG_INT, &n_calls, "Calls per latency row", "N" },
    { "domains", 0, 0, G_OPTION_ARG_INT, &n_domains, "Domains in the scale run", "N" },
    { "scale-only", 0, 0, G_OPTION_ARG_NONE, &scale_only, "Only the scale run", NULL },
    { "no-scale", 0, 0, G_OPTION_ARG_NONE, &no_scale, "No scale run", NULL },
    { "repeat-gmo", 0, 0, G_OPTION_ARG_INT, &repeat_gmo,
      "After the scale run, N more GetManagedObjects (for perf record -p)", "N" },
    { "rows", 0, 0, G_OPTION_ARG_STRING, &only_rows, "Only the latency rows whose name has TEXT",
      "TEXT" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- virtbusd D-Bus benchmark");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) env = NULL;
  g_autofree char *domain_path = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (env, NULL);
  daemon_pid = env->daemon_pid;
  bus_pid = env->bus_pid;
  for (int i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("bench-%d", i);
      g_autofree char *xml = vb_test_domain_xml (name, NULL);
      g_autoptr (GVariant) reply = vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                    g_variant_new ("(su)", xml, 0));
      if (i == 0)
        {
          g_variant_get (reply, "(o)", &domain_path);
          g_variant_unref (
            vb_test_call_ok (env, domain_path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
        }
    }
  g_print ("virtbusd %s on a private dbus-daemon; %u CPUs\n", g_getenv ("VB_DAEMON"),
           g_get_num_processors ());
  if (!scale_only)
    {
      latency_section (env, domain_path);
      bare_section (env, domain_path);
    }
  if (!no_scale)
    scale_section (env);
  return 0;
}
