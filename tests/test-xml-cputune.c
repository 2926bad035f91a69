/* <vcpu cpuset>, <cputune> and <iothreads> on the project's test guest under
 * QEMU, seen from the host: the CPUs each QEMU thread may run on
 * (/proc/PID/task/TID/status), its scheduling policy (.../sched) and its cpu
 * cgroup (.../cgroup, the cgroup's files), the iothread QEMU runs ("IO
 * iothread1") and the guest reading its disk through it, also one plugged
 * in; and a CPU the host lacks refused at Start by name. */
#include <glib/gstdio.h>
#include <string.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 120000
#define LIVE 1u
#define PATTERN_SIZE (1024 * 1024)

typedef struct {
  VbTestEnv *env;
  char *disk; /* vda: a known pattern */
  char *disk_md5;
  char *extra; /* vdb, plugged in: another pattern */
  char *extra_md5;
  VbTestConsole *console;
} Fixture;

static char *
pattern_file (Fixture *f, const char *name, guint seed, char **md5)
{
  g_autofree guint8 *data = g_malloc (PATTERN_SIZE);
  char *path = g_build_filename (f->env->tmpdir, name, NULL);

  for (guint i = 0; i < PATTERN_SIZE; i++)
    data[i] = (guint8) ((i * seed + i / 4096) & 0xff);
  g_assert_true (g_file_set_contents (path, (const char *) data, PATTERN_SIZE, NULL));
  *md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, data, PATTERN_SIZE);
  return path;
}

static void
set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  f->disk = pattern_file (f, "disk.img", 7, &f->disk_md5);
  f->extra = pattern_file (f, "extra.img", 13, &f->extra_md5);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  g_free (f->disk);
  g_free (f->disk_md5);
  g_free (f->extra);
  g_free (f->extra_md5);
}

/* The test guest with @vcpu_and_tuning instead of its <vcpu>1</vcpu>, its
 * disk vda on iothread 1. */
static char *
guest_xml (Fixture *f, const char *name, const char *vcpu_and_tuning)
{
  g_autofree char *disk = vb_test_disk_xml (f->disk, "raw", "vda");
  g_autoptr (GString) disk_text = g_string_new (disk);
  g_autofree char *xml = NULL;
  g_autoptr (GString) text = NULL;

  g_assert_cmpuint (g_string_replace (disk_text, "type='raw'/>", "type='raw' iothread='1'/>", 1),
                    ==, 1);
  xml = vb_test_guest_xml (name, 192, "vb.counter=0", disk_text->str);
  text = g_string_new (xml);
  g_assert_cmpuint (g_string_replace (text, "  <vcpu>1</vcpu>\n", vcpu_and_tuning, 1), ==, 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
read_trimmed (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return g_strstrip (text);
}

/* The value after "@key" up to the end of its line in @text, trimmed of
 * blanks and ':'. */
static char *
field (const char *text, const char *key)
{
  const char *at = strstr (text, key);
  const char *end;

  g_assert_nonnull (at);
  at += strlen (key);
  while (*at == ' ' || *at == '\t' || *at == ':')
    at++;
  end = strchr (at, '\n');
  return g_strndup (at, end ? (gsize) (end - at) : strlen (at));
}

/* Of each thread of QEMU @pid: its name → "CPUS|POLICY|CPU-CGROUP". */
static GHashTable *
threads_of (int pid)
{
  GHashTable *threads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr (GDir) dir = g_dir_open (task_dir, 0, NULL);
  const char *tid;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)))
    {
      g_autofree char *base = g_build_filename (task_dir, tid, NULL);
      g_autofree char *comm_path = g_build_filename (base, "comm", NULL);
      g_autofree char *status_path = g_build_filename (base, "status", NULL);
      g_autofree char *sched_path = g_build_filename (base, "sched", NULL);
      g_autofree char *cgroup_path = g_build_filename (base, "cgroup", NULL);
      g_autofree char *comm = read_trimmed (comm_path);
      g_autofree char *status = read_trimmed (status_path);
      g_autofree char *sched = read_trimmed (sched_path);
      g_autofree char *cgroups = read_trimmed (cgroup_path);
      g_autofree char *cpus = field (status, "Cpus_allowed_list");
      g_autofree char *policy = field (sched, "\npolicy");
      g_auto (GStrv) lines = g_strsplit (cgroups, "\n", -1);
      const char *cpu_cgroup = "";
      char *key;

      for (guint i = 0; lines[i]; i++)
        if (strstr (lines[i], ":cpu:") || strstr (lines[i], ":cpu,"))
          cpu_cgroup = strrchr (lines[i], ':') + 1;
      /* Threads of one name (a pool's workers) are told apart by their id. */
      key = g_hash_table_contains (threads, comm) ? g_strdup_printf ("%s#%s", comm, tid)
                                                  : g_strdup (comm);
      g_hash_table_insert (threads, key, g_strdup_printf ("%s|%s|%s", cpus, policy, cpu_cgroup));
    }
  return threads;
}

