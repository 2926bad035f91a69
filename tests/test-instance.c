/* One virtbusd per state directory and per run directory, and what it says
 * when it exits: a second service started on the definitions of a running
 * one, or on its run directory, is refused with the first one's pid, on the
 * same bus or another, in session and system mode; the lock ends with its
 * holder, even a killed one; and the exit names what keeps running
 * (nothing, for the test driver's guests, which end with it). */
#include <signal.h>
#include <string.h>

#include "vb-test-env.h"

#define SECOND_TIMEOUT_MS 20000

typedef struct {
  int status; /* exit status; -1 when it had to be killed (it kept running) */
  char *output;
} Second;

static void
second_clear (Second *second)
{
  g_free (second->output);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Second, second_clear)

static void
communicated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
}

static gboolean
timed_out (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the build's virtbusd with @args (NULL-terminated) and $@env_key set
 * to @env_value (when not NULL) to its end, or kills it after
 * SECOND_TIMEOUT_MS: a refused one ends at once, an accepted one would
 * serve forever. */
static void
run_second (Second *second, const char *const *args, const char *env_key, const char *env_value)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gboolean done = FALSE, expired = FALSE;
  guint timeout;

  g_ptr_array_add (argv, (gpointer) g_getenv ("VB_DAEMON"));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (env_key)
    g_subprocess_launcher_setenv (launcher, env_key, env_value, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);

  timeout = g_timeout_add (SECOND_TIMEOUT_MS, timed_out, &expired);
  g_subprocess_wait_async (process, NULL, communicated, &done);
  while (!done && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout);
  if (!done)
    {
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
    }
  {
    GInputStream *out = g_subprocess_get_stdout_pipe (process);
    g_autoptr (GBytes) bytes = g_input_stream_read_bytes (out, 65536, NULL, &error);

    g_assert_no_error (error);
    second->output = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  }
  second->status =
    done && g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  g_test_message ("second virtbusd: status %d, said:\n%s", second->status, second->output);
}

/* What a refused second instance must have said about @first's @what
 * ("state" or "run") directory @dir. */
static void
assert_refused_on (Second *second, VbTestEnv *first, const char *what, const char *dir)
{
  g_autofree char *words = g_strdup_printf ("Another virtbusd (pid %d) uses the %s directory %s",
                                            (int) first->daemon_pid, what, dir);

  g_assert_cmpint (second->status, >, 0);
  g_assert_nonnull (strstr (second->output, words));
}

static void
assert_refused (Second *second, VbTestEnv *first)
{
  assert_refused_on (second, first, "state", first->state_dir);
}

static char *
lock_file_text (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "virtbusd.lock", NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* The first one serves on as before, its lock files untouched. */
static void
assert_first_unharmed (VbTestEnv *first)
{
  g_autofree char *pid = g_strdup_printf ("%d\n", (int) first->daemon_pid);
  g_autofree char *text = lock_file_text (first->state_dir);
  g_autofree char *run_text = lock_file_text (first->run_dir);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) paths = NULL;

  g_assert_true (vb_test_env_daemon_alive (first));
  g_assert_cmpstr (text, ==, pid);
  g_assert_cmpstr (run_text, ==, pid);
  reply = vb_test_call_ok (first, MANAGER, IFACE_MANAGER, "ListDomains", g_variant_new ("(u)", 0));
  paths = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (paths), ==, 1);
}

static void
define_demo (VbTestEnv *env)
{
  g_autofree char *xml = vb_test_domain_xml ("demo", NULL);
  g_autofree char *path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));

  vb_test_call_void (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
}

/* The same command line twice: the second one leaves at once, before it
 * touches the bus, the run directory or the definitions. */
static void
test_same_bus (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *address = NULL;
  g_autofree char *state = NULL;
  g_autofree char *run = NULL;
  g_autofree char *leftover = NULL;
  g_auto (Second) second = { 0 };

  vb_test_env_start_daemon (env, NULL);
  define_demo (env);
  address = g_strdup_printf ("--address=%s", env->bus_address);
  state = g_strdup_printf ("--state-dir=%s", env->state_dir);
  run = g_strdup_printf ("--run-dir=%s", env->run_dir);
  /* A start removes the run directory's temporaries: a refused one does not. */
  leftover = g_build_filename (env->run_dir, "planted.vbtmp", NULL);
  g_assert_true (g_file_set_contents (leftover, "", 0, NULL));
  {
    const char *args[] = { address, state, run, NULL };
    run_second (&second, args, NULL, NULL);
  }
  assert_refused (&second, env);
  g_assert_null (strstr (second.output, "Serving"));
  g_assert_true (g_file_test (leftover, G_FILE_TEST_EXISTS));
  assert_first_unharmed (env);
}

/* On a bus of its own the name is free: only the lock keeps it off. */
static void
test_other_bus (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (VbTestEnv) other = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *address = NULL;
  g_autofree char *state = NULL;
  g_autofree char *run = NULL;
  g_auto (Second) second = { 0 };

  vb_test_env_start_daemon (env, NULL);
  define_demo (env);
  address = g_strdup_printf ("--address=%s", other->bus_address);
  state = g_strdup_printf ("--state-dir=%s", env->state_dir);
  run = g_strdup_printf ("--run-dir=%s", other->run_dir);
  {
    const char *args[] = { address, state, run, NULL };
    run_second (&second, args, NULL, NULL);
  }
  assert_refused (&second, env);
  assert_first_unharmed (env);
}

