/* DefineDomain against its durability floor, and many clients defining at
 * once, with figures measured in the same run:
 *
 *   1. one client: DefineDomain of new test domains one after another, in
 *      turns with the floor done by this process on the same filesystem:
 *      the bytes of a domain file virtbusd wrote, written to a new
 *      temporary file in virtbusd's domains/ folder, fsynced, renamed to its
 *      name and the directory fsynced (what makes a new file durable); the
 *      same without the directory's fsync is printed beside it, and Ping.
 *      One of each in turn; medians of the turns. With TMPDIR=/dev/shm
 *      (state on tmpfs, fsync nearly free) the define's time is the
 *      service's own work.
 *   2. 64 clients, each on its own connection with one call in flight,
 *      define 10,000 domains, then undefine them: calls/s, p50/p99 of a
 *      call, and the wall time per call against the floor.
 *
 *   meson compile -C build bench-define && VB_DAEMON=build/service/daemon/virtbusd \
 *     VB_TEST_SRCDIR=tests build/bench/bench-define [--domains N] [--clients N] [--turn N] \
 *     [--type qemu]
 *
 * Correctness under the same load is tests/test-many-defines.c. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"
#include "vb-test-env.h"

#define TURNS 5

static int n_domains = 10000;
static int n_clients = 64;
static int per_turn = 40;
static char *domain_type; /* NULL: the test driver's */

static char *
load_average (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("?");
  return g_strndup (text, strcspn (text, " ") + 5);
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
fsync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || fsync (fd) < 0)
    g_error ("fsync %s: %s", dir, g_strerror (errno));
  close (fd);
}

/* A new file @dir/floor-@i.bench with @data, as a define makes one durable.
 * In the service's own domains/ folder, where its inodes come from the same
 * block group as the service's (the cost of creating one depends on it);
 * not .xml, which the service would load. */
static double
floor_once (const char *dir, int i, const char *data, gboolean sync_dir)
{
  g_autofree char *path = g_strdup_printf ("%s/floor-%d.bench", dir, i);
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
  gsize len = strlen (data);
  gint64 start = g_get_monotonic_time ();
  int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0 || write (fd, data, len) != (ssize_t) len || fsync (fd) < 0 || close (fd) < 0
      || rename (tmp, path) < 0)
    g_error ("floor write of %s: %s", path, g_strerror (errno));
  if (sync_dir)
    fsync_dir (dir);
  return seconds_since (start);
}

static char *
domain_xml (const char *prefix, int i)
{
  g_autofree char *name = g_strdup_printf ("%s-%05d", prefix, i);
  g_autofree char *xml = vb_test_domain_xml (name, NULL);
  g_autofree char *type = NULL;
  g_auto (GStrv) parts = NULL;

  if (!domain_type)
    return g_steal_pointer (&xml);
  /* The same definition for another driver (--type qemu: its validation
   * builds the command line, its completion adds controllers). */
  type = g_strdup_printf ("<domain type='%s'>", domain_type);
  parts = g_strsplit (xml, "<domain type='test'>", 2);
  return g_strjoinv (type, parts);
}

static double
ping_once (VbTestEnv *env)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, MANAGER, "org.freedesktop.DBus.Peer", "Ping", NULL);

  return seconds_since (start);
}

static double
define_once (VbTestEnv *env, int i)
{
  g_autofree char *xml = domain_xml ("one", i);
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));

  return seconds_since (start);
}

/* The bytes of one domain file virtbusd wrote. */
static char *
stored_domain (VbTestEnv *env)
{
  g_autofree char *dir = g_build_filename (env->state_dir, "domains", NULL);
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    if (g_str_has_suffix (entry, ".xml"))
      {
        g_autofree char *path = g_build_filename (dir, entry, NULL);
        char *xml = NULL;

        if (g_file_get_contents (path, &xml, NULL, NULL))
          return xml;
      }
  g_error ("no domain file in %s", dir);
}

