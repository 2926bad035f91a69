/* virtio-mem and virtio-pmem on the project's test guest under QEMU: the
 * guest's virtio_mem driver plugs the requested size and its memory grows
 * by it (on its NUMA node), across a managed save and restore too, and
 * the live XML says so; virtio-pmem is a disk of
 * the guest (/dev/pmem0) holding the host file's bytes; Start refuses
 * dynamicMemslots on this QEMU 7.2 by name; AttachDevice refuses both;
 * UpdateDevice changes a running virtio-mem's requested size. */
#include <glib/gstdio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 180000
#define NOT_SUPPORTED "org.virtbus.Virt1.Error.NotSupported"

typedef struct {
  VbTestEnv *env;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
}

/* The test guest with 256 MiB of boot memory in two NUMA cells (192 MiB
 * with the vCPU, 64 MiB without), room up to 1 GiB, and @devices. */
static char *
guest_xml (const char *name, const char *devices)
{
  g_autofree char *xml =
    vb_test_guest_xml (name, 256, "memhp_default_state=online", devices ? devices : "");
  g_autoptr (GString) text = g_string_new (xml);

  g_assert_cmpuint (g_string_replace (text, "<vcpu>1</vcpu>",
                                      "<maxMemory unit='MiB'>1024</maxMemory>\n"
                                      "  <vcpu>1</vcpu>\n"
                                      "  <cpu>\n    <numa>\n"
                                      "      <cell id='0' cpus='0' memory='192' unit='MiB'/>\n"
                                      "      <cell id='1' memory='64' unit='MiB'/>\n"
                                      "    </numa>\n  </cpu>",
                                      1),
                    ==, 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The memory of the guest's NUMA node 1 (the virtio-mem's), as its kernel
 * counts it. */
static guint64
node1_mem_total_kib (VbTestConsole *console)
{
  g_autofree char *line = vb_test_console_answer (console, "grep MemTotal /sys/devices/system/node/node1/meminfo");

  g_assert_nonnull (strstr (line, "MemTotal:"));
  return g_ascii_strtoull (strstr (line, "MemTotal:") + strlen ("MemTotal:"), NULL, 10);
}

/* Node 1's memory once it is above @floor_kib (the driver plugs the
 * requested blocks shortly after it loads), or what it is after 60 s. */
static guint64
wait_node1_above (VbTestConsole *console, guint64 floor_kib)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint64 kib = node1_mem_total_kib (console);

  while (kib <= floor_kib && g_get_monotonic_time () < end)
    {
      g_usleep (500 * 1000);
      kib = node1_mem_total_kib (console);
    }
  return kib;
}

/* The live XML once it has @words (within 60 s). */
static char *
wait_live_xml_saying (VbTestEnv *env, const char *path, const char *words)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  char *xml = vb_test_get_xml (env, path, IFACE_DOMAIN, 0);

  while (!strstr (xml, words) && g_get_monotonic_time () < end)
    {
      g_free (xml);
      g_usleep (500 * 1000);
      xml = vb_test_get_xml (env, path, IFACE_DOMAIN, 0);
    }
  if (!strstr (xml, words))
    g_error ("the live XML never said %s:\n%s", words, xml);
  return xml;
}

#define VIRTIO_MEM                                  \
  "    <memory model='virtio-mem'>\n"               \
  "      <target>\n"                                \
  "        <size unit='MiB'>256</size>\n"           \
  "        <node>1</node>\n"                        \
  "        <block unit='MiB'>2</block>\n"           \
  "        <requested unit='MiB'>128</requested>\n" \
  "      </target>\n"                               \
  "    </memory>\n"

/* A virtio-mem of 256 MiB on guest node 1 (64 MiB of its own), of which 128
 * are requested: the guest's kernel counts more than 64 + 96 MiB on node 1
 * (without the plugged blocks, at most 64), at most 64 + 128; its
 * virtio_mem driver has the device; the live XML's <current> says the 128 MiB plugged (QEMU's
 * MEMORY_DEVICE_SIZE_CHANGE), the persistent one has none. UpdateDevice
 * to 192 MiB requested: the guest plugs 64 MiB more; a change of <block>
 * is refused. After ManagedSave and Start the guest has the same memory
 * and <current>. */
