/* Debian's unmodified Cockpit Machines (288), in a headless Chromium, on a
 * private bus configured as a system bus, with polkitd and (from the second
 * test on) virtbusd in system mode serving org.libvirt: what a user of
 * Cockpit sees, asserted on the page's DOM, with screenshots kept in the
 * artifacts directory (meson-logs/browser/).
 *
 * cockpit-ws runs with --local-session: its bridge runs as this test's user,
 * root, so the page has administrative access as it would after a login with
 * it, and its system bus is the test's. Needs root, the packages ./dev.sh
 * test installs (cockpit-ws, cockpit-bridge, cockpit-machines, chromium) and
 * tests/setup-test-users.sh (polkitd reads virtbus's actions only from
 * /usr/share/polkit-1/actions). */
#include "vb-test-env.h"

#include <string.h>
#include <unistd.h>

#include "vb-browser.h"
#include "vb-cockpit.h"

#define LIBVIRT_BUS_NAME "org.libvirt"
#define POLKIT_ACTIONS "/usr/share/polkit-1/actions/org.virtbus.Virt1.policy"
#define SETUP_HINT "run tests/setup-test-users.sh as root before the suite"
#define NAME_TIMEOUT_MS 15000

/* Cockpit Machines logs this when org.libvirt does not answer its probe
 * (Properties.Get of Connect.LibVersion on /org/libvirt/QEMU). */
#define NO_LIBVIRT_LOGGED "Failed to get libvirt version from the dbus API"

typedef struct {
  VbTestEnv *env;
  VbCockpit *cockpit;
  VbBrowser *browser;
} World;

static void
print_logs (gpointer user_data)
{
  World *world = user_data;
  g_autofree char *cockpit = vb_cockpit_log (world->cockpit);
  g_autofree char *daemon = vb_test_env_daemon_log (world->env);

  g_printerr ("cockpit-ws and bridge log:\n%s\nvirtbusd log:\n%s\n", cockpit, daemon);
}

