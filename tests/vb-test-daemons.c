/* The env's own dbus-daemon, polkitd and virtbusd, and the abort handler
 * that leaves no guest or namespace behind: see vb-test-daemons.h. */
#include "vb-test-daemons.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vb-test-internal.h"
#include "vb-test-netns.h"
#include "vb-test-names.h"

#define POLKITD "/usr/lib/polkit-1/polkitd"
#define START_TIMEOUT_MS 15000

typedef struct {
  VbTestEnv public;
  GSubprocess *bus;
  GSubprocess *polkit;
  GSubprocess *daemon;
  GPtrArray *daemon_env; /* "KEY=VALUE" for the daemon's environment */
} Env;

static void
die_with_parent (gpointer user_data)
{
  /* An aborted test must not leave its daemons behind. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn (const char *const *argv, const char *log_path, const char *system_bus, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;

  launcher = g_subprocess_launcher_new (log_path ? G_SUBPROCESS_FLAGS_STDERR_MERGE
                                                 : G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  if (log_path)
    g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  if (system_bus)
    g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", system_bus, TRUE);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

static GPid
pid_of (GSubprocess *process)
{
  const char *id = process ? g_subprocess_get_identifier (process) : NULL;
  return id ? (GPid) atoi (id) : 0;
}

void
vb_test_sleep_iterating (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static gboolean
name_has_owner (GDBusConnection *connection, const char *name)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
    connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
    "NameHasOwner", g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  gboolean owned = FALSE;

  if (reply)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
wait_for_name (Env *env, const char *name, GSubprocess *process)
{
  gint64 end = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;

  while (!name_has_owner (env->public.client, name))
    {
      if (process && !g_subprocess_get_identifier (process))
        break;
      if (g_get_monotonic_time () > end)
        break;
      vb_test_sleep_iterating (10);
    }
  if (!name_has_owner (env->public.client, name))
    {
      g_autofree char *log = vb_test_env_daemon_log (&env->public);
      g_autofree char *how = NULL;

      /* A daemon that died says nothing in its log: its end does. */
      if (process && !g_subprocess_get_identifier (process))
        how = g_subprocess_get_if_signaled (process)
                ? g_strdup_printf ("it was killed by signal %d",
                                   g_subprocess_get_term_sig (process))
                : g_strdup_printf ("it exited with status %d",
                                   g_subprocess_get_exit_status (process));
      else
        how = g_strdup_printf ("it runs but does not own the name (waited up to %d ms)",
                               START_TIMEOUT_MS);
      g_error ("%s did not appear on the test bus (%s); daemon log:\n%s", name, how, log);
    }
}

/* @template_path: a dbus-daemon configuration with @SOCKET@ for its socket
 * and @USER@ for the uid of the test (it is the bus's user too). */
static void
start_bus (Env *env, const char *template_path)
{
  VbTestEnv *pub = &env->public;
  g_autofree char *template = NULL;
  g_autofree char *socket = g_build_filename (pub->tmpdir, "bus", NULL);
  g_autofree char *config_path = g_build_filename (pub->tmpdir, "bus.conf", NULL);
  g_autoptr (GString) config = NULL;
  g_autofree char *uid = g_strdup_printf ("%u", (unsigned) getuid ());
  g_autofree char *config_arg = NULL;
  g_autoptr (GError) error = NULL;
  gint64 end = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;

  g_assert_true (g_file_get_contents (template_path, &template, NULL, &error));
  config = g_string_new (template);
  g_string_replace (config, "@SOCKET@", socket, 0);
  g_string_replace (config, "@USER@", uid, 0);
  g_assert_true (g_file_set_contents (config_path, config->str, -1, &error));
  config_arg = g_strdup_printf ("--config-file=%s", config_path);
  {
    const char *argv[] = { "dbus-daemon", config_arg, "--nofork", "--nopidfile", NULL };
    env->bus = spawn (argv, NULL, NULL, &error);
  }
  g_assert_no_error (error);
  pub->bus_pid = pid_of (env->bus);
  pub->bus_address = g_strdup_printf ("unix:path=%s", socket);

  while (!pub->client)
    {
      g_clear_error (&error);
      pub->client = g_dbus_connection_new_for_address_sync (
        pub->bus_address,
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
        NULL, NULL, &error);
      if (!pub->client && g_get_monotonic_time () > end)
        g_error ("The test bus did not start: %s", error->message);
      if (!pub->client)
        g_usleep (10000);
    }
  g_dbus_connection_set_exit_on_close (pub->client, FALSE);
}