static void
test_virtio_mem (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml ("vmem1", VIRTIO_MEM);
  g_autofree char *path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  VbTestConsole *console = vb_test_console_open (f->env, path);
  g_autofree char *driver = NULL;
  g_autofree char *live = NULL;
  g_autofree char *config = NULL;
  g_autofree char *job = NULL;
  guint64 kib;

  kib = wait_node1_above (console, (64 + 96) * 1024);
  g_assert_cmpuint (kib, >, (64 + 96) * 1024);
  g_assert_cmpuint (kib, <=, (64 + 128) * 1024);
  driver = vb_test_console_answer (console, "ls /sys/bus/virtio/drivers/virtio_mem/");
  g_assert_nonnull (strstr (driver, "virtio"));
  live = wait_live_xml_saying (f->env, path, "<current unit='KiB'>131072</current>");
  g_assert_nonnull (strstr (live, "<memory unit='KiB'>524288</memory>"));
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 2);
  g_assert_null (strstr (config, "<current unit"));
  g_assert_nonnull (strstr (live, "<alias name='virtiomem0'/>"));
  g_assert_nonnull (strstr (live, "<address type='pci' domain='0x0000' bus='0x00'"));
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "AttachDevice",
                                    g_variant_new ("(su)", VIRTIO_MEM, 1u), NOT_SUPPORTED,
                                    "a virtio-mem device is given to a guest when it starts");

  /* UpdateDevice with another <requested> (LIVE and CONFIG): QEMU's
   * requested-size changes and the guest plugs 64 MiB more. */
  {
    g_autoptr (GString) update = g_string_new (VIRTIO_MEM);

    g_string_replace (update, "<requested unit='MiB'>128</requested>",
                      "<requested unit='MiB'>192</requested>", 1);
    vb_test_call_void (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                       g_variant_new ("(su)", update->str, 1u | 2u));
    kib = wait_node1_above (console, (64 + 160) * 1024);
    g_assert_cmpuint (kib, >, (64 + 160) * 1024);
    g_assert_cmpuint (kib, <=, (64 + 192) * 1024);
    g_free (live);
    live = wait_live_xml_saying (f->env, path, "<current unit='KiB'>196608</current>");
    g_assert_nonnull (strstr (live, "<requested unit='KiB'>196608</requested>"));
    g_free (config);
    config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 2);
    g_assert_nonnull (strstr (config, "<requested unit='KiB'>196608</requested>"));
    /* Only the requested size changes: a device with another block is
     * none of the guest's. */
    g_string_replace (update, "<block unit='MiB'>2</block>", "<block unit='MiB'>4</block>", 1);
    vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "UpdateDevice",
                                      g_variant_new ("(su)", update->str, 1u),
                                      "org.virtbus.Virt1.Error.NotFound",
                                      "no such virtio-mem device");
  }

  /* Saved and restored, the plugged blocks come back with the guest. */
  g_clear_pointer (&console, vb_test_console_free);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 30000));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 30000));
  console = vb_test_console_open (f->env, path);
  g_assert_cmpuint (node1_mem_total_kib (console), ==, kib);
  g_free (live);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (live, "<current unit='KiB'>196608</current>"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  vb_test_console_free (console);
}

/* Migrated live to a second service, the guest keeps its plugged blocks:
 * the destination's QEMU is built from the live XML with the same
 * virtio-mem, and its live XML has the <current> the source had. */
