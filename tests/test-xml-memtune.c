/* The host side of memory placement and limits on the project's test
 * guest under QEMU: <vcpu placement='auto'> (numad's advice bound to the
 * guest's memory and threads), <memtune> and <blkiotune> (the domain's
 * cgroups QEMU runs in, their limits, gone after Destroy), and what Start
 * refuses on this host by name. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define NOT_SUPPORTED "org.virtbus.Virt1.Error.NotSupported"

typedef VbGuestFixture Fixture;

/* The test guest with @extra after <memory> and <vcpu> as @vcpu. */
static char *
guest_xml (const char *name, const char *vcpu, const char *extra)
{
  g_autofree char *xml = vb_test_guest_xml (name, 128, NULL, NULL);
  g_autoptr (GString) text = g_string_new (xml);
  g_autofree char *after = g_strdup_printf ("%s\n  %s", extra, vcpu);

  g_assert_cmpuint (g_string_replace (text, "<vcpu>1</vcpu>", after, 1), ==, 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Not inlined: GCC 12 then takes the returned text for a dangling local. */
G_GNUC_NO_INLINE static char *
status_text (VbTestEnv *env, const char *path)
{
  g_autofree char *uuid = vb_test_get_string (env, path, IFACE_DOMAIN, "UUID");
  g_autofree char *status = vb_test_env_status_path (env, uuid);
  char *text = NULL;

  g_assert_true (g_file_get_contents (status, &text, NULL, NULL));
  return text;
}

/* Defines and starts @xml (QEMU runs; the guest need not have booted). */
static char *
start (Fixture *f, const char *xml)
{
  char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                  g_variant_new ("(su)", xml, 0));

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  return path;
}

static void
destroy (Fixture *f, const char *path)
{
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
}

static void
expect_start_refused (Fixture *f, const char *xml, const char *words)
{
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));

  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    NOT_SUPPORTED, words);
  g_assert_cmpstr (vb_test_get_string (f->env, path, IFACE_DOMAIN, "State"), ==, "shutoff");
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
}

/* The service's cgroup of v1 controller @controller (the test's daemon
 * is this test's child: the same cgroup). */
static char *
own_cgroup (const char *controller)
{
  g_autofree char *groups = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/cgroup", &groups, NULL, NULL));
  lines = g_strsplit (groups, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], ":", 3);
      g_autofree char *want = g_strdup_printf (",%s,", controller);
      g_autofree char *have = NULL;

      if (g_strv_length (fields) < 3)
        continue;
      have = g_strdup_printf (",%s,", fields[1]);
      if (strstr (have, want))
        return g_build_filename ("/sys/fs/cgroup", controller, fields[2], NULL);
    }
  return NULL;
}

static char *
domain_cgroup_file (VbTestEnv *env, const char *path, const char *controller, const char *file)
{
  g_autofree char *uuid = vb_test_get_string (env, path, IFACE_DOMAIN, "UUID");
  g_autofree char *parent = own_cgroup (controller);
  g_autofree char *name = g_strdup_printf ("virtbus-%s", uuid);

  g_assert_nonnull (parent);
  return file ? g_build_filename (parent, name, file, NULL) : g_build_filename (parent, name, NULL);
}

static char *
read_text (const char *file)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
  return g_strstrip (text);
}

/* Whether QEMU @pid is listed in @procs (a cgroup.procs file). */
static gboolean
lists_pid (const char *procs, int pid)
{
  g_autofree char *text = read_text (procs);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (atoi (lines[i]) == pid)
      return TRUE;
  return FALSE;
}

/* <vcpu placement='auto'> without <numatune>: numad's advice (this host
 * has node 0) binds the guest's RAM (numa_maps "bind:0") and every thread
 * of QEMU runs on node 0's CPUs; the status keeps the advice. */