static void
start_polkit (Env *env)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *log = g_build_filename (env->public.tmpdir, "polkitd.log", NULL);
  const char *argv[] = { POLKITD, "--no-debug", NULL };

  if (getuid () != 0)
    g_error ("polkitd needs root: run the suite as root (the README's test command does)");
  if (!g_file_test (POLKITD, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s is missing: install the polkitd package", POLKITD);
  env->polkit = spawn (argv, log, env->public.bus_address, &error);
  g_assert_no_error (error);
  env->public.polkit_pid = pid_of (env->polkit);
  wait_for_name (env, "org.freedesktop.PolicyKit1", env->polkit);
}

/* A failed assertion aborts the test: guests (not our children, by design)
 * would outlive it. The live envs are remembered so the abort kills them. */
static GPtrArray *live_envs;

static void kill_guests (VbTestEnv *pub);

static void
on_fatal_signal (int sig)
{
  for (guint i = 0; live_envs && i < live_envs->len; i++)
    kill_guests (live_envs->pdata[i]);
  vb_test_netns_remove_all_now ();
  signal (sig, SIG_DFL);
  raise (sig);
}

VbTestEnv *
vb_test_env_new (VbTestEnvFlags flags)
{
  g_autofree char *template_path = vb_test_source_path ("bus/test-bus.conf.in");

  return vb_test_env_new_on_bus (flags, template_path);
}

VbTestEnv *
vb_test_env_new_on_bus (VbTestEnvFlags flags, const char *bus_config_template)
{
  Env *env = g_new0 (Env, 1);
  VbTestEnv *pub = &env->public;
  g_autoptr (GError) error = NULL;

  pub->tmpdir = g_dir_make_tmp ("vbtest-XXXXXX", &error);
  g_assert_no_error (error);
  /* Unprivileged test clients must reach the bus socket inside. */
  g_chmod (pub->tmpdir, 0755);
  pub->state_dir = g_build_filename (pub->tmpdir, "state", NULL);
  pub->run_dir = g_build_filename (pub->tmpdir, "run", NULL);
  pub->daemon_log = g_build_filename (pub->tmpdir, "virtbusd.log", NULL);
  start_bus (env, bus_config_template);
  if (flags & VB_TEST_ENV_POLKIT)
    start_polkit (env);
  if (!live_envs)
    {
      live_envs = g_ptr_array_new ();
      signal (SIGABRT, on_fatal_signal);
      signal (SIGTRAP, on_fatal_signal);
      /* meson's at a timeout */
      signal (SIGTERM, on_fatal_signal);
    }
  g_ptr_array_add (live_envs, pub);
  return pub;
}

/* @binary: NULL for the build's ($VB_DAEMON). @system: --system (the bus
 * comes from $DBUS_SYSTEM_BUS_ADDRESS, the env's) instead of --address. */
static void
start_daemon (VbTestEnv *pub, const char *netns, const char *binary, gboolean system,
              const char *const *extra_args)
{
  Env *env = (Env *) pub;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;

  gint64 end = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;

  if (!binary)
    binary = g_getenv ("VB_DAEMON");
  g_assert_nonnull (binary);
  g_assert_null (env->daemon);
  /* A daemon the test killed itself may still own the name until the bus
   * has seen its end: the new one would then find the name taken and exit,
   * and the test's first call would go to the dead one. */
  while (name_has_owner (pub->client, BUS_NAME) && g_get_monotonic_time () < end)
    vb_test_sleep_iterating (10);
  if (netns)
    {
      /* ip execs the daemon after entering the namespace: the PID stays the daemon's. */
      g_ptr_array_add (argv, g_strdup ("ip"));
      g_ptr_array_add (argv, g_strdup ("netns"));
      g_ptr_array_add (argv, g_strdup ("exec"));
      g_ptr_array_add (argv, g_strdup (netns));
    }
  if (env->daemon_env)
    {
      g_ptr_array_add (argv, g_strdup ("env"));
      for (guint i = 0; i < env->daemon_env->len; i++)
        g_ptr_array_add (argv, g_strdup (env->daemon_env->pdata[i]));
    }
  g_ptr_array_add (argv, g_strdup (binary));
  if (system)
    g_ptr_array_add (argv, g_strdup ("--system"));
  else
    g_ptr_array_add (argv, g_strdup_printf ("--address=%s", pub->bus_address));
  g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", pub->state_dir));
  g_ptr_array_add (argv, g_strdup_printf ("--run-dir=%s", pub->run_dir));
  g_ptr_array_add (argv, g_strdup ("--verbose"));
  /* One probe of the host's QEMU for the whole suite, not one per daemon. */
  if (g_getenv ("VB_TEST_CACHE_DIR"))
    g_ptr_array_add (argv, g_strdup_printf ("--cache-dir=%s", g_getenv ("VB_TEST_CACHE_DIR")));
  for (guint i = 0; extra_args && extra_args[i]; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);

  /* Appends, so a restarted daemon's log follows the first one's. */
  {
    g_autofree char *shell = g_strdup_printf ("exec \"$@\" >>'%s' 2>&1", pub->daemon_log);
    g_autoptr (GPtrArray) wrapped = g_ptr_array_new ();
    g_ptr_array_add (wrapped, "sh");
    g_ptr_array_add (wrapped, "-c");
    g_ptr_array_add (wrapped, shell);
    g_ptr_array_add (wrapped, "sh");
    for (guint i = 0; argv->pdata[i]; i++)
      g_ptr_array_add (wrapped, argv->pdata[i]);
    g_ptr_array_add (wrapped, NULL);
    env->daemon = spawn ((const char *const *) wrapped->pdata, NULL, pub->bus_address, &error);
  }
  g_assert_no_error (error);
  pub->daemon_pid = pid_of (env->daemon);
  wait_for_name (env, BUS_NAME, env->daemon);
}

void
vb_test_env_set_daemon_env (VbTestEnv *pub, const char *key, const char *value)
{
  Env *env = (Env *) pub;

  if (!env->daemon_env)
    env->daemon_env = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (env->daemon_env, g_strdup_printf ("%s=%s", key, value));
}

void
vb_test_env_start_daemon (VbTestEnv *pub, const char *const *extra_args)
{
  start_daemon (pub, NULL, NULL, FALSE, extra_args);
}

void
vb_test_env_start_system_daemon (VbTestEnv *pub, const char *binary, const char *const *extra_args)
{
  start_daemon (pub, NULL, binary, TRUE, extra_args);
}

void
vb_test_env_start_daemon_in_netns (VbTestEnv *pub, const char *netns,
                                   const char *const *extra_args)
{
  g_assert_nonnull (netns);
  start_daemon (pub, netns, NULL, FALSE, extra_args);
}

void
vb_test_env_start_system_daemon_in_netns (VbTestEnv *pub, const char *netns,
                                          const char *const *extra_args)
{
  g_assert_nonnull (netns);
  start_daemon (pub, netns, NULL, TRUE, extra_args);
}

void
vb_test_env_stop_daemon (VbTestEnv *pub, gboolean kill9)
{
  Env *env = (Env *) pub;
  gint64 end = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;

  if (!env->daemon)
    return;
  g_subprocess_send_signal (env->daemon, kill9 ? SIGKILL : SIGTERM);
  g_subprocess_wait (env->daemon, NULL, NULL);
  g_clear_object (&env->daemon);
  pub->daemon_pid = 0;
  /* The bus must have seen the name go before a new daemon can own it. */
  while (name_has_owner (pub->client, BUS_NAME) && g_get_monotonic_time () < end)
    vb_test_sleep_iterating (10);
}

gboolean
vb_test_env_daemon_alive (VbTestEnv *pub)
{
  Env *env = (Env *) pub;

  return env->daemon && g_subprocess_get_identifier (env->daemon)
         && name_has_owner (pub->client, BUS_NAME);
}

void
vb_test_env_run_child (VbTestEnv *pub, const char *child_path, guint64 timeout_us)
{
  g_test_trap_subprocess (child_path, timeout_us, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    {
      g_autofree char *daemon = vb_test_env_daemon_log (pub);
      g_autofree char *polkit_path = g_build_filename (pub->tmpdir, "polkitd.log", NULL);
      g_autofree char *polkit = NULL;

      g_file_get_contents (polkit_path, &polkit, NULL, NULL);
      g_printerr ("virtbusd log:\n%s\npolkitd log:\n%s\n", daemon, polkit ? polkit : "(none)");
    }
  g_test_trap_assert_passed ();
  g_assert_true (vb_test_env_daemon_alive (pub));
}

void
vb_test_run_as_child (gconstpointer data)
{
  void (*child) (void) = data;

  if (!g_test_subprocess ())
    {
      g_test_skip ("runs only as a subprocess of the tests above");
      return;
    }
  child ();
}

void
vb_test_env_stop_polkit (VbTestEnv *pub)
{
  Env *env = (Env *) pub;
  gint64 end = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;

  if (!env->polkit)
    return;
  g_subprocess_send_signal (env->polkit, SIGKILL);
  g_subprocess_wait (env->polkit, NULL, NULL);
  g_clear_object (&env->polkit);
  pub->polkit_pid = 0;
  while (name_has_owner (pub->client, "org.freedesktop.PolicyKit1")
         && g_get_monotonic_time () < end)
    vb_test_sleep_iterating (10);
  g_assert_false (name_has_owner (pub->client, "org.freedesktop.PolicyKit1"));
}

char *
vb_test_env_daemon_log (VbTestEnv *pub)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (pub->daemon_log, &contents, &length, NULL))
    return g_strdup ("(no log)");
  if (length > 8000)
    return g_strdup (contents + length - 8000);
  return g_steal_pointer (&contents);
}

