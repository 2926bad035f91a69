/* D-Bus read latency of virtbusd against Peer.Ping (the floor), and the
 * 10,000-domain scale run: restart time, RSS, GetManagedObjects.
 *
 *   meson compile -C build bench-dbus && VB_DAEMON=build/service/daemon/virtbusd \
 *     VB_TEST_SRCDIR=tests build/bench/bench-dbus [--calls N] [--domains N]
 *
 * Everything is measured in the same run, so ratios compare like with like. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"
#include "vb-test-env.h"


static int n_calls = 4000;
static int n_domains = 10000;

typedef struct {
  const char *address;
  const char *path;
  const char *interface;
  const char *method;
  GVariant *args;
  int calls;
  double *latencies; /* seconds, one per call */
} Worker;

static GDBusConnection *
connect_to (const char *address)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_for_address_sync (
    address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);

  if (!connection)
    g_error ("connect: %s", error->message);
  return connection;
}

static gpointer
run_worker (gpointer data)
{
  Worker *worker = data;
  g_autoptr (GDBusConnection) connection = connect_to (worker->address);

  for (int i = 0; i < worker->calls; i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
        connection, "org.virtbus.Virt1", worker->path, worker->interface, worker->method,
        worker->args ? g_variant_ref (worker->args) : NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 30000,
        NULL, &error);

      if (!reply)
        g_error ("%s.%s: %s", worker->interface, worker->method, error->message);
      worker->latencies[i] = (g_get_monotonic_time () - start) / 1e6;
    }
  return NULL;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

typedef struct {
  double calls_per_s;
  double median;
  double p99;
} Figures;

/* Runs @clients threads, each with its own connection, making the same call. */
static Figures
measure (const char *address, const char *path, const char *interface, const char *method,
         GVariant *args, int clients)
{
  g_autoptr (GVariant) held = args ? g_variant_ref_sink (args) : NULL;
  int per_client = n_calls / clients;
  Worker *workers = g_new0 (Worker, clients);
  GThread **threads = g_new0 (GThread *, clients);
  double *all = g_new0 (double, per_client * clients);
  gint64 start, elapsed;
  Figures figures;

  for (int c = 0; c < clients; c++)
    {
      workers[c] = (Worker) { address, path, interface, method, held, per_client,
                              all + c * per_client };
    }
  /* Warm up: connections, polkit decisions, caches. */
  {
    Worker warm = workers[0];
    double scratch[50];
    warm.calls = 50;
    warm.latencies = scratch;
    run_worker (&warm);
  }
  start = g_get_monotonic_time ();
  for (int c = 0; c < clients; c++)
    threads[c] = g_thread_new ("client", run_worker, &workers[c]);
  for (int c = 0; c < clients; c++)
    g_thread_join (threads[c]);
  elapsed = g_get_monotonic_time () - start;

  qsort (all, per_client * clients, sizeof (double), compare_doubles);
  figures.calls_per_s = per_client * clients / (elapsed / 1e6);
  figures.median = all[per_client * clients / 2];
  figures.p99 = all[(int) (per_client * clients * 0.99)];
  g_free (all);
  g_free (threads);
  g_free (workers);
  return figures;
}

static void
print_row (const char *name, int clients, Figures f, Figures floor)
{
  g_print ("%-22s %2d  %9.0f  %8.1f  %8.1f   %5.2fx  %5.2fx\n", name, clients, f.calls_per_s,
           f.median * 1e6, f.p99 * 1e6, f.median / floor.median,
           floor.calls_per_s / f.calls_per_s);
}

