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
#include "vb-cockpit-world.h"

#include <string.h>

#define LIBVIRT_BUS_NAME "org.libvirt"

/* Cockpit Machines logs this when org.libvirt does not answer its probe
 * (Properties.Get of Connect.LibVersion on /org/libvirt/QEMU). */
#define NO_LIBVIRT_LOGGED "Failed to get libvirt version from the dbus API"

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
  VbCockpitWorld world = { 0 };
  const char *const allowed[] = { NO_LIBVIRT_LOGGED, NULL };
  g_autofree char *shot = NULL;

  vb_cockpit_world_start (&world);
  g_assert_false (vb_cockpit_world_name_has_owner (&world, LIBVIRT_BUS_NAME));
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
  vb_cockpit_world_stop (&world);
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

/* virtbusd serves org.libvirt: the VM list shows each QEMU domain with its
 * state (two defined only, one running guest), and nothing went wrong on
 * the way. */
static void
test_vm_list (void)
{
  static const char *const names[] = { "cockpit-one", "cockpit-two", "cockpit-run" };
  static const char *const states[] = { "Shut off", "Shut off", "Running" };
  VbCockpitWorld world = { 0 };
  g_autofree char *guest_xml = NULL;
  g_autofree char *guest = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *rows = NULL;

  if (!daemon_serves_libvirt ())
    {
      g_test_skip ("virtbusd has no --libvirt-dbus yet (the org.libvirt front end of issue #14); "
                   "this test runs as soon as it has");
      return;
    }
  vb_cockpit_world_start (&world);
  vb_cockpit_world_start_daemon (&world, NULL, NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *xml = shut_off_domain_xml (names[i]);
      g_autofree char *path = vb_test_call_path (world.env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                 g_variant_new ("(su)", xml, 0));
    }
  /* And the project's test guest, running. */
  guest_xml = vb_test_guest_xml (names[2], 128, NULL, NULL);
  guest = vb_test_boot_guest (world.env, guest_xml, TRUE, 120000);

  vb_cockpit_open_machines (world.cockpit, world.browser);
  vb_browser_wait_visible (world.browser, "#virtual-machines-listing");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *name_id = g_strdup_printf ("#vm-%s-system-name", names[i]);
      g_autofree char *state_id = g_strdup_printf ("#vm-%s-system-state", names[i]);
      g_autofree char *shown = NULL;

      vb_browser_wait_text (world.browser, name_id, names[i]);
      vb_browser_wait_text (world.browser, state_id, states[i]);
      shown = vb_browser_text (world.browser, name_id);
      g_assert_cmpstr (shown, ==, names[i]);
    }
  /* Exactly these three: nothing lost, nothing invented. */
  rows = vb_browser_eval_string (
    world.browser,
    "String(document.querySelectorAll('#virtual-machines-listing tbody tr[data-row-id]').length)");
  if (g_strcmp0 (rows, "3") != 0)
    vb_browser_fail (world.browser, "the VM list has %s rows, expected 3", rows);
  shot = vb_browser_screenshot (world.browser, "list");
  vb_cockpit_assert_no_errors (world.browser, NULL);
  vb_cockpit_world_stop (&world);
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
