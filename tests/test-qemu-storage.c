/* A real guest on a volume: the project's test guest under QEMU boots with
 * its disk given as <disk type='volume'>, resolved through a dir pool. */
#include <string.h>

#include "vb-test-env.h"

#define MANAGER "/org/virtbus/Virt1"
#define IFACE_MANAGER "org.virtbus.Virt1.Manager"
#define IFACE_DOMAIN "org.virtbus.Virt1.Domain"
#define IFACE_POOL "org.virtbus.Virt1.StoragePool"
#define READY "VIRTBUS-GUEST-READY"
#define BOOT_TIMEOUT_MS 60000

static char *
call_for_path (VbTestEnv *env, const char *path, const char *iface, const char *method,
               GVariant *args)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, path, iface, method, args);
  char *result = NULL;

  g_variant_get (reply, "(o)", &result);
  return result;
}

static gboolean
wait_console (VbTestEnv *env, const char *uuid, const char *needle, guint timeout_ms)
{
  g_autofree char *log = g_build_filename (env->run_dir, "qemu", uuid, "serial0.log", NULL);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (log, &text, NULL, NULL) && strstr (text, needle))
        return TRUE;
      if (g_get_monotonic_time () > end)
        {
          g_printerr ("console of %s has no '%s' after %u ms:\n%s\n", uuid, needle, timeout_ms,
                      text ? text : "");
          return FALSE;
        }
      g_usleep (100000);
    }
}

static void
test_boot_from_volume (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  const char *guest = g_getenv ("VB_TEST_GUEST_DIR");
  g_autofree char *dir = NULL;
  g_autofree char *pool_xml = NULL;
  g_autofree char *pool = NULL;
  g_autofree char *volume = NULL;
  g_autofree char *domain_xml = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *uuid = NULL;
  g_autoptr (GVariant) uuid_value = NULL;
  const char *vol_xml = "<volume>\n  <name>root.qcow2</name>\n"
                        "  <capacity unit='MiB'>64</capacity>\n"
                        "  <target>\n    <format type='qcow2'/>\n  </target>\n</volume>\n";

  g_assert_nonnull (guest);
  vb_test_env_start_daemon (env, NULL);
  dir = g_build_filename (env->tmpdir, "guests", NULL);
  pool_xml = g_strdup_printf ("<pool type='dir'>\n  <name>guests</name>\n"
                              "  <target>\n    <path>%s</path>\n  </target>\n</pool>\n",
                              dir);
  pool = call_for_path (env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                        g_variant_new ("(su)", pool_xml, 0));
  g_variant_unref (vb_test_call_ok (env, pool, IFACE_POOL, "Build", g_variant_new ("(u)", 0)));
  g_variant_unref (vb_test_call_ok (env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0)));
  volume = call_for_path (env, pool, IFACE_POOL, "CreateVolume",
                          g_variant_new ("(su)", vol_xml, 0));

  /* No <driver type>: the format comes from the volume (qcow2). */
  domain_xml = g_strdup_printf (
    "<domain type='qemu'>\n  <name>volboot</name>\n  <memory unit='MiB'>192</memory>\n"
    "  <vcpu>1</vcpu>\n"
    "  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n"
    "    <kernel>%s/vmlinux</kernel>\n    <initrd>%s/initramfs.img</initrd>\n"
    "    <cmdline>console=ttyS0 quiet</cmdline>\n  </os>\n"
    "  <features>\n    <acpi/>\n  </features>\n"
    "  <devices>\n"
    "    <disk type='volume' device='disk'>\n"
    "      <source pool='guests' volume='root.qcow2'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n"
    "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n"
    "  </devices>\n</domain>\n",
    guest, guest);
  domain = call_for_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                          g_variant_new ("(su)", domain_xml, 0));
  uuid_value = vb_test_get_property (env, domain, IFACE_DOMAIN, "UUID");
  uuid = g_variant_dup_string (uuid_value, NULL);
  g_variant_unref (vb_test_call_ok (env, domain, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  g_assert_true (wait_console (env, uuid, READY, BOOT_TIMEOUT_MS));
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
    bad_path = call_for_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
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
