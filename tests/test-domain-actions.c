/* A client's story on the test driver with the domain actions: reset and
 * NMI, keys, rename, memory and vCPUs, CD-ROM media; what the service
 * refuses, and what a GUI sees change. */
#include "vb-test-env.h"

#include <glib/gstdio.h>

#define UUID1 "0b6c7a52-4d1e-4a49-8c1e-5a5f6d7e8f01"
#define UUID2 "0b6c7a52-4d1e-4a49-8c1e-5a5f6d7e8f02"

#define INVALID_ARGUMENT ERROR_PREFIX "InvalidArgument"
#define OPERATION_INVALID ERROR_PREFIX "OperationInvalid"
#define NOT_SUPPORTED ERROR_PREFIX "NotSupported"

typedef struct {
  VbTestEnv *env;
  VbSignalLog *signals;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->signals = vb_signal_log_new (f->env);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_signal_log_free (f->signals);
  vb_test_env_free (f->env);
}

static char *
define (Fixture *f, const char *xml)
{
  return vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
}

static char *
define_test_domain (Fixture *f, const char *name, const char *uuid)
{
  g_autofree char *xml = vb_test_domain_xml (name, uuid);

  return define (f, xml);
}

static void
start (Fixture *f, const char *path)
{
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 2000));
}

static guint32
get_u32 (Fixture *f, const char *path, const char *property)
{
  g_autoptr (GVariant) value = vb_test_get_property (f->env, path, IFACE_DOMAIN, property);

  return g_variant_get_uint32 (value);
}

static char *
xml_of (Fixture *f, const char *path, guint flags)
{
  return vb_test_get_xml (f->env, path, IFACE_DOMAIN, flags);
}

/* Lets the service's signals of a call arrive: a Ping's reply comes after them. */
static void
settle (Fixture *f)
{
  g_autoptr (GVariant) version = vb_test_get_property (f->env, MANAGER, IFACE_MANAGER, "Version");

  g_usleep (100 * 1000);
}

/* ---- Reset, InjectNMI ---- */

static void
test_reset_and_nmi (Fixture *f, gconstpointer data)
{
  g_autofree char *path = define_test_domain (f, "reset1", UUID1);
  const char *const methods[] = { "Reset", "InjectNMI" };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, methods[i],
                                        g_variant_new ("(u)", 0), OPERATION_INVALID,
                                        "is not running");
      vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, methods[i], g_variant_new ("(u)", 1),
                                 INVALID_ARGUMENT);
    }
  start (f, path);
  vb_signal_log_clear (f->signals);
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    vb_test_call_void (f->env, path, IFACE_DOMAIN, methods[i], g_variant_new ("(u)", 0));
  settle (f);
  /* libvirt sends no lifecycle event for either, and the state stays. */
  g_assert_cmpint (vb_signal_log_find (f->signals, "LifecycleEvent"), <, 0);
  g_assert_cmpint (vb_signal_log_find (f->signals, "'State'"), <, 0);
  {
    g_autofree char *state = vb_test_get_string (f->env, path, IFACE_DOMAIN, "State");
    g_autofree char *reason = vb_test_get_string (f->env, path, IFACE_DOMAIN, "StateReason");

    g_assert_cmpstr (state, ==, "running");
    g_assert_cmpstr (reason, ==, "booted");
  }
  /* A paused guest is reset and stays paused. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Suspend", NULL);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Reset", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("paused"), 2000));
}

/* ---- SendKey ---- */

static GVariant *
keys (const guint32 *codes, gsize n)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, codes, n, sizeof (guint32));
}

static GVariant *
send_key_args (guint codeset, const guint32 *codes, gsize n)
{
  return g_variant_new ("(uu@auu)", codeset, 0, keys (codes, n), 0);
}

