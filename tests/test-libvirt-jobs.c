/* The org.libvirt members on a domain's jobs and the host that map onto
 * virtbus (docs/libvirt-dbus.md), on the test driver: GetJobInfo,
 * GetJobStats, AbortJob, GetControlInfo, the block job members, MemoryStats,
 * Save, OpenGraphicsFD; Connect's GetAllDomainStats, DomainRestore,
 * NodeGetFreeMemory, NodeGetCPUMap; libvirt's numbers, flags and texts, and
 * their authorization. A running job needs QEMU: test-save.c and
 * test-block-copy.c call these members on one. */
#include "vb-test-libvirt.h"

#define DOMAIN "org.libvirt.Domain"
#define UUID "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e01"
#define UUID2 "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e02"

/* A test domain with one disk, vda. */
static char *
define_with_disk (VbTestEnv *env, const char *name, const char *uuid)
{
  g_autofree char *xml = g_strdup_printf ("<domain type='test'>\n"
                                          "  <name>%s</name>\n"
                                          "  <uuid>%s</uuid>\n"
                                          "  <memory unit='MiB'>128</memory>\n"
                                          "  <vcpu>1</vcpu>\n"
                                          "  <os><type arch='x86_64'>hvm</type></os>\n"
                                          "  <devices>\n"
                                          "    <disk type='file' device='disk'>\n"
                                          "      <source file='/var/lib/virtbus-test/%s.img'/>\n"
                                          "      <target dev='vda' bus='virtio'/>\n"
                                          "    </disk>\n"
                                          "  </devices>\n"
                                          "</domain>\n",
                                          name, uuid, name);

  return lv_path (env, LV_TEST, LV_CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml));
}

static void
assert_no_job_info (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply = lv_ok (env, path, DOMAIN, "GetJobInfo", NULL);
  g_autoptr (GVariant) info = g_variant_get_child_value (reply, 0);
  int type;

  g_assert_cmpstr (g_variant_get_type_string (info), ==, "(ittttttttttt)");
  g_variant_get_child (info, 0, "i", &type);
  g_assert_cmpint (type, ==, 0); /* VIR_DOMAIN_JOB_NONE */
  for (gsize i = 1; i < g_variant_n_children (info); i++)
    {
      guint64 value;

      g_variant_get_child (info, i, "t", &value);
      g_assert_cmpuint (value, ==, 0);
    }
}

static void
assert_job_stats_none (VbTestEnv *env, const char *path, guint flags)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, path, DOMAIN, "GetJobStats", g_variant_new ("(u)", flags));
  g_autoptr (GVariant) stats = NULL;
  int type;

  g_variant_get (reply, "((i@a{sv}))", &type, &stats);
  g_assert_cmpint (type, ==, 0);
  g_assert_cmpuint (g_variant_n_children (stats), ==, 0);
}

/* ---- a domain's jobs, with none running ---- */

