/* Cockpit Machines' VM list with 100 domains: the time from navigation to a
 * complete list (every row present with its state), on virtbusd's org.libvirt
 * front end beside Debian's libvirt-dbus 1.4.1, and virtbusd with 1 domain as
 * the floor, all measured in the same run.
 *
 *   ninja -C build bench-cockpit      (root; tests/setup-test-users.sh first)
 *   build/bench/bench-cockpit [--loads N] [--domains N]   (with VB_DAEMON, VB_TEST_SRCDIR)
 *
 * Each target is the world of the browser suite (docs/browser-tests.md): a
 * private bus configured as a system bus with polkitd, cockpit-ws with
 * --local-session (its root bridge takes that bus as the system bus), and a
 * headless Chromium of its own driven over the DevTools protocol.
 *
 * - virtbusd --system --libvirt-dbus with 1 domain (the floor) and with
 *   --domains; QEMU domains, defined, shut off.
 * - The reference: Cockpit reads only /org/libvirt/QEMU, which libvirt-dbus in
 *   system mode serves from qemu:///system, that is the machine's libvirtd;
 *   libvirt's test driver (test:///default) is never behind that path. The
 *   closest setup that runs here on a private bus: libvirt-dbus --session (its
 *   /org/libvirt/QEMU is qemu:///session) as the unprivileged user
 *   vbtest-user, owning org.libvirt on the target's bus (given to it as its
 *   session bus), with `libvirtd --session` of that user started by libvirt's
 *   client autospawn; the same number of QEMU domains, defined, shut off,
 *   through the same DomainDefineXML. libvirt expands each definition with its
 *   default devices (controllers, input, balloon), so Cockpit receives more XML
 *   from it than from virtbus; the page shows the same list.
 *
 * Timing: an init script in every page records performance.now() (ms since
 * the navigation began) when the list first holds exactly the expected rows,
 * each with "Shut off" in its state cell, and when its first row appears.
 * Before the timed loads each browser loads the page once (not counted), so
 * the timed loads find Cockpit's files in the HTTP cache, as a returning user
 * does; each timed load is a new document (about:blank in between, so the
 * previous page has closed its channels before the next one opens). The loads go round the targets in
 * turn, so noise from the rest of the machine falls on all of them alike.
 *
 * libvirt-dbus and libvirtd are installed with apt-get when missing; when that
 * is impossible the reference is left out with a note. Every process started
 * is ended by its PID (the autospawned libvirtd by the PID in its pidfile). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench-util.h"
#include "vb-browser.h"
#include "vb-cockpit.h"
#include "vb-test-env.h"

#define LIBVIRT_NAME "org.libvirt"
#define QEMU_CONNECT "/org/libvirt/QEMU"
#define IFACE_LV_CONNECT "org.libvirt.Connect"
#define LIBVIRT_DBUS "/usr/sbin/libvirt-dbus"
#define LIBVIRTD "/usr/sbin/libvirtd"
#define REFERENCE_USER "vbtest-user"
#define POLKIT_ACTIONS "/usr/share/polkit-1/actions/org.virtbus.Virt1.policy"
#define SETUP_HINT "run tests/setup-test-users.sh as root first"
#define LOAD_TIMEOUT_MS 180000
#define NAME_TIMEOUT_US (30 * G_USEC_PER_SEC)

static int n_loads = 7;
static int n_domains = 100;

typedef struct {
  const char *label;
  int domains;
  VbTestEnv *env;
  VbCockpit *cockpit;
  VbBrowser *browser;
  char *url;
  GArray *complete; /* ms, one per timed load */
  GArray *first_row;
  double service_cpu_ms; /* over the timed loads */
  double polkit_cpu_ms;
  /* The reference only. */
  GSubprocess *libvirt_dbus;
  char *libvirt_dbus_log;
  char *runtime_dir;
  pid_t libvirtd;
} Target;

/* ---- the page ---- */

/* Installed in every document of the target's browser; @want rows expected. */
static const char list_timer[] =
  "(() => {"
  "  if (window.top !== window || location.protocol !== 'http:') return;"
  "  const want = %d;"
  "  const mark = window.__vbBench = {};"
  "  const check = () => {"
  "    const rows = document.querySelectorAll("
  "      '#virtual-machines-listing tbody tr[data-row-id]');"
  "    if (rows.length > 0 && mark.firstRow === undefined) mark.firstRow = performance.now();"
  "    if (rows.length !== want) return;"
  "    for (const row of rows) {"
  "      const state = row.querySelector('[id$=\"-state\"]');"
  "      if (!state || !state.textContent.includes('Shut off')) return;"
  "    }"
  "    mark.complete = performance.now();"
  "    observer.disconnect();"
  "  };"
  "  const observer = new MutationObserver(check);"
  "  observer.observe(document, { childList: true, subtree: true, characterData: true });"
  "})()";

