/* Cockpit Machines on virtbus: storage pools and their volumes, and virtual
 * networks, created and changed from the page's "Storage pools" and
 * "Networks" lists as a user would, each step checked on the page and in
 * the service. See docs/browser-tests.md. */
#include "vb-cockpit-world.h"

#include <glib/gstdio.h>
#include <string.h>

#define POOL "cockpit-pool"
#define POOL_ROW "tr[data-row-id=pool-" POOL "-system]"
#define VOLUME "cockpit-vol"
#define NETWORK "cockpit-net"
#define NETWORK_ROW "tr[data-row-id=network-" NETWORK "-system]"

/* "active" is inside "inactive": the state's whole text. */
static void
wait_state (VbBrowser *browser, const char *selector, const char *state)
{
  g_autofree char *js =
    g_strdup_printf ("document.querySelector('%s')?.textContent.trim() === '%s'", selector, state);
  g_autofree char *what = g_strdup_printf ("%s to say %s", selector, state);

  vb_browser_wait_js (browser, js, VB_BROWSER_TIMEOUT_MS, what);
}

static gboolean
active (VbCockpitWorld *world, const char *path, const char *interface)
{
  return vb_test_get_bool (world->env, path, interface, "Active");
}

static char *
lookup (VbCockpitWorld *world, const char *method, const char *name)
{
  return vb_test_call_path (world->env, MANAGER, IFACE_MANAGER, method,
                            g_variant_new ("(s)", name));
}

/* A dir pool made with the "Create storage pool" dialog in the test's
 * tmpdir; activated; a volume created in it with the "Create volume" dialog
 * (a file there); the volume deleted (the file gone); the pool deactivated. */
static void
test_pools_and_volumes (void)
{
  VbCockpitWorld world = { 0 };
  g_autofree char *dir = NULL;
  g_autofree char *pool = NULL;
  g_autofree char *volume_file = NULL;
  g_autofree char *shot = NULL;

  vb_cockpit_world_start (&world);
  vb_cockpit_world_start_daemon (&world, NULL, NULL);
  dir = vb_cockpit_world_shared_dir (&world, "pool-dir");

  vb_cockpit_open_machines (world.cockpit, world.browser);
  vb_browser_wait_text (world.browser, "#card-pf-storage-pools .card-pf-title-link",
                        "0 Storage pools");
  vb_browser_click (world.browser, "#card-pf-storage-pools .pf-c-card__header button");
  vb_browser_click (world.browser, "#create-storage-pool");
  vb_browser_wait_visible (world.browser, "#create-storage-pool-dialog");
  vb_browser_type (world.browser, "#storage-pool-dialog-name", POOL);
  vb_browser_select (world.browser, "#storage-pool-dialog-type", "dir");
  vb_browser_type (world.browser, "#storage-pool-dialog-target-group input", dir);
  vb_browser_click (world.browser, "#create-storage-pool-dialog .pf-c-modal-box__footer "
                                   "button.pf-m-primary");
  vb_browser_wait_gone (world.browser, "#create-storage-pool-dialog");
  vb_browser_wait_visible (world.browser, POOL_ROW);
  wait_state (world.browser, "#pool-" POOL "-system-state", "inactive");
  pool = lookup (&world, "LookupStoragePoolByName", POOL);
  g_assert_false (active (&world, pool, IFACE_POOL));
  {
    g_autofree char *xml = vb_test_get_xml (world.env, pool, IFACE_POOL, 0);
    g_autofree char *target = g_strdup_printf ("<path>%s</path>", dir);

    g_assert_nonnull (strstr (xml, "type='dir'") ? xml : strstr (xml, "type=\"dir\""));
    g_assert_nonnull (strstr (xml, target));
  }

  vb_browser_click (world.browser, "#activate-pool-" POOL "-system");
  wait_state (world.browser, "#pool-" POOL "-system-state", "active");
  g_assert_true (active (&world, pool, IFACE_POOL));

  /* A volume, from the pool's "Storage volumes" tab. */
  vb_browser_click (world.browser, POOL_ROW " .pf-c-table__toggle button");
  vb_browser_wait_visible (world.browser, POOL_ROW " + tr.pf-m-expanded");
  vb_browser_click (world.browser, POOL_ROW " + tr .pf-c-tabs__item:nth-child(2) > button");
  vb_browser_click (world.browser, "#" POOL "-system-create-volume-button");
  vb_browser_wait_visible (world.browser, "#create-volume-dialog-modal");
  vb_browser_type (world.browser, "#create-volume-dialog-name", VOLUME);
  vb_browser_type (world.browser, "#create-volume-dialog-size", "32");
  vb_browser_select (world.browser, "#create-volume-dialog-unit", "MiB");
  vb_browser_click (world.browser, "#create-volume-dialog-modal .pf-c-modal-box__footer "
                                   "button.pf-m-primary");
  vb_browser_wait_gone (world.browser, "#create-volume-dialog-modal");
  vb_browser_wait_text (world.browser, "#pool-" POOL "-system-volume-" VOLUME "-name", VOLUME);
  volume_file = g_build_filename (dir, VOLUME, NULL);
  g_assert_true (g_file_test (volume_file, G_FILE_TEST_IS_REGULAR));
  shot = vb_browser_screenshot (world.browser, "volume");

  /* Deleted. */
  vb_browser_click (world.browser, POOL_ROW " + tr tbody input[aria-label='Select row 0']");
  vb_browser_wait_text (world.browser, "#storage-volumes-delete", "Delete 1 volume");
  vb_browser_click (world.browser, "#storage-volumes-delete");
  vb_browser_wait_gone (world.browser, "#pool-" POOL "-system-volume-" VOLUME "-name");
  g_assert_false (g_file_test (volume_file, G_FILE_TEST_EXISTS));

  vb_browser_click (world.browser, "#deactivate-pool-" POOL "-system");
  wait_state (world.browser, "#pool-" POOL "-system-state", "inactive");
  g_assert_false (active (&world, pool, IFACE_POOL));
  vb_cockpit_assert_no_errors (world.browser, NULL);
  vb_cockpit_world_stop (&world);
}