static void
test_domain_job (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = define_with_disk (env, "lv-jobs", UUID);
  g_autoptr (GVariant) reply = NULL;
  guint state, details;
  guint64 state_time;

  lv_void (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0));

  assert_no_job_info (env, path);
  assert_job_stats_none (env, path, 0);
  /* COMPLETED: no job has finished either. */
  assert_job_stats_none (env, path, 1);
  lv_expect_error (env, path, DOMAIN, "GetJobStats", g_variant_new ("(u)", 4),
                   "invalid argument: unsupported flags (0x4) in function virDomainGetJobStats");
  lv_expect_error (env, path, DOMAIN, "AbortJob", NULL,
                   "Requested operation is not valid: no job is active on the domain");

  reply = lv_ok (env, path, DOMAIN, "GetControlInfo", g_variant_new ("(u)", 0));
  g_variant_get (reply, "((uut))", &state, &details, &state_time);
  g_assert_cmpuint (state, ==, 0); /* VIR_DOMAIN_CONTROL_OK */
  g_assert_cmpuint (details, ==, 0);
  g_assert_cmpuint (state_time, ==, 0);
  g_clear_pointer (&reply, g_variant_unref);
  lv_expect_error (env, path, DOMAIN, "GetControlInfo", g_variant_new ("(u)", 1),
                   "invalid argument: unsupported flags (0x1) in function "
                   "virDomainGetControlInfo");

  /* Block jobs: vda has none; a disk the domain lacks is libvirt's error. */
  {
    gint type;
    guint64 bandwidth, cur, end;

    reply = lv_ok (env, path, DOMAIN, "GetBlockJobInfo", g_variant_new ("(su)", "vda", 0));
    g_variant_get (reply, "((ittt))", &type, &bandwidth, &cur, &end);
    g_assert_cmpint (type, ==, 0);
    g_assert_cmpuint (bandwidth + cur + end, ==, 0);
    g_clear_pointer (&reply, g_variant_unref);
    /* The disk by its source file. */
    reply = lv_ok (env, path, DOMAIN, "GetBlockJobInfo",
                   g_variant_new ("(su)", "/var/lib/virtbus-test/lv-jobs.img", 1));
    g_clear_pointer (&reply, g_variant_unref);
  }
  lv_expect_error (env, path, DOMAIN, "GetBlockJobInfo", g_variant_new ("(su)", "vdz", 0),
                   "invalid argument: disk vdz not found in the domain");
  lv_expect_error (env, path, DOMAIN, "GetBlockJobInfo", g_variant_new ("(su)", "vda", 2),
                   "invalid argument: unsupported flags (0x2) in function "
                   "virDomainGetBlockJobInfo");
  lv_expect_error (env, path, DOMAIN, "BlockJobAbort", g_variant_new ("(su)", "vda", 0),
                   "invalid argument: disk vda does not have an active block job");
  lv_expect_error (env, path, DOMAIN, "BlockJobAbort", g_variant_new ("(su)", "vda", 2),
                   "invalid argument: disk vda does not have an active block job");
  lv_expect_error (env, path, DOMAIN, "BlockJobAbort", g_variant_new ("(su)", "vda", 4),
                   "invalid argument: unsupported flags (0x4) in function "
                   "virDomainBlockJobAbort");
  lv_expect_error (env, path, DOMAIN, "BlockJobSetSpeed", g_variant_new ("(stu)", "vda", 10, 0),
                   "invalid argument: disk vda does not have an active block job");
  lv_expect_error (env, path, DOMAIN, "BlockJobSetSpeed",
                   g_variant_new ("(stu)", "vda", G_MAXUINT64, 0),
                   "invalid argument: bandwidth must be less than ...");
  lv_expect_error (env, path, DOMAIN, "BlockJobAbort", g_variant_new ("(su)", "vdz", 0),
                   "invalid argument: disk vdz not found in the domain");

  /* What libvirt asks the guest for needs a guest. */
  lv_void (env, path, DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  lv_expect_error (env, path, DOMAIN, "GetJobInfo", NULL,
                   "Requested operation is not valid: domain is not running");
  lv_expect_error (env, path, DOMAIN, "GetJobStats", g_variant_new ("(u)", 0),
                   "Requested operation is not valid: domain is not running");
  /* The completed job outlives the guest, as after a save. */
  assert_job_stats_none (env, path, 1);
  lv_expect_error (env, path, DOMAIN, "AbortJob", NULL,
                   "Requested operation is not valid: domain is not running");
  lv_expect_error (env, path, DOMAIN, "GetControlInfo", g_variant_new ("(u)", 0),
                   "Requested operation is not valid: domain is not running");
  lv_expect_error (env, path, DOMAIN, "GetBlockJobInfo", g_variant_new ("(su)", "vda", 0),
                   "Requested operation is not valid: domain is not running");
}

/* ---- MemoryStats, Save, OpenGraphicsFD, BlockCopy on the test driver ---- */

