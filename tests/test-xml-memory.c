/* Memory and NUMA of the domain XML on the project's test guest under
 * QEMU: guest NUMA cells and their distances seen by the guest's kernel,
 * memfd memory shared with the host (QEMU holds the memfd), what Start
 * refuses on a host that lacks huge pages or host NUMA nodes, and a DIMM
 * plugged with AttachDevice that grows the guest's memory. */
#include <stdlib.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 180000
#define NOT_SUPPORTED "org.virtbus.Virt1.Error.NotSupported"

typedef VbGuestFixture Fixture;

/* The test guest (@mib MiB, ACPI) with @memory_xml (elements after
 * <memory>), @cpu_xml (elements inside a <cpu>, NULL for none) and @vcpus. */
static char *
guest_xml (const char *name, guint mib, guint vcpus, const char *memory_xml, const char *cpu_xml,
           const char *cmdline, const char *devices)
{
  g_autofree char *xml = vb_test_guest_xml (name, mib, cmdline, devices);
  g_autoptr (GString) text = g_string_new (xml);
  g_autofree char *vcpu = g_strdup_printf ("<vcpu>%u</vcpu>", vcpus);
  g_autofree char *after = g_strdup_printf ("%s\n  %s%s%s%s", memory_xml ? memory_xml : "", vcpu,
                                            cpu_xml ? "\n  <cpu>\n" : "", cpu_xml ? cpu_xml : "",
                                            cpu_xml ? "  </cpu>" : "");

  g_assert_cmpuint (g_string_replace (text, "<vcpu>1</vcpu>", after, 1), ==, 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
replace_once (const char *text, const char *from, const char *to)
{
  g_autoptr (GString) out = g_string_new (text);

  g_assert_cmpuint (g_string_replace (out, from, to, 1), ==, 1);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Whether QEMU @pid holds an fd whose link names @prefix. */
static gboolean
qemu_holds (int pid, const char *prefix)
{
  g_autofree char *dir = g_strdup_printf ("/proc/%d/fd", pid);
  g_autoptr (GDir) fds = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (fds);
  while ((name = g_dir_read_name (fds)))
    {
      g_autofree char *link = g_build_filename (dir, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (target && g_str_has_prefix (target, prefix))
        return TRUE;
    }
  return FALSE;
}

/* A "VmLck:"-like field of /proc/@pid/status, in KiB. */
static guint64
qemu_status_kib (int pid, const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, field);
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (field), NULL, 10);
}

/* Two guest NUMA cells (the second without vCPUs, 21 away) on locked memfd
 * memory shared with the host: the guest's kernel sees both nodes, their
 * sizes and the distance; QEMU holds the memfd and has its memory locked. */
static void
test_numa_memfd (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    guest_xml ("numa1", 256, 2,
               "<memoryBacking>\n    <nosharepages/>\n    <locked/>\n    <source type='memfd'/>\n"
               "    <access mode='shared'/>\n"
               "  </memoryBacking>",
               "    <numa>\n"
               "      <cell id='0' cpus='0-1' memory='160' unit='MiB'/>\n"
               "      <cell id='1' memory='98200' unit='KiB'>\n"
               "        <distances><sibling id='0' value='21'/></distances>\n"
               "      </cell>\n"
               "    </numa>\n",
               NULL, NULL);
  /* 160 MiB and 98200 KiB: the second cell is not a whole number of MiB. */
  g_autofree char *unaligned =
    replace_once (xml, "<memory unit='MiB'>256</memory>", "<memory unit='KiB'>262040</memory>");
  g_autofree char *path = vb_test_boot_guest (f->env, unaligned, TRUE, BOOT_TIMEOUT_MS);
  g_autoptr (VbTestConsole) console = vb_test_console_open (f->env, path);
  g_autofree char *live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_autofree char *nodes =
    vb_test_console_answer (console, "ls -d /sys/devices/system/node/node* | xargs -n1 basename");
  g_autofree char *distance = vb_test_console_answer (console, "cat /sys/devices/system/node/node1/distance");
  g_autofree char *node1 = vb_test_console_answer (console, "grep MemTotal /sys/devices/system/node/node1/meminfo");
  g_autofree char *cpus = vb_test_console_answer (console, "cat /sys/devices/system/node/node0/cpulist");
  guint64 node1_kib = 0;

  /* QEMU runs it rounded up to whole MiB, and the live XML says so. */
  g_assert_nonnull (strstr (live, "memory='98304' unit='KiB'"));
  g_assert_nonnull (strstr (live, "<memory unit='KiB'>262144</memory>"));
  g_assert_cmpstr (nodes, ==, "node0\nnode1");
  g_assert_cmpstr (distance, ==, "21 10");
  g_assert_cmpstr (cpus, ==, "0-1");
  /* "Node 1 MemTotal: 98304 kB", less what the kernel keeps for itself. */
  g_assert_nonnull (strstr (node1, "MemTotal:"));
  node1_kib = g_ascii_strtoull (strstr (node1, "MemTotal:") + strlen ("MemTotal:"), NULL, 10);
  g_assert_cmpuint (node1_kib, >, 80 * 1024);
  g_assert_cmpuint (node1_kib, <=, 96 * 1024);
  g_assert_true (qemu_holds (vb_test_qemu_pid (f->env, path), "/memfd:"));
  /* <locked/>: QEMU locked the guest's 256 MiB (and more) in host memory. */
  g_assert_cmpuint (qemu_status_kib (vb_test_qemu_pid (f->env, path), "VmLck:"), >=, 256 * 1024);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* Defines @xml (accepted: define asks nothing of the host) and expects
 * Start to refuse it, saying @words. */
static void
expect_start_refused (Fixture *f, const char *xml, const char *words)
{
  vb_test_expect_start_refused (f->env, xml, words);
}

static gboolean
host_has_hugetlbfs (void)
{
  g_autofree char *mounts = NULL;

  g_assert_true (g_file_get_contents ("/proc/mounts", &mounts, NULL, NULL));
  return strstr (mounts, " hugetlbfs ") != NULL;
}

/* What this host lacks is refused at Start by name: huge pages without a
 * hugetlbfs mount, a host NUMA node beyond the host's; the host node it
 * has is bound (the guest boots). */
static void
test_host_checks (Fixture *f, gconstpointer data)
{
  g_autofree char *huge =
    guest_xml ("huge1", 128, 1, "<memoryBacking>\n    <hugepages/>\n  </memoryBacking>", NULL, NULL,
               NULL);
  g_autofree char *far =
    guest_xml ("far1", 128, 1,
               "<numatune>\n    <memory mode='strict' nodeset='0,1023'/>\n  </numatune>", NULL,
               NULL, NULL);
  g_autofree char *near =
    guest_xml ("near1", 128, 1,
               "<numatune>\n    <memory mode='strict' nodeset='0'/>\n  </numatune>", NULL, NULL,
               NULL);
  g_autofree char *path = NULL;
  g_autofree char *maps = NULL;
  g_autofree char *numa_maps = NULL;

  if (host_has_hugetlbfs ())
    g_test_message ("this host has a hugetlbfs mount: its refusal is not tested here");
  else
    expect_start_refused (f, huge, "need a hugetlbfs mount on the host");
  g_assert_false (g_file_test ("/sys/devices/system/node/node1023", G_FILE_TEST_EXISTS));
  expect_start_refused (f, far, "host NUMA node 1023 does not exist on this host");
  path = vb_test_boot_guest (f->env, near, TRUE, BOOT_TIMEOUT_MS);
  /* The guest's RAM is bound to host node 0: the kernel shows the policy. */
  numa_maps = g_strdup_printf ("/proc/%d/numa_maps", vb_test_qemu_pid (f->env, path));
  g_assert_true (g_file_get_contents (numa_maps, &maps, NULL, NULL));
  g_assert_nonnull (strstr (maps, "bind:0"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

static guint64
guest_mem_total_kib (VbTestConsole *console)
{
  g_autofree char *line = vb_test_console_answer (console, "grep MemTotal /proc/meminfo");

  g_assert_nonnull (strstr (line, "MemTotal:"));
  return g_ascii_strtoull (strstr (line, "MemTotal:") + strlen ("MemTotal:"), NULL, 10);
}

/* A DIMM plugged into the running guest with AttachDevice: the guest's
 * kernel onlines it (memhp_default_state=online) and its memory grows by
 * 128 MiB; the live XML shows the DIMM with its slot, <memory> counts it;
 * the persistent definition has it too (LIVE|CONFIG); unplugging it live
 * is refused by name. */
static void
test_dimm_hotplug (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    guest_xml ("dimm1", 192, 1, "<maxMemory slots='2' unit='MiB'>1024</maxMemory>",
               "    <numa>\n      <cell id='0' cpus='0' memory='192' unit='MiB'/>\n    </numa>\n",
               "memhp_default_state=online", NULL);
  const char *dimm = "<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node>"
                     "</target></memory>";
  g_autofree char *path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  VbTestConsole *console = vb_test_console_open (f->env, path);
  guint64 before = guest_mem_total_kib (console);
  guint64 after = before;
  g_autofree char *live = NULL;
  g_autofree char *config = NULL;
  g_autofree char *job = NULL;
  gint64 end;

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "AttachDevice",
                     g_variant_new ("(su)", dimm, 1u | 2u));
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (after < before + 120 * 1024 && g_get_monotonic_time () < end)
    {
      g_usleep (500 * 1000);
      after = guest_mem_total_kib (console);
    }
  g_assert_cmpuint (after, >=, before + 120 * 1024);
  g_assert_cmpuint (after, <=, before + 128 * 1024);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (live, "<memory unit='KiB'>327680</memory>"));
  g_assert_nonnull (strstr (live, "<alias name='dimm0'/>"));
  g_assert_nonnull (strstr (live, "<address type='dimm' slot='0'/>"));
  config = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 2);
  g_assert_nonnull (strstr (config, "<size unit='KiB'>131072</size>"));
  g_assert_nonnull (strstr (config, "<memory unit='KiB'>327680</memory>"));
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "DetachDevice",
                                    g_variant_new ("(su)", dimm, 1u), NOT_SUPPORTED,
                                    "cannot be unplugged from a running guest");

  /* Saved and restored, the guest keeps its DIMM: the restored QEMU is
   * built from the live XML, with the DIMM in its slot. */
  g_clear_pointer (&console, vb_test_console_free);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 30000));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 30000));
  console = vb_test_console_open (f->env, path);
  g_assert_cmpuint (guest_mem_total_kib (console), ==, after);
  g_free (live);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (live, "<address type='dimm' slot='0'/>"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  vb_test_console_free (console);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-memory/numa-memfd", Fixture, NULL, vb_guest_fixture_set_up, test_numa_memfd,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-memory/host-checks", Fixture, NULL, vb_guest_fixture_set_up, test_host_checks,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-memory/dimm-hotplug", Fixture, NULL, vb_guest_fixture_set_up, test_dimm_hotplug,
              vb_guest_fixture_tear_down);
  return g_test_run ();
}
