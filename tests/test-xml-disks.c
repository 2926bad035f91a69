/* The disk elements of issue #16 as the project's test guest sees them
 * under QEMU: a floppy it reads, <blockio> block sizes and <serial> in its
 * sysfs (also of a disk plugged in), and <iotune> limits at start, after a
 * hotplug and changed live through SetBlockIoTune, read back from QEMU with
 * GetBlockIoTune and felt by the guest's reads. */
#include <string.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 120000
#define LIVE 1u
#define CONFIG 2u
#define XML_INACTIVE 2u

typedef struct {
  VbTestEnv *env;
  char *path;
  VbTestConsole *console;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *boot = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *floppy = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *image = g_malloc0 (1474560);
  g_autofree char *devices = NULL;
  g_autofree char *xml = NULL;

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  boot = g_build_filename (f->env->tmpdir, "boot.img", NULL);
  extra = g_build_filename (f->env->tmpdir, "extra.img", NULL);
  vb_test_sparse_file (boot, 8 << 20);
  vb_test_sparse_file (extra, 32 << 20);
  /* A 1.44 MB floppy whose first sector the guest reads back. */
  floppy = g_build_filename (f->env->tmpdir, "floppy.img", NULL);
  memcpy (image, "VBFLOPPY", 8);
  g_assert_true (g_file_set_contents (floppy, image, 1474560, NULL));
  disk = vb_test_disk_xml (boot, "raw", "vda");
  devices =
    g_strdup_printf ("%s"
                     "    <disk type='file' device='floppy'>\n"
                     "      <driver name='qemu' type='raw' cache='writethrough'/>\n"
                     "      <source file='%s'/>\n"
                     "      <target dev='fda' bus='fdc'/>\n"
                     "    </disk>\n"
                     "    <disk type='file' device='disk'>\n"
                     "      <driver name='qemu' type='raw' cache='none'/>\n"
                     "      <source file='%s'/>\n"
                     "      <target dev='vdb' bus='virtio'/>\n"
                     "      <iotune>\n"
                     "        <total_bytes_sec>50000000</total_bytes_sec>\n"
                     "        <total_iops_sec>5000</total_iops_sec>\n"
                     "        <group_name>vbgroup</group_name>\n"
                     "      </iotune>\n"
                     "      <blockio logical_block_size='4096' physical_block_size='4096'/>\n"
                     "      <serial>VB-SERIAL-42</serial>\n"
                     "    </disk>\n",
                     disk, floppy, extra);
  xml = vb_test_guest_xml ("disks1", 192, "vb.counter=0", devices);
  vb_test_env_start_daemon (f->env, NULL);
  f->path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  f->console = vb_test_console_open (f->env, f->path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_free (f->path);
  vb_test_env_free (f->env);
}

static char *
run (Fixture *f, const char *command)
{
  g_autofree char *out = vb_test_console_output (f->console, command, 60000);

  return g_strstrip (g_strdup (out));
}

static GVariant *
get_iotune (Fixture *f, guint flags)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (f->env, f->path, IFACE_DOMAIN, "GetBlockIoTune",
                                                g_variant_new ("(su)", "vdb", flags));
  GVariant *params = NULL;

  g_variant_get (reply, "(@a{sv})", &params);
  return params;
}

static guint64
limit (GVariant *params, const char *key)
{
  guint64 value = G_MAXUINT64;

  g_assert_true (g_variant_lookup (params, key, "t", &value));
  return value;
}

/* The guest's seconds for reading @mib MiB of vdb from @skip_mib on, past
 * its page cache (each range is read once). */
static guint
read_seconds (Fixture *f, guint mib, guint skip_mib)
{
  g_autofree char *command = g_strdup_printf (
    "s=$(date +%%s); dd if=/dev/vdb of=/dev/null bs=1048576 count=%u skip=%u 2>/dev/null; "
    "echo $(( $(date +%%s) - s ))",
    mib, skip_mib);
  g_autofree char *out = run (f, command);

  return (guint) g_ascii_strtoull (out, NULL, 10);
}

static void
test_guest_sees_disk (Fixture *f, gconstpointer data)
{
  g_autofree char *logical = run (f, "cat /sys/block/vdb/queue/logical_block_size");
  g_autofree char *physical = run (f, "cat /sys/block/vdb/queue/physical_block_size");
  g_autofree char *serial = run (f, "cat /sys/block/vdb/serial");

  g_assert_cmpstr (logical, ==, "4096");
  g_assert_cmpstr (physical, ==, "4096");
  g_assert_cmpstr (serial, ==, "VB-SERIAL-42");
}

