/* Start-up under SIGKILL: a service killed at any moment of its start-up
 * loses nothing, and every start that gets through loading loads every
 * stored definition (issue "Nothing lost, nothing crashes", 3b). The state
 * holds test and QEMU domains, so the QEMU driver's capability lookup runs in
 * its thread while they load; half the starts have an empty capability cache
 * (the lookup finds nothing and the probe follows), half a current one (the
 * lookup reads it with json-glib).
 *
 * VB_CHAOS_STARTS (default 200) and VB_CHAOS_SECONDS (default 40) bound the
 * run, VB_CHAOS_SEED replays its kill times, VB_CHAOS_DEBUG=1 prints each
 * kill; the figures are printed at the end. */
#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "vb-chaos.h"
#include "vb-test-calls.h"
#include "vb-test-daemons.h"
#include "vb-test-domains.h"
#include "vb-test-names.h"

#define N_TEST_DOMAINS 180
#define N_QEMU_DOMAINS 20
#define N_DOMAINS (N_TEST_DOMAINS + N_QEMU_DOMAINS)
#define FULL_START_EVERY 10

typedef struct {
  guint starts;
  guint kills;
  guint loads_seen;  /* starts whose log says all domains loaded */
  guint full_starts; /* starts checked over D-Bus */
  guint64 definitions_checked;
  guint failures;
} Figures;

static char *
qemu_domain_xml (const char *name)
{
  return g_strdup_printf ("<domain type='qemu'>\n"
                          "  <name>%s</name>\n"
                          "  <memory unit='KiB'>194560</memory>\n"
                          "  <vcpu>1</vcpu>\n"
                          "  <os>\n"
                          "    <type arch='x86_64' machine='pc'>hvm</type>\n"
                          "  </os>\n"
                          "</domain>\n",
                          name);
}

static void
define (VbTestEnv *env, const char *xml)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
}

/* The stored files, name → contents. */
static GHashTable *
read_stored (VbTestEnv *env)
{
  g_autofree char *dir_path = g_build_filename (env->state_dir, "domains", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      char *contents = NULL;

      if (!g_str_has_suffix (name, ".xml"))
        continue;
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_hash_table_insert (files, g_strdup (name), contents);
    }
  return files;
}

/* Every stored file is still there, byte for byte, and none was kept aside. */
static gboolean
stored_unchanged (VbTestEnv *env, GHashTable *expected)
{
  g_autoptr (GHashTable) now = read_stored (env);
  g_autofree char *rejected = g_build_filename (env->state_dir, "domains", "rejected", NULL);
  GHashTableIter iter;
  gpointer name, contents;

  if (g_file_test (rejected, G_FILE_TEST_EXISTS)
      || g_hash_table_size (now) != g_hash_table_size (expected))
    return FALSE;
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &name, &contents))
    if (g_strcmp0 (g_hash_table_lookup (now, name), contents) != 0)
      return FALSE;
  return TRUE;
}

static guint
count_domains (VbTestEnv *env)
{
  g_autoptr (GVariant) objects =
    vb_test_call_ok (env, MANAGER, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL);
  g_autoptr (GVariant) dict = g_variant_get_child_value (objects, 0);
  GVariantIter iter;
  const char *path;
  GVariant *ifaces;
  guint n = 0;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &ifaces))
    {
      g_autoptr (GVariant) domain = g_variant_lookup_value (ifaces, IFACE_DOMAIN, NULL);

      if (domain)
        n++;
      g_variant_unref (ifaces);
    }
  return n;
}

/* What a start's log must not say: a definition refused or left out, a
 * failed start, a warning of GLib, a sanitizer's report. */
static const char *
log_problem (const char *log)
{
  static const char *const bad[] = {
    "Rejected ",        "Not loaded:",    "Cannot start",    "-CRITICAL",     "-WARNING **",
    "AddressSanitizer", "runtime error:", "ThreadSanitizer", "LeakSanitizer",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    if (strstr (log, bad[i]))
      return bad[i];
  return NULL;
}

static GSubprocess *
spawn_daemon (VbTestEnv *env, const char *cache_dir, const char *log_path)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *address = g_strdup_printf ("--address=%s", env->bus_address);
  g_autofree char *state = g_strdup_printf ("--state-dir=%s", env->state_dir);
  g_autofree char *run = g_strdup_printf ("--run-dir=%s", env->run_dir);
  g_autofree char *cache = g_strdup_printf ("--cache-dir=%s", cache_dir);
  const char *argv[] = { g_getenv ("VB_DAEMON"), address, state, run, "--verbose", cache, NULL };
  g_autoptr (GError) error = NULL;
  GSubprocess *daemon;

  /* The child opens (and truncates) the log after the fork: a start killed
   * before that must not show the last one's. */
  g_unlink (log_path);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  daemon = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return daemon;
}

static void
empty_dir (const char *path)
{
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", path);

  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
}

static guint
env_uint (const char *name, guint fallback)
{
  const char *value = g_getenv (name);

  return value ? (guint) g_ascii_strtoull (value, NULL, 10) : fallback;
}

/* The longest of a few starts from the exec to "Loaded ... domains". */
static gint64
time_to_load (VbTestEnv *env, const char *cache_dir, const char *log_path)
{
  gint64 longest = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (GSubprocess) daemon = spawn_daemon (env, cache_dir, log_path);
      gint64 began = g_get_monotonic_time ();
      gboolean loaded = FALSE;

      while (!loaded && g_get_monotonic_time () - began < 10 * G_USEC_PER_SEC)
        {
          g_autofree char *log = NULL;

          g_usleep (500);
          loaded = g_file_get_contents (log_path, &log, NULL, NULL)
                   && strstr (log, "stored domains") != NULL;
        }
      g_assert_true (loaded);
      longest = MAX (longest, g_get_monotonic_time () - began);
      g_subprocess_send_signal (daemon, SIGKILL);
      g_subprocess_wait (daemon, NULL, NULL);
    }
  return longest;
}