/* A NAT network made with the "Create virtual network" dialog, activated
 * (a real bridge and dnsmasq: virtbusd runs in a network namespace of the
 * test's), deactivated and deleted. */
static void
test_networks (void)
{
  VbCockpitWorld world = { 0 };
  g_autofree char *netns = vb_test_netns_add ("vbcpn-", NULL);
  g_autofree char *network = NULL;
  g_autofree char *shot = NULL;

  vb_cockpit_world_start (&world);
  vb_cockpit_world_start_daemon (&world, netns, NULL);

  vb_cockpit_open_machines (world.cockpit, world.browser);
  vb_browser_wait_text (world.browser, "#card-pf-networks .card-pf-title-link", "0 Networks");
  vb_browser_click (world.browser, "#card-pf-networks .pf-c-card__header button");
  vb_browser_click (world.browser, "#create-network");
  vb_browser_wait_visible (world.browser, "#create-network-dialog");
  vb_browser_type (world.browser, "#create-network-name", NETWORK);
  vb_browser_select (world.browser, "#create-network-forward-mode", "nat");
  vb_browser_select (world.browser, "#create-network-ip-configuration", "IPv4 only");
  vb_browser_type (world.browser, "#network-ipv4-address", "10.208.0.1");
  vb_browser_type (world.browser, "#network-ipv4-netmask", "24");
  vb_browser_click (world.browser, "#create-network-dialog .pf-c-modal-box__footer "
                                   "button.pf-m-primary");
  vb_browser_wait_gone (world.browser, "#create-network-dialog");
  vb_browser_wait_visible (world.browser, NETWORK_ROW);
  vb_browser_wait_text (world.browser, "#network-" NETWORK "-system-forwarding", "NAT");
  wait_state (world.browser, "#network-" NETWORK "-system-state", "inactive");
  network = lookup (&world, "LookupNetworkByName", NETWORK);
  g_assert_false (active (&world, network, IFACE_NETWORK));
  {
    g_autofree char *xml = vb_test_get_xml (world.env, network, IFACE_NETWORK, 0);

    g_assert_nonnull (strstr (xml, "10.208.0.1"));
  }

  vb_browser_click (world.browser, "#activate-network-" NETWORK "-system");
  wait_state (world.browser, "#network-" NETWORK "-system-state", "active");
  g_assert_true (active (&world, network, IFACE_NETWORK));
  shot = vb_browser_screenshot (world.browser, "active");

  vb_browser_click (world.browser, "#deactivate-network-" NETWORK "-system");
  wait_state (world.browser, "#network-" NETWORK "-system-state", "inactive");
  g_assert_false (active (&world, network, IFACE_NETWORK));

  vb_browser_click (world.browser, "#network-" NETWORK "-system-action-kebab button");
  vb_browser_click (world.browser, "#delete-network-" NETWORK "-system a");
  vb_browser_wait_text (world.browser, ".pf-c-modal-box__body",
                        NETWORK " will be permanently deleted");
  vb_browser_click (world.browser, ".pf-c-modal-box__footer button.pf-m-danger");
  vb_browser_wait_gone (world.browser, ".pf-c-modal-box");
  vb_browser_wait_gone (world.browser, NETWORK_ROW);
  vb_test_call_expect_error (world.env, MANAGER, IFACE_MANAGER, "LookupNetworkByName",
                             g_variant_new ("(s)", NETWORK), ERROR_PREFIX "NotFound");
  vb_cockpit_assert_no_errors (world.browser, NULL);
  vb_cockpit_world_stop (&world);
  vb_test_netns_del (netns);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/storage/pools-and-volumes", test_pools_and_volumes);
  g_test_add_func ("/browser/storage/networks", test_networks);
  return g_test_run ();
}