/* The guest reads the floppy, and another one UpdateDevice puts in the
 * drive (which has no tray: the medium is swapped at once). */
static void
test_floppy (Fixture *f, gconstpointer data)
{
  g_autofree char *first = run (f, "head -c 8 /dev/fd0; echo");
  g_autofree char *other = g_build_filename (f->env->tmpdir, "other.img", NULL);
  g_autofree char *image = g_malloc0 (1474560);
  g_autofree char *xml = NULL;
  g_autofree char *second = NULL;

  g_assert_cmpstr (first, ==, "VBFLOPPY");
  memcpy (image, "VBSECOND", 8);
  g_assert_true (g_file_set_contents (other, image, 1474560, NULL));
  xml = g_strdup_printf ("<disk type='file' device='floppy'>\n"
                         "  <driver name='qemu' type='raw' cache='writethrough'/>\n"
                         "  <source file='%s'/>\n"
                         "  <target dev='fda' bus='fdc'/>\n"
                         "</disk>\n",
                         other);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "UpdateDevice",
                     g_variant_new ("(su)", xml, LIVE));
  /* Linux fails the first open after a disk change, as on real drives
   * (the change line); the kernel may log that on the console meanwhile. */
  second = run (f, "head -c 8 /dev/fd0 >/dev/null 2>&1; sleep 1; head -c 8 /dev/fd0; echo");
  if (!g_str_has_suffix (second, "VBSECOND"))
    g_error ("the guest read '%s' from the new floppy", second);
}

/* A virtio disk plugged in gets the device properties and limits of its
 * XML, as one on the command line does. */
static void
test_hotplug (Fixture *f, gconstpointer data)
{
  g_autofree char *image = g_build_filename (f->env->tmpdir, "plugged.img", NULL);
  g_autofree char *xml = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *logical = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) params = NULL;

  vb_test_sparse_file (image, 16 << 20);
  xml = g_strdup_printf ("<disk type='file' device='disk'>\n"
                         "  <driver name='qemu' type='raw'/>\n"
                         "  <source file='%s'/>\n"
                         "  <target dev='vdc' bus='virtio'/>\n"
                         "  <iotune>\n"
                         "    <read_iops_sec>300</read_iops_sec>\n"
                         "    <read_iops_sec_max>600</read_iops_sec_max>\n"
                         "    <read_iops_sec_max_length>4</read_iops_sec_max_length>\n"
                         "  </iotune>\n"
                         "  <blockio logical_block_size='4096' physical_block_size='4096'/>\n"
                         "  <serial>PLUGGED-7</serial>\n"
                         "</disk>\n",
                         image);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "AttachDevice",
                     g_variant_new ("(su)", xml, LIVE));
  serial = run (f, "i=0; while [ ! -e /sys/block/vdc ] && [ $i -lt 100 ]; do sleep 0.2; "
                   "i=$((i+1)); done; cat /sys/block/vdc/serial");
  logical = run (f, "cat /sys/block/vdc/queue/logical_block_size");
  g_assert_cmpstr (serial, ==, "PLUGGED-7");
  g_assert_cmpstr (logical, ==, "4096");
  reply = vb_test_call_ok (f->env, f->path, IFACE_DOMAIN, "GetBlockIoTune",
                           g_variant_new ("(su)", "vdc", LIVE));
  g_variant_get (reply, "(@a{sv})", &params);
  g_assert_cmpuint (limit (params, "read_iops_sec"), ==, 300);
  g_assert_cmpuint (limit (params, "read_iops_sec_max"), ==, 600);
  g_assert_cmpuint (limit (params, "read_iops_sec_max_length"), ==, 4);
  g_assert_cmpuint (limit (params, "total_bytes_sec"), ==, 0);
}

