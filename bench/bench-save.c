/* Managed save of a guest with 1 GiB of touched memory against
 * `dd if=/dev/zero bs=1M conv=fsync` of the same size to the same
 * filesystem (the service's state directory), in one run, rounds
 * interleaved; and the restore (Start → running) against the save.
 *
 *   ninja -C build bench-save     (builds the guest first; a few minutes under TCG)
 *   VB_DAEMON=build/service/daemon/virtbusd VB_TEST_SRCDIR=tests VB_TEST_GUEST_DIR=build/tests/guest \
 *     build/bench/bench-save [--rounds N] [--mem-mib M]
 *
 * Save: from the ManagedSave call to the Job's phase "completed" (the image
 * synced, renamed, its directory synced, QEMU gone); throughput is the
 * image's size over that time. dd: the same number of MiB, conv=fsync,
 * timed from its start to its exit. Restore: from the Start call to its
 * answer, which comes once the guest runs. Goal: save ≥ 90% of dd. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench-util.h"
#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define GOAL 0.90

static int n_rounds = 3;
static int mem_mib = 1024;
static gboolean show_log;

static gboolean
wait_for (const char *log, const char *needle, guint timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (log, &text, NULL, NULL) && strstr (text, needle))
        return TRUE;
      if (text && strstr (text, "Out of memory"))
        g_error ("the guest ran out of memory: give it more than --mem-mib");
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_usleep (100000);
    }
}

/* Before each timed step: what the last one left for the disk is written,
 * and the disk has a moment for what sync does not wait for (the freeing of
 * a deleted 1 GiB file, discards). */
static void
sync_all (void)
{
  sync ();
  g_usleep (2 * G_USEC_PER_SEC);
  sync ();
}

/* dd of @mib MiB into @dir, conv=fsync; ms. */
static double
run_dd (const char *dir, guint64 mib)
{
  g_autofree char *file = g_build_filename (dir, "bench-dd.bin", NULL);
  g_autofree char *of = g_strdup_printf ("of=%s", file);
  g_autofree char *count = g_strdup_printf ("count=%" G_GUINT64_FORMAT, mib);
  const char *argv[] = { "dd", "if=/dev/zero", of, "bs=1M", count, "conv=fsync", NULL };
  g_autoptr (GError) error = NULL;
  int status;
  gint64 t0;
  double ms;

  sync_all ();
  t0 = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    g_error ("dd: %s", error->message);
  ms = bench_ms_since (t0);
  g_unlink (file);
  sync_all ();
  return ms;
}

static char *breakdown;

