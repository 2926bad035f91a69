/* 100 clients and mass changes, beside Peer.Ping measured in the same run:
 *
 *   1. mixed load: 100 clients, each on its own connection, define, read,
 *      start, resize, stop and undefine their own test domains in a loop
 *      while a watcher follows everything through the ObjectManager; one
 *      more client pings all the while. A warm-up round 0 (20 s), then three
 *      rounds (60 s each by default):
 *      per round the calls/s, p50/p99 of the clients' calls and of the
 *      Pings under that load, and virtbusd's RSS (it must stay flat).
 *   2. mass changes: 1,000 domains started, then destroyed, all at once from
 *      4 clients: the time until the watcher sees all of them changed,
 *      beside 1,000 Pings sent the same way, and the PropertiesChanged it got.
 *
 *   meson compile -C build bench-scale && VB_DAEMON=build/service/daemon/virtbusd \
 *     VB_TEST_SRCDIR=tests build/bench/bench-scale [--round-s N] [--rounds N] [--warmup-s N]
 *
 * Benchmarks print figures; correctness is tests/test-many-clients.c and
 * tests/test-mass-changes.c. */
#include <stdlib.h>

#include "bench-util.h"
#include "vb-test-env.h"
#include "vb-test-watcher.h"

#define LOAD_CLIENTS 100
#define MASS_DOMAINS 1000
#define MASS_CLIENTS 4
#define IN_FLIGHT 100

static int round_s = 60;
static int warmup_s = 20;
static gboolean skip_mass;
static int rounds = 3;

static GDBusConnection *
connect_to (VbTestEnv *env)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *connection =
    g_dbus_connection_new_for_address_sync (env->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values, double p)
{
  if (!values->len)
    return 0;
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (values->len * p)));
}

/* ---- Pings from a thread of their own, all through a load ---- */

typedef struct {
  VbTestEnv *env;
  gint stop;
  GArray *latencies; /* seconds */
} Pinger;

static gpointer
ping_loop (gpointer user_data)
{
  Pinger *pinger = user_data;
  g_autoptr (GDBusConnection) connection = connect_to (pinger->env);

  while (!g_atomic_int_get (&pinger->stop))
    {
      g_autoptr (GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (GVariant) reply =
        g_dbus_connection_call_sync (connection, BUS_NAME, MANAGER, "org.freedesktop.DBus.Peer",
                                     "Ping", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL,
                                     &error);
      double latency = (g_get_monotonic_time () - t0) / 1e6;

      g_assert_no_error (error);
      g_array_append_val (pinger->latencies, latency);
      /* A sample every 5 ms: a probe of the load, not more load. */
      g_usleep (5000);
    }
  return NULL;
}

/* ---- the mixed load ---- */

enum { DEFINE, READ_STATE, START, READ_XML, SET_MEMORY, READ_ALL, DESTROY, UNDEFINE, STEPS };

/* per operation, over the round (the table after the last round) */
static GArray *step_latencies[STEPS];
static const char *const step_names[STEPS] = {
  "DefineDomain", "Get State", "Start", "GetXMLDesc", "SetMemory", "GetAll", "Destroy", "Undefine",
};

typedef struct {
  GDBusConnection *connection;
  char *name;
  char *path;
  int step;
  gint64 sent_at;
  gboolean *stop;
  guint *running;
  GArray *latencies;
  GArray *own; /* this client's latencies in the round */
} LoadClient;

static void load_next (LoadClient *client);

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoadClient *client = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  double latency = (g_get_monotonic_time () - client->sent_at) / 1e6;

  if (error)
    g_error ("%s, step %d: %s", client->name, client->step, error->message);
  g_array_append_val (client->latencies, latency);
  g_array_append_val (client->own, latency);
  g_array_append_val (step_latencies[client->step], latency);
  if (client->step == DEFINE)
    {
      g_free (client->path);
      g_variant_get (reply, "(o)", &client->path);
    }
  client->step = (client->step + 1) % STEPS;
  /* A round ends between two cycles: nothing of a client's is left defined. */
  if (client->step == DEFINE && *client->stop)
    {
      (*client->running)--;
      return;
    }
  load_next (client);
}