static void
test_iotune_live (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) started = get_iotune (f, LIVE);
  g_autoptr (GVariant) changed = NULL;
  g_autoptr (GVariant) config = NULL;
  g_autofree char *group = NULL;
  g_autofree char *inactive = NULL;
  GVariantBuilder params;

  /* What the start gave QEMU, as QEMU reports it. */
  g_assert_cmpuint (limit (started, "total_bytes_sec"), ==, 50000000);
  g_assert_cmpuint (limit (started, "total_iops_sec"), ==, 5000);
  g_assert_cmpuint (limit (started, "read_bytes_sec"), ==, 0);
  g_assert_true (g_variant_lookup (started, "group_name", "s", &group));
  g_assert_cmpstr (group, ==, "vbgroup");
  /* Unthrottled enough: 4 MiB within a second or two even under TCG. */
  g_assert_cmpuint (read_seconds (f, 4, 0), <=, 2);

  /* Read at 1 MiB/s: the read total is cleared (libvirt's merge), the
   * IOPS limit stays. */
  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "read_bytes_sec", g_variant_new_uint64 (1048576));
  g_variant_builder_add (&params, "{sv}", "write_bytes_sec", g_variant_new_uint64 (2097152));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "SetBlockIoTune",
                     g_variant_new ("(sa{sv}u)", "vdb", &params, LIVE | CONFIG));
  changed = get_iotune (f, LIVE);
  g_assert_cmpuint (limit (changed, "read_bytes_sec"), ==, 1048576);
  g_assert_cmpuint (limit (changed, "write_bytes_sec"), ==, 2097152);
  g_assert_cmpuint (limit (changed, "total_bytes_sec"), ==, 0);
  g_assert_cmpuint (limit (changed, "total_iops_sec"), ==, 5000);
  config = get_iotune (f, CONFIG);
  g_assert_cmpuint (limit (config, "read_bytes_sec"), ==, 1048576);
  inactive = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, XML_INACTIVE);
  g_assert_nonnull (strstr (inactive, "<read_bytes_sec>1048576</read_bytes_sec>"));
  g_assert_null (strstr (inactive, "<total_bytes_sec>"));
  /* 4 MiB at 1 MiB/s (a burst of a tenth of a second allowed) take 3 s at least. */
  g_assert_cmpuint (read_seconds (f, 4, 8), >=, 3);

  /* QEMU's rules are checked before QEMU sees the values. */
  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "read_bytes_sec_max", g_variant_new_uint64 (1000));
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "SetBlockIoTune",
                                    g_variant_new ("(sa{sv}u)", "vdb", &params, LIVE),
                                    "org.virtbus.Virt1.Error.InvalidArgument",
                                    "cannot be lower than read_bytes_sec");
  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "total_bytes_sec", g_variant_new_uint64 (1000));
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "SetBlockIoTune",
                                    g_variant_new ("(sa{sv}u)", "vdz", &params, LIVE),
                                    "org.virtbus.Virt1.Error.InvalidArgument", "no disk 'vdz'");

  /* All limits off: reads are fast again. */
  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "read_bytes_sec", g_variant_new_uint64 (0));
  g_variant_builder_add (&params, "{sv}", "write_bytes_sec", g_variant_new_uint64 (0));
  g_variant_builder_add (&params, "{sv}", "total_iops_sec", g_variant_new_uint64 (0));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "SetBlockIoTune",
                     g_variant_new ("(sa{sv}u)", "vdb", &params, LIVE));
  g_clear_pointer (&changed, g_variant_unref);
  changed = get_iotune (f, LIVE);
  g_assert_cmpuint (limit (changed, "read_bytes_sec"), ==, 0);
  g_assert_cmpuint (limit (changed, "total_iops_sec"), ==, 0);
  g_assert_cmpuint (read_seconds (f, 4, 16), <=, 2);
}

/* A restored guest's QEMU is a new one: it gets the limits of the live XML
 * before it runs, as a booted one does. */
static void
test_iotune_restored (Fixture *f, gconstpointer data)
{
  g_autofree char *job = NULL;
  g_autoptr (GVariant) params = NULL;
  g_autofree char *group = NULL;

  g_clear_pointer (&f->console, vb_test_console_free);
  job = vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  vb_test_job_wait_completed (f->env, job, 120000);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 10000));
  params = get_iotune (f, LIVE);
  g_assert_cmpuint (limit (params, "total_bytes_sec"), ==, 50000000);
  g_assert_cmpuint (limit (params, "total_iops_sec"), ==, 5000);
  g_assert_true (g_variant_lookup (params, "group_name", "s", &group));
  g_assert_cmpstr (group, ==, "vbgroup");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-disks/guest-sees-disk", Fixture, NULL, fixture_set_up, test_guest_sees_disk,
              fixture_tear_down);
  g_test_add ("/xml-disks/floppy", Fixture, NULL, fixture_set_up, test_floppy, fixture_tear_down);
  g_test_add ("/xml-disks/hotplug", Fixture, NULL, fixture_set_up, test_hotplug, fixture_tear_down);
  g_test_add ("/xml-disks/iotune-restored", Fixture, NULL, fixture_set_up, test_iotune_restored,
              fixture_tear_down);
  g_test_add ("/xml-disks/iotune-live", Fixture, NULL, fixture_set_up, test_iotune_live,
              fixture_tear_down);
  return g_test_run ();
}