static void
test_numad (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml ("numad1", "<vcpu placement='auto'>2</vcpu>", "");
  g_autofree char *path = NULL;
  g_autofree char *status = NULL;
  g_autofree char *maps = NULL;
  g_autofree char *numa_maps = NULL;
  g_autofree char *node_cpus = read_text ("/sys/devices/system/node/node0/cpulist");
  g_autofree char *task_dir = NULL;
  g_autoptr (GDir) tasks = NULL;
  const char *tid;
  int pid;

  g_assert_true (g_file_test ("/usr/bin/numad", G_FILE_TEST_IS_EXECUTABLE));
  path = start (f, xml);
  pid = vb_test_qemu_pid (f->env, path);
  status = status_text (f->env, path);
  /* The status file is pretty JSON: "numad-nodes" : "0". */
  g_assert_nonnull (strstr (status, "\"numad-nodes\""));
  g_assert_true (g_str_has_prefix (
    g_strchug (strchr (strstr (status, "\"numad-nodes\"") + 13, ':') + 1), "\"0\""));
  numa_maps = g_strdup_printf ("/proc/%d/numa_maps", pid);
  g_assert_true (g_file_get_contents (numa_maps, &maps, NULL, NULL));
  g_assert_nonnull (strstr (maps, "bind:0"));
  task_dir = g_strdup_printf ("/proc/%d/task", pid);
  tasks = g_dir_open (task_dir, 0, NULL);
  g_assert_nonnull (tasks);
  while ((tid = g_dir_read_name (tasks)))
    {
      g_autofree char *file = g_build_filename (task_dir, tid, "status", NULL);
      g_autofree char *text = read_text (file);
      const char *line = strstr (text, "Cpus_allowed_list:");
      g_autofree char *cpus = NULL;

      g_assert_nonnull (line);
      cpus = g_strndup (line + strlen ("Cpus_allowed_list:"),
                        strcspn (line + strlen ("Cpus_allowed_list:"), "\n"));
      g_assert_cmpstr (g_strstrip (cpus), ==, node_cpus);
    }
  destroy (f, path);
}

/* <memtune>: QEMU runs in the domain's memory cgroup, whose limits are the
 * XML's ("unlimited" is the kernel's -1); the cgroup is gone after Destroy. */
static void
test_memtune (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    guest_xml ("memtune1", "<vcpu>1</vcpu>",
               "<memtune>\n    <hard_limit unit='MiB'>1024</hard_limit>\n"
               "    <soft_limit unit='MiB'>512</soft_limit>\n"
               "    <swap_hard_limit unit='KiB'>9007199254740991</swap_hard_limit>\n"
               "  </memtune>");
  g_autofree char *path = start (f, xml);
  g_autofree char *dir = domain_cgroup_file (f->env, path, "memory", NULL);
  g_autofree char *procs = domain_cgroup_file (f->env, path, "memory", "cgroup.procs");
  g_autofree char *hard = domain_cgroup_file (f->env, path, "memory", "memory.limit_in_bytes");
  g_autofree char *soft = domain_cgroup_file (f->env, path, "memory", "memory.soft_limit_in_bytes");
  g_autofree char *swap =
    domain_cgroup_file (f->env, path, "memory", "memory.memsw.limit_in_bytes");
  g_autofree char *hard_value = read_text (hard);
  g_autofree char *soft_value = read_text (soft);
  g_autofree char *swap_value = read_text (swap);

  g_assert_true (lists_pid (procs, vb_test_qemu_pid (f->env, path)));
  g_assert_cmpstr (hard_value, ==, "1073741824");
  g_assert_cmpstr (soft_value, ==, "536870912");
  /* -1 reads back as the kernel's page-rounded ceiling. */
  g_assert_cmpuint (g_ascii_strtoull (swap_value, NULL, 10), >, 1ULL << 60);
  destroy (f, path);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* <blkiotune>: a device's throttles in the domain's blkio cgroup, QEMU in
 * it; a path that is no block device, and weights where the I/O scheduler
 * has none (this host), are refused at Start by name. */
static void
test_blkiotune (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml ("blkio1", "<vcpu>1</vcpu>",
                                    "<blkiotune>\n    <device>\n      <path>/dev/loop0</path>\n"
                                    "      <read_iops_sec>1000</read_iops_sec>\n"
                                    "      <write_bytes_sec>1048576</write_bytes_sec>\n"
                                    "    </device>\n  </blkiotune>");
  g_autofree char *not_block =
    guest_xml ("blkio2", "<vcpu>1</vcpu>",
               "<blkiotune>\n    <device>\n      <path>/dev/null</path>\n"
               "      <read_iops_sec>1000</read_iops_sec>\n"
               "    </device>\n  </blkiotune>");
  g_autofree char *weight =
    guest_xml ("blkio3", "<vcpu>1</vcpu>", "<blkiotune>\n    <weight>800</weight>\n  </blkiotune>");
  g_autofree char *parent = own_cgroup ("blkio");
  g_autofree char *cfq = g_build_filename (parent, "blkio.weight", NULL);
  g_autofree char *bfq = g_build_filename (parent, "blkio.bfq.weight", NULL);
  g_autofree char *path = NULL;
  g_autofree char *procs = NULL;
  g_autofree char *iops = NULL;
  g_autofree char *bps = NULL;
  g_autofree char *iops_value = NULL;
  g_autofree char *bps_value = NULL;
  g_autofree char *dir = NULL;

  g_assert_true (g_file_test ("/dev/loop0", G_FILE_TEST_EXISTS));
  path = start (f, xml);
  dir = domain_cgroup_file (f->env, path, "blkio", NULL);
  procs = domain_cgroup_file (f->env, path, "blkio", "cgroup.procs");
  iops = domain_cgroup_file (f->env, path, "blkio", "blkio.throttle.read_iops_device");
  bps = domain_cgroup_file (f->env, path, "blkio", "blkio.throttle.write_bps_device");
  iops_value = read_text (iops);
  bps_value = read_text (bps);
  g_assert_true (lists_pid (procs, vb_test_qemu_pid (f->env, path)));
  g_assert_cmpstr (iops_value, ==, "7:0 1000");
  g_assert_cmpstr (bps_value, ==, "7:0 1048576");
  destroy (f, path);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));

  expect_start_refused (f, not_block, "/dev/null is not a block device");
  if (g_file_test (cfq, G_FILE_TEST_EXISTS) || g_file_test (bfq, G_FILE_TEST_EXISTS))
    g_test_message ("this host's I/O scheduler has weights: their refusal is not tested here");
  else
    expect_start_refused (f, weight, "this host's cgroups have no blkio.weight");
}

