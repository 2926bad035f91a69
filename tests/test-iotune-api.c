/* Domain.SetBlockIoTune / GetBlockIoTune on the test driver, through
 * org.virtbus.Virt1 and org.libvirt: flags, libvirt's merge of the values,
 * what is refused. (The QEMU driver's part: tests/test-xml-disks.c.) */
#include <string.h>

#include "vb-test-libvirt.h"

#define LIVE 1u
#define CONFIG 2u
#define INVALID_ARGUMENT ERROR_PREFIX "InvalidArgument"
#define OPERATION_INVALID ERROR_PREFIX "OperationInvalid"

static const char domain_xml[] = "<domain type='test'>\n"
                                 "  <name>iotune</name>\n"
                                 "  <memory unit='MiB'>128</memory>\n"
                                 "  <devices>\n"
                                 "    <disk type='file' device='disk'>\n"
                                 "      <source file='/var/lib/x.img'/>\n"
                                 "      <target dev='vda' bus='virtio'/>\n"
                                 "      <iotune>\n"
                                 "        <total_bytes_sec>1000</total_bytes_sec>\n"
                                 "      </iotune>\n"
                                 "    </disk>\n"
                                 "  </devices>\n"
                                 "</domain>\n";

static GVariant *
get (VbTestEnv *env, const char *path, guint flags)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, path, IFACE_DOMAIN, "GetBlockIoTune",
                                                g_variant_new ("(su)", "vda", flags));
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

static GVariant *
one (const char *key, guint64 value)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", key, g_variant_new_uint64 (value));
  return g_variant_builder_end (&builder);
}

static void
set (VbTestEnv *env, const char *path, GVariant *params, guint flags)
{
  vb_test_call_void (env, path, IFACE_DOMAIN, "SetBlockIoTune",
                     g_variant_new ("(s@a{sv}u)", "vda", params, flags));
}

static void
test_virt1 (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *path = NULL;
  g_autoptr (GVariant) config = NULL;
  g_autoptr (GVariant) live = NULL;
  g_autoptr (GVariant) after = NULL;
  g_autofree char *group = NULL;

  vb_test_env_start_daemon (env, NULL);
  path = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", domain_xml, 0));
  config = get (env, path, 0);
  g_assert_cmpuint (limit (config, "total_bytes_sec"), ==, 1000);
  g_assert_cmpuint (limit (config, "write_iops_sec_max_length"), ==, 0);
  g_assert_true (g_variant_lookup (config, "group_name", "s", &group));
  g_assert_cmpstr (group, ==, "");
  /* Not running: LIVE is refused, CURRENT is CONFIG. */
  vb_test_call_expect_error (env, path, IFACE_DOMAIN, "GetBlockIoTune",
                             g_variant_new ("(su)", "vda", LIVE), OPERATION_INVALID);
  vb_test_call_expect_error (env, path, IFACE_DOMAIN, "SetBlockIoTune",
                             g_variant_new ("(s@a{sv}u)", "vda", one ("read_bytes_sec", 5), LIVE),
                             OPERATION_INVALID);
  /* A read value clears the total (libvirt's merge). */
  set (env, path, one ("read_bytes_sec", 500), 0);
  g_clear_pointer (&config, g_variant_unref);
  config = get (env, path, CONFIG);
  g_assert_cmpuint (limit (config, "read_bytes_sec"), ==, 500);
  g_assert_cmpuint (limit (config, "total_bytes_sec"), ==, 0);

  vb_test_call_void (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  set (env, path, one ("total_iops_sec", 70), LIVE);
  live = get (env, path, 0);
  g_assert_cmpuint (limit (live, "total_iops_sec"), ==, 70);
  g_assert_cmpuint (limit (live, "read_bytes_sec"), ==, 500);
  /* LIVE alone leaves the persistent definition. */
  after = get (env, path, CONFIG);
  g_assert_cmpuint (limit (after, "total_iops_sec"), ==, 0);

  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "GetBlockIoTune",
                                    g_variant_new ("(su)", "vda", LIVE | CONFIG), INVALID_ARGUMENT,
                                    "LIVE and CONFIG");
  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "SetBlockIoTune",
                                    g_variant_new ("(s@a{sv}u)", "vda", one ("bogus", 1), 0),
                                    INVALID_ARGUMENT, "Unknown I/O limit 'bogus'");
  {
    GVariantBuilder builder;

    g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&builder, "{sv}", "total_bytes_sec", g_variant_new_uint32 (1));
    vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "SetBlockIoTune",
                                      g_variant_new ("(sa{sv}u)", "vda", &builder, 0),
                                      INVALID_ARGUMENT, "wrong type");
  }
  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "SetBlockIoTune",
                                    g_variant_new ("(s@a{sv}u)", "vdq", one ("read_bytes_sec", 1),
                                                   0),
                                    INVALID_ARGUMENT, "no disk 'vdq'");
  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "SetBlockIoTune",
                                    g_variant_new ("(s@a{sv}u)", "vda",
                                                   one ("read_bytes_sec_max", 10), 0),
                                    INVALID_ARGUMENT, "cannot be lower than read_bytes_sec");
  vb_test_call_expect_error (env, path, IFACE_DOMAIN, "SetBlockIoTune",
                             g_variant_new ("(s@a{sv}u)", "vda", one ("read_bytes_sec", 1), 8),
                             INVALID_ARGUMENT);
}

static void
test_libvirt (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path =
    lv_path (env, LV_TEST, LV_CONNECT, "DomainDefineXML", g_variant_new ("(s)", domain_xml));
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) params = NULL;
  g_autoptr (GVariant) outer = NULL;

  lv_void (env, path, "org.libvirt.Domain", "SetBlockIOTune",
           g_variant_new ("(s@a{sv}u)", "vda", one ("write_iops_sec", 33), CONFIG));
  reply = lv_ok (env, path, "org.libvirt.Domain", "GetBlockIOTune",
                 g_variant_new ("(su)", "vda", CONFIG));
  g_variant_get (reply, "(@a{sv})", &params);
  /* libvirt-dbus's typed parameters: each value a variant in a variant. */
  outer = g_variant_lookup_value (params, "write_iops_sec", G_VARIANT_TYPE_VARIANT);
  g_assert_nonnull (outer);
  {
    g_autoptr (GVariant) inner = g_variant_get_variant (outer);

    g_assert_cmpuint (g_variant_get_uint64 (inner), ==, 33);
  }
  lv_expect_error (env, path, "org.libvirt.Domain", "SetBlockIOTune",
                   g_variant_new ("(s@a{sv}u)", "vdz", one ("write_iops_sec", 1), 0),
                   "invalid argument: ...");
}

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/iotune-api/virt1", test_virt1);
  g_test_add_func ("/iotune-api/libvirt", test_libvirt);
  return g_test_run ();
}