static void
test_domain_members (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = define_with_disk (env, "lv-members", UUID);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) stats = NULL;
  guint64 actual = 0, rss = 0;

  lv_void (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0));
  /* The balloon's figures under libvirt's tags: ACTUAL_BALLOON 6, RSS 7
   * (the test driver's guest holds half its memory). */
  reply = lv_ok (env, path, DOMAIN, "MemoryStats", g_variant_new ("(u)", 0));
  stats = g_variant_get_child_value (reply, 0);
  g_assert_cmpstr (g_variant_get_type_string (stats), ==, "a{it}");
  {
    GVariantIter iter;
    gint tag;
    guint64 figure;
    gboolean seen_actual = FALSE, seen_rss = FALSE;

    g_variant_iter_init (&iter, stats);
    while (g_variant_iter_next (&iter, "{it}", &tag, &figure))
      if (tag == 6)
        actual = figure, seen_actual = TRUE;
      else if (tag == 7)
        rss = figure, seen_rss = TRUE;
    g_assert_true (seen_actual && seen_rss);
  }
  g_assert_cmpuint (actual, ==, 128 * 1024);
  g_assert_cmpuint (rss, ==, 64 * 1024);
  lv_expect_error (env, path, DOMAIN, "MemoryStats", g_variant_new ("(u)", 1),
                   "invalid argument: unsupported flags (0x1) in function virDomainMemoryStats");

  /* The test driver cannot save, copy disks or show a display: the
   * operation layer's refusals, as libvirt's errors. */
  lv_expect_error (env, path, DOMAIN, "Save",
                   g_variant_new ("(ssu)", "/var/lib/virtbus-test/lv.save", "<domain/>", 0),
                   "Operation not supported: virtbus saves the domain's own definition: the xml "
                   "argument must be empty");
  lv_expect_error (env, path, DOMAIN, "Save",
                   g_variant_new ("(ssu)", "/var/lib/virtbus-test/lv.save", "", 0),
                   "Operation not supported: The test driver cannot save or restore domains");
  lv_expect_error (env, path, DOMAIN, "OpenGraphicsFD", g_variant_new ("(uu)", 0, 0),
                   "Operation not supported: The test driver has no graphical displays");
  lv_expect_error (env, path, DOMAIN, "BlockCopy",
                   g_variant_new ("(ss@a{sv}u)", "vda",
                                  "<disk type='file'><source "
                                  "file='/var/lib/virtbus-test/lv-copy.img'/></disk>",
                                  g_variant_new ("a{sv}", NULL), 0),
                   "Operation not supported: The test driver cannot copy disks");

  lv_void (env, path, DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  lv_expect_error (env, path, DOMAIN, "MemoryStats", g_variant_new ("(u)", 0),
                   "Requested operation is not valid: domain is not running");
}

/* ---- Connect ---- */

static guint64
meminfo_kib (const char *key)
{
  g_autofree char *text = NULL;
  g_autofree char *label = g_strdup_printf ("\n%s:", key);
  g_autofree char *lines = NULL;
  const char *at;

  g_assert_true (g_file_get_contents ("/proc/meminfo", &text, NULL, NULL));
  lines = g_strconcat ("\n", text, NULL);
  at = strstr (lines, label);
  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (label), NULL, 10);
}

/* GetAllDomainStats' records: name → the double-wrapped state.state. */
static GHashTable *
all_stats (VbTestEnv *env, const char *connect, guint groups, guint flags)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, connect, LV_CONNECT, "GetAllDomainStats", g_variant_new ("(uu)", groups, flags));
  GHashTable *states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GVariantIter) iter = NULL;
  const char *name;
  GVariant *record;

  g_variant_get (reply, "(a(sa{sv}))", &iter);
  while (g_variant_iter_next (iter, "(&s@a{sv})", &name, &record))
    {
      g_autoptr (GVariant) owned = record;
      g_autoptr (GVariant) outer = g_variant_lookup_value (record, "state.state", NULL);
      g_autoptr (GVariant) inner = NULL;

      /* Typed parameters as libvirt-dbus sends them: variants in variants. */
      g_assert_nonnull (outer);
      g_assert_true (g_variant_is_of_type (outer, G_VARIANT_TYPE_VARIANT));
      inner = g_variant_get_variant (outer);
      g_hash_table_insert (states, g_strdup (name), GINT_TO_POINTER (g_variant_get_int32 (inner)));
      if (!(groups & ~1u) && groups)
        {
          /* Only the state group was asked for. */
          g_autoptr (GVariant) cpu = g_variant_lookup_value (record, "cpu.time", NULL);

          g_assert_null (cpu);
        }
    }
  return states;
}

