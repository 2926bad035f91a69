/* cockpit-ws on the test's bus, and the Cockpit Machines page: see
 * vb-cockpit.h. */
#include "vb-cockpit.h"

#include <gio/gio.h>
#include <stdlib.h>

#include "vb-test-groups.h"

#define START_TIMEOUT_MS 30000
#define PORT_TRIES 5
#define MACHINES_MANIFEST "/usr/share/cockpit/machines/manifest.json"
#define PACKAGES_HINT "install cockpit-ws, cockpit-bridge and cockpit-machines (./dev.sh test does)"

struct _VbCockpit {
  GSubprocess *ws;
  GPid pgid;
  guint16 port;
  char *log_path;
};

static const char *const ws_binaries[] = { "/usr/lib/cockpit/cockpit-ws", "/usr/libexec/cockpit-ws",
                                           NULL };

static const char *
find_ws (void)
{
  for (guint i = 0; ws_binaries[i]; i++)
    if (g_file_test (ws_binaries[i], G_FILE_TEST_IS_EXECUTABLE))
      return ws_binaries[i];
  g_error ("cockpit-ws is missing: %s", PACKAGES_HINT);
}

/* A port nobody listens on now; another process may still take it before
 * cockpit-ws does, which start_ws() notices and answers with another. */
static guint16
free_port (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
port_answers (guint16 port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (client, 2);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

static gboolean
on_tick (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
pause_iterating (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_tick, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* TRUE once cockpit-ws listens on @port; FALSE when it ended (the port was
 * taken meanwhile). */
static gboolean
start_ws (VbCockpit *cockpit, const char *system_bus_address, const char *config_dir, guint16 port)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *bridge = g_find_program_in_path ("cockpit-bridge");
  g_autofree char *session = NULL;
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr (GError) error = NULL;
  gint64 end = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;
  const char *id;

  if (!bridge)
    g_error ("cockpit-bridge is missing: %s", PACKAGES_HINT);
  session = g_strdup_printf ("--local-session=%s", bridge);
  {
    const char *argv[] = { find_ws (), "--no-tls", "--address", "127.0.0.1",
                           "--port",   port_text,  session,     NULL };

    g_subprocess_launcher_set_stdout_file_path (launcher, cockpit->log_path);
    g_subprocess_launcher_set_child_setup (launcher, vb_test_group_child_setup, NULL, NULL);
    /* The bridge inherits this: its "system" bus is the test's. */
    g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", system_bus_address, TRUE);
    /* The page runs programs (python3 for the OS list, virt-host-validate):
     * Debian's, as a system service finds them, not a developer's. */
    g_subprocess_launcher_setenv (launcher, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin", TRUE);
    /* Not the machine's /etc/cockpit/cockpit.conf. */
    g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_DIRS", config_dir, TRUE);
    cockpit->ws = g_subprocess_launcher_spawnv (launcher, argv, &error);
  }
  g_assert_no_error (error);
  id = g_subprocess_get_identifier (cockpit->ws);
  cockpit->pgid = id ? atoi (id) : 0;
  vb_test_group_watch (cockpit->pgid);
  cockpit->port = port;

  while (!port_answers (port))
    {
      if (!g_subprocess_get_identifier (cockpit->ws))
        {
          g_test_message ("cockpit-ws ended before listening on port %u", port);
          vb_test_group_kill (cockpit->pgid);
          g_clear_object (&cockpit->ws);
          return FALSE;
        }
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *log = vb_cockpit_log (cockpit);
          g_error ("cockpit-ws did not listen on port %u within %d ms; its log:\n%s", port,
                   START_TIMEOUT_MS, log);
        }
      pause_iterating (50);
    }
  return TRUE;
}

VbCockpit *
vb_cockpit_start (const char *system_bus_address, const char *tmpdir)
{
  VbCockpit *cockpit = g_new0 (VbCockpit, 1);
  g_autofree char *config_dir = g_build_filename (tmpdir, "cockpit-config", NULL);

  if (!g_file_test (MACHINES_MANIFEST, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: %s", MACHINES_MANIFEST, PACKAGES_HINT);
  g_assert_cmpint (g_mkdir_with_parents (config_dir, 0755), ==, 0);
  cockpit->log_path = g_build_filename (tmpdir, "cockpit-ws.log", NULL);
  for (guint i = 0; i < PORT_TRIES; i++)
    if (start_ws (cockpit, system_bus_address, config_dir, free_port ()))
      return cockpit;
  {
    g_autofree char *log = vb_cockpit_log (cockpit);
    g_error ("cockpit-ws did not start in %d tries; its log:\n%s", PORT_TRIES, log);
  }
}

void
vb_cockpit_free (VbCockpit *cockpit)
{
  if (!cockpit)
    return;
  if (cockpit->ws)
    {
      vb_test_group_kill (cockpit->pgid);
      g_subprocess_wait (cockpit->ws, NULL, NULL);
      g_clear_object (&cockpit->ws);
    }
  g_free (cockpit->log_path);
  g_free (cockpit);
}

char *
vb_cockpit_page_url (VbCockpit *cockpit, const char *page)
{
  return g_strdup_printf ("http://127.0.0.1:%u/cockpit/@localhost/%s/index.html", cockpit->port,
                          page);
}

char *
vb_cockpit_log (VbCockpit *cockpit)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (cockpit->log_path, &contents, &length, NULL))
    return g_strdup ("(no log)");
  if (length > 8000)
    return g_strdup (contents + length - 8000);
  return g_steal_pointer (&contents);
}

/* What pressing Ignore on "Hardware virtualization is disabled" stores. */
static const char ignore_no_hw_virtualization[] =
  "try {"
  "  if (location.protocol === 'http:')"
  "    localStorage.setItem('virtualization-disabled-ignored', 'true');"
  "} catch (e) {}";

void
vb_cockpit_open_machines (VbCockpit *cockpit, VbBrowser *browser)
{
  g_autofree char *url = vb_cockpit_page_url (cockpit, "machines");

  vb_browser_add_init_script (browser, ignore_no_hw_virtualization);
  vb_browser_navigate (browser, url);
  /* The page renders into #app; until it has asked libvirt it says "Loading resources". */
  vb_browser_wait_js (browser,
                      "(() => { const app = document.getElementById('app');"
                      "  return !!app && app.textContent.trim() !== ''"
                      "    && !app.textContent.includes('Loading resources'); })()",
                      VB_BROWSER_TIMEOUT_MS, "Cockpit Machines to finish loading");
}

/* Logged by Debian's build of cockpit-machines 288 whatever serves
 * org.libvirt: on every load a Redux warning about its minified build, and
 * the scrollbar probe of Cockpit's library, which runs in <head> before
 * there is a body; and each time a menu or popover opens, the browser's
 * refusal of the inline style PatternFly's positioning sets, because the
 * package's manifest gives a content-security-policy without style-src
 * (cockpit-ws 287 then sends default-src 'self' only). The menus still open
 * and work: the tests click their items. */
static const char *const package_noise[] = {
  "You are currently using minified code outside of NODE_ENV",
  "Scrollbar test exception: TypeError: Cannot read properties of null",
  "Applying inline style violates the following Content Security Policy directive 'default-src "
  "'self'",
};

void
vb_cockpit_assert_no_errors (VbBrowser *browser, const char *const *allowed)
{
  g_autoptr (GStrvBuilder) all = g_strv_builder_new ();
  g_auto (GStrv) list = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (package_noise); i++)
    g_strv_builder_add (all, package_noise[i]);
  for (guint i = 0; allowed && allowed[i]; i++)
    g_strv_builder_add (all, allowed[i]);
  list = g_strv_builder_end (all);
  vb_browser_assert_no_errors (browser, (const char *const *) list);
}