/* <numatune> mode 'restrictive': QEMU runs in the domain's cpuset cgroup
 * whose cpuset.mems is the nodeset (libvirt's "0-1,^1" as the kernel's
 * "0"), its memory with the system's policy;
 * a host node this host lacks is refused at Start by name. */
static void
test_restrictive (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    guest_xml ("restrict1", "<vcpu>1</vcpu>",
               "<numatune>\n    <memory mode='restrictive' nodeset='0-1,^1'/>\n  </numatune>");
  g_autofree char *far =
    guest_xml ("restrict2", "<vcpu>1</vcpu>",
               "<numatune>\n    <memory mode='restrictive' nodeset='0,1023'/>\n  </numatune>");
  g_autofree char *path = start (f, xml);
  g_autofree char *dir = domain_cgroup_file (f->env, path, "cpuset", NULL);
  g_autofree char *procs = domain_cgroup_file (f->env, path, "cpuset", "cgroup.procs");
  g_autofree char *mems = domain_cgroup_file (f->env, path, "cpuset", "cpuset.mems");
  g_autofree char *mems_value = read_text (mems);
  g_autofree char *numa_maps = g_strdup_printf ("/proc/%d/numa_maps", vb_test_qemu_pid (f->env, path));
  g_autofree char *maps = NULL;

  g_assert_true (lists_pid (procs, vb_test_qemu_pid (f->env, path)));
  g_assert_cmpstr (mems_value, ==, "0");
  /* The cgroup restricts, no memory policy binds. */
  g_assert_true (g_file_get_contents (numa_maps, &maps, NULL, NULL));
  g_assert_null (strstr (maps, "bind:"));
  destroy (f, path);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  expect_start_refused (f, far, "host NUMA node 1023 does not exist on this host");
}

/* ACPI's HMAT from <cell><cache> and <interconnects>: the guest's kernel
 * reports node 0's memory-side cache and its initiators' latency and
 * bandwidth. */