static void
test_send_key (Fixture *f, gconstpointer data)
{
  g_autofree char *path = define_test_domain (f, "keys1", UUID1);
  /* What Cockpit's VNC console sends: Ctrl+Alt+ Delete, Backspace, F1..F12 (linux codes). */
  const guint32 cockpit[] = { 111, 14, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 87, 88 };
  /* The Delete key in each code set, in VbKeycodeSet order. */
  const guint32 delete_key[] = { 111, 0x153, 0xe053, 0xe071, 0x64, 0x75, 0x153, 0x4c, 0x2e, 0xd3 };
  guint32 seventeen[17];
  const guint32 ctrl_alt_del[] = { 29, 56, 111 };

  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SendKey",
                                    send_key_args (0, ctrl_alt_del, 3), OPERATION_INVALID,
                                    "is not running");
  start (f, path);
  for (guint i = 0; i < G_N_ELEMENTS (cockpit); i++)
    {
      const guint32 combo[] = { 29, 56, cockpit[i] };

      vb_test_call_void (f->env, path, IFACE_DOMAIN, "SendKey", send_key_args (0, combo, 3));
    }
  for (guint set = 0; set < G_N_ELEMENTS (delete_key); set++)
    vb_test_call_void (f->env, path, IFACE_DOMAIN, "SendKey",
                       send_key_args (set, &delete_key[set], 1));
  /* The hold time goes through. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SendKey",
                     g_variant_new ("(uu@auu)", 0, 500, keys (ctrl_alt_del, 3), 0));

  /* What no key is, is refused, naming it. */
  {
    const guint32 unknown[] = { 29, 0x2ff };

    vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SendKey",
                                      send_key_args (0, unknown, 2), INVALID_ARGUMENT,
                                      "Key code 767 (0x2ff) is no key of code set linux");
  }
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SendKey",
                                    send_key_args (10, ctrl_alt_del, 3), INVALID_ARGUMENT,
                                    "Unknown key code set 10");
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SendKey",
                                    send_key_args (0, ctrl_alt_del, 0), INVALID_ARGUMENT,
                                    "1 to 16 keys");
  for (guint i = 0; i < G_N_ELEMENTS (seventeen); i++)
    seventeen[i] = 30 + i;
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SendKey", send_key_args (0, seventeen, 16));
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SendKey",
                                    send_key_args (0, seventeen, 17), INVALID_ARGUMENT, "not 17");
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "SendKey",
                             g_variant_new ("(uu@auu)", 0, 0, keys (ctrl_alt_del, 3), 1),
                             INVALID_ARGUMENT);
}

/* ---- Rename ---- */