static void
load_next (LoadClient *client)
{
  static const char *properties = "org.freedesktop.DBus.Properties";
  const char *path = client->path, *interface = IFACE_DOMAIN, *method = NULL;
  GVariant *args = NULL;
  g_autofree char *xml = NULL;

  switch (client->step)
    {
    case DEFINE:
      xml = vb_test_domain_xml (client->name, NULL);
      path = MANAGER, interface = IFACE_MANAGER, method = "DefineDomain";
      args = g_variant_new ("(su)", xml, 0);
      break;
    case READ_STATE:
      interface = properties, method = "Get";
      args = g_variant_new ("(ss)", IFACE_DOMAIN, "State");
      break;
    case START:
      method = "Start", args = g_variant_new ("(u)", 0);
      break;
    case READ_XML:
      method = "GetXMLDesc", args = g_variant_new ("(u)", 0);
      break;
    case SET_MEMORY:
      method = "SetMemory", args = g_variant_new ("(tu)", (guint64) 96 * 1024, 0);
      break;
    case READ_ALL:
      interface = properties, method = "GetAll", args = g_variant_new ("(s)", IFACE_DOMAIN);
      break;
    case DESTROY:
      method = "Destroy", args = g_variant_new ("(u)", 0);
      break;
    case UNDEFINE:
      method = "Undefine", args = g_variant_new ("(u)", 0);
      break;
    }
  client->sent_at = g_get_monotonic_time ();
  g_dbus_connection_call (client->connection, BUS_NAME, path, interface, method, args, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 120000, NULL, load_done, client);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Starvation shows per client: the slowest client's calls/s against the
 * median client's, and the worst of the clients' own p99 and longest call. */
static void
print_clients (LoadClient *clients, double seconds)
{
  double rates[LOAD_CLIENTS], p99s[LOAD_CLIENTS], maxes[LOAD_CLIENTS];
  int slowest = 0;

  for (int c = 0; c < LOAD_CLIENTS; c++)
    {
      rates[c] = clients[c].own->len / seconds;
      if (rates[c] < rates[slowest])
        slowest = c;
      p99s[c] = percentile (clients[c].own, 0.99) * 1e6;
      maxes[c] = percentile (clients[c].own, 1.0) * 1e6;
    }
  g_print ("  %-14s calls/s median %.1f, slowest %.1f (%s, %.2fx), fastest %.1f; "
           "p99(us) median %.0f, worst %.0f; longest call %.0f us\n",
           "per client", bench_median (rates, LOAD_CLIENTS), rates[slowest], clients[slowest].name,
           rates[slowest] / bench_median (rates, LOAD_CLIENTS), bench_max_of (rates, LOAD_CLIENTS),
           bench_median (p99s, LOAD_CLIENTS), bench_max_of (p99s, LOAD_CLIENTS),
           bench_max_of (maxes, LOAD_CLIENTS));
}

static void
load_section (VbTestEnv *env, VbWatcher *watcher)
{
  LoadClient clients[LOAD_CLIENTS] = { 0 };

  g_print ("\n== %d clients, mixed reads and writes on their own test domains, a watcher, "
           "%d rounds of %d s ==\n",
           LOAD_CLIENTS, rounds, round_s);
  g_print ("%-6s %9s %9s %9s %11s %11s %8s %8s %10s\n", "round", "calls", "calls/s", "p50(us)",
           "p99(us)", "ping p50", "ping p99", "pings", "RSS(KiB)");
  for (int st = 0; st < STEPS; st++)
    step_latencies[st] = g_array_new (FALSE, FALSE, sizeof (double));
  for (int c = 0; c < LOAD_CLIENTS; c++)
    {
      clients[c].connection = connect_to (env);
      clients[c].name = g_strdup_printf ("load%03d", c);
      clients[c].own = g_array_new (FALSE, FALSE, sizeof (double));
    }
  /* Round 0 warms up (the heap and GDBus's buffers reach their working
   * size); rounds 1.. are the figures, and RSS must not grow between them. */
  for (int r = warmup_s > 0 ? 0 : 1; r <= rounds; r++)
    {
      gboolean stop = FALSE;
      guint running = LOAD_CLIENTS;
      g_autoptr (GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
      Pinger pinger = { env, 0, g_array_new (FALSE, FALSE, sizeof (double)) };
      GThread *thread;
      gint64 t0 = g_get_monotonic_time ();
      double seconds;
      char label[16];

      for (int c = 0; c < LOAD_CLIENTS; c++)
        {
          clients[c].stop = &stop;
          clients[c].running = &running;
          clients[c].latencies = latencies;
          g_array_set_size (clients[c].own, 0);
          clients[c].step = DEFINE;
          load_next (&clients[c]);
        }
      thread = g_thread_new ("ping", ping_loop, &pinger);
      g_timeout_add_seconds (r == 0 ? warmup_s : round_s, set_flag, &stop);
      while (running)
        g_main_context_iteration (NULL, TRUE);
      seconds = (g_get_monotonic_time () - t0) / 1e6;
      g_atomic_int_set (&pinger.stop, 1);
      g_thread_join (thread);
      vb_watcher_sync (watcher);
      g_snprintf (label, sizeof label, r ? "%d" : "warm", r);
      g_print ("%-6s %9u %9.0f %9.0f %11.0f %11.0f %8.0f %8u %10ld\n", label, latencies->len,
               latencies->len / seconds, percentile (latencies, 0.5) * 1e6,
               percentile (latencies, 0.99) * 1e6, percentile (pinger.latencies, 0.5) * 1e6,
               percentile (pinger.latencies, 0.99) * 1e6, pinger.latencies->len,
               bench_rss_kib (env->daemon_pid));
      g_array_unref (pinger.latencies);
      print_clients (clients, seconds);
      /* Which calls make the p99: each kind's p50, p99 and longest. */
      for (int st = 0; st < STEPS; st++)
        {
          g_print ("  %-14s %9u %9s %9.0f %11.0f %11.0f max\n", step_names[st],
                   step_latencies[st]->len, "", percentile (step_latencies[st], 0.5) * 1e6,
                   percentile (step_latencies[st], 0.99) * 1e6,
                   percentile (step_latencies[st], 1.0) * 1e6);
          g_array_set_size (step_latencies[st], 0);
        }
    }
  /* Every client undefined its domain: the watcher saw every change. */
  vb_watcher_assert_matches (watcher);
  for (int c = 0; c < LOAD_CLIENTS; c++)
    {
      g_dbus_connection_close_sync (clients[c].connection, NULL, NULL);
      g_object_unref (clients[c].connection);
      g_free (clients[c].name);
      g_free (clients[c].path);
      g_array_unref (clients[c].own);
    }
}

/* ---- mass changes ---- */

typedef struct {
  GDBusConnection *clients[MASS_CLIENTS];
  char *paths[MASS_DOMAINS];
  const char *method;
  guint next[MASS_CLIENTS];
  guint pending;
} Mass;

static void mass_send (Mass *m, guint client);

static void
mass_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Mass *m = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  g_assert_no_error (error);
  m->pending--;
  for (guint c = 0; c < MASS_CLIENTS; c++)
    if (m->clients[c] == G_DBUS_CONNECTION (source))
      mass_send (m, c);
}

static void
mass_send (Mass *m, guint client)
{
  guint i = m->next[client];
  g_autofree char *xml = NULL;
  g_autofree char *name = NULL;

  if (i >= MASS_DOMAINS)
    return;
  m->next[client] += MASS_CLIENTS;
  m->pending++;
  if (g_str_equal (m->method, "DefineDomain"))
    {
      name = g_strdup_printf ("mass%04u", i);
      xml = vb_test_domain_xml (name, NULL);
      g_dbus_connection_call (m->clients[client], BUS_NAME, MANAGER, IFACE_MANAGER, m->method,
                              g_variant_new ("(su)", xml, 0), G_VARIANT_TYPE ("(o)"),
                              G_DBUS_CALL_FLAGS_NONE, 120000, NULL, mass_done, m);
    }
  else if (g_str_equal (m->method, "Ping"))
    g_dbus_connection_call (m->clients[client], BUS_NAME, MANAGER, "org.freedesktop.DBus.Peer",
                            "Ping", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 120000, NULL, mass_done, m);
  else
    g_dbus_connection_call (m->clients[client], BUS_NAME, m->paths[i], IFACE_DOMAIN, m->method,
                            g_variant_new ("(u)", 0), NULL, G_DBUS_CALL_FLAGS_NONE, 120000, NULL,
                            mass_done, m);
}

/* Sends @method for every domain, up to IN_FLIGHT at once per client;
 * returns the milliseconds until the last reply. */
static double
mass_call (Mass *m, const char *method)
{
  gint64 t0 = g_get_monotonic_time ();

  m->method = method;
  for (guint c = 0; c < MASS_CLIENTS; c++)
    {
      m->next[c] = c;
      for (guint n = 0; n < IN_FLIGHT; n++)
        mass_send (m, c);
    }
  while (m->pending)
    g_main_context_iteration (NULL, TRUE);
  return bench_ms_since (t0);
}

static void
mass_section (VbTestEnv *env, VbWatcher *watcher)
{
  Mass m = { 0 };
  g_autoptr (GVariant) listed = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  const char *transitions[][2] = { { "Start", "running" }, { "Destroy", "shutoff" } };

  for (guint c = 0; c < MASS_CLIENTS; c++)
    m.clients[c] = connect_to (env);
  mass_call (&m, "DefineDomain");
  listed = vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "ListDomains", g_variant_new ("(u)", 0));
  g_variant_get (listed, "(ao)", &iter);
  for (guint i = 0; i < MASS_DOMAINS; i++)
    g_assert_true (g_variant_iter_next (iter, "o", &m.paths[i]));
  vb_watcher_sync (watcher);

  g_print ("\n== mass changes: %d test domains at once from %d clients (up to %d calls in "
           "flight each) ==\n",
           MASS_DOMAINS, MASS_CLIENTS, IN_FLIGHT);
  g_print ("%-24s %10s %12s %10s %18s\n", "what", "replies ms", "all seen ms", "x Pings",
           "PropertiesChanged");
  for (guint t = 0; t < G_N_ELEMENTS (transitions); t++)
    {
      double pings = mass_call (&m, "Ping");
      gint64 t0 = g_get_monotonic_time ();
      double replies, seen;
      guint over = 0, total;

      vb_watcher_reset_counts (watcher);
      replies = mass_call (&m, transitions[t][0]);
      g_assert_true (vb_watcher_wait_all (watcher, IFACE_DOMAIN, "State",
                                          g_variant_new_string (transitions[t][1]), MASS_DOMAINS,
                                          120000));
      seen = bench_ms_since (t0);
      vb_watcher_sync (watcher);
      total = vb_watcher_total_changes (watcher, IFACE_DOMAIN, 1, &over, NULL);
      g_print ("%-24s %10.0f %12.0f %10.2f %11u (%u >1)\n", transitions[t][0], replies, seen,
               seen / pings, total, over);
      g_print ("%-24s %10.0f\n", "  1,000 Pings the same way", pings);
    }
  vb_watcher_assert_matches (watcher);
  for (guint c = 0; c < MASS_CLIENTS; c++)
    g_object_unref (m.clients[c]);
  for (guint i = 0; i < MASS_DOMAINS; i++)
    g_free (m.paths[i]);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "round-s", 0, 0, G_OPTION_ARG_INT, &round_s, "Seconds per load round (60)", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Load rounds (3)", "N" },
    { "no-mass", 0, 0, G_OPTION_ARG_NONE, &skip_mass, "Only the load, not the mass changes", NULL },
    { "warmup-s", 0, 0, G_OPTION_ARG_INT, &warmup_s, "Seconds of round 0, the warm-up (20)", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("- 100 clients and mass changes");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) env = NULL;
  g_autoptr (VbWatcher) watcher = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (env, NULL);
  watcher = vb_watcher_new (env);
  g_print ("virtbusd RSS at start: %ld KiB\n", bench_rss_kib (env->daemon_pid));
  load_section (env, watcher);
  if (!skip_mass)
    mass_section (env, watcher);
  return 0;
}
