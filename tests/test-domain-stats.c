/* Domain.GetStats and Domain.InterfaceAddresses as a client such as
 * Cockpit sees them, on the test driver: libvirt's keys, types and groups
 * for shut-off and running domains, counters that move while the guest
 * runs, and addresses from the simulated DHCP server of a test network. */
#include "vb-test-env.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define UUID "5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
#define NIC_MAC "52:54:00:5a:00:01"
#define HOST_MAC "52:54:00:5a:00:02"
#define USER_MAC "52:54:00:5a:00:03"
#define RAW_SIZE (10 * 1024 * 1024)
#define QCOW2_VIRTUAL (G_GUINT64_CONSTANT (1) << 30)

typedef struct {
  VbTestEnv *env;
  char *dir;
  char *raw;
  char *qcow2;
  char *path;
} Fixture;

/* A sparse raw image with 4 KiB written, and a qcow2 image whose header
 * says 1 GiB. */
static void
make_images (Fixture *f)
{
  guint8 header[512] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 2 };
  g_autofree char *data = g_malloc0 (4096);
  int fd;

  f->raw = g_build_filename (f->dir, "raw.img", NULL);
  fd = open (f->raw, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  memset (data, 0x5a, 4096);
  g_assert_cmpint (pwrite (fd, data, 4096, 0), ==, 4096);
  g_assert_cmpint (ftruncate (fd, RAW_SIZE), ==, 0);
  close (fd);

  header[23] = 16; /* cluster bits */
  for (guint i = 0; i < 8; i++)
    header[24 + i] = (QCOW2_VIRTUAL >> (56 - 8 * i)) & 0xff;
  f->qcow2 = g_build_filename (f->dir, "disk.qcow2", NULL);
  g_assert_true (g_file_set_contents (f->qcow2, (const char *) header, sizeof header, NULL));
}

static char *
domain_xml (Fixture *f)
{
  return g_strdup_printf ("<domain type='test'>\n"
                          "  <name>stats1</name>\n"
                          "  <uuid>" UUID "</uuid>\n"
                          "  <memory unit='MiB'>256</memory>\n"
                          "  <currentMemory unit='MiB'>192</currentMemory>\n"
                          "  <vcpu>2</vcpu>\n"
                          "  <os><type arch='x86_64'>hvm</type></os>\n"
                          "  <devices>\n"
                          "    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='raw'/>\n"
                          "      <source file='%s'/>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n"
                          "    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2'/>\n"
                          "      <source file='%s'/>\n"
                          "      <target dev='vdb' bus='virtio'/>\n"
                          "    </disk>\n"
                          "    <disk type='file' device='cdrom'>\n"
                          "      <target dev='sda' bus='sata'/>\n"
                          "      <readonly/>\n"
                          "    </disk>\n"
                          "    <interface type='network'>\n"
                          "      <mac address='" NIC_MAC "'/>\n"
                          "      <source network='statsnet'/>\n"
                          "    </interface>\n"
                          "    <interface type='network'>\n"
                          "      <mac address='" HOST_MAC "'/>\n"
                          "      <source network='statsnet'/>\n"
                          "      <target dev='mytap0'/>\n"
                          "    </interface>\n"
                          "    <interface type='user'>\n"
                          "      <mac address='" USER_MAC "'/>\n"
                          "    </interface>\n"
                          "  </devices>\n"
                          "</domain>\n",
                          f->raw, f->qcow2);
}

static const char network_xml[] = "<network>\n"
                                  "  <name>statsnet</name>\n"
                                  "  <bridge name='vbstats0'/>\n"
                                  "  <ip address='192.168.150.1' netmask='255.255.255.0'>\n"
                                  "    <dhcp>\n"
                                  "      <range start='192.168.150.20' end='192.168.150.30'/>\n"
                                  "      <host mac='" HOST_MAC "' ip='192.168.150.5'/>\n"
                                  "    </dhcp>\n"
                                  "  </ip>\n"
                                  "</network>\n";

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = NULL;

  f->dir = g_dir_make_tmp ("vb-stats-XXXXXX", NULL);
  make_images (f);
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  xml = domain_xml (f);
  f->path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                               g_variant_new ("(su)", xml, 0));
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  g_unlink (f->raw);
  g_unlink (f->qcow2);
  g_rmdir (f->dir);
  g_free (f->raw);
  g_free (f->qcow2);
  g_free (f->dir);
  g_free (f->path);
}

