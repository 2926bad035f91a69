/* Volume Upload and Download throughput through the client's fd, against
 * `cat` of the same file to the same file system, in one run.
 *
 *   meson compile -C build bench-storage && VB_DAEMON=build/service/daemon/virtbusd \
 *     VB_TEST_SRCDIR=tests build/bench/bench-storage [--mib N] [--runs N] [--dir DIR]
 *
 * The client side is what a client would do: `cat FILE` into a pipe whose
 * other end goes to Upload, or Download into a pipe read by `cat > FILE`;
 * and, as a second row, the file's own fd handed over. Each row is the
 * median of --runs runs; the page cache is warm for all of them alike.
 *
 * `cat FILE > COPY` copies in the kernel (coreutils 9 uses
 * copy_file_range), where a `cat` reading a pipe must read and write every
 * byte itself: so the pipe rows also have their own floor, the volume's file
 * spliced into the same pipe by this process (what virtbusd does, without
 * D-Bus, the job or the service), read by the same `cat`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vb-test-env.h"

#define MiB (G_GUINT64_CONSTANT (1) << 20)

static int n_mib = 256;
static int n_runs = 3;
static char *bench_dir = NULL;

static GHashTable *finished; /* job path → "ok" or the failure message */

static void
job_completed (GDBusConnection *connection, const char *sender, const char *path,
               const char *interface, const char *signal, GVariant *parameters,
               gpointer user_data)
{
  gboolean success;
  const char *message;

  g_variant_get (parameters, "(b&s)", &success, &message);
  g_hash_table_insert (finished, g_strdup (path), g_strdup (success ? "ok" : message));
}

static void
wait_job (const char *job)
{
  const char *outcome;

  while (!(outcome = g_hash_table_lookup (finished, job)))
    g_main_context_iteration (NULL, TRUE);
  if (!g_str_equal (outcome, "ok"))
    g_error ("job %s failed: %s", job, outcome);
}

static char *
call_for_path (VbTestEnv *env, const char *path, const char *iface, const char *method,
               GVariant *args)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, path, iface, method, args);
  char *result = NULL;

  g_variant_get (reply, "(o)", &result);
  return result;
}

static char *
start_transfer (VbTestEnv *env, const char *volume, const char *method, int fd)
{
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  int index = g_unix_fd_list_append (fds, fd, &error);
  char *job = NULL;

  g_assert_no_error (error);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    env->client, "org.virtbus.Virt1", volume, IFACE_VOLUME, method,
    g_variant_new ("(httu)", index, (guint64) 0, (guint64) 0, 0), G_VARIANT_TYPE ("(o)"),
    G_DBUS_CALL_FLAGS_NONE, -1, fds, NULL, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &job);
  return job;
}

