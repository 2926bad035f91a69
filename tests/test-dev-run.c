/* `sudo ./dev.sh run` as a user runs it: the service in a network namespace
 * with the bridge network driver, its bus socket reachable from the host
 * (by every local user, none of whom may own a name there, so nobody can
 * answer for polkit), a second run of the same checkout refused, Ctrl-C
 * telling what keeps running and where, the next run taking it over, and
 * --host-network refused while the namespace still holds the last run's
 * networks. A checkout whose path holds spaces and other characters works;
 * one too long for the bus socket is refused at once; a run that finds
 * another one starting leaves its socket alone. The checkout's own .dev and
 * build are left alone: VB_DEV_DIR points into a temporary directory,
 * VB_DEV_NETNS at a namespace of the test's, and VB_DEV_BUILT at this build
 * (nothing is installed or built). Needs root and tests/setup-test-users.sh
 * (vbtest-user). */
#include <fcntl.h>
#include <gio/gio.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-env.h"

#define START_TIMEOUT_MS 30000
#define USER "vbtest-user" /* any user but root */
#define SETUP_HINT "run tests/setup-test-users.sh as root"
#define BRIDGE "vbdevt0"
#define NETWORK_XML                                                   \
  "<network>\n  <name>devrun</name>\n  <bridge name='" BRIDGE "'/>\n" \
  "  <ip address='10.213.0.1' prefix='24'/>\n</network>\n"

typedef struct {
  char *tmpdir;
  char *dev_dir;
  char *netns;
  char *address;
  guint runs;
} Fixture;

/* The process groups of the dev.sh runs in progress (bash, its dbus-daemon
 * and virtbusd), killed when the test aborts. */
#define MAX_RUNS 4
static volatile pid_t running_groups[MAX_RUNS];

static void
on_fatal_signal (int sig)
{
  for (int i = 0; i < MAX_RUNS; i++)
    if (running_groups[i] > 0)
      kill (-running_groups[i], SIGKILL);
  vb_test_netns_remove_all_now ();
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("vbdevrun-XXXXXX", &error);
  g_assert_no_error (error);
  /* As a checkout is: other users reach .dev/bus inside. */
  g_assert_cmpint (chmod (f->tmpdir, 0755), ==, 0);
  f->dev_dir = g_build_filename (f->tmpdir, data ? (const char *) data : "dev", NULL);
  {
    g_autofree char *socket = g_build_filename (f->dev_dir, "bus", NULL);
    g_autofree char *escaped = g_dbus_address_escape_value (socket);

    f->address = g_strdup_printf ("unix:path=%s", escaped);
  }
  /* dev.sh makes the namespace when it is missing; made here, it is also
   * removed (with what runs inside) when the test aborts. */
  f->netns = vb_test_netns_add ("vbdevt-", NULL);
  signal (SIGABRT, on_fatal_signal);
  signal (SIGTRAP, on_fatal_signal);
  signal (SIGTERM, on_fatal_signal);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", f->tmpdir);

  vb_test_netns_del (f->netns);
  g_assert_true (vb_test_shell_succeeds (rm));
  g_free (f->tmpdir);
  g_free (f->dev_dir);
  g_free (f->address);
  g_free (f->netns);
}

/* ---- dev.sh ---- */

typedef struct {
  GSubprocess *process;
  char *log_path;
  int slot; /* in running_groups */
} DevRun;

static void
new_process_group (gpointer user_data)
{
  setpgid (0, 0);
}

/* Starts `dev.sh run ARGS...` in a process group of its own, as a terminal
 * runs a foreground job, its output going to a log of its own. */
