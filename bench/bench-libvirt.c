/* The org.libvirt front end of virtbusd beside the real libvirt-dbus (Debian's
 * package, on libvirt's in-process test driver) and beside a bare GDBus
 * service that gives virtbusd's own answers from memory (bench-bare.c: the
 * floor for any GDBus service), each on a private dbus-daemon, measured the
 * same way in the same run: each read as a ratio to Peer.Ping on the same
 * bus, with 1 domain and with 1,001.
 *
 *   meson compile -C build bench-libvirt && VB_DAEMON=build/service/daemon/virtbusd \
 *     VB_TEST_SRCDIR=tests build/bench/bench-libvirt [--calls N] [--domains N]
 *
 * The libvirt-dbus column is left out (with a note) when /usr/sbin/libvirt-dbus
 * is not installed: `apt-get install libvirt-dbus`. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "bench-bare.h"
#include "bench-calls.h"
#include "bench-util.h"
#include "vb-test-env.h"

#define LIBVIRT_NAME "org.libvirt"
#define TEST_CONNECT "/org/libvirt/Test"
#define IFACE_LV_CONNECT "org.libvirt.Connect"
#define IFACE_LV_DOMAIN "org.libvirt.Domain"
#define LIBVIRT_DBUS "/usr/sbin/libvirt-dbus"

static int n_calls = 2000;
static int n_domains = 1000;

/* One service under test: where it is and the domain the rows read. */
typedef struct {
  const char *label;
  const char *address;
  GDBusConnection *client;
  char *domain_path;
  gboolean virt1;  /* also serves org.virtbus.Virt1: its list is shown beside */
  BenchBare *bare; /* the bare GDBus service, which defines nothing */
} Target;

static void
wait_for_name (GDBusConnection *client, const char *name)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_autoptr (GVariant) reply =
        g_dbus_connection_call_sync (client, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "NameHasOwner",
                                     g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                     G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
      gboolean owned = FALSE;

      if (reply)
        g_variant_get (reply, "(b)", &owned);
      if (owned)
        return;
      g_usleep (20000);
    }
  g_error ("%s did not appear on the bus", name);
}

static GVariant *
call (Target *t, const char *path, const char *interface, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply =
    g_dbus_connection_call_sync (t->client, LIBVIRT_NAME, path, interface, method, args, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);

  if (!reply)
    g_error ("%s: %s.%s: %s", t->label, interface, method, error->message);
  return reply;
}

static char *
domain_xml (const char *name)
{
  return g_strdup_printf ("<domain type='test'><name>%s</name>"
                          "<memory unit='MiB'>128</memory><vcpu>2</vcpu>"
                          "<os><type arch='x86_64'>hvm</type></os></domain>",
                          name);
}

static char *
define_domain (Target *t, const char *name)
{
  g_autofree char *xml = domain_xml (name);
  g_autoptr (GVariant) reply =
    call (t, TEST_CONNECT, IFACE_LV_CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml));
  char *path = NULL;

  g_variant_get (reply, "(o)", &path);
  return path;
}

/* Up to @count more, 64 calls in flight. */
typedef struct {
  int outstanding, done, failed;
} Pipeline;

static void
defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pipeline *p = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (!reply && p->failed++ == 0)
    g_printerr ("define failed: %s\n", error->message);
  p->outstanding--;
  p->done++;
}

