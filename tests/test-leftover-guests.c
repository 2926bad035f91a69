/* tests/kill-leftover-guests.sh, which `dev.sh test` runs as root after the
 * suite: it kills the QEMU of a status file only when the file is root's
 * own in root's own directories and the pid is still that QEMU. Planted
 * files (a user's, or in a directory others may write), a pid that is no
 * QEMU, a QEMU of another run directory and a stale start time leave their
 * process alone; the one real leftover is killed. The test directories are
 * given to the script, so it never looks at the suite's /tmp/vbtest-*,
 * whose guests other tests may be running. Needs root and
 * tests/setup-test-users.sh (vbtest-user). */
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-env.h"

#define USER "vbtest-user"
#define SETUP_HINT "run tests/setup-test-users.sh as root"

typedef struct {
  char *base;
  GPtrArray *processes;
} Fixture;

/* The processes the test started, killed when it fails. */
#define MAX_PROCESSES 8
static volatile pid_t started[MAX_PROCESSES];

static void
on_fatal_signal (int sig)
{
  for (int i = 0; i < MAX_PROCESSES; i++)
    if (started[i] > 0)
      kill (started[i], SIGKILL);
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->base = g_dir_make_tmp ("vbleftover-XXXXXX", &error);
  g_assert_no_error (error);
  f->processes = g_ptr_array_new_with_free_func (g_object_unref);
  signal (SIGABRT, on_fatal_signal);
  signal (SIGTRAP, on_fatal_signal);
  signal (SIGTERM, on_fatal_signal);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", f->base);

  for (guint i = 0; i < f->processes->len; i++)
    {
      GSubprocess *process = f->processes->pdata[i];

      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      started[i] = 0;
    }
  g_ptr_array_unref (f->processes);
  g_assert_true (vb_test_shell_succeeds (rm));
  g_free (f->base);
}

/* ---- what a test run leaves ---- */

/* BASE/NAME/run/qemu-status, the modes a test's directories have (the run
 * directories 0700, as virtbusd makes them), owned by @uid. Returns
 * BASE/NAME. */