static void
record_failure (Figures *figures, guint start, const char *what, const char *log)
{
  figures->failures++;
  g_printerr ("start %u: %s\n%s\n", start, what, log ? log : "");
}

static void
test_killed_during_startup (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *empty_cache = g_build_filename (env->tmpdir, "cache-empty", NULL);
  g_autofree char *warm_cache = g_build_filename (env->tmpdir, "cache-warm", NULL);
  g_autofree char *log_path = g_build_filename (env->tmpdir, "start.log", NULL);
  g_autofree char *warm_arg = g_strdup_printf ("--cache-dir=%s", warm_cache);
  const char *warm_args[] = { warm_arg, NULL };
  g_autoptr (GHashTable) stored = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (vb_chaos_seed ("test-chaos-startup"));
  guint max_starts = env_uint ("VB_CHAOS_STARTS", 200);
  gint64 deadline = g_get_monotonic_time () + (gint64) vb_chaos_seconds (40) * G_USEC_PER_SEC;
  gint64 load_us;
  Figures figures = { 0 };

  /* The first start probes QEMU into the warm cache and takes the definitions. */
  empty_dir (warm_cache);
  vb_test_env_start_daemon (env, warm_args);
  for (guint i = 0; i < N_DOMAINS; i++)
    {
      g_autofree char *name = g_strdup_printf ("chaos-%03u", i);
      g_autofree char *xml =
        i < N_TEST_DOMAINS ? vb_test_domain_xml (name, NULL) : qemu_domain_xml (name);

      define (env, xml);
    }
  g_assert_cmpuint (count_domains (env), ==, N_DOMAINS);
  vb_test_env_stop_daemon (env, FALSE);
  stored = read_stored (env);
  g_assert_cmpuint (g_hash_table_size (stored), ==, N_DOMAINS);

  /* How long a start takes here until the domains are loaded: the kills fall
   * anywhere from the exec to a little past that. */
  load_us = time_to_load (env, warm_cache, log_path);
  g_test_message ("a start loads %u definitions after %" G_GINT64_FORMAT " ms", N_DOMAINS,
                  load_us / 1000);
  g_assert_true (g_file_set_contents (env->daemon_log, "", 0, NULL));

  for (guint start = 0; start < max_starts && g_get_monotonic_time () < deadline; start++)
    {
      gboolean warm = start % 2 == 1;
      const char *cache = warm ? warm_cache : empty_cache;
      g_autofree char *log = NULL;
      g_autofree char *loaded_all = NULL;
      const char *problem;

      if (!warm)
        empty_dir (empty_cache);
      figures.starts++;
      if (start % FULL_START_EVERY == FULL_START_EVERY - 1)
        {
          g_autofree char *arg = g_strdup_printf ("--cache-dir=%s", cache);
          const char *args[] = { arg, NULL };
          guint n;

          vb_test_env_start_daemon (env, args);
          n = count_domains (env);
          figures.full_starts++;
          figures.definitions_checked += n;
          if (n != N_DOMAINS)
            record_failure (&figures, start, "domains missing over D-Bus", NULL);
          vb_test_env_stop_daemon (env, TRUE);
          figures.kills++;
          log = vb_test_env_daemon_log (env);
        }
      else
        {
          g_autoptr (GSubprocess) daemon = spawn_daemon (env, cache, log_path);
          gint64 delay = g_rand_int_range (rand, 0, (gint32) (load_us * 6 / 5) + 1);

          g_usleep ((gulong) delay);
          g_subprocess_send_signal (daemon, SIGKILL);
          g_subprocess_wait (daemon, NULL, NULL);
          figures.kills++;
          if (!g_file_get_contents (log_path, &log, NULL, NULL))
            log = g_strdup ("");
          if (g_getenv ("VB_CHAOS_DEBUG"))
            g_printerr ("start %u: killed after %" G_GINT64_FORMAT " us, log %zu bytes, %s\n",
                        start, delay, strlen (log),
                        strstr (log, "stored domains") ? "loaded" : "-");
        }

      problem = log_problem (log);
      if (problem)
        record_failure (&figures, start, problem, log);
      loaded_all = g_strdup_printf ("Loaded %u of %u stored domains", N_DOMAINS, N_DOMAINS);
      if (strstr (log, "stored domains") && !strstr (log, loaded_all))
        record_failure (&figures, start, "not every domain loaded", log);
      else if (strstr (log, loaded_all) && start % FULL_START_EVERY != FULL_START_EVERY - 1)
        {
          figures.loads_seen++;
          figures.definitions_checked += N_DOMAINS;
        }
      if (!stored_unchanged (env, stored))
        {
          record_failure (&figures, start, "the stored definitions changed", log);
          break;
        }
      /* The full start's log is appended to: start it afresh. */
      if (start % FULL_START_EVERY == FULL_START_EVERY - 1)
        g_assert_true (g_file_set_contents (env->daemon_log, "", 0, NULL));
    }

  g_print ("# starts %u, SIGKILLs %u, starts that loaded all %u domains %u (of which checked "
           "over D-Bus %u), definitions checked %" G_GUINT64_FORMAT ", failures %u\n",
           figures.starts, figures.kills, N_DOMAINS, figures.loads_seen + figures.full_starts,
           figures.full_starts, figures.definitions_checked, figures.failures);
  g_assert_cmpuint (figures.failures, ==, 0);
  g_assert_cmpuint (figures.full_starts, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chaos/killed-during-startup", test_killed_during_startup);
  return g_test_run ();
}