/* ManagedSave until the job completes; ms. */
static double
run_save (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply = NULL;
  const char *job;
  gint64 t0;
  double call_ms;

  sync_all ();
  t0 = g_get_monotonic_time ();
  reply = vb_test_call_ok (env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  call_ms = bench_ms_since (t0);
  g_variant_get (reply, "(&o)", &job);
  for (;;)
    {
      g_autofree char *phase = vb_test_get_string (env, job, IFACE_JOB, "Phase");

      if (g_str_equal (phase, "completed"))
        break;
      if (g_str_equal (phase, "failed") || g_str_equal (phase, "cancelled"))
        {
          g_autofree char *why = vb_test_job_error (env, job);
          g_error ("the managed save ended %s: %s", phase, why);
        }
      g_usleep (5000);
    }
  {
    double ms = bench_ms_since (t0);

    g_free (breakdown);
    breakdown = g_strdup_printf ("call %.0f, lock %" G_GUINT64_FORMAT ", setup %" G_GUINT64_FORMAT
                                 " + stream %" G_GUINT64_FORMAT " + sync %" G_GUINT64_FORMAT
                                 " + QEMU's end %" G_GUINT64_FORMAT " ms",
                                 call_ms, vb_test_job_detail (env, job, "lock-ms"),
                                 vb_test_job_detail (env, job, "setup-ms"),
                                 vb_test_job_detail (env, job, "stream-ms"),
                                 vb_test_job_detail (env, job, "sync-ms"),
                                 vb_test_job_detail (env, job, "end-ms"));
    return ms;
  }
}

/* Start from the managed save image until it answers (the guest runs); ms. */
static double
run_restore (VbTestEnv *env, const char *path)
{
  gint64 t0 = g_get_monotonic_time ();

  vb_test_call_void (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  return bench_ms_since (t0);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &n_rounds, "Rounds (3)", "N" },
    { "log", 0, 0, G_OPTION_ARG_NONE, &show_log, "Print the service's log at the end", NULL },
    { "mem-mib", 0, 0, G_OPTION_ARG_INT, &mem_mib, "Touched guest memory in MiB (1024)", "M" },
    { NULL }
  };
  g_autoptr (GOptionContext) context =
    g_option_context_new ("- managed save against dd conv=fsync, restore against save");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) env = NULL;
  g_autofree double *save_ms = NULL, *dd_ms = NULL, *restore_ms = NULL, *save_rate = NULL,
                    *dd_rate = NULL, *ratio = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *log = NULL;
  g_autofree char *save_dir = NULL;
  g_autofree char *image = NULL;
  guint64 image_bytes = 0;
  pid_t qemu;
  long rss_mib;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (n_rounds < 1 || mem_mib < 16)
    g_error ("--rounds must be at least 1, --mem-mib at least 16");
  if (!g_getenv ("VB_TEST_GUEST_DIR"))
    g_error ("VB_TEST_GUEST_DIR is not set: the directory of the built test guest");

  env = vb_test_env_new (VB_TEST_ENV_NONE);
  bench_install_signal_handlers (env->tmpdir);
  vb_test_env_start_daemon (env, NULL);
  bench_watch_daemon (env->daemon_pid);

  {
    g_autofree char *disk = g_build_filename (env->tmpdir, "disk.img", NULL);
    g_autofree char *devices = vb_test_disk_xml (disk, "raw", "vda");
    g_autofree char *cmdline = g_strdup_printf ("vb.mem_mib=%d", mem_mib);

    vb_test_sparse_file (disk, 8 << 20);
    /* Room for the kernel and the initramfs (unpacked in RAM) beside the
     * touched memory: with 128 MiB the guest's OOM killer took the dirtier. */
    xml = vb_test_guest_xml ("bench-save", mem_mib + 384, cmdline, devices);
  }
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  uuid = vb_test_get_string (env, path, IFACE_DOMAIN, "UUID");
  log = vb_test_console_log (env, uuid);
  save_dir = g_build_filename (env->state_dir, "qemu", "save", NULL);
  image = g_strdup_printf ("%s/%s.save", save_dir, uuid);
  g_mkdir_with_parents (save_dir, 0700);

  g_print ("boot: %d MiB guest, the dirtier touching %d MiB ...\n", mem_mib + 384, mem_mib);
  vb_test_call_void (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  qemu = bench_virtbus_qemu_pid (env->daemon_pid, uuid);
  bench_track_pid (qemu);
  if (!wait_for (log, READY, 180))
    g_error ("the guest did not boot");
  /* The dirtier prints its first counter once all its pages are written. */
  if (!wait_for (log, "VB-COUNTER 2", 600))
    g_error ("the dirtier did not touch its memory");
  rss_mib = MAX (bench_rss_kib (qemu), 0) / 1024;
  g_print ("touched: QEMU's RSS is %ld MiB\n", rss_mib);
  if (rss_mib < mem_mib)
    g_error ("QEMU's RSS is below the touched memory: the guest did not touch it");

  save_ms = g_new0 (double, n_rounds);
  dd_ms = g_new0 (double, n_rounds);
  restore_ms = g_new0 (double, n_rounds);
  save_rate = g_new0 (double, n_rounds);
  dd_rate = g_new0 (double, n_rounds);
  ratio = g_new0 (double, n_rounds);
  g_print ("\n%-6s %10s %10s %10s %10s %8s %11s\n", "round", "image MiB", "save ms", "save MB/s",
           "dd MB/s", "save/dd", "restore ms");
  for (int i = 0; i < n_rounds; i++)
    {
      struct stat st;
      guint64 mib;

      /* Alternate which goes first, so neither always meets the other's write-back. */
      if (i % 2 == 1 && image_bytes)
        dd_ms[i] = run_dd (save_dir, (image_bytes + (1 << 20) - 1) >> 20);
      save_ms[i] = run_save (env, path);
      g_assert_cmpint (g_stat (image, &st), ==, 0);
      image_bytes = (guint64) st.st_size;
      mib = (image_bytes + (1 << 20) - 1) >> 20;
      if (i % 2 == 0 || !dd_ms[i])
        dd_ms[i] = run_dd (save_dir, mib);
      save_rate[i] = (double) image_bytes / 1e6 / (save_ms[i] / 1000);
      dd_rate[i] = (double) (mib << 20) / 1e6 / (dd_ms[i] / 1000);
      ratio[i] = save_rate[i] / dd_rate[i];
      sync_all ();
      restore_ms[i] = run_restore (env, path);
      g_print ("%-6d %10" G_GUINT64_FORMAT " %10.0f %10.1f %10.1f %7.0f%% %11.0f   (save: %s)\n",
               i + 1, mib, save_ms[i], save_rate[i], dd_rate[i], ratio[i] * 100, restore_ms[i],
               breakdown);
      qemu = bench_virtbus_qemu_pid (env->daemon_pid, uuid);
      bench_track_pid (qemu);
    }
  {
    double save_median = bench_median (save_rate, n_rounds);
    double dd_median = bench_median (dd_rate, n_rounds);
    double restore_median = bench_median (restore_ms, n_rounds);
    double save_time_median = bench_median (save_ms, n_rounds);

    g_print ("\nmedian of %d: save %.1f MB/s, dd conv=fsync %.1f MB/s: save/dd %.0f%% "
             "(goal >= %.0f%%: %s)\n",
             n_rounds, save_median, dd_median, 100 * save_median / dd_median, GOAL * 100,
             save_median / dd_median >= GOAL ? "met" : "MISSED");
    g_print ("median of %d: restore %.0f ms, save %.0f ms: restore/save %.2f\n", n_rounds,
             restore_median, save_time_median, restore_median / save_time_median);
  }
  vb_test_call_void (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  if (show_log)
    {
      g_autofree char *text = vb_test_env_daemon_log (env);
      g_print ("\n---- the service's log ----\n%s", text);
    }
  return 0;
}