static double
page_number (VbBrowser *browser, const char *js)
{
  g_autofree char *text = vb_browser_eval_string (browser, js);

  return text ? g_ascii_strtod (text, NULL) : -1;
}

static void
wait_complete (Target *t)
{
  g_autofree char *what =
    g_strdup_printf ("%s: the VM list with %d rows, each \"Shut off\"", t->label, t->domains);
  g_autofree char *rows = NULL;

  vb_browser_wait_js (t->browser, "window.__vbBench && window.__vbBench.complete !== undefined",
                      LOAD_TIMEOUT_MS, what);
  rows = vb_browser_eval_string (
    t->browser,
    "String(document.querySelectorAll('#virtual-machines-listing tbody tr[data-row-id]').length)");
  if (atoi (rows) != t->domains)
    vb_browser_fail (t->browser, "%s: the list has %s rows, expected %d", t->label, rows,
                     t->domains);
}

/* User and system CPU time of @pid so far, in ms; 0 when it is gone. */
static double
cpu_ms (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;

  if (pid <= 1 || !g_file_get_contents (path, &stat, NULL, NULL) || !(after = strrchr (stat, ')')))
    return 0;
  /* After ") ": state is field 3, utime 14, stime 15. */
  fields = g_strsplit (after + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) * 1000.0
         / sysconf (_SC_CLK_TCK);
}

/* The processes that answer Cockpit's calls: virtbusd, or libvirt-dbus and
 * the libvirtd behind it. */
static double
service_cpu_ms (Target *t)
{
  if (t->libvirt_dbus)
    return cpu_ms (atoi (g_subprocess_get_identifier (t->libvirt_dbus))) + cpu_ms (t->libvirtd);
  return cpu_ms (t->env->daemon_pid);
}

static void
load_once (Target *t)
{
  double complete, first_row;
  double cpu_before = service_cpu_ms (t);
  double polkit_before = cpu_ms (t->env->polkit_pid);

  vb_browser_navigate (t->browser, "about:blank");
  vb_browser_navigate (t->browser, t->url);
  wait_complete (t);
  t->service_cpu_ms += service_cpu_ms (t) - cpu_before;
  t->polkit_cpu_ms += cpu_ms (t->env->polkit_pid) - polkit_before;
  complete = page_number (t->browser, "String(window.__vbBench.complete)");
  first_row = page_number (t->browser, "String(window.__vbBench.firstRow)");
  g_array_append_val (t->complete, complete);
  g_array_append_val (t->first_row, first_row);
}

static void
print_logs (gpointer user_data)
{
  Target *t = user_data;
  g_autofree char *cockpit = vb_cockpit_log (t->cockpit);
  g_autofree char *daemon = NULL;

  if (t->libvirt_dbus_log)
    g_file_get_contents (t->libvirt_dbus_log, &daemon, NULL, NULL);
  else
    daemon = vb_test_env_daemon_log (t->env);
  g_printerr ("%s\ncockpit-ws and bridge log:\n%s\nservice log:\n%s\n", t->label, cockpit,
              daemon ? daemon : "(none)");
}

/* Cockpit and a browser on the target's bus; one load to warm the cache. */
static void
open_page (Target *t)
{
  g_autofree char *timer = g_strdup_printf (list_timer, t->domains);
  g_autofree char *name =
    g_strdup_printf ("list-%d-%s", t->domains, t->libvirt_dbus ? "libvirt-dbus" : "virtbusd");
  g_autofree char *shot = NULL;

  t->cockpit = vb_cockpit_start (t->env->bus_address, t->env->tmpdir);
  t->browser = vb_browser_new ();
  vb_browser_set_failure_hook (t->browser, print_logs, t);
  t->url = vb_cockpit_page_url (t->cockpit, "machines");
  vb_browser_add_init_script (t->browser, timer);
  vb_cockpit_open_machines (t->cockpit, t->browser);
  wait_complete (t);
  shot = vb_browser_screenshot (t->browser, name);
  t->complete = g_array_new (FALSE, FALSE, sizeof (double));
  t->first_row = g_array_new (FALSE, FALSE, sizeof (double));
}