static void
test_connect (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *running = define_with_disk (env, "lv-run", UUID);
  g_autofree char *off = define_with_disk (env, "lv-off", UUID2);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GHashTable) states = NULL;
  guint64 free_bytes;

  lv_void (env, running, DOMAIN, "Create", g_variant_new ("(u)", 0));

  /* Every domain of this Connect; its list filters (ACTIVE 1, INACTIVE 2). */
  states = all_stats (env, LV_TEST, 0, 0);
  g_assert_cmpuint (g_hash_table_size (states), ==, 2);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (states, "lv-run")), ==, 1);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (states, "lv-off")), ==, 5);
  g_clear_pointer (&states, g_hash_table_unref);
  states = all_stats (env, LV_TEST, 1, 1);
  g_assert_cmpuint (g_hash_table_size (states), ==, 1);
  g_assert_true (g_hash_table_contains (states, "lv-run"));
  g_clear_pointer (&states, g_hash_table_unref);
  states = all_stats (env, LV_TEST, 1, 2);
  g_assert_cmpuint (g_hash_table_size (states), ==, 1);
  g_assert_true (g_hash_table_contains (states, "lv-off"));
  g_clear_pointer (&states, g_hash_table_unref);
  /* The QEMU Connect's domains are not the test driver's. */
  states = all_stats (env, LV_QEMU, 0, 0);
  g_assert_cmpuint (g_hash_table_size (states), ==, 0);
  lv_expect_error (env, LV_TEST, LV_CONNECT, "GetAllDomainStats",
                   g_variant_new ("(uu)", 0, 1u << 20),
                   "invalid argument: unsupported flags (0x100000) in function "
                   "virConnectGetAllDomainStats");

  /* Bytes, as libvirt's; the host's MemFree moves, MemTotal bounds it. */
  reply = lv_ok (env, LV_QEMU, LV_CONNECT, "NodeGetFreeMemory", NULL);
  g_variant_get (reply, "(t)", &free_bytes);
  g_assert_cmpuint (free_bytes, >, 0);
  g_assert_cmpuint (free_bytes % 1024, ==, 0);
  g_assert_cmpuint (free_bytes / 1024, <=, meminfo_kib ("MemTotal"));
  g_clear_pointer (&reply, g_variant_unref);

  /* One place per CPU number the host has, true where the CPU is online
   * (the unit test of the reader has offline ones between online ones). */
  {
    g_autoptr (GVariant) map = NULL;
    g_autoptr (GString) got = g_string_new (NULL);
    g_autofree char *kernel = vb_test_kernel_cpus ();
    gsize n;
    const guchar *bits;

    reply = lv_ok (env, LV_QEMU, LV_CONNECT, "NodeGetCPUMap", g_variant_new ("(u)", 0));
    map = g_variant_get_child_value (reply, 0);
    g_assert_cmpstr (g_variant_get_type_string (map), ==, "ab");
    bits = g_variant_get_fixed_array (map, &n, sizeof (guchar));
    for (gsize i = 0; i < n; i++)
      g_string_append_c (got, bits[i] ? '1' : '0');
    g_strdelimit (kernel, "-", '0');
    g_assert_cmpstr (got->str, ==, kernel);
    g_assert_cmpuint (n, >=, (gsize) sysconf (_SC_NPROCESSORS_ONLN));
  }
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "NodeGetCPUMap", g_variant_new ("(u)", 1),
                   "invalid argument: unsupported flags (0x1) in function virNodeGetCPUMap");

  /* Restore: virtbus's checks of the image, libvirt's wording around them. */
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "DomainRestore",
                   g_variant_new ("(ssu)", "/var/lib/virtbus-test/none.save", "<domain/>", 0),
                   "Operation not supported: virtbus restores the image's own definition: the xml "
                   "argument must be empty");
  lv_expect_error (env, LV_QEMU, LV_CONNECT, "DomainRestore",
                   g_variant_new ("(ssu)", "/var/lib/virtbus-test/none.save", "", 0),
                   "Cannot open the save image: Cannot open /var/lib/virtbus-test/none.save: No "
                   "such file or directory");
}

/* ---- authorization: the actions of the Virt1 members they map to ---- */

#define SAVER "vbtest-saver" /* granted org.virtbus.Virt1.domain.save alone */

static void
expect_allowed (GDBusConnection *bus, const char *path, const char *iface, const char *method,
                GVariant *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = lv_call_on (bus, path, iface, method, args, &error);

  g_assert_no_error (error);
}