static GVariant *
get_stats (Fixture *f, guint flags)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (f->env, f->path, IFACE_DOMAIN, "GetStats", g_variant_new ("(u)", flags));

  return g_variant_get_child_value (reply, 0);
}

/* The value of @key, which must be there with libvirt's type @type. */
static guint64
u64 (GVariant *stats, const char *key)
{
  guint64 value = 0;

  if (!g_variant_lookup (stats, key, "t", &value))
    g_error ("no %s of type t in %s", key, g_variant_print (stats, TRUE));
  return value;
}

static guint32
u32 (GVariant *stats, const char *key)
{
  guint32 value = 0;

  if (!g_variant_lookup (stats, key, "u", &value))
    g_error ("no %s of type u in %s", key, g_variant_print (stats, TRUE));
  return value;
}

static gint32
i32 (GVariant *stats, const char *key)
{
  gint32 value = 0;

  if (!g_variant_lookup (stats, key, "i", &value))
    g_error ("no %s of type i in %s", key, g_variant_print (stats, TRUE));
  return value;
}

static const char *
str (GVariant *stats, const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (stats, key, "&s", &value))
    g_error ("no %s of type s in %s", key, g_variant_print (stats, TRUE));
  return value;
}

static gboolean
has (GVariant *stats, const char *key)
{
  g_autoptr (GVariant) value = g_variant_lookup_value (stats, key, NULL);

  return value != NULL;
}

/* Whether every key of @stats starts with one of @prefixes. */
static gboolean
only_groups (GVariant *stats, const char *const *prefixes)
{
  GVariantIter iter;
  const char *key;

  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    {
      gboolean matched = FALSE;

      for (guint i = 0; prefixes[i]; i++)
        matched = matched || g_str_has_prefix (key, prefixes[i]);
      if (!matched)
        {
          g_test_message ("unexpected key %s", key);
          return FALSE;
        }
    }
  return TRUE;
}

static void
call (Fixture *f, const char *method, GVariant *args)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (f->env, f->path, IFACE_DOMAIN, method, args);
}

static void
test_shutoff (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) stats = get_stats (f, 0);
  struct stat st;

  /* shutoff (5), reason unknown (0): never started. */
  g_assert_cmpint (i32 (stats, "state.state"), ==, 5);
  g_assert_cmpint (i32 (stats, "state.reason"), ==, 0);
  g_assert_cmpuint (u64 (stats, "balloon.current"), ==, 192 * 1024);
  g_assert_cmpuint (u64 (stats, "balloon.maximum"), ==, 256 * 1024);
  g_assert_cmpuint (u32 (stats, "vcpu.current"), ==, 2);
  g_assert_cmpuint (u32 (stats, "vcpu.maximum"), ==, 2);
  /* Nothing runs: no counters, as libvirt. */
  g_assert_false (has (stats, "cpu.time"));
  g_assert_false (has (stats, "vcpu.0.time"));
  g_assert_false (has (stats, "net.count"));
  g_assert_false (has (stats, "block.0.rd.bytes"));

  /* Every disk, the empty CD-ROM too; sizes read from the files. */
  g_assert_cmpuint (u32 (stats, "block.count"), ==, 3);
  g_assert_cmpstr (str (stats, "block.0.name"), ==, "vda");
  g_assert_cmpstr (str (stats, "block.0.path"), ==, f->raw);
  g_assert_cmpint (stat (f->raw, &st), ==, 0);
  g_assert_cmpuint (u64 (stats, "block.0.capacity"), ==, RAW_SIZE);
  g_assert_cmpuint (u64 (stats, "block.0.physical"), ==, RAW_SIZE);
  g_assert_cmpuint (u64 (stats, "block.0.allocation"), ==, (guint64) st.st_blocks * 512);
  g_assert_cmpstr (str (stats, "block.1.name"), ==, "vdb");
  g_assert_cmpuint (u64 (stats, "block.1.capacity"), ==, QCOW2_VIRTUAL);
  g_assert_cmpuint (u64 (stats, "block.1.physical"), ==, 512);
  g_assert_cmpstr (str (stats, "block.2.name"), ==, "sda");
  g_assert_false (has (stats, "block.2.path"));
  g_assert_false (has (stats, "block.2.capacity"));
}

