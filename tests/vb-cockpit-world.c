/* The world of a Cockpit Machines browser test: see vb-cockpit-world.h. */
#include "vb-cockpit-world.h"

#include <glib/gstdio.h>
#include <unistd.h>

#define LIBVIRT_BUS_NAME "org.libvirt"
#define POLKIT_ACTIONS "/usr/share/polkit-1/actions/org.virtbus.Virt1.policy"
#define SETUP_HINT "run tests/setup-test-users.sh as root before the suite"
#define NAME_TIMEOUT_MS 15000

static void
print_logs (gpointer user_data)
{
  VbCockpitWorld *world = user_data;
  g_autofree char *cockpit = vb_cockpit_log (world->cockpit);
  g_autofree char *daemon = vb_test_env_daemon_log (world->env);

  g_printerr ("cockpit-ws and bridge log:\n%s\nvirtbusd log:\n%s\n", cockpit, daemon);
}

void
vb_cockpit_world_require_setup (void)
{
  if (getuid () != 0)
    g_error ("the browser tests run polkitd and Cockpit's bridge as root: run them as root");
  if (!g_file_test (POLKIT_ACTIONS, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: %s", POLKIT_ACTIONS, SETUP_HINT);
}

void
vb_cockpit_world_start (VbCockpitWorld *world)
{
  vb_cockpit_world_require_setup ();
  world->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  world->cockpit = vb_cockpit_start (world->env->bus_address, world->env->tmpdir);
  world->browser = vb_browser_new ();
  vb_browser_set_failure_hook (world->browser, print_logs, world);
}

void
vb_cockpit_world_start_daemon (VbCockpitWorld *world, const char *netns,
                               const char *const *extra_args)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) args = NULL;

  g_strv_builder_add (builder, "--libvirt-dbus");
  for (guint i = 0; extra_args && extra_args[i]; i++)
    g_strv_builder_add (builder, extra_args[i]);
  args = g_strv_builder_end (builder);
  if (netns)
    vb_test_env_start_system_daemon_in_netns (world->env, netns, (const char *const *) args);
  else
    vb_test_env_start_system_daemon (world->env, NULL, (const char *const *) args);
  vb_cockpit_world_wait_name (world, LIBVIRT_BUS_NAME);
}

void
vb_cockpit_world_stop (VbCockpitWorld *world)
{
  g_clear_pointer (&world->browser, vb_browser_free);
  g_clear_pointer (&world->cockpit, vb_cockpit_free);
  g_clear_pointer (&world->env, vb_test_env_free);
}

gboolean
vb_cockpit_world_name_has_owner (VbCockpitWorld *world, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (world->env->client, "org.freedesktop.DBus",
                                 "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
                                 g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                 G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  gboolean owned = FALSE;

  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &owned);
  return owned;
}

void
vb_cockpit_world_wait_name (VbCockpitWorld *world, const char *name)
{
  gint64 end = g_get_monotonic_time () + NAME_TIMEOUT_MS * 1000;

  while (!vb_cockpit_world_name_has_owner (world, name))
    {
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *log = vb_test_env_daemon_log (world->env);
          g_error ("%s did not appear within %d ms; virtbusd log:\n%s", name, NAME_TIMEOUT_MS, log);
        }
      g_usleep (20000);
    }
}

char *
vb_cockpit_world_shared_dir (VbCockpitWorld *world, const char *name)
{
  g_autofree char *dir = g_build_filename (world->env->tmpdir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0777), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0777), ==, 0);
  return g_steal_pointer (&dir);
}

void
vb_cockpit_wait_vm_state (VbBrowser *browser, const char *name, const char *state)
{
  g_autofree char *selector = g_strdup_printf ("#vm-%s-system-state", name);

  vb_browser_wait_text (browser, selector, state);
}

void
vb_cockpit_open_vm (VbBrowser *browser, const char *name)
{
  g_autofree char *link =
    g_strdup_printf ("tbody tr[data-row-id=vm-%s-system] a.vm-list-item-name", name);

  vb_browser_click (browser, link);
  vb_browser_wait_text (browser, "#vm-details .vm-name", name);
}

void
vb_cockpit_vm_menu (VbBrowser *browser, const char *name, const char *item)
{
  g_autofree char *kebab = g_strdup_printf ("#vm-%s-system-action-kebab button", name);
  g_autofree char *entry = g_strdup_printf ("#vm-%s-system-%s a", name, item);

  vb_browser_click (browser, kebab);
  vb_browser_click (browser, entry);
}
