/* Host tuning under QEMU on this host: <perf>'s counters of QEMU's threads
 * in Domain.GetStats (perf.*), and the events Start refuses by name because
 * this host lacks them (hardware perf events without a PMU, cmt without
 * intel_cqm). <cachetune>, <memorytune> and <resource>, which virtbus does
 * on no host, are refused at define (goldens tuning-*). */
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

typedef VbGuestFixture Fixture;

/* The test guest with @extra before <os>. */
static char *
guest_xml (const char *name, const char *extra)
{
  g_autofree char *xml = vb_test_guest_xml (name, 128, NULL, NULL);
  g_autoptr (GString) text = g_string_new (xml);
  g_autofree char *with = g_strdup_printf ("%s\n  <os>", extra);

  g_assert_cmpuint (g_string_replace (text, "<os>", with, 1), ==, 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GVariant *
perf_stats (Fixture *f, const char *path)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (f->env, path, IFACE_DOMAIN, "GetStats", g_variant_new ("(u)", 64));

  return g_variant_get_child_value (reply, 0);
}

static guint64
stat_u64 (GVariant *stats, const char *key)
{
  guint64 value = 0;

  if (!g_variant_lookup (stats, key, "t", &value))
    g_error ("GetStats has no '%s' of type t", key);
  return value;
}

/* Enabled software events are counted for all of QEMU (its TCG vCPU thread
 * too, made before the counters were opened) and grow; a disabled one and
 * the other groups are not there; a QEMU without <perf> has no perf.*. */
static void
test_perf (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    guest_xml ("perf1", "<perf>\n    <event name='task_clock' enabled='yes'/>\n"
                        "    <event name='context_switches' enabled='yes'/>\n"
                        "    <event name='page_faults' enabled='yes'/>\n"
                        "    <event name='cpu_clock' enabled='no'/>\n  </perf>");
  g_autoptr (GVariant) first = NULL;
  g_autoptr (GVariant) later = NULL;
  guint64 task_ns;
  int pid;
  g_autofree char *stat_path = NULL;
  g_autofree char *stat = NULL;
  guint64 utime = 0, stime = 0;

  vb_guest_fixture_boot (f, xml, 180000);
  first = perf_stats (f, f->path);
  task_ns = stat_u64 (first, "perf.task_clock");
  g_assert_cmpuint (stat_u64 (first, "perf.page_faults"), >, 0);
  g_assert_cmpuint (stat_u64 (first, "perf.context_switches"), >, 0);
  g_assert_false (g_variant_lookup (first, "perf.cpu_clock", "t", NULL));
  g_assert_false (g_variant_lookup (first, "cpu.time", "t", NULL));
  /* The guest booted under TCG: seconds of CPU time, most of it in the
   * vCPU thread. The counters started at -S, so they are within the CPU
   * time /proc has for QEMU, and most of it. */
  pid = vb_test_qemu_pid (f->env, f->path);
  stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_assert_true (g_file_get_contents (stat_path, &stat, NULL, NULL));
  {
    const char *after = strrchr (stat, ')');
    g_auto (GStrv) fields = g_strsplit (after + 2, " ", -1);

    utime = g_ascii_strtoull (fields[11], NULL, 10);
    stime = g_ascii_strtoull (fields[12], NULL, 10);
  }
  g_assert_cmpuint (task_ns, >,
                    (utime + stime) * (G_USEC_PER_SEC * 1000 / sysconf (_SC_CLK_TCK)) / 2);
  g_usleep (G_USEC_PER_SEC);
  later = perf_stats (f, f->path);
  g_assert_cmpuint (stat_u64 (later, "perf.task_clock"), >, task_ns);
}

static gboolean
hardware_counts (void)
{
  struct perf_event_attr attr;
  int fd;

  memset (&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = PERF_COUNT_HW_CPU_CYCLES;
  fd = (int) syscall (SYS_perf_event_open, &attr, 0, -1, -1, 0);
  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

static void
expect_refused (Fixture *f, const char *name, const char *extra, const char *words)
{
  g_autofree char *xml = guest_xml (name, extra);

  vb_test_expect_start_refused (f->env, xml, words);
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  if (hardware_counts ())
    g_test_message ("this host counts hardware events: cpu_cycles not refused");
  else
    expect_refused (f, "perf2", "<perf><event name='cpu_cycles' enabled='yes'/></perf>",
                    "the perf event 'cpu_cycles' cannot be counted here");
  if (g_file_test ("/sys/bus/event_source/devices/intel_cqm", G_FILE_TEST_EXISTS))
    g_test_message ("this host has intel_cqm: cmt not refused");
  else
    expect_refused (f, "perf3", "<perf><event name='cmt' enabled='yes'/></perf>",
                    "no intel_cqm perf PMU");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-tuning/perf", Fixture, NULL, vb_guest_fixture_set_up, test_perf,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-tuning/refused", Fixture, NULL, vb_guest_fixture_set_up, test_refused,
              vb_guest_fixture_tear_down);
  return g_test_run ();
}
