/* Device hotplug on the project's test guest under QEMU: disks and network
 * interfaces plugged in and out through Domain.AttachDevice / DetachDevice,
 * checked from inside the guest on its serial console. */
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <unistd.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define BOOT_TIMEOUT_MS 120000

#define LIVE 1u
#define CONFIG 2u
#define XML_INACTIVE 2u

#define PATTERN_SIZE (1024 * 1024)

typedef struct {
  VbTestEnv *env;
  char *disk;  /* the guest's vda */
  char *extra; /* a disk image with a known pattern, to plug in */
  char *extra_md5;
  VbTestConsole *console; /* a session on the guest's serial console, NULL when none */
  char *netns; /* the test's network namespace, NULL when none */
} Fixture;

static void netns_delete (const char *name);

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree guint8 *pattern = g_malloc (PATTERN_SIZE);

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  f->disk = g_build_filename (f->env->tmpdir, "disk.img", NULL);
  vb_test_sparse_file (f->disk, 8 << 20);
  /* Not zeroes: a guest reading the wrong device, or nothing, cannot match. */
  for (guint i = 0; i < PATTERN_SIZE; i++)
    pattern[i] = (guint8) ((i * 7 + i / 4096) & 0xff);
  f->extra = g_build_filename (f->env->tmpdir, "extra.img", NULL);
  g_assert_true (g_file_set_contents (f->extra, (const char *) pattern, PATTERN_SIZE, NULL));
  f->extra_md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, pattern, PATTERN_SIZE);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_free (f->disk);
  g_free (f->extra);
  g_free (f->extra_md5);
  vb_test_env_free (f->env);
  if (f->netns)
    netns_delete (f->netns);
  g_free (f->netns);
}

/* The test guest on @machine, with ACPI or without, its disk f->disk and
 * @devices more. */
static char *
guest_xml_on (Fixture *f, const char *name, const char *machine, gboolean acpi, const char *devices)
{
  g_autofree char *disk = vb_test_disk_xml (f->disk, "raw", "vda");
  g_autofree char *all = g_strconcat (disk, devices, NULL);

  return vb_test_guest_xml_on (name, 192, machine, acpi, "vb.counter=0", all);
}

static char *
guest_xml (Fixture *f, const char *name, gboolean acpi)
{
  return guest_xml_on (f, name, "pc", acpi, "");
}

static void
call (Fixture *f, const char *path, const char *method, GVariant *args)
{
  vb_test_call_void (f->env, path, IFACE_DOMAIN, method, args);
}

static void
attach (Fixture *f, const char *path, const char *xml, guint flags)
{
  call (f, path, "AttachDevice", g_variant_new ("(su)", xml, flags));
}

static void
detach (Fixture *f, const char *path, const char *xml, guint flags)
{
  call (f, path, "DetachDevice", g_variant_new ("(su)", xml, flags));
}

static void
expect_error (Fixture *f, const char *path, const char *method, const char *xml, guint flags,
              const char *name)
{
  g_autofree char *full = g_strconcat (ERROR_PREFIX, name, NULL);

  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, method, g_variant_new ("(su)", xml, flags),
                             full);
}

static gboolean
has (const char *xml, const char *needle)
{
  return strstr (xml, needle) != NULL;
}

static void
open_console (Fixture *f, const char *path)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  f->console = vb_test_console_open (f->env, path);
}

/* Types @command on the guest's shell and returns what it printed. */
static char *
guest_run (Fixture *f, const char *command)
{
  char *output = NULL;

  vb_test_console_run_output (f->console, command, 60000, &output);
  return output;
}

/* Runs @command until its output does (or does not) contain @needle: the
 * guest handles the ACPI hotplug event on its own time. */
static gboolean
guest_wait (Fixture *f, const char *command, const char *needle, gboolean present)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *out = guest_run (f, command);

      if (has (out, needle) == present)
        return TRUE;
      if (g_get_monotonic_time () > end)
        {
          g_printerr ("'%s' still %s '%s':\n%s\n", command, present ? "lacks" : "shows", needle,
                      out);
          return FALSE;
        }
      g_usleep (500000);
    }
}

static char *
start_guest_xml (Fixture *f, const char *xml)
{
  char *path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);

  open_console (f, path);
  return path;
}

static char *
start_guest (Fixture *f, const char *name, gboolean acpi)
{
  g_autofree char *xml = guest_xml (f, name, acpi);

  return start_guest_xml (f, xml);
}

/* ---- the tests ---- */