static void
test_rename (Fixture *f, gconstpointer data)
{
  g_autofree char *path = define_test_domain (f, "old-name", UUID1);
  g_autofree char *other = define_test_domain (f, "taken", UUID2);
  g_autofree char *events = NULL;
  g_autofree char *found = NULL;
  g_autofree char *name = NULL;
  g_autofree char *xml = NULL;

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "CreateSnapshot",
                     g_variant_new ("(su)", "<domainsnapshot><name>s1</name></domainsnapshot>", 0));
  vb_test_call_void (f->env, path, "org.freedesktop.DBus.Properties", "Set",
                     g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                    g_variant_new_boolean (TRUE)));

  /* libvirt's refusals */
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Rename",
                                    g_variant_new ("(su)", "taken", 0), OPERATION_INVALID,
                                    "domain with name 'taken' already exists");
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Rename",
                                    g_variant_new ("(su)", "old-name", 0), OPERATION_INVALID,
                                    "its own name");
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "Rename",
                             g_variant_new ("(su)", "bad/name", 0), ERROR_PREFIX "InvalidXML");
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "Rename", g_variant_new ("(su)", "", 0),
                             ERROR_PREFIX "InvalidXML");
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "Rename",
                             g_variant_new ("(su)", "new-name", 1), INVALID_ARGUMENT);
  start (f, path);
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Rename",
                                    g_variant_new ("(su)", "new-name", 0), OPERATION_INVALID,
                                    "only a shut-off domain can be renamed");
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));

  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Rename", g_variant_new ("(su)", "new-name", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "('defined', 'renamed')", 2000));
  events = vb_signal_log_lifecycle (f->signals, path);
  g_assert_true (
    g_str_has_suffix (events, "('destroyed') ('undefined', 'renamed') ('defined', 'renamed')")
    || g_str_has_suffix (
      events, "('stopped', 'destroyed') ('undefined', 'renamed') ('defined', 'renamed')"));
  g_assert_cmpint (vb_signal_log_find (f->signals, "'Name': <'new-name'>"), >=, 0);
  /* PropertiesChanged comes before the events. */
  g_assert_cmpint (vb_signal_log_find (f->signals, "'Name': <'new-name'>"), <,
                   vb_signal_log_find (f->signals, "('undefined', 'renamed')"));
  name = vb_test_get_string (f->env, path, IFACE_DOMAIN, "Name");
  g_assert_cmpstr (name, ==, "new-name");
  found = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "new-name"));
  g_assert_cmpstr (found, ==, path);
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "old-name"), ERROR_PREFIX "NotFound");
  xml = xml_of (f, path, 2);
  g_assert_nonnull (strstr (xml, "<name>new-name</name>"));
  g_assert_nonnull (strstr (xml, "<uuid>" UUID1 "</uuid>"));
  /* The old name is free again; the snapshot stayed with the domain. */
  {
    g_autofree char *again = define_test_domain (f, "old-name", NULL);

    g_assert_cmpstr (again, !=, path);
  }
  g_free (vb_test_call_path (f->env, path, IFACE_DOMAIN, "LookupSnapshotByName",
                             g_variant_new ("(s)", "s1")));

  /* What was stored is the new name: it survives a restart. */
  vb_test_env_stop_daemon (f->env, FALSE);
  vb_test_env_start_daemon (f->env, NULL);
  g_free (name);
  name = vb_test_get_string (f->env, path, IFACE_DOMAIN, "Name");
  g_assert_cmpstr (name, ==, "new-name");
  g_free (vb_test_call_path (f->env, path, IFACE_DOMAIN, "LookupSnapshotByName",
                             g_variant_new ("(s)", "s1")));
  g_assert_true (vb_test_get_bool (f->env, path, IFACE_DOMAIN, "Autostart"));

  /* A transient domain cannot be renamed. */
  {
    g_autofree char *transient_xml = vb_test_domain_xml ("transient1", NULL);
    g_autofree char *transient = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "CreateDomain",
                                                    g_variant_new ("(su)", transient_xml, 0));

    vb_test_call_expect_error_saying (f->env, transient, IFACE_DOMAIN, "Rename",
                                      g_variant_new ("(su)", "other", 0), OPERATION_INVALID,
                                      "transient");
  }
}

/* ---- SetMemory, SetVcpus ---- */

#define MEMORY_XML                                   \
  "<domain type='test'>\n"                           \
  "  <name>%s</name>\n"                              \
  "  <uuid>%s</uuid>\n"                              \
  "  <memory unit='MiB'>128</memory>\n"              \
  "  <currentMemory unit='MiB'>96</currentMemory>\n" \
  "  <vcpu current='1'>4</vcpu>\n"                   \
  "  <os><type arch='x86_64'>hvm</type></os>\n"      \
  "</domain>\n"