static void
one_client_section (VbTestEnv *env)
{
  g_autofree char *floor_dir = g_build_filename (env->state_dir, "domains", NULL);
  g_autofree char *data = NULL;
  g_autofree char *load = NULL;
  double durable[TURNS], bare[TURNS], define[TURNS], ping[TURNS], ratio[TURNS], bare_ratio[TURNS];
  int n = 0;

  define_once (env, n++);
  data = stored_domain (env);
  for (int t = 0; t < TURNS; t++)
    {
      g_autofree double *a = g_new (double, per_turn);
      g_autofree double *b = g_new (double, per_turn);
      g_autofree double *c = g_new (double, per_turn);
      g_autofree double *d = g_new (double, per_turn);

      /* Interleaved, one of each in turn: on a disk shared with other work
       * the cost of an fsync drifts within milliseconds, and a define
       * compared with floors measured in another stretch of time says more
       * of the drift than of the define. */
      for (int i = 0; i < per_turn; i++)
        {
          a[i] = floor_once (floor_dir, t * per_turn * 2 + i, data, TRUE);
          b[i] = floor_once (floor_dir, t * per_turn * 2 + per_turn + i, data, FALSE);
          c[i] = define_once (env, n++);
          d[i] = ping_once (env);
        }
      durable[t] = bench_median (a, per_turn);
      bare[t] = bench_median (b, per_turn);
      define[t] = bench_median (c, per_turn);
      ping[t] = bench_median (d, per_turn);
      ratio[t] = define[t] / durable[t];
      bare_ratio[t] = define[t] / bare[t];
    }
  load = load_average ();
  g_print ("\n== DefineDomain against its durability floor: 1 client, %d turns of %d, a %zu-byte "
           "file; load %s ==\n",
           TURNS, per_turn, strlen (data), load);
  g_print ("floor: write + fsync + rename + fsync(dir)  median %7.3f ms\n",
           bench_median (durable, TURNS) * 1e3);
  g_print ("       write + fsync + rename               median %7.3f ms\n",
           bench_median (bare, TURNS) * 1e3);
  g_print ("DefineDomain                                 median %7.3f ms: %.2fx the durable floor "
           "(goal <= 1.5x), %.2fx the one without fsync(dir)\n",
           bench_median (define, TURNS) * 1e3, bench_median (ratio, TURNS),
           bench_median (bare_ratio, TURNS));
  g_print ("Peer.Ping (the bus's round trip)           median %7.3f ms\n",
           bench_median (ping, TURNS) * 1e3);
}

typedef struct _Load Load;

typedef struct {
  Load *load;
  GDBusConnection *connection;
  int next; /* its next domain: index, index + clients, ... */
  gint64 sent;
} Client;

struct _Load {
  Client *clients;
  char **paths;
  GArray *latencies;
  gboolean undefine;
  int answered;
};

static void send_next (Client *client);

static void
answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  Load *load = client->load;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  double latency = seconds_since (client->sent);

  if (!reply)
    g_error ("%s %d: %s", load->undefine ? "Undefine" : "DefineDomain", client->next,
             error->message);
  g_array_append_val (load->latencies, latency);
  if (!load->undefine)
    g_variant_get (reply, "(o)", &load->paths[client->next]);
  load->answered++;
  client->next += n_clients;
  if (client->next < n_domains)
    send_next (client);
}

