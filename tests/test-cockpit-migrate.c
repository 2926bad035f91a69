/* Cockpit Machines' "Migrate" on virtbus: a running guest moved to a second
 * virtbus service on this host, from the page's dialog, with the
 * destination URI a user types (qemu+ssh://host/system). See
 * docs/browser-tests.md.
 *
 * The source is the world's virtbusd (system mode, on the test's system
 * bus, behind Cockpit); the destination another virtbusd with a bus, state
 * and run directory of its own. MigrateToURI3 turns qemu+ssh://HOST/system
 * into virtbus's ssh://HOST destination: the source runs `ssh HOST virtbusd
 * --stdio-bridge` and speaks D-Bus over it (docs/migration.md). This
 * machine has no sshd for the test to log into, so $VIRTBUS_SSH points the
 * source at a stand-in for ssh that runs that command here against the
 * destination's bus, as test-migration's /migration/ssh-bridge does;
 * everything else (the dialog, the flags Cockpit sends, the migration
 * stream from 127.0.0.1, the persistent definition moving) is real. */
#include "vb-cockpit-world.h"

#include <glib/gstdio.h>
#include <string.h>

#define NAME "cockpit-mig"

static char *
fake_ssh (VbCockpitWorld *world, VbTestEnv *dst)
{
  g_autofree char *ssh = g_build_filename (world->env->tmpdir, "fake-ssh", NULL);
  g_autofree char *script =
    g_strdup_printf ("#!/bin/sh\n"
                     "# Skips ssh's options and the host, runs the remote command here.\n"
                     "while [ $# -gt 0 ]; do\n"
                     "  case \"$1\" in\n"
                     "    -o|-p|-l) shift 2 ;;\n"
                     "    virtbusd) shift; exec '%s' \"$@\" --address='%s' ;;\n"
                     "    *) shift ;;\n"
                     "  esac\n"
                     "done\n"
                     "exit 1\n",
                     g_getenv ("VB_DAEMON"), dst->bus_address);

  g_assert_true (g_file_set_contents (ssh, script, -1, NULL));
  g_assert_cmpint (g_chmod (ssh, 0755), ==, 0);
  return g_steal_pointer (&ssh);
}

/* The running guest migrates live from its details page with the dialog's
 * defaults (permanent: PERSIST_DEST | UNDEFINE_SOURCE; shared storage);
 * the dialog closes when it is done; the page goes back to the list, which
 * no longer has the VM; it runs on the destination, defined there, and is
 * gone from the source; no alert was shown. The details page's NIC card
 * asks for the addresses whenever the VM's state turns "running" or
 * "paused": libvirt's SUSPENDED / MIGRATED at the end of the migration made
 * it ask about a domain gone a moment later ("Failed to fetch the IP
 * addresses"); org.libvirt does not send that event (docs/libvirt-dbus.md). */
static void
test_migrate (void)
{
  VbCockpitWorld world = { 0 };
  g_autoptr (VbTestEnv) dst = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *ssh = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *shot = NULL;

  vb_test_env_start_daemon (dst, NULL);
  vb_cockpit_world_start (&world);
  ssh = fake_ssh (&world, dst);
  vb_test_env_set_daemon_env (world.env, "VIRTBUS_SSH", ssh);
  vb_cockpit_world_start_daemon (&world, NULL, NULL);
  xml = vb_test_guest_xml (NAME, 128, NULL, NULL);
  domain = vb_test_boot_guest (world.env, xml, TRUE, 120000);

  vb_cockpit_open_machines (world.cockpit, world.browser);
  vb_cockpit_wait_vm_state (world.browser, NAME, "Running");
  vb_cockpit_open_vm (world.browser, NAME);
  vb_cockpit_wait_vm_state (world.browser, NAME, "Running");
  vb_cockpit_vm_menu (world.browser, NAME, "migrate");
  vb_browser_wait_visible (world.browser, "#migrate-modal");
  vb_browser_type (world.browser, "#dest-uri-input", "qemu+ssh://127.0.0.1/system");
  shot = vb_browser_screenshot (world.browser, "dialog");
  vb_browser_click (world.browser, "#migrate-button");
  vb_browser_wait_gone (world.browser, "#migrate-modal");
  /* Undefined on the source: back on the list, which goes on without it. */
  vb_browser_wait_text (world.browser, "body", "No VM is running or defined on this host");
  vb_browser_wait_gone (world.browser, "tbody tr[data-row-id=vm-" NAME "-system]");
  vb_test_call_expect_error (world.env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", NAME), ERROR_PREFIX "NotFound");

  moved = vb_test_call_path (dst, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", NAME));
  g_assert_true (vb_test_wait_property (dst, moved, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 10000));
  g_assert_true (vb_test_get_bool (dst, moved, IFACE_DOMAIN, "Persistent"));
  vb_cockpit_assert_no_errors (world.browser, NULL);

  vb_test_call_void (dst, moved, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  vb_cockpit_world_stop (&world);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/migrate/to-second-service", test_migrate);
  return g_test_run ();
}