static void
child_unprivileged (void)
{
  g_autoptr (GDBusConnection) bus = lv_connect_as (LV_USER);
  g_autofree char *path = lv_handoff_get ("domain");

  /* org.virtbus.Virt1.read: open to everyone. */
  expect_allowed (bus, path, DOMAIN, "GetJobInfo", NULL);
  expect_allowed (bus, path, DOMAIN, "GetJobStats", g_variant_new ("(u)", 0));
  expect_allowed (bus, path, DOMAIN, "GetControlInfo", g_variant_new ("(u)", 0));
  expect_allowed (bus, path, DOMAIN, "GetBlockJobInfo", g_variant_new ("(su)", "vda", 0));
  expect_allowed (bus, path, DOMAIN, "MemoryStats", g_variant_new ("(u)", 0));
  expect_allowed (bus, LV_TEST, LV_CONNECT, "GetAllDomainStats", g_variant_new ("(uu)", 0, 0));
  expect_allowed (bus, LV_TEST, LV_CONNECT, "NodeGetFreeMemory", NULL);
  expect_allowed (bus, LV_TEST, LV_CONNECT, "NodeGetCPUMap", g_variant_new ("(u)", 0));
  /* job.manage (as Job.Cancel, Pivot, SetBandwidth), domain.block, domain.save,
   * domain.console: not granted. */
  lv_expect_error_on (bus, path, DOMAIN, "AbortJob", NULL,
                      "access denied: Not authorized to org.virtbus.Virt1.job.manage...");
  lv_expect_error_on (bus, path, DOMAIN, "BlockJobAbort", g_variant_new ("(su)", "vda", 0),
                      "access denied: Not authorized to org.virtbus.Virt1.job.manage...");
  lv_expect_error_on (bus, path, DOMAIN, "BlockJobSetSpeed", g_variant_new ("(stu)", "vda", 1, 0),
                      "access denied: Not authorized to org.virtbus.Virt1.job.manage...");
  lv_expect_error_on (bus, path, DOMAIN, "BlockCopy",
                      g_variant_new ("(ss@a{sv}u)", "vda", "<disk type='file'/>",
                                     g_variant_new ("a{sv}", NULL), 0),
                      "access denied: Not authorized to org.virtbus.Virt1.domain.block...");
  lv_expect_error_on (bus, path, DOMAIN, "Save",
                      g_variant_new ("(ssu)", "/var/lib/virtbus-test/u.save", "", 0),
                      "access denied: Not authorized to org.virtbus.Virt1.domain.save...");
  lv_expect_error_on (bus, path, DOMAIN, "OpenGraphicsFD", g_variant_new ("(uu)", 0, 0),
                      "access denied: Not authorized to org.virtbus.Virt1.domain.console...");
  lv_expect_error_on (bus, LV_TEST, LV_CONNECT, "DomainRestore",
                      g_variant_new ("(ssu)", "/var/lib/virtbus-test/u.save", "", 0),
                      "access denied: Not authorized to org.virtbus.Virt1.domain.save...");
}

static void
child_saver (void)
{
  g_autoptr (GDBusConnection) bus = lv_connect_as (SAVER);
  g_autofree char *path = lv_handoff_get ("domain");

  /* domain.save is not enough for an image outside every pool: the service
   * writes it as root (domain.host-files, as Domain.Save). */
  lv_expect_error_on (bus, path, DOMAIN, "Save", g_variant_new ("(ssu)", "/etc/cron.d/evil", "", 0),
                      "access denied: Not authorized to org.virtbus.Virt1.domain.host-files...");
  g_assert_false (g_file_test ("/etc/cron.d/evil", G_FILE_TEST_EXISTS));
}

static void
test_authorization (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_POLKIT);
  g_autofree char *path = define_with_disk (env, "lv-authz", UUID);

  lv_void (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0));
  lv_handoff_set ("address", env->bus_address);
  lv_handoff_set ("domain", path);
  vb_test_env_run_child (env, "/libvirt-jobs/child/unprivileged", 30 * G_USEC_PER_SEC);
  vb_test_env_run_child (env, "/libvirt-jobs/child/saver", 30 * G_USEC_PER_SEC);
}

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/libvirt-jobs/domain-job", test_domain_job);
  g_test_add_func ("/libvirt-jobs/domain-members", test_domain_members);
  g_test_add_func ("/libvirt-jobs/connect", test_connect);
  g_test_add_func ("/libvirt-jobs/authorization", test_authorization);
  g_test_add_data_func ("/libvirt-jobs/child/unprivileged", child_unprivileged,
                        vb_test_run_as_child);
  g_test_add_data_func ("/libvirt-jobs/child/saver", child_saver, vb_test_run_as_child);
  return g_test_run ();
}