static void
test_groups (Fixture *f, gconstpointer data)
{
  /* STATE alone. */
  {
    g_autoptr (GVariant) stats = get_stats (f, 1);

    g_assert_cmpuint (g_variant_n_children (stats), ==, 2);
    g_assert_cmpint (i32 (stats, "state.state"), ==, 5);
  }
  call (f, "Start", g_variant_new ("(u)", 0));
  /* Cockpit's 45: STATE|BALLOON|VCPU|BLOCK, no CPU_TOTAL, no INTERFACE. */
  {
    g_autoptr (GVariant) stats = get_stats (f, 45);
    const char *const groups[] = { "state.", "balloon.", "vcpu.", "block.", NULL };

    g_assert_true (only_groups (stats, groups));
    g_assert_true (has (stats, "balloon.rss"));
    g_assert_true (has (stats, "vcpu.1.time"));
    g_assert_true (has (stats, "block.1.capacity"));
    g_assert_false (has (stats, "cpu.time"));
    g_assert_false (has (stats, "net.count"));
  }
  /* INTERFACE alone: the counters of the running guest only. */
  {
    g_autoptr (GVariant) stats = get_stats (f, 16);
    const char *const groups[] = { "net.", NULL };

    g_assert_true (only_groups (stats, groups));
    g_assert_cmpuint (u32 (stats, "net.count"), ==, 3);
  }
  /* Groups the service does not know ask for nothing, unless enforced. */
  {
    g_autoptr (GVariant) stats = get_stats (f, 1 << 12);

    g_assert_cmpuint (g_variant_n_children (stats), ==, 0);
  }
  vb_test_call_expect_error (f->env, f->path, IFACE_DOMAIN, "GetStats",
                             g_variant_new ("(u)", 0x80000000u | (1 << 12) | 1),
                             "org.virtbus.Virt1.Error.NotSupported");
  vb_test_call_expect_error (f->env, f->path, IFACE_DOMAIN, "GetStats",
                             g_variant_new ("(u)", 0x40000000u),
                             "org.virtbus.Virt1.Error.NotSupported");
  /* Known groups with ENFORCE and NOWAIT are fine (PERF answers nothing). */
  {
    g_autoptr (GVariant) stats = get_stats (f, 0x80000000u | 0x20000000u | 64 | 1);

    g_assert_cmpuint (g_variant_n_children (stats), ==, 2);
  }
}

static void
test_running (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) first = NULL;
  g_autoptr (GVariant) second = NULL;
  g_autoptr (GVariant) paused = NULL;
  g_autoptr (GVariant) later = NULL;
  g_autoptr (GVariant) stopped = NULL;
  g_autofree char *tap = g_strdup_printf ("vb%.8s-0", UUID);
  guint64 cpu;

  call (f, "Start", g_variant_new ("(u)", 0));
  g_usleep (50 * 1000);
  first = get_stats (f, 0);
  /* running (1), booted (1). */
  g_assert_cmpint (i32 (first, "state.state"), ==, 1);
  g_assert_cmpint (i32 (first, "state.reason"), ==, 1);
  cpu = u64 (first, "cpu.time");
  g_assert_cmpuint (cpu, >, 0);
  g_assert_cmpuint (u64 (first, "cpu.user") + u64 (first, "cpu.system"), ==, cpu);
  g_assert_cmpuint (u64 (first, "vcpu.0.time") + u64 (first, "vcpu.1.time"), <=, cpu);
  g_assert_cmpint (i32 (first, "vcpu.0.state"), ==, 1);
  g_assert_cmpuint (u32 (first, "vcpu.count"), ==, 2);
  g_assert_cmpuint (u64 (first, "balloon.current"), <=, u64 (first, "balloon.maximum"));
  g_assert_cmpuint (u64 (first, "balloon.rss"), <=, u64 (first, "balloon.current"));
  g_assert_cmpuint (u32 (first, "net.count"), ==, 3);
  g_assert_cmpstr (str (first, "net.0.name"), ==, tap);
  g_assert_cmpstr (str (first, "net.1.name"), ==, "mytap0");
  g_assert_cmpuint (u64 (first, "net.0.rx.bytes"), >, 0);
  g_assert_cmpuint (u64 (first, "block.0.rd.bytes"), >, 0);
  g_assert_cmpuint (u64 (first, "block.0.rd.reqs"), ==, u64 (first, "block.0.rd.bytes") / 4096);
  g_assert_false (has (first, "block.2.rd.bytes"));
  g_assert_cmpuint (u64 (first, "block.1.capacity"), ==, QCOW2_VIRTUAL);

  /* The counters grow while it runs... */
  g_usleep (100 * 1000);
  second = get_stats (f, 0);
  g_assert_cmpuint (u64 (second, "cpu.time"), >, cpu);
  g_assert_cmpuint (u64 (second, "block.0.rd.bytes"), >, u64 (first, "block.0.rd.bytes"));
  g_assert_cmpuint (u64 (second, "net.0.tx.bytes"), >, u64 (first, "net.0.tx.bytes"));

  /* ...and stand still while it is paused (3, reason user 1). */
  call (f, "Suspend", NULL);
  paused = get_stats (f, 0);
  g_assert_cmpint (i32 (paused, "state.state"), ==, 3);
  g_assert_cmpint (i32 (paused, "state.reason"), ==, 1);
  g_usleep (100 * 1000);
  later = get_stats (f, 0);
  g_assert_cmpuint (u64 (later, "cpu.time"), ==, u64 (paused, "cpu.time"));

  /* Destroyed: shut off (5), destroyed (2), no counters. */
  call (f, "Destroy", g_variant_new ("(u)", 0));
  stopped = get_stats (f, 0);
  g_assert_cmpint (i32 (stopped, "state.state"), ==, 5);
  g_assert_cmpint (i32 (stopped, "state.reason"), ==, 2);
  g_assert_false (has (stopped, "cpu.time"));
  g_assert_cmpuint (u32 (stopped, "block.count"), ==, 3);
}