static void
require_setup (void)
{
  if (getuid () != 0)
    g_error ("the browser tests run polkitd and Cockpit's bridge as root: run them as root");
  if (!g_file_test (POLKIT_ACTIONS, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: %s", POLKIT_ACTIONS, SETUP_HINT);
}

/* The bus with polkitd, cockpit-ws on it, and a browser; no virtbusd yet. */
static void
world_start (World *world)
{
  require_setup ();
  world->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  world->cockpit = vb_cockpit_start (world->env->bus_address, world->env->tmpdir);
  world->browser = vb_browser_new ();
  vb_browser_set_failure_hook (world->browser, print_logs, world);
}

static void
world_stop (World *world)
{
  g_clear_pointer (&world->browser, vb_browser_free);
  g_clear_pointer (&world->cockpit, vb_cockpit_free);
  g_clear_pointer (&world->env, vb_test_env_free);
}

static gboolean
name_has_owner (VbTestEnv *env, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (env->client, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "NameHasOwner",
                                 g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                 G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  gboolean owned = FALSE;

  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* ---- tests ---- */

/* The harness itself, on a page of its own (no Cockpit): an error alert
 * shown for a moment and then removed, and a console error, are both
 * recorded, so the no-error assertions of the tests below can fail. */
static void
test_harness_records_errors (void)
{
  g_autoptr (VbBrowser) browser = vb_browser_new ();
  g_autoptr (GPtrArray) alerts = NULL;
  g_autoptr (GPtrArray) errors = NULL;
  gboolean logged = FALSE;

  vb_browser_navigate (browser, "data:text/html,<body><p id='ready'>page</p></body>");
  vb_browser_wait_text (browser, "#ready", "page");
  errors = vb_browser_console_errors (browser);
  g_assert_cmpuint (errors->len, ==, 0);
  g_clear_pointer (&errors, g_ptr_array_unref);
  vb_browser_eval_bool (browser, "(() => {"
                                 "  const a = document.createElement('div');"
                                 "  a.className = 'pf-c-alert pf-m-danger';"
                                 "  a.innerHTML = '<p class=\"pf-c-alert__title\">Boom</p>"
                                 "    <div class=\"pf-c-alert__description\">it broke</div>';"
                                 "  document.body.appendChild(a);"
                                 "  setTimeout(() => a.remove(), 10);"
                                 "  const info = document.createElement('div');"
                                 "  info.className = 'pf-c-alert pf-m-info';"
                                 "  document.body.appendChild(info);"
                                 "  console.error('harness check', 42);"
                                 "  return true; })()");
  vb_browser_wait_gone (browser, ".pf-m-danger");
  alerts = vb_browser_error_alerts (browser);
  g_assert_cmpuint (alerts->len, ==, 1);
  g_assert_cmpstr (alerts->pdata[0], ==, "Boom: it broke");
  errors = vb_browser_console_errors (browser);
  for (guint i = 0; i < errors->len; i++)
    logged = logged || strstr (errors->pdata[i], "harness check 42");
  g_assert_true (logged);
}

/* Typing replaces a field's text with input events, as a person's would; a
 * click lands on the button only once nothing covers it. */
static void
test_harness_clicks_and_types (void)
{
  g_autoptr (VbBrowser) browser = vb_browser_new ();
  g_autofree char *typed = NULL;

  vb_browser_navigate (browser,
                       "data:text/html,<body>"
                       "<input id='name' value='old' oninput='this.dataset.typed = this.value'>"
                       "<button id='go' onclick=\"document.getElementById('out').textContent ="
                       " 'hello ' + document.getElementById('name').value\">Go</button>"
                       "<p id='out'></p>"
                       "<div id='cover' style='position: fixed; inset: 0; background: white'></div>"
                       "</body>");
  vb_browser_type (browser, "#name", "world");
  typed = vb_browser_eval_string (browser, "document.getElementById('name').dataset.typed");
  g_assert_cmpstr (typed, ==, "world");
  /* Covered: the click waits until the cover goes. */
  vb_browser_eval_bool (browser,
                        "setTimeout(() => document.getElementById('cover').remove(), 500), true");
  vb_browser_click (browser, "#go");
  vb_browser_wait_text (browser, "#out", "hello world");
  vb_browser_assert_no_errors (browser, NULL);
}

/* Nothing owns org.libvirt: Cockpit Machines says the service is not active,
 * offers to troubleshoot, and shows no VM list. This proves the harness end
 * to end (the bridge on the test's bus, the page's probe, the DOM read). */
static void
test_libvirt_inactive (void)
{
  World world = { 0 };
  const char *const allowed[] = { NO_LIBVIRT_LOGGED, NULL };
  g_autofree char *shot = NULL;

  world_start (&world);
  g_assert_false (name_has_owner (world.env, LIBVIRT_BUS_NAME));
  vb_cockpit_open_machines (world.cockpit, world.browser);

  vb_browser_wait_text (world.browser, ".pf-c-empty-state, .pf-v5-c-empty-state",
                        "Virtualization service (libvirt) is not active");
  vb_browser_wait_text (world.browser, "button", "Troubleshoot");
  if (vb_browser_eval_bool (world.browser, "!!document.getElementById('virtual-machines-listing')"))
    vb_browser_fail (world.browser, "a VM list is shown although nothing serves org.libvirt");
  /* The page logged why: its probe failed (and nothing else went wrong). */
  {
    g_autoptr (GPtrArray) errors = vb_browser_console_errors (world.browser);
    gboolean probe_logged = FALSE;

    for (guint i = 0; i < errors->len; i++)
      probe_logged = probe_logged || strstr (errors->pdata[i], NO_LIBVIRT_LOGGED);
    if (!probe_logged)
      vb_browser_fail (world.browser, "the page did not log its failed libvirt probe");
  }
  shot = vb_browser_screenshot (world.browser, "slate");
  vb_cockpit_assert_no_errors (world.browser, allowed);
  world_stop (&world);
}

/* Whether this virtbusd has the org.libvirt front end yet. */
static gboolean
daemon_serves_libvirt (void)
{
  const char *daemon = g_getenv ("VB_DAEMON");
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { daemon, "--help", NULL };
  int status = 0;

  g_assert_nonnull (daemon);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                     &status, &error))
    g_error ("cannot run %s --help: %s", daemon, error->message);
  return strstr (out, "--libvirt-dbus") != NULL;
}

/* A QEMU domain that is only defined: what the VM list needs, no guest. */
static char *
shut_off_domain_xml (const char *name)
{
  return g_strdup_printf ("<domain type='qemu'>\n"
                          "  <name>%s</name>\n"
                          "  <memory unit='MiB'>128</memory>\n"
                          "  <vcpu>1</vcpu>\n"
                          "  <os>\n"
                          "    <type arch='x86_64' machine='pc'>hvm</type>\n"
                          "  </os>\n"
                          "  <devices>\n"
                          "  </devices>\n"
                          "</domain>\n",
                          name);
}

static void
wait_for_name (VbTestEnv *env, const char *name)
{
  gint64 end = g_get_monotonic_time () + NAME_TIMEOUT_MS * 1000;

  while (!name_has_owner (env, name))
    {
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *log = vb_test_env_daemon_log (env);
          g_error ("%s did not appear within %d ms; virtbusd log:\n%s", name, NAME_TIMEOUT_MS, log);
        }
      g_usleep (20000);
    }
}

/* virtbusd serves org.libvirt: the VM list shows each QEMU domain with its
 * state, and nothing went wrong on the way. */
static void
test_vm_list (void)
{
  static const char *const names[] = { "cockpit-one", "cockpit-two" };
  const char *const daemon_args[] = { "--libvirt-dbus", NULL };
  World world = { 0 };
  g_autofree char *shot = NULL;
  g_autofree char *rows = NULL;

  if (!daemon_serves_libvirt ())
    {
      g_test_skip ("virtbusd has no --libvirt-dbus yet (the org.libvirt front end of issue #14); "
                   "this test runs as soon as it has");
      return;
    }
  world_start (&world);
  vb_test_env_start_system_daemon (world.env, NULL, daemon_args);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *xml = shut_off_domain_xml (names[i]);
      g_autofree char *path = vb_test_call_path (world.env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                 g_variant_new ("(su)", xml, 0));
    }
  wait_for_name (world.env, LIBVIRT_BUS_NAME);

  vb_cockpit_open_machines (world.cockpit, world.browser);
  vb_browser_wait_visible (world.browser, "#virtual-machines-listing");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *name_id = g_strdup_printf ("#vm-%s-system-name", names[i]);
      g_autofree char *state_id = g_strdup_printf ("#vm-%s-system-state", names[i]);
      g_autofree char *shown = NULL;

      vb_browser_wait_text (world.browser, name_id, names[i]);
      vb_browser_wait_text (world.browser, state_id, "Shut off");
      shown = vb_browser_text (world.browser, name_id);
      g_assert_cmpstr (shown, ==, names[i]);
    }
  /* Exactly these two: nothing lost, nothing invented. */
  rows = vb_browser_eval_string (
    world.browser,
    "String(document.querySelectorAll('#virtual-machines-listing tbody tr[data-row-id]').length)");
  if (g_strcmp0 (rows, "2") != 0)
    vb_browser_fail (world.browser, "the VM list has %s rows, expected 2", rows);
  shot = vb_browser_screenshot (world.browser, "list");
  vb_cockpit_assert_no_errors (world.browser, NULL);
  world_stop (&world);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/harness/records-errors", test_harness_records_errors);
  g_test_add_func ("/browser/harness/clicks-and-types", test_harness_clicks_and_types);
  g_test_add_func ("/browser/machines/libvirt-inactive", test_libvirt_inactive);
  g_test_add_func ("/browser/machines/vm-list", test_vm_list);
  return g_test_run ();
}