/* ---- the services ---- */

static gboolean
name_has_owner (GDBusConnection *client, const char *name)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
    client, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
    g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  gboolean owned = FALSE;

  if (reply)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
wait_for_name (Target *t)
{
  gint64 end = g_get_monotonic_time () + NAME_TIMEOUT_US;

  while (!name_has_owner (t->env->client, LIBVIRT_NAME))
    {
      if (g_get_monotonic_time () > end)
        g_error ("%s: %s did not appear on the bus", t->label, LIBVIRT_NAME);
      g_usleep (20000);
    }
}

static char *
domain_xml (int i)
{
  return g_strdup_printf ("<domain type='qemu'><name>bench-%03d</name>"
                          "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                          "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                          "<devices></devices></domain>",
                          i);
}

typedef struct {
  int outstanding, done, failed;
  char *first_error;
} Pipeline;

static void
defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pipeline *p = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (!reply && p->failed++ == 0)
    p->first_error = g_strdup (error->message);
  p->outstanding--;
  p->done++;
}

/* Through org.libvirt's DomainDefineXML on /org/libvirt/QEMU for both
 * services, 16 calls in flight. */
static void
define_domains (Target *t)
{
  Pipeline p = { 0 };
  int sent = 0;
  gint64 start = g_get_monotonic_time ();

  while (p.done < t->domains)
    {
      while (sent < t->domains && p.outstanding < 16)
        {
          g_autofree char *xml = domain_xml (sent++);

          g_dbus_connection_call (t->env->client, LIBVIRT_NAME, QEMU_CONNECT, IFACE_LV_CONNECT,
                                  "DomainDefineXML", g_variant_new ("(s)", xml),
                                  G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, 120000, NULL,
                                  defined, &p);
          p.outstanding++;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  if (p.failed)
    g_error ("%s: %d of %d defines failed, the first: %s", t->label, p.failed, t->domains,
             p.first_error);
  g_print ("%s: defined %d domain(s) in %.1f s\n", t->label, t->domains,
           bench_ms_since (start) / 1e3);
}

static void
start_virtbusd (Target *t)
{
  const char *const args[] = { "--libvirt-dbus", NULL };

  t->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  vb_test_env_start_system_daemon (t->env, NULL, args);
  wait_for_name (t);
  define_domains (t);
}

/* What the reference needs, installed with apt-get when missing (Debian's
 * packages; nothing of them is part of this project). */
static gboolean
libvirt_installed (void)
{
  return g_file_test (LIBVIRT_DBUS, G_FILE_TEST_IS_EXECUTABLE)
         && g_file_test (LIBVIRTD, G_FILE_TEST_IS_EXECUTABLE);
}

static gboolean
ensure_libvirt (void)
{
  const char *update[] = { "apt-get", "update", "-q", NULL };
  const char *install[] = { "apt-get",
                            "install",
                            "-y",
                            "-q",
                            "--no-install-recommends",
                            "libvirt-dbus",
                            "libvirt-daemon",
                            "libvirt-daemon-driver-qemu",
                            NULL };
  int status = 0;

  if (libvirt_installed ())
    return TRUE;
  g_print ("libvirt-dbus or libvirtd is missing: apt-get install libvirt-dbus libvirt-daemon "
           "libvirt-daemon-driver-qemu\n");
  g_setenv ("DEBIAN_FRONTEND", "noninteractive", TRUE);
  g_spawn_sync (NULL, (char **) update, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                NULL);
  if (!g_spawn_sync (NULL, (char **) install, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                     &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    return FALSE;
  return libvirt_installed ();
}

/* Who libvirt-dbus runs as, read before the fork. */
typedef struct {
  uid_t uid;
  gid_t gid;
} Credentials;

/* libvirt-dbus as the unprivileged user: only system calls between fork and
 * exec (our GDBus threads may hold locks NSS needs), no supplementary groups;
 * credentials first, then the death signal (a change of credentials clears
 * it), so it ends with us. */
static void
become_reference_user (gpointer user_data)
{
  const Credentials *who = user_data;

  if (setgroups (1, &who->gid) < 0 || setgid (who->gid) < 0 || setuid (who->uid) < 0)
    _exit (126);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static char *
user_dir (Target *t, const char *name, const Credentials *who)
{
  char *dir = g_build_filename (t->env->tmpdir, name, NULL);

  if (g_mkdir_with_parents (dir, 0700) < 0 || chown (dir, who->uid, who->gid) < 0)
    g_error ("cannot make %s for %s: %s", dir, REFERENCE_USER, g_strerror (errno));
  return dir;
}

/* The test suite's bus lets only its own user own names; the reference's
 * libvirt-dbus runs as REFERENCE_USER and owns org.libvirt there. A copy of
 * tests/bus/test-bus.conf.in with that one name allowed to that user. */
static const char *
reference_bus_config (void)
{
  static char *path;
  g_autofree char *source = vb_test_source_path ("bus/test-bus.conf.in");
  g_autofree char *text = NULL;
  g_autoptr (GString) config = NULL;
  g_autoptr (GError) error = NULL;

  if (path)
    return path;
  if (!g_file_get_contents (source, &text, NULL, &error))
    g_error ("%s", error->message);
  config = g_string_new (text);
  g_string_replace (config, "</busconfig>",
                    "  <policy user=\"" REFERENCE_USER "\">\n"
                    "    <allow own=\"org.libvirt\"/>\n"
                    "  </policy>\n</busconfig>",
                    1);
  {
    g_autofree char *dir = g_dir_make_tmp ("vbbench-XXXXXX", &error);

    if (!dir)
      g_error ("%s", error->message);
    path = g_build_filename (dir, "bus.conf.in", NULL);
  }
  if (!g_file_set_contents (path, config->str, -1, &error))
    g_error ("%s", error->message);
  return path;
}

static void
start_libvirt_dbus (Target *t)
{
  struct passwd *pw = getpwnam (REFERENCE_USER);
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GError) error = NULL;
  g_autofree char *home = NULL;
  g_autofree char *config = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *pidfile = NULL;
  g_autofree char *pid_text = NULL;
  static Credentials who;
  gint64 end;

  if (!pw)
    g_error ("user %s is missing: %s", REFERENCE_USER, SETUP_HINT);
  who = (Credentials){ pw->pw_uid, pw->pw_gid };
  t->env = vb_test_env_new_on_bus (VB_TEST_ENV_POLKIT, reference_bus_config ());
  home = user_dir (t, "lv-home", &who);
  config = user_dir (t, "lv-home/config", &who);
  cache = user_dir (t, "lv-home/cache", &who);
  t->runtime_dir = user_dir (t, "lv-run", &who);
  t->libvirt_dbus_log = g_build_filename (t->env->tmpdir, "libvirt-dbus.log", NULL);

  g_subprocess_launcher_set_stdout_file_path (launcher, t->libvirt_dbus_log);
  g_subprocess_launcher_set_child_setup (launcher, become_reference_user, &who, NULL);
  /* Its "session" bus is the target's bus, which Cockpit's bridge takes as
   * the system bus; libvirtd --session finds its sockets, configuration and
   * QEMU capability cache under these, none of the machine's. */
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", t->env->bus_address, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS");
  g_subprocess_launcher_unsetenv (launcher, "LIBVIRT_DEFAULT_URI");
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", t->runtime_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin", TRUE);
  g_subprocess_launcher_set_cwd (launcher, home);
  t->libvirt_dbus = g_subprocess_launcher_spawn (launcher, &error, LIBVIRT_DBUS, "--session", NULL);
  if (!t->libvirt_dbus)
    g_error ("%s: %s", LIBVIRT_DBUS, error->message);
  bench_track_pid (atoi (g_subprocess_get_identifier (t->libvirt_dbus)));
  wait_for_name (t);

  /* The first define connects qemu:///session, which autospawns libvirtd. */
  define_domains (t);
  pidfile = g_build_filename (t->runtime_dir, "libvirt", "libvirtd.pid", NULL);
  end = g_get_monotonic_time () + NAME_TIMEOUT_US;
  while (!g_file_get_contents (pidfile, &pid_text, NULL, NULL))
    {
      if (g_get_monotonic_time () > end)
        g_error ("%s: no %s: which daemon serves qemu:///session?", t->label, pidfile);
      g_usleep (20000);
    }
  t->libvirtd = atoi (pid_text);
  g_assert_cmpint (t->libvirtd, >, 1);
  bench_track_pid (t->libvirtd);
}

static void
stop_target (Target *t)
{
  g_clear_pointer (&t->browser, vb_browser_free);
  g_clear_pointer (&t->cockpit, vb_cockpit_free);
  if (t->libvirt_dbus)
    {
      pid_t pid = atoi (g_subprocess_get_identifier (t->libvirt_dbus));

      g_subprocess_send_signal (t->libvirt_dbus, SIGTERM);
      g_subprocess_wait (t->libvirt_dbus, NULL, NULL);
      bench_untrack_pid (pid);
      g_clear_object (&t->libvirt_dbus);
    }
  if (t->libvirtd > 1)
    {
      kill (t->libvirtd, SIGTERM);
      bench_wait_process_gone (t->libvirtd);
      bench_untrack_pid (t->libvirtd);
      t->libvirtd = 0;
    }
  g_clear_pointer (&t->env, vb_test_env_free);
  g_clear_pointer (&t->url, g_free);
  g_clear_pointer (&t->libvirt_dbus_log, g_free);
  g_clear_pointer (&t->runtime_dir, g_free);
  g_clear_pointer (&t->complete, g_array_unref);
  g_clear_pointer (&t->first_row, g_array_unref);
}

/* An interrupt ends the run as SIGTERM does: the handler of the browser
 * harness kills the browsers' and cockpit-ws's process groups first, then the
 * benchmark's kills libvirt-dbus and libvirtd and removes the run's
 * directory, which no browser writes into any more. */
static void
interrupted (int sig)
{
  raise (SIGTERM);
}

/* ---- the figures ---- */

static void
print_row (Target *t, double floor)
{
  double *complete = (double *) t->complete->data;
  double median = bench_median (complete, t->complete->len);
  double min = complete[0];

  for (guint i = 1; i < t->complete->len; i++)
    min = MIN (min, complete[i]);
  g_print ("%-40s %7d %8.0f %8.0f %6.0f %6.0f %7.2f %8.1f %7.0f %7.0f\n", t->label, t->domains,
           bench_median ((double *) t->first_row->data, t->first_row->len), median, min,
           bench_max_of (complete, t->complete->len), median / floor,
           t->domains > 1 ? (median - floor) / (t->domains - 1) : 0.0,
           t->service_cpu_ms / t->complete->len, t->polkit_cpu_ms / t->complete->len);
}

/* The installed version of the Debian package @name, for the record. */
static char *
package_version (const char *name)
{
  const char *argv[] = { "dpkg-query", "-W", "-f", "${Version}", name, NULL };
  char *out = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL) || !out || !*out)
    {
      g_free (out);
      return g_strdup ("?");
    }
  return out;
}