static void
test_set_memory (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = g_strdup_printf (MEMORY_XML, "mem1", UUID1);
  g_autofree char *path = define (f, xml);
  g_autofree char *inactive = NULL;
  g_autofree char *live = NULL;

  g_assert_cmpuint (vb_test_get_u64 (f->env, path, IFACE_DOMAIN, "MemoryKiB"), ==, 131072);
  g_assert_cmpuint (vb_test_get_u64 (f->env, path, IFACE_DOMAIN, "CurrentMemoryKiB"), ==, 98304);

  /* shut off: CURRENT is CONFIG */
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetMemory", g_variant_new ("(tu)", 65536, 0));
  g_assert_true (vb_signal_log_wait (f->signals, "'CurrentMemoryKiB': <uint64 65536>", 2000));
  g_assert_true (vb_signal_log_wait (f->signals, "('defined', 'updated')", 2000));
  inactive = xml_of (f, path, 2);
  g_assert_nonnull (strstr (inactive, "<currentMemory unit='KiB'>65536</currentMemory>"));
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SetMemory",
                                    g_variant_new ("(tu)", 262144, 2), INVALID_ARGUMENT,
                                    "higher than the maximum");
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "SetMemory", g_variant_new ("(tu)", 0, 2),
                             INVALID_ARGUMENT);
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "SetMemory",
                             g_variant_new ("(tu)", 1024, 8), INVALID_ARGUMENT);
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SetMemory",
                                    g_variant_new ("(tu)", 65536, 1), OPERATION_INVALID,
                                    "not running");
  /* The maximum, with the current amount lowered to it. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetMemory",
                     g_variant_new ("(tu)", 262144, 2 | 4));
  g_assert_cmpuint (vb_test_get_u64 (f->env, path, IFACE_DOMAIN, "MemoryKiB"), ==, 262144);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetMemory", g_variant_new ("(tu)", 32768, 2 | 4));
  g_assert_cmpuint (vb_test_get_u64 (f->env, path, IFACE_DOMAIN, "MemoryKiB"), ==, 32768);
  g_assert_cmpuint (vb_test_get_u64 (f->env, path, IFACE_DOMAIN, "CurrentMemoryKiB"), ==, 32768);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetMemory",
                     g_variant_new ("(tu)", 131072, 2 | 4));

  /* running: LIVE changes the live definition only; both with LIVE|CONFIG */
  start (f, path);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetMemory", g_variant_new ("(tu)", 49152, 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "CurrentMemoryKiB",
                                        g_variant_new_uint64 (49152), 2000));
  live = xml_of (f, path, 0);
  g_assert_nonnull (strstr (live, "<currentMemory unit='KiB'>49152</currentMemory>"));
  g_free (inactive);
  inactive = xml_of (f, path, 2);
  g_assert_nonnull (strstr (inactive, "<currentMemory unit='KiB'>32768</currentMemory>"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetMemory", g_variant_new ("(tu)", 81920, 1 | 2));
  g_free (inactive);
  inactive = xml_of (f, path, 2);
  g_assert_nonnull (strstr (inactive, "<currentMemory unit='KiB'>81920</currentMemory>"));
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SetMemory",
                                    g_variant_new ("(tu)", 65536, 4), OPERATION_INVALID,
                                    "while it runs");
  /* Stopped, the persistent value is back. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "CurrentMemoryKiB",
                                        g_variant_new_uint64 (81920), 2000));
}

static void
test_set_vcpus (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = g_strdup_printf (MEMORY_XML, "cpu1", UUID1);
  g_autofree char *path = define (f, xml);
  g_autofree char *inactive = NULL;

  g_assert_cmpuint (get_u32 (f, path, "Vcpus"), ==, 1);
  g_assert_cmpuint (get_u32 (f, path, "MaxVcpus"), ==, 4);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetVcpus", g_variant_new ("(uu)", 2, 2));
  g_assert_cmpuint (get_u32 (f, path, "Vcpus"), ==, 2);
  inactive = xml_of (f, path, 2);
  g_assert_nonnull (strstr (inactive, "<vcpu current='2'>4</vcpu>"));
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SetVcpus",
                                    g_variant_new ("(uu)", 5, 2), INVALID_ARGUMENT,
                                    "more than the domain's maximum");
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "SetVcpus", g_variant_new ("(uu)", 0, 2),
                             INVALID_ARGUMENT);
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SetVcpus",
                                    g_variant_new ("(uu)", 1, 8), NOT_SUPPORTED, "guest agent");
  /* The maximum: all vCPUs present when current reaches it. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetVcpus", g_variant_new ("(uu)", 8, 2 | 4));
  g_assert_cmpuint (get_u32 (f, path, "MaxVcpus"), ==, 8);
  g_assert_cmpuint (get_u32 (f, path, "Vcpus"), ==, 2);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetVcpus", g_variant_new ("(uu)", 8, 2));
  g_free (inactive);
  inactive = xml_of (f, path, 2);
  g_assert_nonnull (strstr (inactive, "<vcpu>8</vcpu>"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetVcpus", g_variant_new ("(uu)", 1, 2));
  /* running: more vCPUs live; fewer refused */
  start (f, path);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "SetVcpus", g_variant_new ("(uu)", 3, 1));
  g_assert_true (
    vb_test_wait_property (f->env, path, IFACE_DOMAIN, "Vcpus", g_variant_new_uint32 (3), 2000));
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "SetVcpus",
                                    g_variant_new ("(uu)", 2, 1), NOT_SUPPORTED,
                                    "Removing vCPUs from a running guest");
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "SetVcpus",
                             g_variant_new ("(uu)", 6, 1 | 4), OPERATION_INVALID);
  g_free (inactive);
  inactive = xml_of (f, path, 2);
  g_assert_nonnull (strstr (inactive, "<vcpu current='1'>8</vcpu>"));
}

