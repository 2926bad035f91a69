/* Cockpit Machines on virtbus, one VM at a time: the project's test guest
 * booted under QEMU in system mode, driven from its row in the VM list and
 * from its details page as a user would (Run, Shut down, Force shut down,
 * Pause, Resume, Delete with its storage), the page following every state
 * without a reload; what the details page shows; snapshots. Asserts on the
 * page's DOM and on the service; no error anywhere. See docs/browser-tests.md. */
#include "vb-cockpit-world.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160

/* A running dir pool in the test's tmpdir holding a raw volume of @mib; its
 * path (the file) is returned, the pool's object path in @pool. */
static char *
pool_with_volume (VbCockpitWorld *world, const char *pool_name, const char *volume, guint mib,
                  char **pool)
{
  g_autofree char *dir = vb_cockpit_world_shared_dir (world, pool_name);
  g_autofree char *pool_xml =
    g_strdup_printf ("<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>",
                     pool_name, dir);
  g_autofree char *volume_xml =
    g_strdup_printf ("<volume><name>%s</name><capacity unit='MiB'>%u</capacity>"
                     "<target><format type='raw'/></target></volume>",
                     volume, mib);
  g_autofree char *volume_path = NULL;

  *pool = vb_test_call_path (world->env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                             g_variant_new ("(su)", pool_xml, 0));
  vb_test_call_void (world->env, *pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  volume_path = vb_test_call_path (world->env, *pool, IFACE_POOL, "CreateVolume",
                                   g_variant_new ("(su)", volume_xml, 0));
  return vb_test_get_string (world->env, volume_path, IFACE_VOLUME, "Path");
}

/* Waits until the guest of @domain (booted from now on) says it is ready:
 * its console log is new for each boot, so the old one goes first. */
static void
forget_console (VbCockpitWorld *world, const char *domain)
{
  g_autofree char *log = vb_test_console_log_of (world->env, domain);

  g_unlink (log);
}

static void
wait_guest_ready (VbCockpitWorld *world, const char *domain)
{
  g_autofree char *log = vb_test_console_log_of (world->env, domain);

  if (!vb_test_log_wait (log, "VIRTBUS-GUEST-READY", BOOT_TIMEOUT_MS))
    vb_browser_fail (world->browser, "the guest of %s did not get ready", domain);
}

static char *
domain_state (VbCockpitWorld *world, const char *domain)
{
  return vb_test_get_string (world->env, domain, IFACE_DOMAIN, "State");
}

/* The page's state and the service's agree. */
static void
assert_state (VbCockpitWorld *world, const char *name, const char *domain, const char *shown,
              const char *state)
{
  g_autofree char *actual = NULL;

  vb_cockpit_wait_vm_state (world->browser, name, shown);
  actual = domain_state (world, domain);
  if (g_strcmp0 (actual, state) != 0)
    vb_browser_fail (world->browser, "the page shows %s '%s' while the service says '%s'", name,
                     shown, actual);
}

static guint
count_volumes (VbCockpitWorld *world, const char *pool)
{
  g_autoptr (GVariant) volumes =
    vb_test_call_ok (world->env, pool, IFACE_POOL, "ListVolumes", NULL);
  g_autoptr (GVariant) list = g_variant_get_child_value (volumes, 0);

  return g_variant_n_children (list);
}

static void
wait_no_volumes (VbCockpitWorld *world, const char *pool)
{
  gint64 end = g_get_monotonic_time () + VB_BROWSER_TIMEOUT_MS * 1000;

  while (count_volumes (world, pool) > 0)
    {
      if (g_get_monotonic_time () > end)
        vb_browser_fail (world->browser, "the pool still has volumes");
      g_usleep (100000);
    }
}

/* Every action of the VM's row and details page, on a running guest with a
 * disk in a pool: the list shows it Running; Pause, Resume, Force shut down,
 * Run, Shut down (ACPI: the guest powers itself off) each change what the
 * page shows, without a reload; Delete with its storage removes the domain
 * and its volume. */
static void
test_lifecycle (void)
{
  VbCockpitWorld world = { 0 };
  g_autofree char *pool = NULL;
  g_autofree char *disk_file = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *shot = NULL;
  const char *name = "cockpit-life";

  vb_cockpit_world_start (&world);
  vb_cockpit_world_start_daemon (&world, NULL, NULL);
  disk_file = pool_with_volume (&world, "life-pool", "life-disk.img", 16, &pool);
  disk = vb_test_disk_xml (disk_file, "raw", "vda");
  xml = vb_test_guest_xml (name, GUEST_MIB, NULL, disk);
  domain = vb_test_boot_guest (world.env, xml, TRUE, BOOT_TIMEOUT_MS);

  vb_cockpit_open_machines (world.cockpit, world.browser);
  assert_state (&world, name, domain, "Running", "running");

  vb_cockpit_vm_menu (world.browser, name, "pause");
  assert_state (&world, name, domain, "Paused", "paused");
  vb_cockpit_vm_menu (world.browser, name, "resume");
  assert_state (&world, name, domain, "Running", "running");

  /* The same buttons on the details page. */
  vb_cockpit_open_vm (world.browser, name);
  vb_cockpit_vm_menu (world.browser, name, "forceOff");
  assert_state (&world, name, domain, "Shut off", "shutoff");

  forget_console (&world, domain);
  vb_browser_click (world.browser, "#vm-cockpit-life-system-run");
  assert_state (&world, name, domain, "Running", "running");
  wait_guest_ready (&world, domain);
  vb_browser_click (world.browser, "#vm-cockpit-life-system-shutdown-button");
  assert_state (&world, name, domain, "Shut off", "shutoff");

  vb_cockpit_vm_menu (world.browser, name, "delete");
  vb_browser_wait_text (world.browser, "#vm-cockpit-life-delete-modal-dialog", disk_file);
  if (!vb_browser_eval_bool (world.browser,
                             "document.querySelector('#vm-cockpit-life-delete-modal-dialog "
                             "input[type=checkbox]').checked"))
    vb_browser_fail (world.browser, "the disk is not marked for deletion");
  shot = vb_browser_screenshot (world.browser, "delete-dialog");
  vb_browser_click (world.browser, "#vm-cockpit-life-delete-modal-dialog button.pf-m-danger");
  vb_browser_wait_gone (world.browser, "#vm-cockpit-life-delete-modal-dialog");
  /* Back on the list, without the VM. */
  vb_browser_wait_visible (world.browser, "#virtual-machines-listing");
  vb_browser_wait_gone (world.browser, "tbody tr[data-row-id=vm-cockpit-life-system]");
  vb_test_call_expect_error (world.env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", name), ERROR_PREFIX "NotFound");
  /* Its storage goes after the domain: through the pool (StorageVol.Delete),
   * not only the file. */
  wait_no_volumes (&world, pool);
  g_assert_false (g_file_test (disk_file, G_FILE_TEST_EXISTS));
  vb_cockpit_assert_no_errors (world.browser, NULL);
  vb_cockpit_world_stop (&world);
}

/* udhcpc's script: the guest's busybox has none. */
#define UDHCPC_SCRIPT                                                                          \
  "printf '#!/bin/sh\\n[ \"$1\" = bound ] || exit 0\\nip addr add $ip/$mask dev $interface\\n" \
  "echo vb-leased-$ip\\nexit 0\\n' > /tmp/dhcp.sh; chmod +x /tmp/dhcp.sh"
#define DETAILS_MAC "52:54:00:c0:c7:01"
#define DETAILS_SUBNET "10.207.0."

/* The details page of a running guest with a disk in a pool and a NIC on a
 * virtbus NAT network (a real bridge and dnsmasq, in a network namespace of
 * the test's, where virtbusd runs): memory, vCPUs, CPU type, the disk with its
 * source, bus and capacity, the NIC with its MAC, network and the IPv4
 * address the guest leased (Domain.InterfaceAddresses). */
static void
test_details (void)
{
  VbCockpitWorld world = { 0 };
  g_autofree char *netns = vb_test_netns_add ("vbcpt-", NULL);
  const char *net_xml = "<network><name>cockpit-nat</name><forward mode='nat'/>"
                        "<ip address='" DETAILS_SUBNET "1' prefix='24'><dhcp>"
                        "<range start='" DETAILS_SUBNET "100' end='" DETAILS_SUBNET "150'/>"
                        "</dhcp></ip></network>";
  const char *nic = "    <interface type='network'>\n"
                    "      <mac address='" DETAILS_MAC "'/>\n"
                    "      <source network='cockpit-nat'/>\n"
                    "      <model type='virtio'/>\n"
                    "    </interface>\n";
  const char *name = "cockpit-details";
  g_autofree char *network = NULL;
  g_autofree char *pool = NULL;
  g_autofree char *disk_file = NULL;
  g_autofree char *devices = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *leased = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *shot = NULL;
  g_autoptr (VbTestConsole) console = NULL;

  vb_cockpit_world_start (&world);
  vb_cockpit_world_start_daemon (&world, netns, NULL);
  network = vb_test_call_path (world.env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                               g_variant_new ("(su)", net_xml, 0));
  vb_test_call_void (world.env, network, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0));
  disk_file = pool_with_volume (&world, "details-pool", "details-disk.img", 512, &pool);
  {
    g_autofree char *disk = vb_test_disk_xml (disk_file, "raw", "vda");
    devices = g_strconcat (disk, nic, NULL);
  }
  xml = vb_test_guest_xml (name, GUEST_MIB, NULL, devices);
  domain = vb_test_boot_guest (world.env, xml, TRUE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (world.env, domain);
  g_assert_cmpint (vb_test_console_run (console, UDHCPC_SCRIPT, 10000), ==, 0);
  g_assert_cmpint (
    vb_test_console_run (console, "ip link set eth0 up; udhcpc -i eth0 -n -q -t 10 -s /tmp/dhcp.sh",
                         60000),
    ==, 0);
  {
    g_autofree char *out = vb_test_console_expect (console, 0, "vb-leased-" DETAILS_SUBNET, 1000);
    const char *at = strstr (out, "vb-leased-");

    leased = g_strndup (at + strlen ("vb-leased-"), strcspn (at + strlen ("vb-leased-"), "\r\n"));
  }

  vb_cockpit_open_machines (world.cockpit, world.browser);
  vb_cockpit_wait_vm_state (world.browser, name, "Running");
  vb_cockpit_open_vm (world.browser, name);
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-memory-count", "160.0 MiB");
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-vcpus-count", "1");
  /* The definition had no <cpu>: the CPU QEMU gives a TCG guest, as libvirt writes it. */
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-cpu-model", "custom (qemu64)");
  /* The disk. */
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-disks-vda-device", "disk");
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-disks-vda-bus", "virtio");
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-disks-vda-source-file", disk_file);
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-disks-vda-capacity", "0.5 GiB");
  /* The NIC, with the address the guest leased. */
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-network-1-mac", DETAILS_MAC);
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-network-1-source", "cockpit-nat");
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-network-1-ipv4-address", leased);
  vb_browser_wait_text (world.browser, "#vm-cockpit-details-network-1-ipv4-address", "/24");
  shown = vb_browser_text (world.browser, "#vm-cockpit-details-network-1-ipv4-address");
  g_test_message ("leased %s, shown '%s'", leased, shown);
  shot = vb_browser_screenshot (world.browser, "details");
  vb_cockpit_assert_no_errors (world.browser, NULL);

  g_clear_pointer (&console, vb_test_console_free);
  vb_test_call_void (world.env, domain, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  vb_cockpit_world_stop (&world);
  vb_test_netns_del (netns);
}

/* The row index Cockpit gave the snapshot @snapshot of @name, or -1. */
static int
snapshot_row (VbBrowser *browser, const char *name, const char *snapshot)
{
  g_autofree char *js = g_strdup_printf (
    "String([...document.querySelectorAll('[id^=\"vm-%s-snapshot-\"][id$=\"-name\"]')]"
    ".filter(e => e.textContent.trim() === '%s')"
    ".map(e => e.id.match(/-snapshot-(\\d+)-name$/)[1])[0] ?? -1)",
    name, snapshot);
  g_autofree char *row = vb_browser_eval_string (browser, js);

  return atoi (row);
}

static void
create_snapshot (VbCockpitWorld *world, const char *name, const char *snapshot,
                 const char *description)
{
  g_autofree char *add = g_strdup_printf ("#vm-%s-add-snapshot-button", name);
  g_autofree char *js = g_strdup_printf ("(() => { const e = document.querySelector("
                                         "'[id^=\"vm-%s-snapshot-\"][id$=\"-name\"]');"
                                         " return [...document.querySelectorAll("
                                         "'[id^=\"vm-%s-snapshot-\"][id$=\"-name\"]')]"
                                         ".some(e => e.textContent.trim() === '%s'); })()",
                                         name, name, snapshot);

  vb_browser_click (world->browser, add);
  vb_browser_type (world->browser, "#snapshot-create-dialog-name", snapshot);
  vb_browser_type (world->browser, "#snapshot-create-dialog-description", description);
  vb_browser_click (world->browser, ".pf-c-modal-box__footer button.pf-m-primary");
  vb_browser_wait_gone (world->browser, ".pf-c-modal-box");
  vb_browser_wait_js (world->browser, js, VB_BROWSER_TIMEOUT_MS, "the new snapshot's row");
}

static char *
current_snapshot (VbCockpitWorld *world, const char *domain)
{
  g_autoptr (GVariant) value =
    vb_test_get_property (world->env, domain, IFACE_DOMAIN, "CurrentSnapshot");
  const char *path = g_variant_get_string (value, NULL);

  if (g_str_equal (path, "/"))
    return NULL;
  return vb_test_get_string (world->env, path, IFACE_SNAPSHOT, "Name");
}

/* Snapshots of a shut-off VM with a qcow2 disk, from its details page:
 * create two (each listed with its name, description and state, the newest
 * current), revert to the first (the current mark moves, on the page and in
 * the service), delete the second (gone from both). */
static void
test_snapshots (void)
{
  VbCockpitWorld world = { 0 };
  const char *name = "cockpit-snap";
  g_autofree char *pool = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *disk_file = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *current = NULL;
  g_autofree char *selector = NULL;
  g_autofree char *shot = NULL;
  g_autoptr (GVariant) list = NULL;
  int first, second;

  vb_cockpit_world_start (&world);
  vb_cockpit_world_start_daemon (&world, NULL, NULL);
  dir = vb_cockpit_world_shared_dir (&world, "snap-pool");
  {
    g_autofree char *pool_xml = g_strdup_printf (
      "<pool type='dir'><name>snap-pool</name><target><path>%s</path></target></pool>", dir);
    const char *volume_xml = "<volume><name>snap.qcow2</name><capacity unit='MiB'>64</capacity>"
                             "<target><format type='qcow2'/></target></volume>";
    g_autofree char *volume = NULL;

    pool = vb_test_call_path (world.env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                              g_variant_new ("(su)", pool_xml, 0));
    vb_test_call_void (world.env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
    volume = vb_test_call_path (world.env, pool, IFACE_POOL, "CreateVolume",
                                g_variant_new ("(su)", volume_xml, 0));
    disk_file = vb_test_get_string (world.env, volume, IFACE_VOLUME, "Path");
  }
  disk = vb_test_disk_xml (disk_file, "qcow2", "vda");
  xml = vb_test_guest_xml (name, GUEST_MIB, NULL, disk);
  domain = vb_test_call_path (world.env, MANAGER, IFACE_MANAGER, "DefineDomain",
                              g_variant_new ("(su)", xml, 0));

  vb_cockpit_open_machines (world.cockpit, world.browser);
  vb_cockpit_open_vm (world.browser, name);
  vb_browser_wait_text (world.browser, "#vm-cockpit-snap-snapshots", "No snapshots");

  create_snapshot (&world, name, "before", "the first one");
  create_snapshot (&world, name, "after", "the second one");
  first = snapshot_row (world.browser, name, "before");
  second = snapshot_row (world.browser, name, "after");
  {
    g_autofree char *description =
      g_strdup_printf ("#vm-cockpit-snap-snapshot-%d-description", first);
    g_autofree char *type = g_strdup_printf ("#vm-cockpit-snap-snapshot-%d-type", first);
    g_autofree char *mark = g_strdup_printf ("#vm-cockpit-snap-snapshot-%d-current", second);
    g_autofree char *parent = g_strdup_printf ("#vm-cockpit-snap-snapshot-%d-parent", second);

    vb_browser_wait_text (world.browser, description, "the first one");
    vb_browser_wait_text (world.browser, type, "shut off");
    vb_browser_wait_visible (world.browser, mark);
    vb_browser_wait_text (world.browser, parent, "before");
  }
  current = current_snapshot (&world, domain);
  g_assert_cmpstr (current, ==, "after");
  g_clear_pointer (&current, g_free);

  /* Revert to the first. */
  selector = g_strdup_printf ("#vm-cockpit-snap-snapshot-%d-revert", first);
  vb_browser_click (world.browser, selector);
  vb_browser_wait_text (world.browser, ".pf-c-modal-box__title", "Revert to snapshot before");
  vb_browser_click (world.browser, ".pf-c-modal-box__footer button.pf-m-primary");
  vb_browser_wait_gone (world.browser, ".pf-c-modal-box");
  g_free (selector);
  selector = g_strdup_printf ("#vm-cockpit-snap-snapshot-%d-current",
                              snapshot_row (world.browser, name, "before"));
  vb_browser_wait_visible (world.browser, selector);
  current = current_snapshot (&world, domain);
  g_assert_cmpstr (current, ==, "before");

  /* Delete the second. */
  g_free (selector);
  selector = g_strdup_printf ("#delete-vm-cockpit-snap-snapshot-%d",
                              snapshot_row (world.browser, name, "after"));
  vb_browser_click (world.browser, selector);
  vb_browser_wait_text (world.browser, ".pf-c-modal-box__body",
                        "after will be deleted from cockpit-snap");
  vb_browser_click (world.browser, ".pf-c-modal-box__footer button.pf-m-danger");
  vb_browser_wait_gone (world.browser, ".pf-c-modal-box");
  vb_browser_wait_js (
    world.browser,
    "![...document.querySelectorAll('[id^=\"vm-cockpit-snap-snapshot-\"][id$=\"-name\"]')]"
    ".some(e => e.textContent.trim() === 'after')",
    VB_BROWSER_TIMEOUT_MS, "the deleted snapshot's row to go");
  g_assert_cmpint (snapshot_row (world.browser, name, "before"), >=, 0);
  list =
    vb_test_call_ok (world.env, domain, IFACE_DOMAIN, "ListSnapshots", g_variant_new ("(u)", 0));
  {
    g_autoptr (GVariant) paths = g_variant_get_child_value (list, 0);

    g_assert_cmpuint (g_variant_n_children (paths), ==, 1);
  }
  shot = vb_browser_screenshot (world.browser, "snapshots");
  vb_cockpit_assert_no_errors (world.browser, NULL);
  vb_cockpit_world_stop (&world);
}

/* The security types the VNC server at 127.0.0.1:@port offers a client that
 * has no password, as RFB 3.8 lists them (1 None, 2 VNC authentication). */
static GBytes *
vnc_security_types (int port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  GInputStream *in;
  char version[12];
  guint8 count = 0;
  guint8 types[32];
  gsize got = 0;

  g_socket_client_set_timeout (client, 10);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_input_stream_read_all (in, version, sizeof version, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (version, got, "RFB 003.008\n", 12);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             "RFB 003.008\n", 12, NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (in, &count, 1, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count, >, 0);
  g_assert_cmpuint (count, <=, sizeof types);
  g_input_stream_read_all (in, types, count, &got, NULL, &error);
  g_assert_no_error (error);
  return g_bytes_new (types, count);
}

/* The VNC console of the details page connects to a running guest through
 * cockpit-bridge's stream channel, with the password Cockpit reads from
 * GetXMLDesc(SECURE) (the server offers no way in without it), and shows
 * the guest's screen: noVNC's canvas gets the guest's framebuffer, not a
 * blank. */
static void
test_console (void)
{
  VbCockpitWorld world = { 0 };
  const char *name = "cockpit-vnc";
  g_autofree char *xml = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *live = NULL;
  g_autofree char *shot = NULL;
  g_autoptr (GBytes) types = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  g_autoptr (GRegex) port_regex = g_regex_new ("<graphics type='vnc' port='([0-9]+)'", 0, 0, NULL);
  int port;

  vb_cockpit_world_start (&world);
  vb_cockpit_world_start_daemon (&world, NULL, NULL);
  xml = vb_test_guest_xml (name, GUEST_MIB, NULL,
                           "    <graphics type='vnc' port='-1' autoport='yes'/>\n"
                           "    <video><model type='vga'/></video>\n");
  domain = vb_test_boot_guest (world.env, xml, TRUE, BOOT_TIMEOUT_MS);

  /* #9's protection: no password without SECURE, none-auth not offered. */
  plain = vb_test_get_xml (world.env, domain, IFACE_DOMAIN, 0);
  g_assert_null (strstr (plain, "passwd="));
  g_assert_true (g_regex_match (port_regex, plain, 0, &match));
  {
    g_autofree char *text = g_match_info_fetch (match, 1);
    port = atoi (text);
  }
  g_assert_cmpint (port, >, 0);
  types = vnc_security_types (port);
  g_assert_null (memchr (g_bytes_get_data (types, NULL), 1, g_bytes_get_size (types)));
  g_assert_nonnull (memchr (g_bytes_get_data (types, NULL), 2, g_bytes_get_size (types)));

  vb_cockpit_open_machines (world.cockpit, world.browser);
  vb_cockpit_open_vm (world.browser, name);
  /* noVNC's canvas, sized to the guest's screen once the server has talked. */
  vb_browser_wait_js (world.browser,
                      "(() => { const c = document.querySelector('#vnc-display-container-minimized "
                      "canvas'); return !!c && c.width > 100 && c.height > 100; })()",
                      VB_BROWSER_TIMEOUT_MS, "the VNC canvas with the guest's screen size");
  /* What the guest shows: SeaBIOS's lines at the top of its VGA text screen
   * (QEMU's own "This VM has no graphic display device." is centred, and
   * would leave the top rows dark). */
  vb_browser_wait_js (
    world.browser,
    "(() => { const c = document.querySelector('#vnc-display-container-minimized "
    "canvas');"
    "  const d = c.getContext('2d').getImageData(0, 0, c.width, 16).data;"
    "  let lit = 0;"
    "  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 96) lit++;"
    "  return lit > 50; })()",
    VB_BROWSER_TIMEOUT_MS, "the guest's screen on the VNC canvas");
  if (vb_browser_eval_bool (world.browser,
                            "document.querySelector('.pf-c-console__vnc')?.textContent"
                            ".includes('Disconnected') ?? true"))
    vb_browser_fail (world.browser, "the VNC console is not connected");
  shot = vb_browser_screenshot (world.browser, "vnc");
  vb_cockpit_assert_no_errors (world.browser, NULL);
  vb_test_call_void (world.env, domain, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  vb_cockpit_world_stop (&world);
}

/* More of the VM's menu, on the domain actions org.libvirt maps: Force
 * reboot (Reset: the guest boots again, its console says so), Send
 * non-maskable interrupt (the guest's kernel reports it), and, shut off,
 * Rename (the list shows the new name; the service has it, same object). */
static void
test_more_actions (void)
{
  VbCockpitWorld world = { 0 };
  const char *name = "cockpit-acts";
  g_autofree char *xml = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *log = NULL;
  g_autofree char *renamed = NULL;

  vb_cockpit_world_start (&world);
  vb_cockpit_world_start_daemon (&world, NULL, NULL);
  xml = vb_test_guest_xml (name, GUEST_MIB, NULL, NULL);
  domain = vb_test_boot_guest (world.env, xml, TRUE, BOOT_TIMEOUT_MS);
  log = vb_test_console_log_of (world.env, domain);

  vb_cockpit_open_machines (world.cockpit, world.browser);
  assert_state (&world, name, domain, "Running", "running");
  vb_cockpit_vm_menu (world.browser, name, "sendNMI");
  if (!vb_test_log_wait (log, "NMI received", BOOT_TIMEOUT_MS))
    vb_browser_fail (world.browser, "the guest did not report the NMI");

  /* Reset: the console log stays, and the guest boots a second time. */
  vb_cockpit_vm_menu (world.browser, name, "forceReboot");
  {
    gint64 end = g_get_monotonic_time () + (gint64) BOOT_TIMEOUT_MS * 1000;
    guint ready = 0;

    while (ready < 2)
      {
        g_autofree char *text = NULL;

        if (g_get_monotonic_time () > end)
          vb_browser_fail (world.browser, "the guest did not boot again after Force reboot");
        g_file_get_contents (log, &text, NULL, NULL);
        ready = 0;
        for (const char *at = text; at && (at = strstr (at, "VIRTBUS-GUEST-READY")); at++)
          ready++;
        g_usleep (100000);
      }
  }
  assert_state (&world, name, domain, "Running", "running");

  vb_cockpit_vm_menu (world.browser, name, "forceOff");
  assert_state (&world, name, domain, "Shut off", "shutoff");
  vb_cockpit_vm_menu (world.browser, name, "rename");
  vb_browser_type (world.browser, "#rename-dialog-new-name", "cockpit-renamed");
  vb_browser_click (world.browser, "#rename-dialog-confirm");
  vb_browser_wait_gone (world.browser, "#rename-dialog-confirm");
  vb_browser_wait_text (world.browser, "#vm-cockpit-renamed-system-name", "cockpit-renamed");
  vb_browser_wait_gone (world.browser, "tbody tr[data-row-id=vm-cockpit-acts-system]");
  renamed = vb_test_get_string (world.env, domain, IFACE_DOMAIN, "Name");
  g_assert_cmpstr (renamed, ==, "cockpit-renamed");
  vb_cockpit_assert_no_errors (world.browser, NULL);
  vb_cockpit_world_stop (&world);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/browser/vm/lifecycle", test_lifecycle);
  g_test_add_func ("/browser/vm/details", test_details);
  g_test_add_func ("/browser/vm/snapshots", test_snapshots);
  g_test_add_func ("/browser/vm/console", test_console);
  g_test_add_func ("/browser/vm/more-actions", test_more_actions);
  return g_test_run ();
}