static void
expect_thread (GHashTable *threads, const char *name, const char *cpus_policy, const char *uuid,
               const char *cgroup)
{
  g_autofree char *want = g_strdup_printf ("%s|/virtbus-%s/%s", cpus_policy, uuid, cgroup);

  g_assert_cmpstr (g_hash_table_lookup (threads, name), ==, want);
}

/* How often QEMU @pid's "IO iothread1" gave up its CPU to wait. */
static guint64
iothread_switches (int pid)
{
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr (GDir) dir = g_dir_open (task_dir, 0, NULL);
  const char *tid;

  g_assert_nonnull (dir);
  while ((tid = g_dir_read_name (dir)))
    {
      g_autofree char *comm_path = g_build_filename (task_dir, tid, "comm", NULL);
      g_autofree char *status_path = g_build_filename (task_dir, tid, "status", NULL);
      g_autofree char *comm = read_trimmed (comm_path);
      g_autofree char *status = NULL;
      g_autofree char *count = NULL;

      if (!g_str_equal (comm, "IO iothread1"))
        continue;
      status = read_trimmed (status_path);
      count = field (status, "voluntary_ctxt_switches");
      return g_ascii_strtoull (count, NULL, 10);
    }
  g_assert_not_reached ();
}

static void
expect_cgroup_file (const char *group, const char *name, const char *value)
{
  g_autofree char *path = g_build_filename (group, name, NULL);
  g_autofree char *text = read_trimmed (path);

  g_assert_cmpstr (text, ==, value);
}

static char *
cgroup_dir (const char *uuid)
{
  return g_strdup_printf ("/sys/fs/cgroup/cpu/virtbus-%s", uuid);
}

/* Two vCPUs pinned one to each CPU, the emulator on CPU 1, iothread 1 on
 * CPU 0, vCPU 1 under SCHED_BATCH; shares, and quotas of two CPUs' worth
 * (so the TCG guest is not slowed). */
#define PINNED                                         \
  "  <vcpu placement='static' cpuset='0-1'>2</vcpu>\n" \
  "  <iothreads>1</iothreads>\n"                       \
  "  <cputune>\n"                                      \
  "    <shares>2048</shares>\n"                        \
  "    <period>100000</period>\n"                      \
  "    <quota>200000</quota>\n"                        \
  "    <global_period>100000</global_period>\n"        \
  "    <global_quota>400000</global_quota>\n"          \
  "    <emulator_period>100000</emulator_period>\n"    \
  "    <emulator_quota>300000</emulator_quota>\n"      \
  "    <iothread_quota>250000</iothread_quota>\n"      \
  "    <vcpupin vcpu='0' cpuset='0'/>\n"               \
  "    <vcpupin vcpu='1' cpuset='1'/>\n"               \
  "    <emulatorpin cpuset='1'/>\n"                    \
  "    <iothreadpin iothread='1' cpuset='0'/>\n"       \
  "    <vcpusched vcpus='1' scheduler='batch'/>\n"     \
  "  </cputune>\n"

/* Each thread where PINNED says, in its cgroup with its values; the disks,
 * vda and one plugged in, served by the iothread. */