static void
latency_section (VbTestEnv *env, const char *domain_path)
{
  const int client_counts[] = { 1, 4 };

  g_print ("\n== read latency (test driver, %d calls per row, 10 domains defined) ==\n", n_calls);
  g_print ("%-22s %2s  %9s  %8s  %8s   %6s  %6s\n", "call", "cl", "calls/s", "med(us)",
           "p99(us)", "med/x", "thr/x");
  for (guint i = 0; i < G_N_ELEMENTS (client_counts); i++)
    {
      int clients = client_counts[i];
      Figures ping = measure (env->bus_address, MANAGER, "org.freedesktop.DBus.Peer", "Ping",
                              NULL, clients);
      print_row ("Peer.Ping (floor)", clients, ping, ping);
      print_row ("Properties.Get State", clients,
                 measure (env->bus_address, domain_path, "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", IFACE_DOMAIN, "State"), clients),
                 ping);
      print_row ("Domain.GetXMLDesc", clients,
                 measure (env->bus_address, domain_path, IFACE_DOMAIN, "GetXMLDesc",
                          g_variant_new ("(u)", 0), clients),
                 ping);
      print_row ("Manager.ListDomains", clients,
                 measure (env->bus_address, MANAGER, IFACE_MANAGER, "ListDomains",
                          g_variant_new ("(u)", 0), clients),
                 ping);
      print_row ("GetManagedObjects", clients,
                 measure (env->bus_address, MANAGER, "org.freedesktop.DBus.ObjectManager",
                          "GetManagedObjects", NULL, clients),
                 ping);
    }
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
  g_print ("defined %d domains in %.1f s (%.0f/s, each fsynced)\n", count,
           (g_get_monotonic_time () - start) / 1e6,
           count / ((g_get_monotonic_time () - start) / 1e6));
}

/* virtbusd runs behind "sh -c exec": the pid is the daemon's after the exec. */
static double
time_get_managed_objects (VbTestEnv *env, guint *n_objects)
{
  double best = 1e9;

  for (int i = 0; i < 5; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GVariant) reply = vb_test_call_ok (
        env, MANAGER, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL);
      double elapsed = (g_get_monotonic_time () - start) / 1e6;

      *n_objects = g_variant_n_children (g_variant_get_child_value (reply, 0));
      best = MIN (best, elapsed);
    }
  return best;
}

static void
scale_section (VbTestEnv *env)
{
  gint64 start;
  double restart, gmo;
  guint objects = 0;
  long rss;

  g_print ("\n== scale: %d test domains ==\n", n_domains);
  define_many (env, n_domains);
  vb_test_env_stop_daemon (env, FALSE);
  start = g_get_monotonic_time ();
  vb_test_env_start_daemon (env, NULL);
  restart = (g_get_monotonic_time () - start) / 1e6;
  gmo = time_get_managed_objects (env, &objects);
  rss = bench_rss_kib (env->daemon_pid);
  g_print ("restart until the name is owned: %6.3f s   (goal < 1 s)\n", restart);
  g_print ("GetManagedObjects, %u objects:   %6.1f ms  (goal < 250 ms; best of 5)\n", objects,
           gmo * 1e3);
  g_print ("RSS of virtbusd:                 %6.1f MiB (goal < 100 MiB)\n", rss / 1024.0);
  if (objects < (guint) n_domains)
    g_error ("only %u of %d domains came back", objects, n_domains);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "calls", 0, 0, G_OPTION_ARG_INT, &n_calls, "Calls per latency row", "N" },
    { "domains", 0, 0, G_OPTION_ARG_INT, &n_domains, "Domains in the scale run", "N" },
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
  for (int i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("bench-%d", i);
      g_autofree char *xml = vb_test_domain_xml (name, NULL);
      g_autoptr (GVariant) reply = vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                    g_variant_new ("(su)", xml, 0));
      if (i == 0)
        {
          g_variant_get (reply, "(o)", &domain_path);
          g_variant_unref (vb_test_call_ok (env, domain_path, IFACE_DOMAIN, "Start",
                                            g_variant_new ("(u)", 0)));
        }
    }
  g_print ("virtbusd %s on a private dbus-daemon; %u CPUs\n", g_getenv ("VB_DAEMON"),
           g_get_num_processors ());
  latency_section (env, domain_path);
  scale_section (env);
  return 0;
}
