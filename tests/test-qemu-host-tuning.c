/* Host tuning's checks (docs/xml-subset.md, "Host tuning"): the partition
 * and appid rules of define, and the perf events Start refuses. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "domain-tuning.h"
#include "qemu-host-tuning.h"
#include "vb-error.h"

static void
test_partition (void)
{
  g_assert_true (vb_domain_partition_valid ("/machine"));
  g_assert_true (vb_domain_partition_valid ("/machine/tenant-1.slice_a"));
  g_assert_false (vb_domain_partition_valid (NULL));
  g_assert_false (vb_domain_partition_valid ("/"));
  g_assert_false (vb_domain_partition_valid ("machine"));
  g_assert_false (vb_domain_partition_valid ("/machine/"));
  g_assert_false (vb_domain_partition_valid ("//machine"));
  g_assert_false (vb_domain_partition_valid ("/machine/../etc"));
  g_assert_false (vb_domain_partition_valid ("/machine/."));
  g_assert_false (vb_domain_partition_valid ("/mach ine"));
  g_assert_false (vb_domain_partition_valid ("/machine\n/x"));
}

static void
test_appid (void)
{
  g_autofree char *longest = g_strnfill (VB_DOMAIN_APPID_MAX, 'a');
  g_autofree char *too_long = g_strnfill (VB_DOMAIN_APPID_MAX + 1, 'a');

  g_assert_true (vb_domain_appid_valid ("someapp:c7a5fdbd-edaf-9455-926a-d65c16db1809"));
  g_assert_true (vb_domain_appid_valid (longest));
  g_assert_false (vb_domain_appid_valid (too_long));
  g_assert_false (vb_domain_appid_valid (""));
  g_assert_false (vb_domain_appid_valid (NULL));
  g_assert_false (vb_domain_appid_valid ("some app"));
  g_assert_false (vb_domain_appid_valid ("app\n1:x"));
  g_assert_false (vb_domain_appid_valid ("caf\xc3\xa9"));
}

/* Software events are there on any Linux; disabled events ask nothing. */
static void
test_perf_check (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (vb_qemu_host_tuning_check (
    "<domain><name>t</name><perf><event name='task_clock' enabled='yes'/>"
    "<event name='cmt' enabled='no'/></perf></domain>",
    &error));
  g_assert_no_error (error);
  if (g_file_test ("/sys/bus/event_source/devices/intel_cqm", G_FILE_TEST_EXISTS))
    return;
  g_assert_false (vb_qemu_host_tuning_check (
    "<domain><name>t</name><perf><event name='mbml' enabled='yes'/></perf></domain>", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "'mbml'"));
  g_assert_nonnull (strstr (error->message, "intel_cqm"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host-tuning/partition", test_partition);
  g_test_add_func ("/host-tuning/appid", test_appid);
  g_test_add_func ("/host-tuning/perf-check", test_perf_check);
  return g_test_run ();
}