static void
test_pinned (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "pinned", PINNED);
  g_autofree char *path = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *group = NULL;
  g_autoptr (GHashTable) threads = NULL;
  g_autofree char *vdb = NULL;
  g_autofree char *out = NULL;
  GHashTableIter iter;
  gpointer name, value;

  vb_test_env_start_daemon (f->env, NULL);
  path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  group = cgroup_dir (uuid);
  threads = threads_of (vb_test_qemu_pid (f->env, path));

  /* SCHED_BATCH is policy 3, SCHED_OTHER 0. */
  expect_thread (threads, "CPU 0/TCG", "0|0", uuid, "vcpu0");
  expect_thread (threads, "CPU 1/TCG", "1|3", uuid, "vcpu1");
  expect_thread (threads, "IO iothread1", "0|0", uuid, "iothread1");
  /* The rest is the emulator's; a pool's worker goes with the thread that
   * started it, the main loop's or the iothread's. */
  g_hash_table_iter_init (&iter, threads);
  while (g_hash_table_iter_next (&iter, &name, &value))
    if (!g_str_has_prefix (name, "CPU ") && !g_str_equal (name, "IO iothread1"))
      {
        g_autofree char *emulator = g_strdup_printf ("1|0|/virtbus-%s/emulator", uuid);
        g_autofree char *iothread = g_strdup_printf ("0|0|/virtbus-%s/iothread1", uuid);

        g_test_message ("thread %s: %s", (const char *) name, (const char *) value);
        if (!g_str_has_prefix (name, "worker") || !g_str_equal (value, iothread))
          g_assert_cmpstr (value, ==, emulator);
      }
  expect_cgroup_file (group, "cpu.shares", "2048");
  expect_cgroup_file (group, "cpu.cfs_quota_us", "400000");
  expect_cgroup_file (group, "vcpu0/cpu.cfs_quota_us", "200000");
  expect_cgroup_file (group, "vcpu1/cpu.cfs_period_us", "100000");
  expect_cgroup_file (group, "emulator/cpu.cfs_quota_us", "300000");
  expect_cgroup_file (group, "iothread1/cpu.cfs_quota_us", "250000");

  /* The guest reads its disk, served by the iothread. */
  f->console = vb_test_console_open (f->env, path);
  {
    guint64 switches = iothread_switches (vb_test_qemu_pid (f->env, path));

    out = vb_test_console_output (
      f->console, "dd if=/dev/vda bs=4096 count=256 iflag=direct 2>/dev/null | md5sum", 60000);
    g_assert_nonnull (strstr (out, f->disk_md5));
    g_assert_cmpuint (iothread_switches (vb_test_qemu_pid (f->env, path)) - switches, >=, 200);
  }

  /* A disk plugged in on the iothread; one naming an iothread the guest
   * lacks is refused by name. */
  {
    g_autofree char *plain = vb_test_disk_xml (f->extra, "raw", "vdb");
    g_autoptr (GString) bad = g_string_new (plain);
    g_autoptr (GString) good = g_string_new (plain);
    g_autofree char *sum = NULL;
    guint64 switches;

    g_string_replace (good, "type='raw'/>", "type='raw' iothread='1'/>", 1);
    g_string_replace (bad, "type='raw'/>", "type='raw' iothread='9'/>", 1);
    vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "AttachDevice",
                                      g_variant_new ("(su)", bad->str, LIVE),
                                      ERROR_PREFIX "InvalidXML", "iothread 9 does not exist");
    vb_test_call_void (f->env, path, IFACE_DOMAIN, "AttachDevice",
                       g_variant_new ("(su)", good->str, LIVE));
    for (int i = 0; i < 60; i++)
      {
        g_autofree char *blocks = vb_test_console_output (f->console, "ls /sys/block", 30000);
        if (strstr (blocks, "vdb"))
          break;
        g_usleep (500000);
      }
    /* Each read reaches QEMU (O_DIRECT) and wakes the iothread serving
     * vdb: it is iothread 1 when its switches grow by one a request. */
    switches = iothread_switches (vb_test_qemu_pid (f->env, path));
    sum = vb_test_console_output (
      f->console, "dd if=/dev/vdb bs=4096 count=256 iflag=direct 2>/dev/null | md5sum", 60000);
    g_assert_nonnull (strstr (sum, f->extra_md5));
    g_test_message ("IO iothread1 switched %" G_GUINT64_FORMAT " times while vdb was read",
                    iothread_switches (vb_test_qemu_pid (f->env, path)) - switches);
    g_assert_cmpuint (iothread_switches (vb_test_qemu_pid (f->env, path)) - switches, >=, 200);
    vdb = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
    g_assert_nonnull (strstr (vdb, "iothread='1'/>\n      <source file='"));
  }

  /* The cgroup goes with QEMU. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  for (int i = 0; i < 100 && g_file_test (group, G_FILE_TEST_EXISTS); i++)
    g_usleep (100000);
  g_assert_false (g_file_test (group, G_FILE_TEST_EXISTS));
}

/* A guest restored from a managed save is placed again: the QEMU that
 * reads the image is a new one. */