/* `cat` with stdin and stdout as given (-1: inherit), not waited for. */
static GPid
spawn_cat (const char *arg, int in, int out)
{
  const char *argv[] = { "cat", arg, NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;

  g_assert_true (g_spawn_async_with_fds (NULL, (char **) argv, NULL,
                                         G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                         NULL, &pid, in, out, -1, &error));
  return pid;
}

static void
wait_pid (GPid pid)
{
  int status;

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

static double
now (void)
{
  return (double) g_get_monotonic_time () / G_USEC_PER_SEC;
}

static double
time_cat (const char *from, const char *to)
{
  int out = open (to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  double start = now ();
  GPid pid = spawn_cat (from, -1, out);

  wait_pid (pid);
  close (out);
  return now () - start;
}

static double
time_upload_pipe (VbTestEnv *env, const char *volume, const char *from)
{
  int p[2];
  double start;
  GPid pid;
  g_autofree char *job = NULL;

  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  start = now ();
  pid = spawn_cat (from, -1, p[1]);
  close (p[1]);
  job = start_transfer (env, volume, "Upload", p[0]);
  close (p[0]);
  wait_job (job);
  wait_pid (pid);
  return now () - start;
}

static double
time_upload_file (VbTestEnv *env, const char *volume, const char *from)
{
  int fd = open (from, O_RDONLY | O_CLOEXEC);
  double start = now ();
  g_autofree char *job = start_transfer (env, volume, "Upload", fd);

  close (fd);
  wait_job (job);
  return now () - start;
}

static double
time_download_pipe (VbTestEnv *env, const char *volume, const char *to)
{
  int out = open (to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int p[2];
  double start;
  GPid pid;
  g_autofree char *job = NULL;

  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  start = now ();
  pid = spawn_cat ("-", p[0], out);
  close (p[0]);
  job = start_transfer (env, volume, "Download", p[1]);
  close (p[1]);
  wait_job (job);
  wait_pid (pid);
  close (out);
  return now () - start;
}

static double
time_download_file (VbTestEnv *env, const char *volume, const char *to)
{
  int out = open (to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  double start = now ();
  g_autofree char *job = start_transfer (env, volume, "Download", out);

  close (out);
  wait_job (job);
  return now () - start;
}

typedef struct {
  const char *from;
  int pipe_fd;
} Feed;

/* The floor's writer: @from spliced into the pipe as virtbusd does it. */
static gpointer
splice_feed (gpointer data)
{
  Feed *feed = data;
  int fd = open (feed->from, O_RDONLY | O_CLOEXEC);
  loff_t pos = 0;
  ssize_t moved;

  g_assert_cmpint (fd, >=, 0);
  fcntl (feed->pipe_fd, F_SETPIPE_SZ, (int) MiB);
  while ((moved = splice (fd, &pos, feed->pipe_fd, NULL, MiB, SPLICE_F_MOVE)) > 0)
    ;
  g_assert_cmpint (moved, ==, 0);
  close (fd);
  close (feed->pipe_fd);
  return NULL;
}

static double
time_splice_pipe (const char *from, const char *to)
{
  int out = open (to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int p[2];
  double start;
  GPid pid;
  Feed feed = { .from = from };
  GThread *thread;

  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  feed.pipe_fd = p[1];
  start = now ();
  pid = spawn_cat ("-", p[0], out);
  close (p[0]);
  thread = g_thread_new ("splice-feed", splice_feed, &feed);
  g_thread_join (thread);
  wait_pid (pid);
  close (out);
  return now () - start;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *values, int n)
{
  qsort (values, (size_t) n, sizeof (double), compare_doubles);
  return values[n / 2];
}

static void
print_row (const char *what, double seconds, double baseline)
{
  double rate = (double) n_mib / seconds;

  g_print ("  %-40s %8.3f s %9.1f MiB/s", what, seconds, rate);
  if (baseline > 0)
    g_print ("   %5.1f%% of cat", 100.0 * baseline / seconds);
  g_print ("\n");
}

static void
make_source (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_autofree guint32 *block = g_malloc (MiB);

  for (int m = 0; m < n_mib; m++)
    {
      for (gsize i = 0; i < MiB / 4; i++)
        block[i] = g_random_int ();
      g_assert_cmpint (write (fd, block, MiB), ==, (ssize_t) MiB);
    }
  close (fd);
}

static gboolean
same_contents (const char *a, const char *b)
{
  g_autofree char *x = NULL, *y = NULL;
  gsize lx, ly;

  return g_file_get_contents (a, &x, &lx, NULL) && g_file_get_contents (b, &y, &ly, NULL)
         && lx == ly && memcmp (x, y, lx) == 0;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "mib", 0, 0, G_OPTION_ARG_INT, &n_mib, "Size of the file in MiB (256)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &n_runs, "Runs per row, median reported (3)", "N" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &bench_dir,
      "Where the files and the pool go (default: the test's temporary directory)", "DIR" },
    { NULL },
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("- volume transfer throughput");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) env = NULL;
  g_autofree char *base = NULL, *pool_dir = NULL, *source = NULL, *cat_out = NULL,
                  *down_out = NULL, *pool_xml = NULL, *vol_xml = NULL, *pool = NULL,
                  *volume = NULL, *volume_file = NULL;
  double t_cat[16], t_up_pipe[16], t_up_file[16], t_down_pipe[16], t_down_file[16],
    t_splice[16];
  double cat, down_pipe, splice_floor;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);
  n_runs = CLAMP (n_runs, 1, 16);

  env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (env, NULL);
  finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_dbus_connection_signal_subscribe (env->client, NULL, IFACE_JOB, "Completed", NULL, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, job_completed, NULL, NULL);

  base = g_build_filename (bench_dir ? bench_dir : env->tmpdir, "bench-storage", NULL);
  g_mkdir_with_parents (base, 0700);
  pool_dir = g_build_filename (base, "pool", NULL);
  source = g_build_filename (base, "source.img", NULL);
  cat_out = g_build_filename (base, "cat-copy.img", NULL);
  down_out = g_build_filename (base, "downloaded.img", NULL);
  volume_file = g_build_filename (pool_dir, "bench.img", NULL);
  make_source (source);

  pool_xml = g_strdup_printf ("<pool type='dir'>\n  <name>bench</name>\n"
                              "  <target>\n    <path>%s</path>\n  </target>\n</pool>\n",
                              pool_dir);
  pool = call_for_path (env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                        g_variant_new ("(su)", pool_xml, 0));
  g_variant_unref (vb_test_call_ok (env, pool, IFACE_POOL, "Build", g_variant_new ("(u)", 0)));
  g_variant_unref (vb_test_call_ok (env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0)));
  vol_xml = g_strdup_printf ("<volume>\n  <name>bench.img</name>\n"
                             "  <capacity unit='MiB'>%d</capacity>\n"
                             "  <allocation>0</allocation>\n</volume>\n",
                             n_mib);
  volume = call_for_path (env, pool, IFACE_POOL, "CreateVolume",
                          g_variant_new ("(su)", vol_xml, 0));

  /* One warm-up of each, so no row pays for the first touch of the files. */
  time_cat (source, cat_out);
  time_upload_pipe (env, volume, source);
  time_download_pipe (env, volume, down_out);
  for (int i = 0; i < n_runs; i++)
    {
      t_cat[i] = time_cat (source, cat_out);
      t_up_pipe[i] = time_upload_pipe (env, volume, source);
      t_up_file[i] = time_upload_file (env, volume, source);
      t_down_pipe[i] = time_download_pipe (env, volume, down_out);
      t_down_file[i] = time_download_file (env, volume, down_out);
      t_splice[i] = time_splice_pipe (volume_file, down_out);
    }
  if (!same_contents (source, volume_file) || !same_contents (source, down_out))
    g_error ("the copies differ from the source");

  cat = median (t_cat, n_runs);
  g_print ("\n== volume transfer, %d MiB, median of %d runs, files in %s ==\n", n_mib, n_runs,
           base);
  print_row ("cat FILE > COPY (baseline)", cat, 0);
  print_row ("Upload: cat FILE | pipe fd", median (t_up_pipe, n_runs), cat);
  print_row ("Upload: FILE's own fd", median (t_up_file, n_runs), cat);
  down_pipe = median (t_down_pipe, n_runs);
  splice_floor = median (t_splice, n_runs);
  print_row ("Download: pipe fd | cat > COPY", down_pipe, cat);
  print_row ("Download: COPY's own fd", median (t_down_file, n_runs), cat);
  print_row ("floor: splice FILE | cat > COPY", splice_floor, cat);
  g_print ("  Download into a pipe read by cat: %.2fx the time of the floor (the same pipe and cat,\n"
           "  fed by a bare splice loop)\n",
           down_pipe / splice_floor);

  g_unlink (source);
  g_unlink (cat_out);
  g_unlink (down_out);
  g_variant_unref (vb_test_call_ok (env, volume, IFACE_VOLUME, "Delete", g_variant_new ("(u)", 0)));
  g_variant_unref (vb_test_call_ok (env, pool, IFACE_POOL, "Stop", g_variant_new ("(u)", 0)));
  g_variant_unref (vb_test_call_ok (env, pool, IFACE_POOL, "Delete", g_variant_new ("(u)", 0)));
  g_rmdir (base);
  return 0;
}