static void
test_hmat (Fixture *f, gconstpointer data)
{
  g_autofree char *base = vb_test_guest_xml ("hmat1", 256, NULL, NULL);
  g_autoptr (GString) xml = g_string_new (base);
  g_autofree char *path = NULL;
  g_autofree char *cache_size = NULL;
  g_autofree char *cache_line = NULL;
  g_autofree char *latency = NULL;
  g_autofree char *bandwidth = NULL;
  VbTestConsole *console;

  g_assert_cmpuint (
    g_string_replace (xml, "<vcpu>1</vcpu>",
                      "<vcpu>1</vcpu>\n  <cpu>\n    <numa>\n"
                      "      <cell id='0' cpus='0' memory='192' unit='MiB'>\n"
                      "        <cache level='1' associativity='direct' policy='writeback'>\n"
                      "          <size value='10' unit='KiB'/>\n"
                      "          <line value='64' unit='B'/>\n"
                      "        </cache>\n      </cell>\n"
                      "      <cell id='1' memory='64' unit='MiB'/>\n"
                      "      <interconnects>\n"
                      "        <latency initiator='0' target='0' type='access' value='5'/>\n"
                      "        <bandwidth initiator='0' target='0' type='access' value='200' "
                      "unit='MiB'/>\n"
                      "      </interconnects>\n    </numa>\n  </cpu>",
                      1),
    ==, 1);
  path = vb_test_boot_guest (f->env, xml->str, TRUE, 180000);
  console = vb_test_console_open (f->env, path);
  cache_size = vb_test_console_answer (console, "cat /sys/devices/system/node/node0/memory_side_cache/index1/size");
  cache_line =
    vb_test_console_answer (console, "cat /sys/devices/system/node/node0/memory_side_cache/index1/line_size");
  latency = vb_test_console_answer (console, "cat /sys/devices/system/node/node0/access0/initiators/read_latency");
  bandwidth = vb_test_console_answer (console, "cat /sys/devices/system/node/node0/access0/initiators/read_bandwidth");
  g_assert_cmpstr (cache_size, ==, "10240");
  g_assert_cmpstr (cache_line, ==, "64");
  g_assert_cmpstr (latency, ==, "5");
  g_assert_cmpstr (bandwidth, ==, "200");
  vb_test_console_free (console);
  destroy (f, path);
}

/* An NVDIMM on a host file, shared: the guest's kernel (nfit, nd_pmem)
 * shows it as /dev/pmem0 of its size, and what the guest writes there is in
 * the host's file. */
static void
test_nvdimm (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-nvdimm-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "guest.nvdimm", NULL);
  g_autofree char *devices =
    g_strdup_printf ("    <memory model='nvdimm' access='shared'>\n"
                     "      <source><path>%s</path></source>\n"
                     "      <target><size unit='MiB'>64</size><node>0</node></target>\n"
                     "    </memory>\n",
                     file);
  g_autofree char *base = vb_test_guest_xml ("nvdimm1", 256, NULL, devices);
  g_autoptr (GString) xml = g_string_new (base);
  g_autofree char *path = NULL;
  g_autofree char *sectors = NULL;
  g_autofree char *wrote = NULL;
  g_autofree char *contents = NULL;
  VbTestConsole *console;

  g_assert_nonnull (dir);
  g_assert_cmpuint (g_string_replace (xml, "<vcpu>1</vcpu>",
                                      "<maxMemory slots='2' unit='MiB'>1024</maxMemory>\n"
                                      "  <vcpu>1</vcpu>\n  <cpu><numa><cell id='0' cpus='0' "
                                      "memory='256' unit='MiB'/></numa></cpu>",
                                      1),
                    ==, 1);
  path = vb_test_boot_guest (f->env, xml->str, TRUE, 180000);
  console = vb_test_console_open (f->env, path);
  /* 64 MiB in 512-byte sectors. */
  sectors = vb_test_console_answer (console, "cat /sys/block/pmem0/size");
  g_assert_cmpstr (sectors, ==, "131072");
  /* The last line: the guest's kernel may print on the console too. */
  wrote = vb_test_console_answer (console, "echo VB-NVDIMM-WROTE-THIS > /dev/pmem0 && sync && echo written");
  g_assert_true (g_str_has_suffix (wrote, "written"));
  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "VB-NVDIMM-WROTE-THIS"));
  vb_test_console_free (console);
  destroy (f, path);
  g_unlink (file);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-memtune/numad", Fixture, NULL, vb_guest_fixture_set_up, test_numad, vb_guest_fixture_tear_down);
  g_test_add ("/xml-memtune/memtune", Fixture, NULL, vb_guest_fixture_set_up, test_memtune,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-memtune/blkiotune", Fixture, NULL, vb_guest_fixture_set_up, test_blkiotune,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-memtune/restrictive", Fixture, NULL, vb_guest_fixture_set_up, test_restrictive,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-memtune/hmat", Fixture, NULL, vb_guest_fixture_set_up, test_hmat, vb_guest_fixture_tear_down);
  g_test_add ("/xml-memtune/nvdimm", Fixture, NULL, vb_guest_fixture_set_up, test_nvdimm, vb_guest_fixture_tear_down);
  return g_test_run ();
}