static void
test_disk_live (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autofree char *vdb = NULL;
  g_autofree char *live = NULL;
  g_autofree char *config = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *out = NULL;

  vb_test_env_start_daemon (f->env, NULL);
  path = start_guest (f, "hotdisk", TRUE);
  vdb = vb_test_disk_xml (f->extra, "raw", "vdb");
  out = guest_run (f, "ls /sys/block");
  g_assert_true (has (out, "vda"));
  g_assert_false (has (out, "vdb"));

  {
    gint64 t0 = g_get_monotonic_time ();

    attach (f, path, vdb, LIVE);
    g_test_message ("AttachDevice (disk, LIVE) took %" G_GINT64_FORMAT " ms",
                    (g_get_monotonic_time () - t0) / 1000);
  }
  /* The live XML has it, with the id QEMU knows it by as its alias and the
   * PCI address it got; the definition does not. As in libvirt, every
   * device of the live XML has its alias: the boot-time ones too. */
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_true (g_regex_match_simple ("<target dev='vdb' bus='virtio'/>\\s*"
                                       "<alias name='disk-vdb'/>\\s*<address type='pci' "
                                       "domain='0x0000' bus='0x00' slot='0x[0-9a-f]+'",
                                       live, 0, 0));
  g_assert_true (has (live, "<alias name='disk-vda'/>"));
  g_assert_true (has (live, "<alias name='pci.0'/>"));
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_false (has (config, "vdb"));
  g_assert_false (has (config, "<alias"));

  /* The guest sees it, and reads the image's bytes. */
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  sum = guest_run (f, "dd if=/dev/vdb bs=4096 count=256 2>/dev/null | md5sum");
  g_assert_true (has (sum, f->extra_md5));

  /* The same target twice is refused; the guest keeps it. */
  expect_error (f, path, "AttachDevice", vdb, LIVE, "OperationInvalid");

  /* A restarted service still knows the plugged disk (runtime status). */
  vb_test_env_stop_daemon (f->env, TRUE);
  vb_test_env_start_daemon (f->env, NULL);
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 30000));
  g_clear_pointer (&live, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_true (has (live, "<target dev='vdb'"));
  g_assert_true (has (live, "<alias name='disk-vdb'/>"));
  g_assert_true (has (live, "<alias name='disk-vda'/>"));
  g_assert_true (has (live, "<alias name='pci.0'/>"));
  open_console (f, path);

  /* Unplug: the call returns once the guest let go of it. */
  {
    gint64 t0 = g_get_monotonic_time ();

    /* Named by its alias alone, as libvirt allows. */
    detach (f, path, "<disk type='file' device='disk'><alias name='disk-vdb'/></disk>", LIVE);
    g_test_message ("DetachDevice (disk, LIVE, until DEVICE_DELETED) took %" G_GINT64_FORMAT " ms",
                    (g_get_monotonic_time () - t0) / 1000);
  }
  g_clear_pointer (&out, g_free);
  out = guest_run (f, "ls /sys/block");
  g_assert_false (has (out, "vdb"));
  g_assert_true (has (out, "vda"));
  g_clear_pointer (&live, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_false (has (live, "vdb"));
  expect_error (f, path, "DetachDevice", vdb, LIVE, "NotFound");

  /* Plugged in again (same node names), then the boot-time disk goes too. */
  attach (f, path, vdb, 0 /* CURRENT: live, it runs */);
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  g_clear_pointer (&config, g_free);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_false (has (config, "vdb"));
  detach (f, path, "<disk><target dev='vda'/></disk>", LIVE);
  g_clear_pointer (&out, g_free);
  out = guest_run (f, "ls /sys/block");
  g_assert_false (has (out, "vda"));
  g_assert_true (has (out, "vdb"));
  g_clear_pointer (&live, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_false (has (live, "vda"));

  /* The live XML, aliases and all, defines the domain: like libvirt, the
   * definition keeps none of the aliases the driver made. */
  g_assert_true (has (live, "<alias name='disk-vdb'/>"));
  g_free (vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                             g_variant_new ("(su)", live, 0)));
  g_clear_pointer (&config, g_free);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_true (has (config, "<target dev='vdb'"));
  g_assert_false (has (config, "<alias"));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_interface_live (Fixture *f, gconstpointer data)
{
  const char *nic = "<interface type='user'>\n"
                    "  <mac address='52:54:00:AB:CD:42'/>\n"
                    "  <model type='virtio'/>\n"
                    "</interface>\n";
  g_autofree char *path = NULL;
  g_autofree char *live = NULL;
  g_autofree char *out = NULL;

  g_autofree char *xml = guest_xml_on (f, "hotnic", "pc", TRUE,
                                       "    <interface type='user'>\n"
                                       "      <mac address='52:54:00:00:00:01'/>\n"
                                       "      <model type='virtio'/>\n"
                                       "    </interface>\n");

  vb_test_env_start_daemon (f->env, NULL);
  path = start_guest_xml (f, xml);
  out = guest_run (f, "cat /sys/class/net/*/address");
  g_assert_false (has (out, "52:54:00:ab:cd:42"));
  g_assert_true (has (out, "52:54:00:00:00:01"));

  attach (f, path, nic, LIVE);
  g_assert_true (guest_wait (f, "cat /sys/class/net/*/address", "52:54:00:ab:cd:42", TRUE));
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_true (has (live, "<mac address='52:54:00:ab:cd:42'/>"));
  g_assert_true (has (live, "<address type='pci'"));
  expect_error (f, path, "AttachDevice", nic, LIVE, "OperationInvalid");

  /* Named by its MAC alone, in any case. */
  detach (f, path, "<interface type='user'><mac address='52:54:00:ab:cd:42'/></interface>", LIVE);
  g_clear_pointer (&out, g_free);
  out = guest_run (f, "cat /sys/class/net/*/address");
  g_assert_false (has (out, "52:54:00:ab:cd:42"));
  g_clear_pointer (&live, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_false (has (live, "52:54:00:ab:cd:42"));

  /* Without a MAC one is drawn, and the live XML tells which. */
  attach (f, path, "<interface type='user'><model type='virtio'/></interface>", LIVE);
  g_clear_pointer (&live, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  {
    g_autoptr (GRegex) regex = g_regex_new ("<mac address='([0-9a-f:]{17})'/>", 0, 0, NULL);
    g_autoptr (GMatchInfo) match = NULL;
    g_autofree char *mac = NULL;
    g_autofree char *detach_xml = NULL;

    g_assert_true (g_regex_match (regex, live, 0, &match));
    /* The one that is not the boot-time interface's. */
    while (!mac && g_match_info_matches (match))
      {
        g_autofree char *found = g_match_info_fetch (match, 1);

        if (!g_str_equal (found, "52:54:00:00:00:01"))
          mac = g_steal_pointer (&found);
        g_match_info_next (match, NULL);
      }
    g_assert_nonnull (mac);
    g_assert_true (guest_wait (f, "cat /sys/class/net/*/address", mac, TRUE));
    detach_xml = g_strdup_printf ("<interface><mac address='%s'/></interface>", mac);
    detach (f, path, detach_xml, 0);
    g_clear_pointer (&out, g_free);
    out = guest_run (f, "cat /sys/class/net/*/address");
    g_assert_false (has (out, mac));
  }

  /* The interface the guest booted with goes the same way (QEMU named it
   * at start; it is found by its MAC). */
  detach (f, path, "<interface type='user'><mac address='52:54:00:00:00:01'/></interface>", LIVE);
  g_clear_pointer (&out, g_free);
  out = guest_run (f, "cat /sys/class/net/*/address");
  g_assert_false (has (out, "52:54:00:00:00:01"));
  g_clear_pointer (&live, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_false (has (live, "<interface"));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

/* q35: a device goes onto a free pcie-root-port of the live definition;
 * none free is refused. */
static void
test_q35 (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    guest_xml_on (f, "hotq35", "q35", TRUE,
                  "    <controller type='pci' index='0' model='pcie-root'/>\n"
                  "    <controller type='pci' index='1' model='pcie-root-port'/>\n"
                  "    <controller type='pci' index='2' model='pcie-root-port'/>\n");
  g_autofree char *path = NULL;
  g_autofree char *vdb = NULL;
  g_autofree char *live = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *out = NULL;

  vb_test_env_start_daemon (f->env, NULL);
  path = start_guest_xml (f, xml);
  vdb = vb_test_disk_xml (f->extra, "raw", "vdb");
  attach (f, path, vdb, LIVE);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  /* vda took the first root port at define, as libvirt's placement does. */
  g_assert_true (g_regex_match_simple (
    "<target dev='vda' bus='virtio'/>\\s*(?:<alias name='disk-vda'/>\\s*)?<address type='pci' "
    "domain='0x0000' bus='0x01' slot='0x00'",
    live, 0, 0));
  g_assert_true (g_regex_match_simple (
    "<target dev='vdb' bus='virtio'/>\\s*(?:<alias name='disk-vdb'/>\\s*)?<address type='pci' "
    "domain='0x0000' bus='0x02' slot='0x00'",
    live, 0, 0));
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  sum = guest_run (f, "dd if=/dev/vdb bs=4096 count=256 2>/dev/null | md5sum");
  g_assert_true (has (sum, f->extra_md5));
  /* The one root port is taken now. */
  expect_error (f, path, "AttachDevice",
                "<interface type='user'><model type='virtio'/></interface>", LIVE,
                "OperationInvalid");
  detach (f, path, "<disk><target dev='vdb'/></disk>", LIVE);
  out = guest_run (f, "ls /sys/block");
  g_assert_false (has (out, "vdb"));
  /* Free again. */
  attach (f, path, "<interface type='user'><mac address='52:54:00:ab:cd:43'/></interface>", LIVE);
  g_assert_true (guest_wait (f, "cat /sys/class/net/*/address", "52:54:00:ab:cd:43", TRUE));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

/* A disk on a PCI bus the XML has no controller for: the bus's root port is
 * written into the definition at define (as the command line has it), so
 * after the disk is unplugged a managed save restores, where QEMU used to
 * refuse it ("Unknown savevm section ... pcie-root-port"). */
static void
test_implicit_root_port_save (Fixture *f, gconstpointer data)
{
  g_autofree char *vdb = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                                          "      <driver name='qemu' type='raw'/>\n"
                                          "      <source file='%s'/>\n"
                                          "      <target dev='vdb' bus='virtio'/>\n"
                                          "      <address type='pci' domain='0x0000' bus='0x01' "
                                          "slot='0x00' function='0x0'/>\n"
                                          "    </disk>\n",
                                          f->extra);
  g_autofree char *xml = guest_xml_on (f, "rootport", "q35", TRUE, vdb);
  g_autofree char *path = NULL;
  g_autofree char *config = NULL;
  g_autofree char *job = NULL;

  vb_test_env_start_daemon (f->env, NULL);
  path = start_guest_xml (f, xml);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_true (g_regex_match_simple ("<type arch='x86_64' machine='pc-q35-[0-9.]+'>hvm</type>",
                                       config, 0, 0));
  g_assert_true (g_regex_match_simple ("<emulator>/[^<]+</emulator>", config, 0, 0));
  g_assert_true (g_regex_match_simple ("<controller type='pci' index='1' model='pcie-root-port'>"
                                       "\\s*<address type='pci' domain='0x0000' bus='0x00' "
                                       "slot='0x0a' function='0x0'/>",
                                       config, 0, 0));
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  detach (f, path, "<disk><target dev='vdb'/></disk>", LIVE);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  vb_test_job_wait_completed (f->env, job, 120000);
  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 10000));
  g_clear_pointer (&f->console, vb_test_console_free);
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

/* Boot-time devices the XML gives no address: define places them (on root
 * ports on q35, so they can be unplugged there), the command line names
 * those places, so after one is unplugged a managed save restores: the
 * others keep their slots. QEMU used to place them in command-line order,
 * so the restored guest's devices moved and QEMU refused the saved state
 * ("Unknown savevm section ..."), and on q35 they sat on the root bus,
 * which has no hotplug. */
static void
test_unplug_then_save (Fixture *f, gconstpointer data)
{
  const char *machine = data;
  g_autofree char *vdb = vb_test_disk_xml (f->extra, "raw", "vdb");
  g_autofree char *devices =
    g_strconcat (vdb,
                 "    <interface type='user'>\n"
                 "      <mac address='52:54:00:00:00:07'/>\n"
                 "    </interface>\n",
                 NULL);
  g_autofree char *xml = guest_xml_on (f, "unplugsave", machine, TRUE, devices);
  g_autofree char *path = NULL;
  g_autofree char *config = NULL;
  g_autofree char *live = NULL;
  g_autofree char *job = NULL;
  g_autofree char *out = NULL;
  const char *vdb_placed = "<target dev='vdb' bus='virtio'/>\\s*(?:<alias "
                           "name='disk-vdb'/>\\s*)?<address type='pci' domain='0x0000' "
                           "bus='0x0[0-9a-f]' slot='0x[0-9a-f]+' function='0x0'/>";
  const char *nic_placed =
    "<mac address='52:54:00:00:00:07'/>\\s*(?:<alias name='net0'/>\\s*)?<address type='pci' "
    "domain='0x0000' bus='0x0[0-9a-f]' slot='0x[0-9a-f]+' function='0x0'/>";

  vb_test_env_start_daemon (f->env, NULL);
  path = start_guest_xml (f, xml);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_true (g_regex_match_simple (vdb_placed, config, 0, 0));
  g_assert_true (g_regex_match_simple (nic_placed, config, 0, 0));
  g_assert_true (g_regex_match_simple (vdb_placed, live, 0, 0));
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  g_assert_true (guest_wait (f, "cat /sys/class/net/*/address", "52:54:00:00:00:07", TRUE));

  detach (f, path, "<disk><target dev='vdb'/></disk>", LIVE);
  out = guest_run (f, "ls /sys/block");
  g_assert_false (has (out, "vdb"));
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  vb_test_job_wait_completed (f->env, job, 120000);
  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 10000));
  /* The restored guest goes on with its NIC and without vdb. */
  open_console (f, path);
  g_clear_pointer (&out, g_free);
  out = guest_run (f, "cat /sys/class/net/*/address; ls /sys/block");
  g_assert_true (has (out, "52:54:00:00:00:07"));
  g_assert_false (has (out, "vdb"));
  g_clear_pointer (&live, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_false (has (live, "vdb"));
  g_assert_true (g_regex_match_simple (nic_placed, live, 0, 0));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_config (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autofree char *vdc = NULL;
  g_autofree char *vdd = NULL;
  g_autofree char *live = NULL;
  g_autofree char *config = NULL;
  g_autofree char *out = NULL;

  vb_test_env_start_daemon (f->env, NULL);
  path = start_guest (f, "hotconf", TRUE);
  vdc = vb_test_disk_xml (f->extra, "raw", "vdc");
  vdd = vb_test_disk_xml (f->extra, "raw", "vdd");

  /* CONFIG only: the next boot gets it, the running guest does not. */
  attach (f, path, vdc, CONFIG);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_false (has (live, "vdc"));
  g_assert_true (has (config, "<target dev='vdc' bus='virtio'/>"));
  /* With the address a define gives it, as the next start will use. */
  g_assert_true (g_regex_match_simple (
    "<target dev='vdc' bus='virtio'/>\\s*(?:<alias name='disk-vdc'/>\\s*)?<address type='pci' "
    "domain='0x0000' bus='0x00' slot='0x0[0-9a-f]'",
    config, 0, 0));

  /* Both at once. */
  attach (f, path, vdd, LIVE | CONFIG);
  g_clear_pointer (&live, g_free);
  g_clear_pointer (&config, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_true (has (live, "vdd"));
  g_assert_true (has (config, "vdd"));
  /* The guest names its disks in the order it finds them: the second is vdb. */
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  g_clear_pointer (&out, g_free);
  out = guest_run (f, "ls /sys/block");
  g_assert_false (has (out, "vdc"));

  detach (f, path, "<disk><target dev='vdd'/></disk>", LIVE | CONFIG);
  g_clear_pointer (&live, g_free);
  g_clear_pointer (&config, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_false (has (live, "vdd"));
  g_assert_false (has (config, "vdd"));
  g_assert_true (has (config, "vdc"));
  /* LIVE detach of what only the definition has. */
  expect_error (f, path, "DetachDevice", "<disk><target dev='vdc'/></disk>", LIVE, "NotFound");

  /* Shut off: CURRENT means CONFIG, LIVE is refused; the next start has vdc. */
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
  expect_error (f, path, "AttachDevice", vdd, LIVE, "OperationInvalid");
  expect_error (f, path, "DetachDevice", "<disk><target dev='vdc'/></disk>", LIVE,
                "OperationInvalid");
  attach (f, path, vdd, 0);
  g_clear_pointer (&config, g_free);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_true (has (config, "vdd"));
  detach (f, path, "<disk><target dev='vdd'/></disk>", 0);
  g_clear_pointer (&config, g_free);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_false (has (config, "vdd"));

  call (f, path, "Start", g_variant_new ("(u)", 0));
  {
    g_autofree char *log = vb_test_console_log_of (f->env, path);
    g_assert_true (vb_test_log_wait (log, READY, BOOT_TIMEOUT_MS));
  }
  open_console (f, path);
  g_clear_pointer (&out, g_free);
  out = guest_run (f, "ls /sys/block");
  g_assert_true (has (out, "vdb"));
  g_assert_false (has (out, "vdc"));
  {
    g_autofree char *sum = guest_run (f, "dd if=/dev/vdb bs=4096 count=256 2>/dev/null | md5sum");
    g_assert_true (has (sum, f->extra_md5));
  }

  /* A restarted service reads the changed definition from its store. */
  vb_test_env_stop_daemon (f->env, FALSE);
  vb_test_env_start_daemon (f->env, NULL);
  g_clear_pointer (&config, g_free);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_true (has (config, "vdc"));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_bad_input (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autofree char *vdb = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *transient = NULL;
  g_autofree char *sata = NULL;

  vb_test_env_start_daemon (f->env, NULL);
  path = start_guest (f, "hotbad", TRUE);
  vdb = vb_test_disk_xml (f->extra, "raw", "vdb");
  before = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);

  expect_error (f, path, "AttachDevice", "<disk type='file'><source file='/x'/>", LIVE,
                "InvalidXML");
  expect_error (f, path, "AttachDevice", "", LIVE, "InvalidXML");
  /* Two devices are not one document. */
  expect_error (f, path, "AttachDevice", "<disk/><disk/>", LIVE, "InvalidXML");
  expect_error (f, path, "AttachDevice",
                "<hostdev mode='subsystem' type='pci'><source><address bus='0x00' slot='0x1f' "
                "function='0x0'/></source></hostdev>",
                LIVE, "NotSupported");
  expect_error (f, path, "AttachDevice", "<controller type='scsi'/>", LIVE, "NotSupported");
  expect_error (f, path, "AttachDevice", "<devices><disk/></devices>", LIVE, "NotSupported");
  expect_error (f, path, "DetachDevice", "<hostdev mode='subsystem' type='pci'/>", LIVE,
                "NotSupported");
  /* The domain schema judges the element. */
  expect_error (f, path, "AttachDevice", "<disk type='file'><target dev='vdb' bus='xen'/></disk>",
                LIVE, "InvalidXML");
  expect_error (f, path, "AttachDevice", "<disk type='file'><source file='/x'/></disk>", LIVE,
                "InvalidXML");
  expect_error (f, path, "AttachDevice", "<interface type='bridge'/>", LIVE, "InvalidXML");
  expect_error (f, path, "AttachDevice",
                "<interface type='user'><mac address='01:00:00:00:00:01'/></interface>", LIVE,
                "InvalidXML");
  /* What QEMU cannot take live. */
  sata =
    g_strdup_printf ("<disk type='file'><source file='%s'/><target dev='sdb' bus='sata'/></disk>",
                     f->extra);
  expect_error (f, path, "AttachDevice", sata, LIVE, "NotSupported");
  expect_error (
    f, path, "AttachDevice",
    "<disk type='file'><source file='/nonexistent/image.img'/><target dev='vdb'/></disk>", LIVE,
    "NotSupported");
  expect_error (f, path, "AttachDevice", "<interface type='user'><model type='e1000'/></interface>",
                LIVE, "NotSupported");
  expect_error (f, path, "AttachDevice",
                "<interface type='network'><source network='nosuchnet'/></interface>", LIVE,
                "NotFound");
  /* managed='no' is type='ethernet''s, which is not plugged live: on a bridge
   * interface it would open the administrator's tap and never put it on
   * the bridge the XML names. */
  {
    g_autofree char *tap = g_strdup_printf ("vbhp%d", (int) getpid () % 100000);
    g_autofree char *add = g_strdup_printf ("ip tuntap add dev %s mode tap", tap);
    g_autofree char *del = g_strdup_printf ("ip link del %s", tap);
    g_autofree char *nic = g_strdup_printf ("<interface type='bridge'><source bridge='vbhpbr0'/>"
                                            "<target dev='%s' managed='no'/></interface>",
                                            tap);
    int status = -1;

    g_assert_true (g_spawn_command_line_sync (add, NULL, NULL, &status, NULL));
    g_assert_cmpint (status, ==, 0);
    expect_error (f, path, "AttachDevice", nic, LIVE, "NotSupported");
    g_assert_true (g_spawn_command_line_sync (del, NULL, NULL, NULL, NULL));
  }
  /* The boot disk's target is taken. */
  expect_error (f, path, "AttachDevice",
                "<disk type='file'><source file='/x'/><target dev='vda'/></disk>", CONFIG,
                "OperationInvalid");
  /* Detach of what is not there, or named by nothing. */
  expect_error (f, path, "DetachDevice", "<disk><target dev='vdz'/></disk>", LIVE, "NotFound");
  expect_error (f, path, "DetachDevice", "<disk><target dev='vdz'/></disk>", CONFIG, "NotFound");
  expect_error (f, path, "DetachDevice",
                "<interface><mac address='52:54:00:00:00:99'/></interface>", LIVE, "NotFound");
  expect_error (f, path, "DetachDevice", "<interface type='user'/>", LIVE, "InvalidXML");
  expect_error (f, path, "DetachDevice", "<disk/>", LIVE, "InvalidXML");
  /* Unknown flags. */
  expect_error (f, path, "AttachDevice", vdb, 4, "InvalidArgument");
  expect_error (f, path, "DetachDevice", vdb, 1u << 31, "InvalidArgument");
  after = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_cmpstr (before, ==, after);

  /* CONFIG on a transient domain: it has no persistent definition. */
  {
    g_autofree char *own_disk = g_build_filename (f->env->tmpdir, "transient.img", NULL);
    g_autofree char *xml = NULL;
    char *main_disk = f->disk;

    /* Its own image: QEMU locks the one the other guest writes. */
    vb_test_sparse_file (own_disk, 1 << 20);
    f->disk = own_disk;
    xml = guest_xml (f, "hottransient", TRUE);
    f->disk = main_disk;
    transient = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "CreateDomain",
                                   g_variant_new ("(su)", xml, 0));
    expect_error (f, transient, "AttachDevice", vdb, CONFIG, "OperationInvalid");
    expect_error (f, transient, "AttachDevice", vdb, LIVE | CONFIG, "OperationInvalid");
    expect_error (f, transient, "DetachDevice", "<disk><target dev='vda'/></disk>", CONFIG,
                  "OperationInvalid");
    call (f, transient, "Destroy", g_variant_new ("(u)", 0));
  }

  /* Half-way: the image is opened, then QEMU refuses the device (slot 1 is
   * the ISA bridge's); what was opened is closed again, so the same disk
   * plugs in afterwards under the same node names. */
  {
    g_autofree char *taken = g_strdup_printf (
      "<disk type='file'><source file='%s'/><target dev='vdb'/>"
      "<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/></disk>",
      f->extra);

    expect_error (f, path, "AttachDevice", taken, LIVE, "Failed");
    g_clear_pointer (&after, g_free);
    after = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
    g_assert_false (has (after, "vdb"));
  }

  /* After all of it the service and the guest work as before. */
  g_assert_true (vb_test_env_daemon_alive (f->env));
  attach (f, path, vdb, LIVE);
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  detach (f, path, vdb, LIVE);
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

/* A guest that cannot answer (paused) does not release the device: the
 * call times out, the device stays in the live XML, and when the guest
 * gets to it later, it goes. */
static void
test_unplug_timeout (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autofree char *vdb = NULL;
  g_autofree char *live = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  gint64 started, end;
  gboolean gone = FALSE;

  vb_test_env_start_daemon (f->env, (const char *const[]){ "--unplug-timeout=5", NULL });
  path = start_guest (f, "hotslow", TRUE);
  vdb = vb_test_disk_xml (f->extra, "raw", "vdb");
  attach (f, path, vdb, LIVE);
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));

  call (f, path, "Suspend", NULL);
  started = g_get_monotonic_time ();
  reply = vb_test_call (f->env, path, IFACE_DOMAIN, "DetachDevice",
                        g_variant_new ("(su)", "<disk><target dev='vdb'/></disk>", LIVE), &error);
  g_assert_null (reply);
  g_assert_true (g_dbus_error_is_remote_error (error));
  {
    g_autofree char *name = g_dbus_error_get_remote_error (error);
    g_assert_cmpstr (name, ==, ERROR_PREFIX "Failed");
  }
  g_assert_nonnull (strstr (error->message, "the guest did not release the device"));
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 4 * G_USEC_PER_SEC);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_true (has (live, "<target dev='vdb'"));
  /* A second unplug while the first is pending is refused as busy. */
  expect_error (f, path, "DetachDevice", "<disk><target dev='vdb'/></disk>", LIVE, "Busy");

  /* Running again, the guest releases it, and the live XML follows. */
  call (f, path, "Resume", NULL);
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!gone && g_get_monotonic_time () < end)
    {
      g_clear_pointer (&live, g_free);
      live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
      gone = !has (live, "vdb");
      if (!gone)
        g_usleep (200000);
    }
  g_assert_true (gone);
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", FALSE));
  /* And it can come back. */
  attach (f, path, vdb, LIVE);
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

/* A disk from a storage pool: the volume is found as at start, and its
 * format (qcow2) comes from the volume: the guest sees the virtual size,
 * not the file's. */
static void
test_volume (Fixture *f, gconstpointer data)
{
  const char *vol_xml = "<volume>\n  <name>data.qcow2</name>\n"
                        "  <capacity unit='MiB'>3</capacity>\n"
                        "  <target>\n    <format type='qcow2'/>\n  </target>\n</volume>\n";
  const char *disk = "<disk type='volume' device='disk'>\n"
                     "  <source pool='hotpool' volume='data.qcow2'/>\n"
                     "  <target dev='vdb' bus='virtio'/>\n"
                     "</disk>\n";
  g_autofree char *dir = g_build_filename (f->env->tmpdir, "pool", NULL);
  g_autofree char *pool_xml = g_strdup_printf ("<pool type='dir'>\n  <name>hotpool</name>\n"
                                               "  <target>\n    <path>%s</path>\n  </target>\n"
                                               "</pool>\n",
                                               dir);
  g_autofree char *pool = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;

  vb_test_env_start_daemon (f->env, NULL);
  pool = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                            g_variant_new ("(su)", pool_xml, 0));
  vb_test_call_void (f->env, pool, IFACE_POOL, "Build", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  g_free (vb_test_call_path (f->env, pool, IFACE_POOL, "CreateVolume",
                             g_variant_new ("(su)", vol_xml, 0)));
  path = start_guest (f, "hotvolume", TRUE);
  expect_error (f, path, "AttachDevice",
                "<disk type='volume'><source pool='hotpool' volume='nosuch.img'/>"
                "<target dev='vdb'/></disk>",
                LIVE, "NotFound");
  attach (f, path, disk, LIVE);
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  /* 3 MiB in 512-byte sectors. */
  out = guest_run (f, "echo size=$(cat /sys/block/vdb/size)");
  g_assert_true (has (out, "size=6144"));
  detach (f, path, "<disk><target dev='vdb'/></disk>", LIVE);
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

/* The guest ejects a device by itself (ACPI slot power off): the live XML
 * follows without anyone calling DetachDevice. */
static void
test_guest_eject (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autofree char *vdb = NULL;
  g_autofree char *live = NULL;
  g_autofree char *slot = NULL;
  g_autofree char *command = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GRegex) regex = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  gint64 end;
  gboolean gone = FALSE;

  vb_test_env_start_daemon (f->env, NULL);
  path = start_guest (f, "hoteject", TRUE);
  vdb = vb_test_disk_xml (f->extra, "raw", "vdb");
  attach (f, path, vdb, LIVE);
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  regex = g_regex_new ("<target dev='vdb' bus='virtio'/>\\s*(?:<alias "
                       "name='disk-vdb'/>\\s*)?<address type='pci' domain='0x0000' "
                       "bus='0x00' slot='0x([0-9a-f]+)'",
                       0, 0, NULL);
  g_assert_true (g_regex_match (regex, live, 0, &match));
  slot = g_match_info_fetch (match, 1);
  /* ACPI hotplug slots are named by their number, in decimal. */
  command = g_strdup_printf ("echo 0 > /sys/bus/pci/slots/%u/power",
                             (guint) g_ascii_strtoull (slot, NULL, 16));
  out = guest_run (f, command);
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!gone && g_get_monotonic_time () < end)
    {
      g_clear_pointer (&live, g_free);
      live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
      gone = !has (live, "vdb");
      if (!gone)
        g_usleep (200000);
    }
  if (!gone)
    g_printerr ("the guest said: %s\n", out);
  g_assert_true (gone);
  g_clear_pointer (&out, g_free);
  out = guest_run (f, "ls /sys/block");
  g_assert_false (has (out, "vdb"));
  /* The host side went too: the same disk plugs in again under the same names. */
  attach (f, path, vdb, LIVE);
  g_assert_true (guest_wait (f, "ls /sys/block", "vdb", TRUE));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

/* A 'pc' guest without ACPI has no PCI hotplug at all: QEMU refuses the
 * device, the image opened for it is closed again, nothing changes. */
static void
test_no_acpi (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;
  g_autofree char *vdb = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  vb_test_env_start_daemon (f->env, NULL);
  path = start_guest (f, "hotnoacpi", FALSE);
  vdb = vb_test_disk_xml (f->extra, "raw", "vdb");
  before = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  reply = vb_test_call (f->env, path, IFACE_DOMAIN, "AttachDevice",
                        g_variant_new ("(su)", vdb, LIVE), &error);
  g_assert_null (reply);
  g_test_message ("attach without ACPI: %s", error->message);
  g_assert_nonnull (strstr (error->message, "QEMU refused to plug in the device"));
  g_clear_error (&error);
  reply = vb_test_call (f->env, path, IFACE_DOMAIN, "DetachDevice",
                        g_variant_new ("(su)", "<disk><target dev='vda'/></disk>", LIVE), &error);
  g_assert_null (reply);
  g_test_message ("detach without ACPI: %s", error->message);
  after = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_cmpstr (before, ==, after);
  out = guest_run (f, "ls /sys/block");
  g_assert_true (has (out, "vda"));
  g_assert_false (has (out, "vdb"));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

/* ---- a bridge in a network namespace of the test's own ---- */

#define BRIDGE "vbhpbr0"

/* A guest's tap ends with its QEMU: wait until nothing is left in the
 * namespace before it goes. */
static void
netns_delete (const char *name)
{
  vb_test_netns_wait_empty (name, 10000);
  vb_test_netns_del (name);
}

/* The runtime status file is written in order but off the main loop: wait
 * until it names (or no longer names) @needle. */
static gboolean
wait_status (const char *status, const char *needle, gboolean present)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *text = NULL;

      g_assert_true (g_file_get_contents (status, &text, NULL, NULL));
      if (has (text, needle) == present)
        return TRUE;
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_usleep (100000);
    }
}

/* A tap on a bridge: made by the service, enslaved to the bridge, gone
 * after the unplug; the guest reaches the bridge's address through it. */
static void
test_bridge_interface (Fixture *f, gconstpointer data)
{
  /* data: "network" plugs <interface type='network'> of a network the
   * service's bridge driver runs on BRIDGE, otherwise type='bridge';
   * "multiqueue" one with <driver queues='2'>: a tap of two queues. */
  gboolean via_network = data && g_str_equal (data, "network");
  gboolean multiqueue = data && g_str_equal (data, "multiqueue");
  const char *netns;
  const char *nic = via_network  ? "<interface type='network'>\n"
                                   "  <source network='hpnet'/>\n"
                                   "  <mac address='52:54:00:ab:cd:45'/>\n"
                                   "  <model type='virtio'/>\n"
                                   "</interface>\n"
                    : multiqueue ? "<interface type='bridge'>\n"
                                   "  <source bridge='" BRIDGE "'/>\n"
                                   "  <mac address='52:54:00:ab:cd:45'/>\n"
                                   "  <model type='virtio'/>\n"
                                   "  <driver name='qemu' queues='2'/>\n"
                                   "</interface>\n"
                                 : "<interface type='bridge'>\n"
                                   "  <source bridge='" BRIDGE "'/>\n"
                                   "  <mac address='52:54:00:ab:cd:45'/>\n"
                                   "  <model type='virtio'/>\n"
                                   "</interface>\n";
  g_autofree char *network = NULL;
  g_autofree char *path = NULL;
  g_autofree char *ports = NULL;
  g_autofree char *status = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GVariant) uuid = NULL;

  netns = f->netns = vb_test_netns_add ("vbhp-", NULL);
  if (via_network)
    {
      vb_test_env_start_daemon_in_netns (f->env, netns,
                                         (const char *const[]){ "--network-driver=bridge", NULL });
      network = vb_test_call_path (
        f->env, MANAGER, IFACE_MANAGER, "DefineNetwork",
        g_variant_new ("(su)",
                       "<network><name>hpnet</name><bridge name='" BRIDGE "'/>"
                       "<ip address='192.168.79.1' netmask='255.255.255.0'/></network>",
                       0));
      vb_test_call_void (f->env, network, "org.virtbus.Virt1.Network", "Start",
                         g_variant_new ("(u)", 0));
    }
  else
    {
      g_free (vb_test_run ("ip -n %s link add %s type bridge", netns, BRIDGE));
      g_free (vb_test_run ("ip -n %s addr add 192.168.79.1/24 dev %s", netns, BRIDGE));
      g_free (vb_test_run ("ip -n %s link set %s up", netns, BRIDGE));
      vb_test_env_start_daemon_in_netns (f->env, netns, NULL);
    }
  path = start_guest (f, "hotbridge", TRUE);
  uuid = vb_test_get_property (f->env, path, IFACE_DOMAIN, "UUID");
  status = vb_test_env_status_path (f->env, g_variant_get_string (uuid, NULL));

  if (multiqueue)
    {
      /* What the plug does not make of <driver> is refused, not dropped. */
      expect_error (f, path, "AttachDevice",
                    "<interface type='bridge'><source bridge='" BRIDGE "'/>"
                    "<driver queues='2' txmode='iothread'/></interface>",
                    LIVE, "NotSupported");
      expect_error (f, path, "AttachDevice",
                    "<interface type='bridge'><source bridge='" BRIDGE "'/>"
                    "<driver queues='257'/></interface>",
                    LIVE, "NotSupported");
      expect_error (f, path, "AttachDevice",
                    "<interface type='user'><driver queues='2'/></interface>", LIVE,
                    "NotSupported");
    }
  attach (f, path, nic, LIVE);
  ports = vb_test_run ("ip -n %s -o link show master %s", netns, BRIDGE);
  g_assert_true (has (ports, "hcd45"));
  g_assert_true (wait_status (status, "hcd45", TRUE));
  g_assert_true (guest_wait (f, "cat /sys/class/net/*/address", "52:54:00:ab:cd:45", TRUE));
  if (multiqueue)
    {
      /* A multiqueue tap (IFF_MULTI_QUEUE, 0x100), and a NIC of two queue
       * pairs in the guest, each way with its interrupt. */
      g_autofree char *flags =
        vb_test_run ("ip netns exec %s sh -c 'cat /sys/class/net/*hcd45/tun_flags'", netns);
      g_autofree char *vectors = guest_run (
        f, "for i in /sys/class/net/eth*; do grep -q 52:54:00:ab:cd:45 $i/address && "
           "v=$(basename $(readlink $i/device)); done; "
           "echo vb-vectors-$(grep -c \" $v-input\\.\" /proc/interrupts)-"
           "$(grep -c \" $v-output\\.\" /proc/interrupts)");

      g_assert_cmpuint (g_ascii_strtoull (flags, NULL, 16) & 0x100, ==, 0x100);
      g_assert_true (has (vectors, "vb-vectors-2-2"));
    }
  out = guest_run (f, "for i in /sys/class/net/eth*; do grep -q 52:54:00:ab:cd:45 $i/address && "
                      "n=${i##*/}; done; ip link set $n up; ip addr add 192.168.79.2/24 dev $n; "
                      "ping -c 1 -W 10 192.168.79.1 >/dev/null && echo PING-$((40+2))");
  g_assert_true (has (out, "PING-42"));

  detach (f, path, "<interface><mac address='52:54:00:ab:cd:45'/></interface>", LIVE);
  g_clear_pointer (&ports, g_free);
  ports = vb_test_run ("ip -n %s -o link show master %s", netns, BRIDGE);
  g_assert_false (has (ports, "hcd45"));
  g_clear_pointer (&out, g_free);
  out = guest_run (f, "cat /sys/class/net/*/address");
  g_assert_false (has (out, "52:54:00:ab:cd:45"));
  g_assert_true (wait_status (status, "hcd45", FALSE));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
  if (network)
    vb_test_call_void (f->env, network, "org.virtbus.Virt1.Network", "Stop",
                       g_variant_new ("(u)", 0));
}

/* The test driver simulates both sides, so the generic layer can be used
 * without a guest; a domain without <devices> gets one. */
static void
test_test_driver (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("hottest", NULL);
  g_autofree char *path = NULL;
  g_autofree char *config = NULL;
  g_autofree char *live = NULL;
  const char *nic = "<interface type='user'><mac address='52:54:00:ab:cd:44'/></interface>";

  vb_test_env_start_daemon (f->env, NULL);
  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
  attach (f, path, "<disk type='file'><source file='/images/a.img'/><target dev='vdb'/></disk>", 0);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_true (has (config, "<devices>"));
  g_assert_true (has (config, "<source file='/images/a.img'/>"));
  call (f, path, "Start", g_variant_new ("(u)", 0));
  attach (f, path, nic, LIVE);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_true (has (live, "52:54:00:ab:cd:44"));
  g_assert_true (has (live, "vdb"));
  g_clear_pointer (&config, g_free);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_false (has (config, "52:54:00:ab:cd:44"));
  expect_error (f, path, "AttachDevice", nic, LIVE | CONFIG, "OperationInvalid");
  /* The failed LIVE|CONFIG changed neither side. */
  g_clear_pointer (&config, g_free);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_false (has (config, "52:54:00:ab:cd:44"));
  detach (f, path, "<disk><target dev='vdb'/></disk>", LIVE | CONFIG);
  g_clear_pointer (&live, g_free);
  g_clear_pointer (&config, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_false (has (live, "vdb"));
  g_assert_false (has (config, "vdb"));
  detach (f, path, nic, 0);
  g_clear_pointer (&live, g_free);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_false (has (live, "<interface"));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/hotplug/test-driver", test_test_driver);
  ADD ("/hotplug/disk-live", test_disk_live);
  ADD ("/hotplug/interface-live", test_interface_live);
  ADD ("/hotplug/q35", test_q35);
  ADD ("/hotplug/implicit-root-port-save", test_implicit_root_port_save);
  g_test_add ("/hotplug/unplug-then-save/pc", Fixture, "pc", fixture_set_up, test_unplug_then_save,
              fixture_tear_down);
  g_test_add ("/hotplug/unplug-then-save/q35", Fixture, "q35", fixture_set_up,
              test_unplug_then_save, fixture_tear_down);
  ADD ("/hotplug/bridge-interface", test_bridge_interface);
  g_test_add ("/hotplug/network-interface", Fixture, "network", fixture_set_up,
              test_bridge_interface, fixture_tear_down);
  g_test_add ("/hotplug/multiqueue-interface", Fixture, "multiqueue", fixture_set_up,
              test_bridge_interface, fixture_tear_down);
  ADD ("/hotplug/config", test_config);
  ADD ("/hotplug/bad-input", test_bad_input);
  ADD ("/hotplug/unplug-timeout", test_unplug_timeout);
  ADD ("/hotplug/no-acpi", test_no_acpi);
  ADD ("/hotplug/volume", test_volume);
  ADD ("/hotplug/guest-eject", test_guest_eject);
  return g_test_run ();
}