static DevRun *
dev_run_spawn (Fixture *f, const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *script = g_build_filename (g_getenv ("VB_SOURCE_ROOT"), "dev.sh", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *cache = g_strdup_printf ("--cache-dir=%s", g_getenv ("VB_TEST_CACHE_DIR"));
  DevRun *run = g_new0 (DevRun, 1);

  run->log_path = g_strdup_printf ("%s/run-%u.log", f->tmpdir, ++f->runs);
  g_subprocess_launcher_set_stdout_file_path (launcher, run->log_path);
  g_subprocess_launcher_set_child_setup (launcher, new_process_group, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "VB_DEV_DIR", f->dev_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "VB_DEV_NETNS", f->netns, TRUE);
  g_subprocess_launcher_setenv (launcher, "VB_DEV_BUILT", g_getenv ("VB_BUILD_ROOT"), TRUE);
  g_ptr_array_add (argv, script);
  g_ptr_array_add (argv, (gpointer) "run");
  for (guint i = 0; args && args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  /* Passed on to virtbusd: the suite's one probe of QEMU, not root's cache. */
  g_ptr_array_add (argv, cache);
  g_ptr_array_add (argv, NULL);
  run->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  while (run->slot < MAX_RUNS && running_groups[run->slot])
    run->slot++;
  g_assert_cmpint (run->slot, <, MAX_RUNS);
  running_groups[run->slot] = (pid_t) atoi (g_subprocess_get_identifier (run->process));
  return run;
}

static char *
dev_run_output (DevRun *run)
{
  char *text = NULL;

  if (!g_file_get_contents (run->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static gboolean
ended (GSubprocess *process)
{
  g_main_context_iteration (NULL, FALSE);
  return g_subprocess_get_identifier (process) == NULL;
}

/* Waits (iterating, so GSubprocess sees the child's end) up to @timeout_ms;
 * the exit status, or -1 when it still runs. */
static int
dev_run_wait (DevRun *run, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!ended (run->process) && g_get_monotonic_time () < end)
    g_usleep (20000);
  if (!ended (run->process))
    return -1;
  running_groups[run->slot] = 0;
  return g_subprocess_get_if_exited (run->process) ? g_subprocess_get_exit_status (run->process)
                                                   : 128 + g_subprocess_get_term_sig (run->process);
}

static void
dev_run_free (DevRun *run)
{
  g_clear_object (&run->process);
  g_free (run->log_path);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DevRun, dev_run_free)

/* A run that must be refused: it ends at once, non-zero, saying @words. */
static void
assert_refused (Fixture *f, const char *const *args, const char *words)
{
  g_autoptr (DevRun) run = dev_run_spawn (f, args);
  int status = dev_run_wait (run, 20000);
  g_autofree char *output = dev_run_output (run);

  g_test_message ("refused run said:\n%s", output);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (output, words));
  g_assert_null (strstr (output, "virtbusd is starting"));
}

/* Ctrl-C: SIGINT to the whole foreground job. Returns what it printed. */
static char *
dev_run_interrupt (DevRun *run)
{
  kill (-(pid_t) atoi (g_subprocess_get_identifier (run->process)), SIGINT);
  g_assert_cmpint (dev_run_wait (run, 20000), ==, 0);
  return dev_run_output (run);
}

/* ---- the service it runs ---- */

static GDBusConnection *
connect_when_served (Fixture *f, DevRun *run)
{
  gint64 end = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;

  for (;;)
    {
      g_autoptr (GDBusConnection) bus =
        g_dbus_connection_new_for_address_sync (f->address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, NULL);
      g_autoptr (GVariant) owner = NULL;

      if (bus)
        owner = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "GetNameOwner",
                                             g_variant_new ("(s)", "org.virtbus.Virt1"), NULL,
                                             G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      if (owner)
        return g_steal_pointer (&bus);
      if (ended (run->process) || g_get_monotonic_time () > end)
        {
          g_autofree char *output = dev_run_output (run);
          g_error ("dev.sh run did not serve org.virtbus.Virt1 at %s:\n%s", f->address, output);
        }
      g_usleep (50000);
    }
}

static GVariant *
call (GDBusConnection *bus, const char *path, const char *iface, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply =
    g_dbus_connection_call_sync (bus, "org.virtbus.Virt1", path, iface, method, args, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

static GVariant *
network_property (GDBusConnection *bus, const char *path, const char *name)
{
  g_autoptr (GVariant) reply = call (bus, path, "org.freedesktop.DBus.Properties", "Get",
                                     g_variant_new ("(ss)", "org.virtbus.Virt1.Network", name));
  GVariant *value;

  g_variant_get (reply, "(v)", &value);
  return value;
}

/* The PID in the lock file of the running service. */
static int
service_pid (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dev_dir, "state", "virtbusd.lock", NULL);
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return atoi (text);
}

/* "net:[inode]" of a process, or of /proc/self. */
static char *
netns_of (const char *proc)
{
  g_autofree char *link = g_strdup_printf ("/proc/%s/ns/net", proc);
  char *target = g_file_read_link (link, NULL);

  g_assert_nonnull (target);
  return target;
}

static void
assert_in_netns (Fixture *f, int pid)
{
  g_autofree char *path = g_build_filename ("/run/netns", f->netns, NULL);
  g_autofree char *proc = g_strdup_printf ("%d", pid);
  g_autofree char *theirs = netns_of (proc);
  g_autofree char *want = NULL;
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  want = g_strdup_printf ("net:[%lu]", (unsigned long) st.st_ino);
  g_assert_cmpstr (theirs, ==, want);
}

static gboolean
bridge_in_netns (Fixture *f)
{
  g_autofree char *command =
    g_strdup_printf ("ip -n %s link show " BRIDGE " >/dev/null 2>&1", f->netns);
  return vb_test_shell_succeeds (command);
}

static gboolean
bridge_on_host (void)
{
  return g_file_test ("/sys/class/net/" BRIDGE, G_FILE_TEST_EXISTS);
}

/* ---- another user on its bus ---- */

static void
become_user (gpointer user_data)
{
  const struct passwd *pw = user_data;

  if (setgroups (0, NULL) < 0 || setgid (pw->pw_gid) < 0 || setuid (pw->pw_uid) < 0)
    _exit (125);
}

/* `gdbus call` on the dev bus as USER, calling METHOD (INTERFACE.NAME) of
 * @dest at @path with the arguments @args. Returns what it printed; *@ok
 * tells whether the call succeeded. */
static char *
gdbus_call_as_user (Fixture *f, const char *dest, const char *path, const char *method,
                    const char *const *args, gboolean *ok)
{
  struct passwd *pw = getpwnam (USER);
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  char *output = NULL;

  const char *command[] = { "gdbus", "call",          "--address", f->address, "--dest",
                            dest,    "--object-path", path,        "--method", method };

  if (!pw)
    g_error ("user %s is missing: %s", USER, SETUP_HINT);
  g_subprocess_launcher_set_child_setup (launcher, become_user, pw, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (command); i++)
    g_ptr_array_add (argv, (gpointer) command[i]);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), !=, 125);
  *ok = g_subprocess_get_successful (process);
  g_test_message ("gdbus %s as " USER ": %s", method, output);
  return output;
}

/* Every local user reaches the bus, and may call the service (which, with
 * no polkitd to ask, refuses them), but may not own a name: as
 * org.freedesktop.PolicyKit1 anyone could authorize anything. */
static void
assert_users_cannot_stand_in_for_polkit (Fixture *f)
{
  const char *request[] = { "org.freedesktop.PolicyKit1", "4", NULL };
  const char *list[] = { "0", NULL };
  g_autofree char *owned = NULL;
  g_autofree char *listed = NULL;
  gboolean ok = TRUE;

  owned = gdbus_call_as_user (f, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus.RequestName", request, &ok);
  g_assert_false (ok);
  g_assert_nonnull (strstr (owned, "org.freedesktop.DBus.Error.AccessDenied"));
  listed = gdbus_call_as_user (f, "org.virtbus.Virt1", "/org/virtbus/Virt1",
                               "org.virtbus.Virt1.Manager.ListDomains", list, &ok);
  g_assert_false (ok);
  g_assert_nonnull (strstr (listed, "org.virtbus.Virt1.Error.NotAuthorized"));
}

/* ---- the story ---- */

static void
test_namespace_story (Fixture *f, gconstpointer data)
{
  const char *const host_network[] = { "--host-network", NULL };
  g_autofree char *path = NULL;
  g_autofree char *output = NULL;
  g_autofree char *refusal = NULL;
  g_autofree char *self = netns_of ("self");

  /* A first run: the service in the namespace, a bridge network there. */
  {
    g_autoptr (DevRun) run = dev_run_spawn (f, NULL);
    g_autoptr (GDBusConnection) bus = connect_when_served (f, run);
    g_autoptr (GVariant) reply = call (bus, "/org/virtbus/Virt1", "org.virtbus.Virt1.Manager",
                                       "DefineNetwork", g_variant_new ("(su)", NETWORK_XML, 0));
    g_autoptr (GVariant) bridge = NULL;

    assert_in_netns (f, service_pid (f));
    assert_users_cannot_stand_in_for_polkit (f);
    g_variant_get (reply, "(o)", &path);
    g_variant_unref (
      call (bus, path, "org.virtbus.Virt1.Network", "Start", g_variant_new ("(u)", 0)));
    bridge = network_property (bus, path, "Bridge");
    g_assert_cmpstr (g_variant_get_string (bridge, NULL), ==, BRIDGE);
    g_assert_true (bridge_in_netns (f));
    g_assert_false (bridge_on_host ());

    /* A second run of the same checkout, in either mode: refused before it
     * takes the bus socket from the first, which serves on. */
    refusal =
      g_strdup_printf ("another virtbusd (pid %d) runs on %s/state", service_pid (f), f->dev_dir);
    assert_refused (f, NULL, refusal);
    assert_refused (f, host_network, refusal);
    g_variant_unref (call (bus, "/org/virtbus/Virt1", "org.virtbus.Virt1.Manager", "ListNetworks",
                           g_variant_new ("(u)", 0)));

    /* Ctrl-C: the network stays, and both virtbusd and dev.sh say so. */
    output = dev_run_interrupt (run);
    g_test_message ("first run said:\n%s", output);
    g_assert_nonnull (strstr (output, "Exiting: 0 domains and 1 network keep running"));
    {
      g_autofree char *takeover =
        g_strdup_printf ("the next virtbusd on the run directory %s/run takes them over",
                         f->dev_dir);

      g_assert_nonnull (strstr (output, takeover));
    }
    g_assert_nonnull (strstr (output, "network/devrun: keeps running (bridge " BRIDGE ")"));
    g_assert_nonnull (strstr (output, "stays in the network namespace"));
    g_assert_nonnull (strstr (output, f->netns));
    g_assert_true (bridge_in_netns (f));
  }

  /* The host's network now would lose it: refused, naming it. */
  assert_refused (f, host_network, "devrun (bridge " BRIDGE ")");
  g_assert_false (bridge_on_host ());

  /* The next run takes it over; stopped, nothing is left to mention. */
  {
    g_autoptr (DevRun) run = dev_run_spawn (f, NULL);
    g_autoptr (GDBusConnection) bus = connect_when_served (f, run);
    g_autoptr (GVariant) active = network_property (bus, path, "Active");

    g_assert_true (g_variant_get_boolean (active));
    g_variant_unref (
      call (bus, path, "org.virtbus.Virt1.Network", "Stop", g_variant_new ("(u)", 0)));
    g_assert_false (bridge_in_netns (f));
    g_free (output);
    output = dev_run_interrupt (run);
    g_test_message ("second run said:\n%s", output);
    g_assert_nonnull (strstr (output, "Exiting: no guest or network keeps running"));
    g_assert_null (strstr (output, "stays in the network namespace"));
  }

  /* With nothing left in the namespace, --host-network runs on the host. */
  {
    g_autoptr (DevRun) run = dev_run_spawn (f, host_network);
    g_autoptr (GDBusConnection) bus = connect_when_served (f, run);
    g_autofree char *proc = g_strdup_printf ("%d", service_pid (f));
    g_autofree char *theirs = netns_of (proc);

    g_assert_cmpstr (theirs, ==, self);
    g_free (output);
    output = dev_run_interrupt (run);
    g_assert_nonnull (strstr (output, "in the host's network"));
  }
}

/* A checkout whose path holds what sed, XML and D-Bus addresses treat
 * specially: the bus starts, on it only root owns names, and the address
 * dev.sh prints (percent-escaped) is the one that reaches it. */
#define ODD_DEV_DIR "a dev+dir@&'\"<x>%,;=\xc3\xa9"

static void
test_odd_path (Fixture *f, gconstpointer data)
{
  g_autoptr (DevRun) run = dev_run_spawn (f, NULL);
  g_autoptr (GDBusConnection) bus = connect_when_served (f, run);
  g_autofree char *printed = g_strdup_printf ("busctl --address=%s tree", f->address);
  g_autofree char *output = NULL;

  g_variant_unref (call (bus, "/org/virtbus/Virt1", "org.virtbus.Virt1.Manager", "ListDomains",
                         g_variant_new ("(u)", 0)));
  assert_users_cannot_stand_in_for_polkit (f);
  output = dev_run_interrupt (run);
  g_test_message ("the run said:\n%s", output);
  g_assert_nonnull (strstr (output, printed));
}

/* A bus socket path longer than dbus-daemon takes (99 bytes): refused at
 * once, saying why, before anything is made. */
#define LONG_DEV_DIR                                                           \
  "dev-0123456789012345678901234567890123456789012345678901234567890123456789" \
  "0123456789"

static void
test_long_path (Fixture *f, gconstpointer data)
{
  assert_refused (f, NULL, "dbus-daemon takes at most 99: use a checkout with a shorter path");
  g_assert_false (g_file_test (f->dev_dir, G_FILE_TEST_EXISTS));
}

/* Two runs started at once: the one that finds the other holding the
 * checkout's lock (here the test holds it, as a run does before its
 * virtbusd locks the state) leaves at once, without replacing the other
 * one's bus socket. */
static void
test_other_run_starting (Fixture *f, gconstpointer data)
{
  g_autofree char *lock_path = g_build_filename (f->dev_dir, "dev.lock", NULL);
  g_autofree char *socket = g_build_filename (f->dev_dir, "bus", NULL);
  g_autofree char *words =
    g_strdup_printf ("another `dev.sh run` is starting or stopping on %s", f->dev_dir);
  int lock;

  g_assert_cmpint (g_mkdir_with_parents (f->dev_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (socket, "the other run's", -1, NULL));
  lock = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  g_assert_cmpint (lock, >=, 0);
  g_assert_cmpint (flock (lock, LOCK_EX | LOCK_NB), ==, 0);
  assert_refused (f, NULL, words);
  g_assert_true (g_file_test (socket, G_FILE_TEST_IS_REGULAR));
  close (lock);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (getuid () != 0)
    {
      g_test_message ("dev.sh run needs root");
      return 77;
    }
  g_test_add ("/dev-run/namespace-story", Fixture, NULL, set_up, test_namespace_story, tear_down);
  g_test_add ("/dev-run/odd-path", Fixture, ODD_DEV_DIR, set_up, test_odd_path, tear_down);
  g_test_add ("/dev-run/long-path", Fixture, LONG_DEV_DIR, set_up, test_long_path, tear_down);
  g_test_add ("/dev-run/other-run-starting", Fixture, NULL, set_up, test_other_run_starting,
              tear_down);
  return g_test_run ();
}