static void
stop_process (GSubprocess **process)
{
  if (!*process)
    return;
  g_subprocess_force_exit (*process);
  g_subprocess_wait (*process, NULL, NULL);
  g_clear_object (process);
}

char *
vb_test_env_status_path (VbTestEnv *env, const char *uuid)
{
  g_autofree char *name = g_strdup_printf ("%s.json", uuid);
  return g_build_filename (env->run_dir, "qemu-status", name, NULL);
}

/* Guests outlive the service by design: a test ends its own by PID. */
static void
kill_guests (VbTestEnv *pub)
{
  g_autofree char *base = g_build_filename (pub->run_dir, "qemu-status", NULL);
  g_autoptr (GDir) listing = g_dir_open (base, 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *status = g_build_filename (base, entry, NULL);
      g_autofree char *text = NULL;
      const char *pid;

      if (!g_file_get_contents (status, &text, NULL, NULL) || !(pid = strstr (text, "\"pid\"")))
        continue;
      pid = strchr (pid, ':');
      if (pid && atoi (pid + 1) > 1)
        kill (atoi (pid + 1), SIGKILL);
    }
}

void
vb_test_env_free (VbTestEnv *pub)
{
  Env *env = (Env *) pub;
  g_autofree char *rm = NULL;

  if (!pub)
    return;
  stop_process (&env->daemon);
  kill_guests (pub);
  if (live_envs)
    g_ptr_array_remove (live_envs, pub);
  if (pub->client)
    g_dbus_connection_close_sync (pub->client, NULL, NULL);
  g_clear_object (&pub->client);
  stop_process (&env->polkit);
  stop_process (&env->bus);
  if (!g_getenv ("VB_TEST_KEEP"))
    {
      rm = g_strdup_printf ("rm -rf '%s'", pub->tmpdir);
      g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
    }
  g_free (pub->tmpdir);
  g_free (pub->bus_address);
  g_free (pub->state_dir);
  g_free (pub->run_dir);
  g_free (pub->daemon_log);
  g_clear_pointer (&env->daemon_env, g_ptr_array_unref);
  g_free (env);
}

char *
vb_test_source_path (const char *relative)
{
  const char *dir = g_getenv ("VB_TEST_SRCDIR");

  g_assert_nonnull (dir);
  return g_build_filename (dir, relative, NULL);
}