/* Console errors and error alerts beyond the package's own noise. */
static void
print_errors (Target *t)
{
  static const char *const noise[] = {
    "You are currently using minified code outside of NODE_ENV",
    "Scrollbar test exception: TypeError: Cannot read properties of null",
  };
  g_autoptr (GPtrArray) errors = vb_browser_console_errors (t->browser);
  g_autoptr (GPtrArray) alerts = vb_browser_error_alerts (t->browser);
  guint shown = 0;

  for (guint i = 0; i < errors->len; i++)
    {
      gboolean known = FALSE;

      for (guint n = 0; n < G_N_ELEMENTS (noise); n++)
        known = known || strstr (errors->pdata[i], noise[n]);
      if (!known && shown++ < 5)
        g_print ("  %s: console %s\n", t->label, (char *) errors->pdata[i]);
    }
  for (guint i = 0; i < alerts->len; i++)
    if (shown++ < 10)
      g_print ("  %s: alert %s\n", t->label, (char *) alerts->pdata[i]);
  if (shown == 0)
    g_print ("  %s: none\n", t->label);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "loads", 0, 0, G_OPTION_ARG_INT, &n_loads, "Timed loads per target", "N" },
    { "domains", 0, 0, G_OPTION_ARG_INT, &n_domains, "Domains in the list", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- Cockpit Machines' VM list");
  g_autoptr (GError) error = NULL;
  Target targets[3] = {
    { .label = "virtbusd --system --libvirt-dbus", .domains = 1 },
    { .label = "virtbusd --system --libvirt-dbus" },
    { .label = "libvirt-dbus --session, qemu:///session" },
  };
  int n_targets = 2;
  g_autofree char *top = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (n_loads < 1 || n_domains < 1)
    g_error ("--loads and --domains must be at least 1");
  if (getuid () != 0)
    g_error ("Cockpit's bridge and polkitd run as root here: run the benchmark as root");
  if (!g_file_test (POLKIT_ACTIONS, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: %s", POLKIT_ACTIONS, SETUP_HINT);
  targets[1].domains = targets[2].domains = n_domains;

  /* Every directory of the run (the buses', the services', the browsers'
   * profiles) below one, removed on any end; reachable by REFERENCE_USER. */
  top = g_strdup_printf ("%s/vbbench-cockpit-XXXXXX",
                         g_getenv ("TMPDIR") ? g_getenv ("TMPDIR") : "/tmp");
  if (!mkdtemp (top) || chmod (top, 0755) < 0)
    g_error ("cannot make %s: %s", top, g_strerror (errno));
  g_setenv ("TMPDIR", top, TRUE);
  g_assert_cmpstr (g_get_tmp_dir (), ==, top);

  start_virtbusd (&targets[0]);
  bench_install_signal_handlers (top);
  start_virtbusd (&targets[1]);
  if (!getpwnam (REFERENCE_USER))
    g_print ("user %s is missing (%s): the libvirt-dbus reference is left out\n", REFERENCE_USER,
             SETUP_HINT);
  else if (!ensure_libvirt ())
    g_print ("libvirt-dbus and libvirtd could not be installed: the reference is left out\n");
  else
    {
      start_libvirt_dbus (&targets[2]);
      n_targets = 3;
    }

  for (int i = 0; i < n_targets; i++)
    open_page (&targets[i]);
  signal (SIGINT, interrupted);
  signal (SIGHUP, interrupted);
  for (int round = 0; round < n_loads; round++)
    for (int i = 0; i < n_targets; i++)
      load_once (&targets[i]);

  {
    g_autofree char *machines = package_version ("cockpit-machines");
    g_autofree char *ws = package_version ("cockpit-ws");
    g_autofree char *chromium = package_version ("chromium");

    g_print ("\nCockpit Machines %s (cockpit-ws %s, headless Chromium %s), %u CPUs.\n"
             "ms from navigation until the VM list is complete (every row present, its state\n"
             "\"Shut off\"), timed in the page; median, min and max of %d fresh loads per\n"
             "target (after one untimed load), taken in turn. 1st row: median until the first\n"
             "row shows. +/domain: (median - floor) / (domains - 1). svc CPU: ms of CPU the\n"
             "service used per load (virtbusd; libvirt-dbus + libvirtd), and the bus's polkitd,\n"
             "which virtbusd --system asks about callers other than root (Cockpit's bridge\n"
             "runs as root here; libvirt-dbus --session asks nothing).\n",
             machines, ws, chromium, g_get_num_processors (), n_loads);
  }
  g_print ("%-40s %7s %8s %8s %6s %6s %7s %8s %7s %7s\n", "service behind org.libvirt", "domains",
           "1st row", "complete", "min", "max", "x floor", "+/domain", "svc CPU", "polkitd");
  {
    double floor = bench_median ((double *) targets[0].complete->data, targets[0].complete->len);

    for (int i = 0; i < n_targets; i++)
      print_row (&targets[i], floor);
  }
  if (n_targets == 3)
    {
      double ours = bench_median ((double *) targets[1].complete->data, targets[1].complete->len);
      double theirs = bench_median ((double *) targets[2].complete->data, targets[2].complete->len);
      g_autofree char *lv_dbus = package_version ("libvirt-dbus");
      g_autofree char *lv_daemon = package_version ("libvirt-daemon");

      g_print ("virtbusd / libvirt-dbus at %d domains: %.2f\n", n_domains, ours / theirs);

      g_print ("reference: Debian's libvirt-dbus %s --session as %s, its /org/libvirt/QEMU\n"
               "on qemu:///session (libvirtd %s --session of that user, autospawned by\n"
               "libvirt's client), owning org.libvirt on the target's bus. Not libvirt's test\n"
               "driver: Cockpit reads only /org/libvirt/QEMU, which never leads there.\n",
               lv_dbus, REFERENCE_USER, lv_daemon);
    }
  g_print ("errors the pages showed (console errors beyond the package's own, error alerts):\n");
  for (int i = 0; i < n_targets; i++)
    print_errors (&targets[i]);

  for (int i = n_targets - 1; i >= 0; i--)
    stop_target (&targets[i]);
  {
    const char *rm[] = { "rm", "-rf", top, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                  NULL);
  }
  return 0;
}