/* Definitions of its own but the run directory of the first: refused too,
 * before it cleans up the run directory or reads the guests' status files
 * there, which would have it take over (and signal) the first one's guests. */
static void
test_same_run_dir (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (VbTestEnv) other = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *address = NULL;
  g_autofree char *state = NULL;
  g_autofree char *run = NULL;
  g_autofree char *leftover = NULL;
  g_auto (Second) second = { 0 };

  vb_test_env_start_daemon (env, NULL);
  define_demo (env);
  address = g_strdup_printf ("--address=%s", other->bus_address);
  state = g_strdup_printf ("--state-dir=%s", other->state_dir);
  run = g_strdup_printf ("--run-dir=%s", env->run_dir);
  leftover = g_build_filename (env->run_dir, "planted.vbtmp", NULL);
  g_assert_true (g_file_set_contents (leftover, "", 0, NULL));
  {
    const char *args[] = { address, state, run, NULL };
    run_second (&second, args, NULL, NULL);
  }
  assert_refused_on (&second, env, "run", env->run_dir);
  g_assert_nonnull (strstr (second.output, "another --run-dir"));
  g_assert_null (strstr (second.output, "Serving"));
  g_assert_true (g_file_test (leftover, G_FILE_TEST_EXISTS));
  assert_first_unharmed (env);
}

/* In system mode too (the state directory given, as the system suite's). */
static void
test_system_mode (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  const char *first_args[] = { "--network-driver=test", NULL };
  g_autofree char *state = NULL;
  g_autofree char *run = NULL;
  g_auto (Second) second = { 0 };

  vb_test_env_start_system_daemon (env, NULL, first_args);
  define_demo (env);
  state = g_strdup_printf ("--state-dir=%s", env->state_dir);
  run = g_strdup_printf ("--run-dir=%s", env->run_dir);
  {
    const char *args[] = { "--system", state, run, "--network-driver=test", NULL };
    run_second (&second, args, "DBUS_SYSTEM_BUS_ADDRESS", env->bus_address);
  }
  assert_refused (&second, env);
  assert_first_unharmed (env);
}

/* The locks end with their holder, even one killed with SIGKILL: the files
 * it leaves do not keep the next one out. Both descriptors are
 * close-on-exec, so that the guests the service spawns do not hold them
 * after the service. */
static void
test_after_kill (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *text = NULL;
  g_autofree char *pid = NULL;
  g_autofree char *state_lock = NULL;
  g_autofree char *run_lock = NULL;
  g_autofree char *fd_dir = NULL;
  g_autoptr (GDir) fds = NULL;
  guint found = 0;
  const char *entry;

  vb_test_env_start_daemon (env, NULL);
  vb_test_env_stop_daemon (env, TRUE);
  vb_test_env_start_daemon (env, NULL);
  pid = g_strdup_printf ("%d\n", (int) env->daemon_pid);
  text = lock_file_text (env->state_dir);
  g_assert_cmpstr (text, ==, pid);

  state_lock = g_build_filename (env->state_dir, "virtbusd.lock", NULL);
  run_lock = g_build_filename (env->run_dir, "virtbusd.lock", NULL);
  fd_dir = g_strdup_printf ("/proc/%d/fd", (int) env->daemon_pid);
  fds = g_dir_open (fd_dir, 0, NULL);
  g_assert_nonnull (fds);
  while ((entry = g_dir_read_name (fds)))
    {
      g_autofree char *link = g_build_filename (fd_dir, entry, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);
      g_autofree char *info_path = NULL;
      g_autofree char *info = NULL;
      const char *flags;

      if (g_strcmp0 (target, state_lock) != 0 && g_strcmp0 (target, run_lock) != 0)
        continue;
      found++;
      info_path = g_strdup_printf ("/proc/%d/fdinfo/%s", (int) env->daemon_pid, entry);
      g_assert_true (g_file_get_contents (info_path, &info, NULL, NULL));
      flags = strstr (info, "flags:");
      g_assert_nonnull (flags);
      /* Octal; O_CLOEXEC is 02000000. */
      g_assert_true (g_ascii_strtoull (flags + strlen ("flags:"), NULL, 8) & 02000000);
    }
  g_assert_cmpuint (found, ==, 2);
}

/* The test driver's guests end with the service: SIGTERM says nothing keeps
 * running, and names none of them. */
static void
test_exit_summary_test_driver (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *log = NULL;

  vb_test_env_start_daemon (env, NULL);
  define_demo (env);
  vb_test_env_stop_daemon (env, FALSE);
  log = vb_test_env_daemon_log (env);
  g_assert_nonnull (strstr (log, "Exiting: no guest or network keeps running"));
  g_assert_null (strstr (log, "keeps running ("));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/instance/same-bus", test_same_bus);
  g_test_add_func ("/instance/other-bus", test_other_bus);
  g_test_add_func ("/instance/same-run-dir", test_same_run_dir);
  g_test_add_func ("/instance/system-mode", test_system_mode);
  g_test_add_func ("/instance/after-kill", test_after_kill);
  g_test_add_func ("/instance/exit-summary-test-driver", test_exit_summary_test_driver);
  return g_test_run ();
}
