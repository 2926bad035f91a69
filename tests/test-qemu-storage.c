/* A real guest on a volume: the project's test guest under QEMU boots with
 * its disk given as <disk type='volume'>, resolved through a dir pool. */
#include <string.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define BOOT_TIMEOUT_MS 60000

static void
test_boot_from_volume (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *dir = NULL;
  g_autofree char *pool_xml = NULL;
  g_autofree char *pool = NULL;
  g_autofree char *volume = NULL;
  g_autofree char *domain_xml = NULL;
  g_autofree char *domain = NULL;
  const char *vol_xml = "<volume>\n  <name>root.qcow2</name>\n"
                        "  <capacity unit='MiB'>64</capacity>\n"
                        "  <target>\n    <format type='qcow2'/>\n  </target>\n</volume>\n";

  vb_test_env_start_daemon (env, NULL);
  dir = g_build_filename (env->tmpdir, "guests", NULL);
  pool_xml = g_strdup_printf ("<pool type='dir'>\n  <name>guests</name>\n"
                              "  <target>\n    <path>%s</path>\n  </target>\n</pool>\n",
                              dir);
  pool = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                            g_variant_new ("(su)", pool_xml, 0));
  g_variant_unref (vb_test_call_ok (env, pool, IFACE_POOL, "Build", g_variant_new ("(u)", 0)));
  g_variant_unref (vb_test_call_ok (env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0)));
  volume =
    vb_test_call_path (env, pool, IFACE_POOL, "CreateVolume", g_variant_new ("(su)", vol_xml, 0));

  /* No <driver type>: the format comes from the volume (qcow2). */
  domain_xml = vb_test_guest_xml ("volboot", 192, NULL,
                                  "    <disk type='volume' device='disk'>\n"
                                  "      <source pool='guests' volume='root.qcow2'/>\n"
                                  "      <target dev='vda' bus='virtio'/>\n"
                                  "    </disk>\n");
  domain = vb_test_boot_guest (env, domain_xml, TRUE, BOOT_TIMEOUT_MS);
  {
    g_autoptr (GVariant) reply = vb_test_call_ok (env, domain, IFACE_DOMAIN, "GetStats",
                                                  g_variant_new ("(u)", 0));
    g_autoptr (GVariant) stats = g_variant_get_child_value (reply, 0);
    guint32 blocks = 0;
    const char *name = NULL;

    g_assert_true (g_variant_lookup (stats, "block.count", "u", &blocks));
    g_assert_cmpuint (blocks, ==, 1);
    g_assert_true (g_variant_lookup (stats, "block.0.name", "&s", &name));
    g_assert_cmpstr (name, ==, "vda");
  }
  g_variant_unref (vb_test_call_ok (env, domain, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));

  /* A volume that does not exist stops the start with NotFound. */
  {
    g_autofree char *bad = g_strdup (domain_xml);
    char *at = strstr (bad, "root.qcow2");
    g_autofree char *bad_path = NULL;

    memcpy (at, "none.qcow2", strlen ("none.qcow2"));
    memcpy (strstr (bad, "volboot"), "volnone", strlen ("volnone"));
    bad_path = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                  g_variant_new ("(su)", bad, 0));
    vb_test_call_expect_error (env, bad_path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                               "org.virtbus.Virt1.Error.NotFound");
  }
  g_assert_true (vb_test_env_daemon_alive (env));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-storage/boot-from-volume", test_boot_from_volume);
  return g_test_run ();
}
