/* vb_die_with_parent(): a helper child never outlives the service, even when
 * the service dies between fork() and the child's prctl() (kill -9 during
 * start-up used to leave the capability-probe QEMU running forever). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vb-process.h"
#include "vb-user.h"

#define WAIT_MS 5000

/* Runs in the grandchild before exec: reports its pid, kills its parent
 * and waits until it is an orphan, and only then asks to die with it --
 * the race, made certain. */
static void
orphan_then_die_with_parent (gpointer user_data)
{
  int report_fd = GPOINTER_TO_INT (user_data);
  pid_t self = getpid ();
  pid_t parent = getppid ();

  if (write (report_fd, &self, sizeof self) != sizeof self)
    _exit (2);
  kill (parent, SIGKILL);
  for (int i = 0; i < WAIT_MS && getppid () == parent; i++)
    usleep (1000);
  vb_die_with_parent (NULL);
}

/* Polls for @pid (our child, or our orphan as a subreaper) to end. */
static gboolean
reaped_within (pid_t pid, guint timeout_ms, int *status)
{
  for (guint waited = 0; waited < timeout_ms; waited++)
    {
      pid_t got = waitpid (pid, status, WNOHANG);

      if (got == pid)
        return TRUE;
      g_assert_cmpint (got, ==, 0);
      g_usleep (1000);
    }
  return FALSE;
}

static void
test_parent_died_before_setup (void)
{
  int fds[2];
  pid_t middle, orphan = 0;
  int status = 0;

  /* Orphans come to us, not to init: we can see whether they end. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);
  g_assert_no_errno (pipe (fds));
  middle = fork ();
  g_assert_cmpint (middle, >=, 0);
  if (middle == 0)
    {
      const char *argv[] = { "sleep", "30", NULL };

      /* The "service": it dies inside the spawn, killed by its child. */
      close (fds[0]);
      g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                     orphan_then_die_with_parent, GINT_TO_POINTER (fds[1]), NULL, NULL);
      pause ();
      _exit (3);
    }
  close (fds[1]);
  g_assert_cmpint (read (fds[0], &orphan, sizeof orphan), ==, sizeof orphan);
  close (fds[0]);
  g_assert_true (reaped_within (middle, WAIT_MS, &status));
  g_assert_true (WIFSIGNALED (status));

  if (!reaped_within (orphan, WAIT_MS, &status))
    {
      kill (orphan, SIGKILL);
      waitpid (orphan, &status, 0);
      g_test_fail_printf ("the child outlived its dead parent (still running after %d ms)",
                          WAIT_MS);
      return;
    }
  /* It ended on its own, before exec: sleep would have run for 30 s. */
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 127);
}

static void
test_parent_alive (void)
{
  const char *argv[] = { "sh", "-c", "exit 7", NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  /* A living parent: the child runs as asked. */
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, vb_die_with_parent,
                               NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 7);
}

/* vb_die_with_parent_as(): the child runs as the user, and still dies with
 * its parent (a change of uid clears the parent-death signal, so the order
 * inside matters). */
static void
test_dies_with_parent_as_user (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbUser) user = NULL;
  g_autofree char *proc = NULL;
  g_autofree char *status_text = NULL;
  g_autofree char *uid_line = NULL;
  int fds[2];
  pid_t middle, child = 0;
  int status = 0;

  if (getuid () != 0)
    {
      g_test_skip ("needs root to drop to another user");
      return;
    }
  user = vb_user_lookup ("nobody", &error);
  if (!user)
    {
      g_test_skip_printf ("no usable user nobody: %s", error->message);
      return;
    }
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);
  g_assert_no_errno (pipe (fds));
  middle = fork ();
  g_assert_cmpint (middle, >=, 0);
  if (middle == 0)
    {
      const char *argv[] = { "sleep", "30", NULL };
      GPid pid = 0;

      /* The "service": spawns its helper, reports it, and waits to be killed. */
      close (fds[0]);
      if (!g_spawn_async (NULL, (char **) argv, NULL,
                          G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, vb_die_with_parent_as,
                          user, &pid, NULL))
        _exit (4);
      if (write (fds[1], &pid, sizeof pid) != sizeof pid)
        _exit (2);
      pause ();
      _exit (3);
    }
  close (fds[1]);
  g_assert_cmpint (read (fds[0], &child, sizeof child), ==, sizeof child);
  close (fds[0]);

  /* g_spawn_async() returns once exec succeeded: sleep runs, as the user. */
  proc = g_strdup_printf ("/proc/%d/status", child);
  g_assert_true (g_file_get_contents (proc, &status_text, NULL, NULL));
  uid_line =
    g_strdup_printf ("\nUid:\t%u\t%u\t%u\t%u\n", user->uid, user->uid, user->uid, user->uid);
  g_assert_nonnull (strstr (status_text, uid_line));

  kill (middle, SIGKILL);
  g_assert_true (reaped_within (middle, WAIT_MS, &status));
  if (!reaped_within (child, WAIT_MS, &status))
    {
      kill (child, SIGKILL);
      waitpid (child, &status, 0);
      g_test_fail_printf ("the unprivileged child outlived its dead parent (still running after "
                          "%d ms)",
                          WAIT_MS);
      return;
    }
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vb-process/parent-died-before-setup", test_parent_died_before_setup);
  g_test_add_func ("/vb-process/parent-alive", test_parent_alive);
  g_test_add_func ("/vb-process/dies-with-parent-as-user", test_dies_with_parent_as_user);
  return g_test_run ();
}