static void
test_virtio_mem_migration (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml ("vmem-mig", VIRTIO_MEM);
  g_autofree char *path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  VbTestEnv *dst = vb_test_env_new (VB_TEST_ENV_NONE);
  VbTestConsole *console = vb_test_console_open (f->env, path);
  g_autofree char *live = NULL;
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  g_autofree char *dst_path = NULL;
  GVariantDict params;
  guint64 kib;

  vb_test_env_start_daemon (dst, NULL);
  kib = wait_node1_above (console, (64 + 96) * 1024);
  g_assert_cmpuint (kib, >, (64 + 96) * 1024);
  g_free (wait_live_xml_saying (f->env, path, "<current unit='KiB'>131072</current>"));
  g_clear_pointer (&console, vb_test_console_free);
  g_variant_dict_init (&params, NULL);
  g_variant_dict_insert (&params, "tls", "b", FALSE);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "Migrate",
                           g_variant_new ("(s@a{sv}u)", dst->bus_address,
                                          g_variant_dict_end (&params), 1u));
  phase = vb_test_job_wait_phase (f->env, job, "completed|failed|cancelled", 180000);
  g_assert_cmpstr (phase, ==, "completed");
  dst_path = vb_test_call_path (dst, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                g_variant_new ("(s)", "vmem-mig"));
  g_assert_true (vb_test_wait_property (dst, dst_path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 30000));
  console = vb_test_console_open (dst, dst_path);
  g_assert_cmpuint (node1_mem_total_kib (console), ==, kib);
  live = vb_test_get_xml (dst, dst_path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (live, "<current unit='KiB'>131072</current>"));
  g_assert_nonnull (strstr (live, "<alias name='virtiomem0'/>"));
  vb_test_console_free (console);
  vb_test_call_void (dst, dst_path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_env_daemon_alive (dst));
  vb_test_env_free (dst);
}

/* dynamicMemslots='yes' is QEMU 8.2's: define accepts it, Start on this
 * QEMU 7.2 refuses it by name. */
static void
test_dynamic_memslots_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) devices = g_string_new (VIRTIO_MEM);
  g_autofree char *xml = NULL;

  g_string_replace (devices, "<target>", "<target dynamicMemslots='yes'>", 1);
  xml = guest_xml ("vmem2", devices->str);
  vb_test_expect_start_refused (f->env, xml, "dynamicMemslots='yes'");
}

/* A virtio-pmem of a host file: the guest's /dev/pmem0 reads the bytes the
 * host wrote into the file. */
static void
test_virtio_pmem (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-pmem-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "guest.pmem", NULL);
  g_autofree char *content = g_malloc0 (16 * 1024 * 1024);
  g_autofree char *devices = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  VbTestConsole *console;

  memcpy (content, "VIRTBUS-PMEM-MARK", strlen ("VIRTBUS-PMEM-MARK"));
  g_assert_true (g_file_set_contents (file, content, 16 * 1024 * 1024, NULL));
  devices = g_strdup_printf ("    <memory model='virtio-pmem' access='shared'>\n"
                             "      <source>\n        <path>%s</path>\n      </source>\n"
                             "      <target>\n        <size unit='MiB'>16</size>\n"
                             "      </target>\n"
                             "    </memory>\n",
                             file);
  xml = guest_xml ("vpmem1", devices);
  path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (f->env, path);
  out = vb_test_console_answer (console, "head -c 17 /dev/pmem0; echo");
  g_assert_nonnull (strstr (out, "VIRTBUS-PMEM-MARK"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  vb_test_console_free (console);
  g_unlink (file);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-virtio-mem/virtio-mem", Fixture, NULL, fixture_set_up, test_virtio_mem,
              fixture_tear_down);
  g_test_add ("/xml-virtio-mem/migration", Fixture, NULL, fixture_set_up, test_virtio_mem_migration,
              fixture_tear_down);
  g_test_add ("/xml-virtio-mem/dynamic-memslots-refused", Fixture, NULL, fixture_set_up,
              test_dynamic_memslots_refused, fixture_tear_down);
  g_test_add ("/xml-virtio-mem/virtio-pmem", Fixture, NULL, fixture_set_up, test_virtio_pmem,
              fixture_tear_down);
  return g_test_run ();
}