/* ---- UpdateDevice ---- */

#define CDROM_XML                               \
  "<domain type='test'>\n"                      \
  "  <name>cd1</name>\n"                        \
  "  <uuid>" UUID1 "</uuid>\n"                  \
  "  <memory unit='MiB'>128</memory>\n"         \
  "  <os><type arch='x86_64'>hvm</type></os>\n" \
  "  <devices>\n"                               \
  "    <disk type='file' device='disk'>\n"      \
  "      <source file='%s'/>\n"                 \
  "      <target dev='vda' bus='virtio'/>\n"    \
  "    </disk>\n"                               \
  "    <disk type='file' device='cdrom'>\n"     \
  "      <driver name='qemu' type='raw'/>\n"    \
  "      <source file='%s'/>\n"                 \
  "      <target dev='hdc' bus='ide'/>\n"       \
  "      <readonly/>\n"                         \
  "    </disk>\n"                               \
  "  </devices>\n"                              \
  "</domain>\n"

static char *
cdrom (const char *source, const char *extra)
{
  g_autofree char *source_element =
    source ? g_strdup_printf ("<source file='%s'/>", source) : g_strdup ("");

  return g_strdup_printf ("<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>%s"
                          "<target dev='hdc' bus='ide'/>%s</disk>",
                          source_element, extra ? extra : "<readonly/>");
}