static void
define_many (Target *t, int count)
{
  Pipeline p = { 0 };
  int sent = 0;

  if (t->bare)
    {
      bench_bare_set_domains (t->bare, count + 1);
      return;
    }
  while (p.done < count)
    {
      while (sent < count && p.outstanding < 64)
        {
          g_autofree char *name = g_strdup_printf ("scale-%05d", sent++);
          g_autofree char *xml = domain_xml (name);

          g_dbus_connection_call (t->client, LIBVIRT_NAME, TEST_CONNECT, IFACE_LV_CONNECT,
                                  "DomainDefineXML", g_variant_new ("(s)", xml), NULL,
                                  G_DBUS_CALL_FLAGS_NONE, 60000, NULL, defined, &p);
          p.outstanding++;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  if (p.failed)
    g_error ("%s: %d defines failed", t->label, p.failed);
}

static BenchFigures
measure (Target *t, const char *path, const char *interface, const char *method, GVariant *args,
         int calls, int clients)
{
  BenchCall c = { t->address, LIBVIRT_NAME, path, interface, method, args };

  return bench_measure_call (&c, calls, clients);
}

static void
rows (Target *t, int n_defined, int clients)
{
  BenchFigures ping =
    measure (t, TEST_CONNECT, "org.freedesktop.DBus.Peer", "Ping", NULL, n_calls, clients);
  /* ListDomains grows with the domains: fewer calls keep the run short. */
  int list_calls = n_defined > 100 ? MAX (n_calls / 10, 50) : n_calls;

  g_print ("-- %s, %d domain(s) --\n", t->label, n_defined);
  bench_print_call_row ("Peer.Ping (floor)", clients, ping, ping);
  bench_print_call_row ("Properties.Get Name", clients,
                        measure (t, t->domain_path, "org.freedesktop.DBus.Properties", "Get",
                                 g_variant_new ("(ss)", IFACE_LV_DOMAIN, "Name"), n_calls, clients),
                        ping);
  bench_print_call_row ("Properties.GetAll Domain", clients,
                        measure (t, t->domain_path, "org.freedesktop.DBus.Properties", "GetAll",
                                 g_variant_new ("(s)", IFACE_LV_DOMAIN), n_calls, clients),
                        ping);
  bench_print_call_row ("Domain.GetXMLDesc", clients,
                        measure (t, t->domain_path, IFACE_LV_DOMAIN, "GetXMLDesc",
                                 g_variant_new ("(u)", 0), n_calls, clients),
                        ping);
  bench_print_call_row ("Connect.ListDomains", clients,
                        measure (t, TEST_CONNECT, IFACE_LV_CONNECT, "ListDomains",
                                 g_variant_new ("(u)", 0), list_calls, clients),
                        ping);
  if (t->virt1 && n_defined > 100 && clients == 1)
    bench_print_gdbus_cost_rows (
      "the list", call (t, TEST_CONNECT, IFACE_LV_CONNECT, "ListDomains", g_variant_new ("(u)", 0)),
      clients, ping);
  if (t->virt1 && n_defined <= 100 && clients == 1)
    {
      bench_print_gdbus_cost_rows ("Ping's reply", NULL, clients, ping);
      bench_print_gdbus_cost_rows ("GetAll's",
                                   call (t, t->domain_path, "org.freedesktop.DBus.Properties",
                                         "GetAll", g_variant_new ("(s)", IFACE_LV_DOMAIN)),
                                   clients, ping);
    }
  if (t->virt1)
    {
      BenchCall c = { t->address,           "org.virtbus.Virt1",
                      "/org/virtbus/Virt1", "org.virtbus.Virt1.Manager",
                      "ListDomains",        g_variant_new ("(u)", 0) };

      bench_print_call_row ("  (Virt1 Manager.ListDomains)", clients,
                            bench_measure_call (&c, list_calls, clients), ping);
    }
}

static GSubprocess *
spawn_libvirt_dbus (VbTestEnv *env)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", env->bus_address, TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", env->tmpdir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", env->tmpdir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", env->tmpdir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", env->tmpdir, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, LIBVIRT_DBUS, "--session", NULL);
  if (!process)
    g_error ("%s: %s", LIBVIRT_DBUS, error->message);
  bench_track_pid (atoi (g_subprocess_get_identifier (process)));
  return process;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = { { "calls", 0, 0, G_OPTION_ARG_INT, &n_calls, "Calls per row", "N" },
                             { "domains", 0, 0, G_OPTION_ARG_INT, &n_domains,
                               "Domains added for the scale rows", "N" },
                             { NULL } };
  g_autoptr (GOptionContext) context = g_option_context_new ("- org.libvirt front end benchmark");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) ours = NULL;
  g_autoptr (VbTestEnv) theirs = NULL;
  g_autoptr (GSubprocess) libvirt_dbus = NULL;
  const char *daemon_args[] = { "--libvirt-dbus", NULL };
  Target targets[3];
  g_autoptr (VbTestEnv) bare_env = NULL;
  BenchBare *bare = NULL;
  int n_targets = 0;
  const int client_counts[] = { 1, 4 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  bench_install_signal_handlers (NULL);

  ours = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (ours, daemon_args);
  wait_for_name (ours->client, LIBVIRT_NAME);
  targets[n_targets++] =
    (Target){ "virtbusd --libvirt-dbus", ours->bus_address, ours->client, NULL, TRUE };

  if (g_file_test (LIBVIRT_DBUS, G_FILE_TEST_IS_EXECUTABLE))
    {
      theirs = vb_test_env_new (VB_TEST_ENV_NONE);
      libvirt_dbus = spawn_libvirt_dbus (theirs);
      wait_for_name (theirs->client, LIBVIRT_NAME);
      targets[n_targets++] = (Target){ "libvirt-dbus 1.4.1 (test:///default)", theirs->bus_address,
                                       theirs->client, NULL, FALSE };
    }
  else
    g_print ("%s is not installed: only virtbusd is measured\n", LIBVIRT_DBUS);

  /* One domain each: the test driver of libvirt starts with "test";
   * virtbusd's gets one defined the same way. (The bare service comes after
   * this, with virtbusd's domain.) */
  for (int i = 0; i < n_targets; i++)
    {
      g_autoptr (GVariant) list =
        call (&targets[i], TEST_CONNECT, IFACE_LV_CONNECT, "ListDomains", g_variant_new ("(u)", 0));
      g_autoptr (GVariant) paths = g_variant_get_child_value (list, 0);

      if (g_variant_n_children (paths) > 0)
        g_variant_get_child (paths, 0, "o", &targets[i].domain_path);
      else
        targets[i].domain_path = define_domain (&targets[i], "test");
    }

  /* The floor: a bare GDBus service giving virtbusd's own answers. */
  {
    g_autoptr (GVariant) all =
      call (&targets[0], targets[0].domain_path, "org.freedesktop.DBus.Properties", "GetAll",
            g_variant_new ("(s)", IFACE_LV_DOMAIN));
    g_autoptr (GVariant) xml = call (&targets[0], targets[0].domain_path, IFACE_LV_DOMAIN,
                                     "GetXMLDesc", g_variant_new ("(u)", 0));
    const char *text = NULL;

    g_variant_get (xml, "(&s)", &text);

    bare_env = vb_test_env_new (VB_TEST_ENV_NONE);
    bare = bench_bare_start (bare_env->bus_address, targets[0].domain_path,
                             g_variant_get_child_value (all, 0), text);
    targets[n_targets++] = (Target){ "bare GDBus service (virtbusd's replies)",
                                     bare_env->bus_address,
                                     bare_env->client,
                                     g_strdup (targets[0].domain_path),
                                     FALSE,
                                     bare };
  }

  g_print ("%u CPUs; %d calls per row (ListDomains at scale: a tenth)\n", g_get_num_processors (),
           n_calls);
  bench_print_call_header ();
  for (guint c = 0; c < G_N_ELEMENTS (client_counts); c++)
    for (int i = 0; i < n_targets; i++)
      rows (&targets[i], 1, client_counts[c]);

  for (int i = 0; i < n_targets; i++)
    {
      gint64 start = g_get_monotonic_time ();

      define_many (&targets[i], n_domains);
      g_print ("%s: defined %d domains in %.1f s\n", targets[i].label, n_domains,
               bench_ms_since (start) / 1e3);
    }
  for (guint c = 0; c < G_N_ELEMENTS (client_counts); c++)
    for (int i = 0; i < n_targets; i++)
      rows (&targets[i], n_domains + 1, client_counts[c]);

  if (libvirt_dbus)
    {
      g_subprocess_send_signal (libvirt_dbus, SIGTERM);
      g_subprocess_wait (libvirt_dbus, NULL, NULL);
    }
  bench_bare_stop (bare);
  for (int i = 0; i < n_targets; i++)
    g_free (targets[i].domain_path);
  return 0;
}