static void
test_restored (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "restored", PINNED);
  g_autofree char *path = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *job = NULL;
  g_autoptr (GHashTable) threads = NULL;
  g_autofree char *group = NULL;
  int pid;

  vb_test_env_start_daemon (f->env, NULL);
  path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  pid = vb_test_qemu_pid (f->env, path);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 120000));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  {
    g_autofree char *reason = vb_test_get_string (f->env, path, IFACE_DOMAIN, "StateReason");

    g_assert_cmpstr (reason, ==, "restored");
  }
  g_assert_cmpint (vb_test_qemu_pid (f->env, path), !=, pid);
  threads = threads_of (vb_test_qemu_pid (f->env, path));
  expect_thread (threads, "CPU 0/TCG", "0|0", uuid, "vcpu0");
  expect_thread (threads, "CPU 1/TCG", "1|3", uuid, "vcpu1");
  expect_thread (threads, "IO iothread1", "0|0", uuid, "iothread1");
  group = cgroup_dir (uuid);
  expect_cgroup_file (group, "cpu.shares", "2048");
}

/* Defines @vcpu_and_tuning's guest (accepted: another host may run it) and
 * expects Start to refuse it with NotSupported saying @words. */
static void
expect_start_refused (Fixture *f, const char *name, const char *vcpu_and_tuning, const char *words)
{
  g_autofree char *xml = guest_xml (f, name, vcpu_and_tuning);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *state = NULL;

  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    ERROR_PREFIX "NotSupported", words);
  state = vb_test_get_string (f->env, path, IFACE_DOMAIN, "State");
  g_assert_cmpstr (state, ==, "shutoff");
}

/* What the host cannot do is refused at Start, by name: a CPU it lacks, a
 * priority outside its range, a realtime thread in a cpu cgroup (this
 * host's cgroup v1 gives a new cgroup no realtime budget). */
static void
test_refused_at_start (Fixture *f, gconstpointer data)
{
  vb_test_env_start_daemon (f->env, NULL);
  expect_start_refused (f, "lacking",
                        "  <vcpu placement='static'>2</vcpu>\n"
                        "  <iothreads>1</iothreads>\n"
                        "  <cputune>\n"
                        "    <vcpupin vcpu='1' cpuset='0,1000'/>\n"
                        "  </cputune>\n",
                        "<vcpupin> at line 9: this host has no CPU 1000 online (its CPUs: ");
  expect_start_refused (f, "priority",
                        "  <vcpu placement='static'>2</vcpu>\n"
                        "  <iothreads>1</iothreads>\n"
                        "  <cputune>\n"
                        "    <vcpusched vcpus='1' scheduler='fifo' priority='0'/>\n"
                        "  </cputune>\n",
                        "<vcpusched> at line 9: priority 0 is outside this host's range for "
                        "scheduler 'fifo' (1 to 99)");
  expect_start_refused (f, "realtime",
                        "  <vcpu placement='static'>2</vcpu>\n"
                        "  <iothreads>1</iothreads>\n"
                        "  <cputune>\n"
                        "    <shares>1024</shares>\n"
                        "    <vcpusched vcpus='1' scheduler='rr' priority='1'/>\n"
                        "  </cputune>\n",
                        "<vcpusched> at line 10: a realtime scheduler cannot be combined with "
                        "<shares> at line 9 here");
}

/* A vCPU plugged into the running guest is pinned as <vcpupin> says, not
 * left on the emulator's CPU its thread was born with. */
static void
test_vcpu_hotplug (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "hotpin",
                                    "  <vcpu placement='static' current='1'>2</vcpu>\n"
                                    "  <iothreads>1</iothreads>\n"
                                    "  <cputune>\n"
                                    "    <vcpupin vcpu='0' cpuset='1'/>\n"
                                    "    <vcpupin vcpu='1' cpuset='0'/>\n"
                                    "    <emulatorpin cpuset='1'/>\n"
                                    "  </cputune>\n");
  g_autofree char *path = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GHashTable) after = NULL;

  vb_test_env_start_daemon (f->env, NULL);
  path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  before = threads_of (vb_test_qemu_pid (f->env, path));
  g_assert_null (g_hash_table_lookup (before, "CPU 1/TCG"));
  vb_test_guest_plug_vcpu (f->env, path);
  after = threads_of (vb_test_qemu_pid (f->env, path));
  g_assert_nonnull (g_hash_table_lookup (after, "CPU 1/TCG"));
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (after, "CPU 1/TCG"), "0|"));
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (after, "CPU 0/TCG"), "1|"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-cputune/pinned", Fixture, NULL, set_up, test_pinned, tear_down);
  g_test_add ("/xml-cputune/refused-at-start", Fixture, NULL, set_up, test_refused_at_start,
              tear_down);
  g_test_add ("/xml-cputune/restored", Fixture, NULL, set_up, test_restored, tear_down);
  g_test_add ("/xml-cputune/vcpu-hotplug", Fixture, NULL, set_up, test_vcpu_hotplug, tear_down);
  return g_test_run ();
}