static void
test_update_device (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->env->tmpdir, "media", NULL);
  g_autofree char *disk = g_build_filename (dir, "disk.img", NULL);
  g_autofree char *one = g_build_filename (dir, "one.iso", NULL);
  g_autofree char *two = g_build_filename (dir, "two.iso", NULL);
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *live = NULL;
  g_autofree char *inactive = NULL;
  g_autofree char *eject = cdrom (NULL, NULL);
  g_autofree char *insert = cdrom (two, NULL);
  g_autofree char *one_source = g_strdup_printf ("<source file='%s'/>", one);
  g_autofree char *two_source = g_strdup_printf ("<source file='%s'/>", two);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  vb_test_sparse_file (disk, 1 << 20);
  vb_test_sparse_file (one, 1 << 20);
  vb_test_sparse_file (two, 1 << 20);
  xml = g_strdup_printf (CDROM_XML, disk, one);
  path = define (f, xml);

  /* Only the medium may change, and only of a CD-ROM. */
  {
    g_autofree char *bus = g_strdup_printf ("<disk type='file' device='cdrom'><source file='%s'/>"
                                            "<target dev='hdc' bus='sata'/></disk>",
                                            two);
    g_autofree char *not_cdrom = g_strdup_printf (
      "<disk type='file' device='cdrom'><source file='%s'/><target dev='vda'/></disk>", two);
    g_autofree char *missing = g_strdup_printf (
      "<disk type='file' device='cdrom'><source file='%s'/><target dev='hdd'/></disk>", two);
    g_autofree char *hard_disk = g_strdup_printf (
      "<disk type='file' device='disk'><source file='%s'/><target dev='vda'/></disk>", two);
    g_autofree char *shareable = cdrom (two, "<readonly/><shareable/>");

    vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                                      g_variant_new ("(su)", bus, 0), NOT_SUPPORTED,
                                      "<target> differs");
    vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                                      g_variant_new ("(su)", shareable, 0), NOT_SUPPORTED,
                                      "<shareable> differs");
    vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                                      g_variant_new ("(su)", not_cdrom, 0), NOT_SUPPORTED,
                                      "no CD-ROM or floppy");
    vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                                      g_variant_new ("(su)", hard_disk, 0), NOT_SUPPORTED,
                                      "device='disk'");
    vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                               g_variant_new ("(su)", missing, 0), ERROR_PREFIX "NotFound");
    vb_test_call_expect_error_saying (
      f->env, path, IFACE_DOMAIN, "UpdateDevice",
      g_variant_new ("(su)", "<interface type='user'><model type='virtio'/></interface>", 0),
      NOT_SUPPORTED, "<interface>");
    vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                               g_variant_new ("(su)", eject, 8), INVALID_ARGUMENT);
    vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                               g_variant_new ("(su)", eject, 1), OPERATION_INVALID);
  }

  /* Shut off: the persistent definition (CURRENT). */
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "UpdateDevice", g_variant_new ("(su)", eject, 0));
  g_assert_true (vb_signal_log_wait (f->signals, "('defined', 'updated')", 2000));
  inactive = xml_of (f, path, 2);
  g_assert_null (strstr (inactive, one_source));
  g_assert_nonnull (strstr (inactive, "<target dev='hdc' bus='ide'/>"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "UpdateDevice", g_variant_new ("(su)", insert, 4));
  g_free (inactive);
  inactive = xml_of (f, path, 2);
  g_assert_nonnull (strstr (inactive, two_source));

  /* Running: LIVE swaps the live medium only; LIVE|CONFIG both. */
  start (f, path);
  {
    g_autofree char *back = cdrom (one, NULL);

    vb_test_call_void (f->env, path, IFACE_DOMAIN, "UpdateDevice", g_variant_new ("(su)", back, 0));
  }
  live = xml_of (f, path, 0);
  g_assert_nonnull (strstr (live, one_source));
  g_free (inactive);
  inactive = xml_of (f, path, 2);
  g_assert_nonnull (strstr (inactive, two_source));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                     g_variant_new ("(su)", eject, 1 | 2 | 4));
  g_free (live);
  live = xml_of (f, path, 0);
  g_free (inactive);
  inactive = xml_of (f, path, 2);
  g_assert_null (strstr (live, one_source));
  g_assert_null (strstr (inactive, two_source));
  /* The hard disk is untouched. */
  g_assert_nonnull (strstr (live, disk));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/domain-actions/reset-and-nmi", Fixture, NULL, fixture_set_up, test_reset_and_nmi,
              fixture_tear_down);
  g_test_add ("/domain-actions/send-key", Fixture, NULL, fixture_set_up, test_send_key,
              fixture_tear_down);
  g_test_add ("/domain-actions/rename", Fixture, NULL, fixture_set_up, test_rename,
              fixture_tear_down);
  g_test_add ("/domain-actions/set-memory", Fixture, NULL, fixture_set_up, test_set_memory,
              fixture_tear_down);
  g_test_add ("/domain-actions/set-vcpus", Fixture, NULL, fixture_set_up, test_set_vcpus,
              fixture_tear_down);
  g_test_add ("/domain-actions/update-device", Fixture, NULL, fixture_set_up, test_update_device,
              fixture_tear_down);
  return g_test_run ();
}
