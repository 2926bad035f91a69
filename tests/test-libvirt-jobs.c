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
  g_autofree char *xml =
    g_strdup_printf ("<domain type='test'>\n"
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

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/libvirt-jobs/domain-job", test_domain_job);
  g_test_add_func ("/libvirt-jobs/domain-members", test_domain_members);
  return g_test_run ();
}