static void
send_next (Client *client)
{
  Load *load = client->load;

  client->sent = g_get_monotonic_time ();
  if (load->undefine)
    {
      g_dbus_connection_call (client->connection, BUS_NAME, load->paths[client->next], IFACE_DOMAIN,
                              "Undefine", g_variant_new ("(u)", 0), NULL, G_DBUS_CALL_FLAGS_NONE,
                              120000, NULL, answered, client);
      return;
    }
  {
    g_autofree char *xml = domain_xml ("many", client->next);

    g_dbus_connection_call (client->connection, BUS_NAME, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0), NULL, G_DBUS_CALL_FLAGS_NONE, 120000,
                            NULL, answered, client);
  }
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
run_load (Load *load, const char *what, double floor)
{
  gint64 start = g_get_monotonic_time ();
  g_autofree char *before = load_average ();
  g_autofree char *after = NULL;
  double elapsed;

  load->answered = 0;
  g_array_set_size (load->latencies, 0);
  for (int c = 0; c < n_clients && c < n_domains; c++)
    {
      load->clients[c].next = c;
      send_next (&load->clients[c]);
    }
  while (load->answered < n_domains)
    g_main_context_iteration (NULL, TRUE);
  elapsed = seconds_since (start);
  after = load_average ();
  g_array_sort (load->latencies, compare_doubles);
  g_print ("%-12s %6d in %6.2f s: %6.0f/s; a call p50 %7.1f ms, p99 %7.1f ms; wall time per "
           "call %.3f ms = %.2fx the durable floor (load %s, then %s)\n",
           what, n_domains, elapsed, n_domains / elapsed,
           g_array_index (load->latencies, double, load->latencies->len / 2) * 1e3,
           g_array_index (load->latencies, double, load->latencies->len * 99 / 100) * 1e3,
           elapsed / n_domains * 1e3, elapsed / n_domains / floor, before, after);
}

static void
many_clients_section (VbTestEnv *env)
{
  g_autofree char *floor_dir = g_build_filename (env->state_dir, "domains", NULL);
  g_autofree char *data = stored_domain (env);
  Load load = { 0 };
  double floors[TURNS];

  for (int t = 0; t < TURNS; t++)
    {
      g_autofree double *a = g_new (double, per_turn);

      for (int i = 0; i < per_turn; i++)
        a[i] = floor_once (floor_dir, 100000 + t * per_turn + i, data, TRUE);
      floors[t] = bench_median (a, per_turn);
    }
  load.clients = g_new0 (Client, n_clients);
  load.paths = g_new0 (char *, n_domains + 1);
  load.latencies = g_array_sized_new (FALSE, FALSE, sizeof (double), n_domains);
  for (int c = 0; c < n_clients; c++)
    {
      g_autoptr (GError) error = NULL;

      load.clients[c].load = &load;
      load.clients[c].connection =
        g_dbus_connection_new_for_address_sync (env->bus_address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
      if (!load.clients[c].connection)
        g_error ("connect: %s", error->message);
    }
  g_print ("\n== %d clients, each its own connection, one call in flight each; durable floor "
           "just before: %.3f ms ==\n",
           n_clients, bench_median (floors, TURNS) * 1e3);
  run_load (&load, "DefineDomain", bench_median (floors, TURNS));
  load.undefine = TRUE;
  run_load (&load, "Undefine", bench_median (floors, TURNS));

  for (int c = 0; c < n_clients; c++)
    g_object_unref (load.clients[c].connection);
  g_strfreev (load.paths);
  g_free (load.clients);
  g_array_unref (load.latencies);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "domains", 0, 0, G_OPTION_ARG_INT, &n_domains, "Domains the clients define", "N" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "Clients defining at once", "N" },
    { "turn", 0, 0, G_OPTION_ARG_INT, &per_turn, "Defines (and floor writes) per turn", "N" },
    { "type", 0, 0, G_OPTION_ARG_STRING, &domain_type, "The domains' type (default: test)",
      "TYPE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- DefineDomain benchmark");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) env = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (n_clients < 1 || n_domains < 1 || per_turn < 1)
    g_error ("--domains, --clients and --turn must be positive");

  env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (env, NULL);
  g_print ("virtbusd %s on a private dbus-daemon; %u CPUs; state in %s\n", g_getenv ("VB_DAEMON"),
           g_get_num_processors (), env->state_dir);
  one_client_section (env);
  many_clients_section (env);
  return 0;
}