static char *
test_dir (Fixture *f, const char *name, uid_t uid, gid_t gid)
{
  char *dir = g_build_filename (f->base, name, NULL);
  g_autofree char *run = g_build_filename (dir, "run", NULL);
  g_autofree char *status = g_build_filename (run, "qemu-status", NULL);
  const char *paths[] = { dir, run, status };

  g_assert_cmpint (g_mkdir_with_parents (status, 0700), ==, 0);
  g_assert_cmpint (chmod (dir, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_assert_cmpint (chown (paths[i], uid, gid), ==, 0);
  return dir;
}

/* Field 22 of /proc/PID/stat, as virtbusd records it. */
static guint64
start_time (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  fields = g_strsplit (strrchr (text, ')') + 2, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >, 19);
  return g_ascii_strtoull (fields[19], NULL, 10);
}

/* DIR/run/qemu-status/UUID.json as virtbusd writes it (the keys the script
 * reads among others), naming @pid with @start, owned by @uid. */
static void
write_status (const char *dir, const char *uuid, GPid pid, guint64 start, uid_t uid, gid_t gid)
{
  g_autofree char *name = g_strdup_printf ("%s.json", uuid);
  g_autofree char *path = g_build_filename (dir, "run", "qemu-status", name, NULL);
  g_autofree char *monitor = g_build_filename (dir, "run", "qemu", uuid, "monitor.sock", NULL);
  g_autofree char *json =
    g_strdup_printf ("{\n  \"uuid\" : \"%s\",\n  \"monitor\" : \"%s\",\n"
                     "  \"exe\" : \"/usr/bin/qemu-system-x86_64\",\n  \"state\" : \"running\",\n"
                     "  \"pid\" : %d,\n  \"start-time\" : %" G_GUINT64_FORMAT ",\n"
                     "  \"id\" : 1\n}\n",
                     uuid, monitor, (int) pid, start);
  g_autoptr (GError) error = NULL;

  g_file_set_contents_full (path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chown (path, uid, gid), ==, 0);
}

static GSubprocess *
spawn (Fixture *f, const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  GSubprocess *process =
    g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                       &error);

  g_assert_no_error (error);
  g_assert_cmpuint (f->processes->len, <, MAX_PROCESSES);
  started[f->processes->len] = (pid_t) atoi (g_subprocess_get_identifier (process));
  g_ptr_array_add (f->processes, process);
  return process;
}

static GPid
pid_of (GSubprocess *process)
{
  return (GPid) atoi (g_subprocess_get_identifier (process));
}

/* A QEMU as virtbusd starts one for the domain @uuid of the test directory
 * @dir, as far as its command line goes: its monitor socket in
 * DIR/run/qemu/UUID/. No machine, stopped: it costs nothing. */
static GSubprocess *
spawn_qemu (Fixture *f, const char *dir, const char *uuid)
{
  g_autofree char *qemu = g_find_program_in_path ("qemu-system-x86_64");
  g_autofree char *domain_dir = g_build_filename (dir, "run", "qemu", uuid, NULL);
  g_autofree char *chardev = NULL;

  if (!qemu)
    g_error ("qemu-system-x86_64 is missing (./dev.sh test installs it)");
  g_assert_cmpint (g_mkdir_with_parents (domain_dir, 0700), ==, 0);
  chardev =
    g_strdup_printf ("socket,id=charmonitor,path=%s/monitor.sock,server=on,wait=off", domain_dir);
  {
    const char *argv[] = { qemu,
                           "-machine",
                           "none",
                           "-nodefaults",
                           "-display",
                           "none",
                           "-S",
                           "-chardev",
                           chardev,
                           "-mon",
                           "chardev=charmonitor,id=monitor,mode=control",
                           NULL };
    return spawn (f, argv);
  }
}

static GSubprocess *
spawn_sleep (Fixture *f)
{
  const char *argv[] = { "sleep", "600", NULL };
  return spawn (f, argv);
}

/* ---- the script ---- */

static void
kill_leftovers (const char *const *dirs)
{
  g_autofree char *script = vb_test_source_path ("kill-leftover-guests.sh");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *output = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, script);
  for (guint i = 0; dirs[i]; i++)
    g_ptr_array_add (argv, (gpointer) dirs[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &output,
                NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* The script has returned, so a kill -9 of it has happened: a moment for
 * GLib to notice the end of the child is enough. */
static gboolean
ended_within (GSubprocess *process, guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_subprocess_get_identifier (process) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  return g_subprocess_get_identifier (process) == NULL;
}

static void
assert_alive (GSubprocess *process, const char *what)
{
  if (ended_within (process, 300))
    g_error ("the script killed %s", what);
}

/* @pid: @process's, read before the script ran (once GLib has reaped the
 * process it has no identifier). */
static void
assert_killed (GSubprocess *process, pid_t pid)
{
  g_assert_true (ended_within (process, 5000));
  /* Its pid may be another process's from now on. */
  for (int i = 0; i < MAX_PROCESSES; i++)
    if (started[i] == pid)
      started[i] = 0;
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);
}

/* ---- the story ---- */

#define UUID_A "6a0f3e62-1b1c-4a49-9d38-8f5b9c7e0a01"
#define UUID_B "6a0f3e62-1b1c-4a49-9d38-8f5b9c7e0a02"

static void
test_only_real_leftovers (Fixture *f, gconstpointer data)
{
  struct passwd *pw = getpwnam (USER);
  g_autofree char *users = NULL;
  g_autofree char *writable = NULL;
  g_autofree char *not_qemu = NULL;
  g_autofree char *foreign = NULL;
  g_autofree char *stale = NULL;
  g_autofree char *elsewhere = NULL;
  g_autofree char *writable_status = NULL;
  GSubprocess *sleep_user, *qemu_user, *sleep_root, *qemu_writable, *qemu_elsewhere, *qemu_stale;
  GPid stale_pid;

  if (!pw)
    g_error ("user %s is missing: %s", USER, SETUP_HINT);

  /* A user's own "test directory", naming processes of root's: any
   * process, and even a QEMU with its monitor in that directory. */
  users = test_dir (f, "vbtest-user", pw->pw_uid, pw->pw_gid);
  sleep_user = spawn_sleep (f);
  write_status (users, UUID_A, pid_of (sleep_user), start_time (pid_of (sleep_user)), pw->pw_uid,
                pw->pw_gid);
  qemu_user = spawn_qemu (f, users, UUID_B);
  write_status (users, UUID_B, pid_of (qemu_user), start_time (pid_of (qemu_user)), pw->pw_uid,
                pw->pw_gid);

  /* Root's, file and all, but its status folder writable by all: anyone
   * may have put the file there, naming a QEMU of that very run directory. */
  writable = test_dir (f, "writable", 0, 0);
  writable_status = g_build_filename (writable, "run", "qemu-status", NULL);
  g_assert_cmpint (chmod (writable_status, 0777), ==, 0);
  qemu_writable = spawn_qemu (f, writable, UUID_A);
  write_status (writable, UUID_A, pid_of (qemu_writable), start_time (pid_of (qemu_writable)), 0,
                0);

  /* Root's all along, but the pid is no QEMU (it was reused, say). */
  not_qemu = test_dir (f, "not-qemu", 0, 0);
  sleep_root = spawn_sleep (f);
  write_status (not_qemu, UUID_A, pid_of (sleep_root), start_time (pid_of (sleep_root)), 0, 0);

  /* Root's, naming a QEMU whose run directory is another one. */
  foreign = test_dir (f, "foreign", 0, 0);
  elsewhere = test_dir (f, "elsewhere", 0, 0);
  qemu_elsewhere = spawn_qemu (f, elsewhere, UUID_A);
  write_status (foreign, UUID_A, pid_of (qemu_elsewhere), start_time (pid_of (qemu_elsewhere)), 0,
                0);

  /* Root's, its own QEMU, but the start time of an earlier process. */
  stale = test_dir (f, "stale", 0, 0);
  qemu_stale = spawn_qemu (f, stale, UUID_B);
  write_status (stale, UUID_B, pid_of (qemu_stale), start_time (pid_of (qemu_stale)) - 1, 0, 0);

  {
    const char *dirs[] = { users, writable, not_qemu, foreign, stale, NULL };
    kill_leftovers (dirs);
  }
  assert_alive (sleep_user, "the process a user's status file named");
  assert_alive (qemu_user, "the QEMU a user's status file named");
  assert_alive (qemu_writable, "the QEMU of a status file in a folder others may write");
  assert_alive (sleep_root, "a process that is no QEMU");
  assert_alive (qemu_elsewhere, "a QEMU of another run directory");
  assert_alive (qemu_stale, "a QEMU whose start time is not the recorded one");

  /* The same QEMU with its own start time is the leftover it looks for:
   * killed, and nothing else. */
  stale_pid = pid_of (qemu_stale);
  write_status (stale, UUID_B, stale_pid, start_time (stale_pid), 0, 0);
  {
    const char *dirs[] = { users, writable, not_qemu, foreign, stale, NULL };
    kill_leftovers (dirs);
  }
  assert_killed (qemu_stale, stale_pid);
  assert_alive (sleep_user, "the process a user's status file named");
  assert_alive (qemu_user, "the QEMU a user's status file named");
  assert_alive (qemu_writable, "the QEMU of a status file in a folder others may write");
  assert_alive (sleep_root, "a process that is no QEMU");
  assert_alive (qemu_elsewhere, "a QEMU of another run directory");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (getuid () != 0)
    {
      g_test_message ("the script runs as root, and the test makes files of other users");
      return 77;
    }
  g_test_add ("/leftover-guests/only-real-leftovers", Fixture, NULL, set_up,
              test_only_real_leftovers, tear_down);
  return g_test_run ();
}