static GVariant *
addresses (Fixture *f, guint source)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (f->env, f->path, IFACE_DOMAIN, "InterfaceAddresses",
                                                g_variant_new ("(uu)", source, 0));

  return g_variant_get_child_value (reply, 0);
}

static void
test_addresses (Fixture *f, gconstpointer data)
{
  g_autofree char *net = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                                            g_variant_new ("(su)", network_xml, 0));
  g_autofree char *tap = g_strdup_printf ("vb%.8s-0", UUID);
  g_autoptr (GVariant) none = NULL;
  g_autoptr (GVariant) leases = NULL;
  g_autoptr (GVariant) arp = NULL;

  g_variant_unref (vb_test_call_ok (f->env, net, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0)));
  /* Only for a running domain. */
  vb_test_call_expect_error (f->env, f->path, IFACE_DOMAIN, "InterfaceAddresses",
                             g_variant_new ("(uu)", 0, 0),
                             "org.virtbus.Virt1.Error.OperationInvalid");
  call (f, "Start", g_variant_new ("(u)", 0));

  /* LEASE: both interfaces on the network, the user one has no lease. */
  leases = addresses (f, 0);
  {
    g_autofree char *text = g_variant_print (leases, FALSE);
    g_autofree char *expected =
      g_strdup_printf ("[('%s', '" NIC_MAC "', [(0, '192.168.150.20', 24)]), "
                       "('mytap0', '" HOST_MAC "', [(0, '192.168.150.5', 24)])]",
                       tap);

    g_assert_cmpstr (text, ==, expected);
  }
  /* ARP: nobody on this host has the guest's MACs. */
  arp = addresses (f, 2);
  g_assert_cmpuint (g_variant_n_children (arp), ==, 0);
  /* AGENT: none configured, in libvirt's words. */
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "InterfaceAddresses",
                                    g_variant_new ("(uu)", 1, 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "QEMU guest agent is not configured");
  vb_test_call_expect_error (f->env, f->path, IFACE_DOMAIN, "InterfaceAddresses",
                             g_variant_new ("(uu)", 3, 0),
                             "org.virtbus.Virt1.Error.InvalidArgument");
  vb_test_call_expect_error (f->env, f->path, IFACE_DOMAIN, "InterfaceAddresses",
                             g_variant_new ("(uu)", 0, 1),
                             "org.virtbus.Virt1.Error.InvalidArgument");

  /* The network stopped: no leases, the call still answers. */
  g_variant_unref (vb_test_call_ok (f->env, net, IFACE_NETWORK, "Stop", g_variant_new ("(u)", 0)));
  none = addresses (f, 0);
  g_assert_cmpuint (g_variant_n_children (none), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/domain-stats/shutoff", Fixture, NULL, set_up, test_shutoff, tear_down);
  g_test_add ("/domain-stats/groups", Fixture, NULL, set_up, test_groups, tear_down);
  g_test_add ("/domain-stats/running", Fixture, NULL, set_up, test_running, tear_down);
  g_test_add ("/domain-stats/addresses", Fixture, NULL, set_up, test_addresses, tear_down);
  return g_test_run ();
}
