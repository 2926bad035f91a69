/* Whom virtbus names to polkit: the caller's bus name when polkitd is on the
 * caller's bus, else the caller's process pinned by the start time read when
 * its call arrived, never a bare pid that polkit would resolve later. */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authz-subject.h"
#include "vb-process.h"

/* A child that renames itself to @name (as a caller may) and waits. */
static GPid
spawn_caller (const char *name)
{
  int ready[2];
  char byte;
  pid_t pid;

  g_assert_no_errno (pipe (ready));
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      /* Gone with the test even when an assertion ends it early. */
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      prctl (PR_SET_NAME, name);
      if (write (ready[1], "x", 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  close (ready[1]);
  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);
  close (ready[0]);
  return pid;
}

static void
end_caller (GPid pid)
{
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
}

/* The start time as polkit itself reads it from /proc/<pid>/stat. */
static guint64
polkit_start_time (GPid pid)
{
  g_autoptr (PolkitSubject) reference = polkit_unix_process_new_for_owner (pid, 0, getuid ());

  return polkit_unix_process_get_start_time (POLKIT_UNIX_PROCESS (reference));
}

static void
test_bus_name (void)
{
  g_autoptr (PolkitSubject) subject = vb_authz_subject_new (":1.42", TRUE, getpid (), 0, getuid ());

  g_assert_true (POLKIT_IS_SYSTEM_BUS_NAME (subject));
  g_assert_cmpstr (polkit_system_bus_name_get_name (POLKIT_SYSTEM_BUS_NAME (subject)), ==, ":1.42");
}

static void
test_process (void)
{
  /* ')' and spaces in the name must not shift the fields read after it. */
  GPid pid = spawn_caller ("a) b c d e f g");
  guint64 start_time = vb_authz_caller_start_time (pid, getuid ());
  g_autoptr (PolkitSubject) subject = NULL;

  g_assert_cmpuint (start_time, !=, 0);
  g_assert_cmpuint (start_time, ==, polkit_start_time (pid));
  subject = vb_authz_subject_new (":1.42", FALSE, pid, start_time, getuid ());
  g_assert_true (POLKIT_IS_UNIX_PROCESS (subject));
  g_assert_cmpint (polkit_unix_process_get_pid (POLKIT_UNIX_PROCESS (subject)), ==, pid);
  g_assert_cmpuint (polkit_unix_process_get_start_time (POLKIT_UNIX_PROCESS (subject)), ==,
                    start_time);
  g_assert_cmpint (polkit_unix_process_get_uid (POLKIT_UNIX_PROCESS (subject)), ==, getuid ());
  end_caller (pid);
}

/* The subject keeps the start time read when the call arrived, even when
 * the pid names another process by the time polkit is asked. */
static void
test_pinned (void)
{
  GPid pid = spawn_caller ("caller");
  guint64 arrived = polkit_start_time (pid) - 1; /* as if an earlier process had the pid */
  g_autoptr (PolkitSubject) subject =
    vb_authz_subject_new (":1.42", FALSE, pid, arrived, getuid ());

  g_assert_true (POLKIT_IS_UNIX_PROCESS (subject));
  g_assert_cmpuint (polkit_unix_process_get_start_time (POLKIT_UNIX_PROCESS (subject)), ==,
                    arrived);
  end_caller (pid);
}

/* No start time, no process subject: the call is refused. */
static void
test_unknown_start_time (void)
{
  g_autoptr (PolkitSubject) subject =
    vb_authz_subject_new (":1.42", FALSE, getpid (), 0, getuid ());
  g_autoptr (PolkitSubject) no_pid = vb_authz_subject_new (":1.42", FALSE, 0, 12345, getuid ());

  g_assert_null (subject);
  g_assert_null (no_pid);
}

static void
test_gone_or_other_user (void)
{
  GPid pid = spawn_caller ("caller");

  /* Another uid than the bus reported: not the caller. */
  g_assert_cmpuint (vb_authz_caller_start_time (pid, getuid () + 1), ==, 0);
  end_caller (pid);
  /* Exited (and reaped): nothing to pin. */
  g_assert_cmpuint (vb_authz_caller_start_time (pid, getuid ()), ==, 0);
  g_assert_cmpuint (vb_process_start_time (0), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/authz-subject/bus-name", test_bus_name);
  g_test_add_func ("/authz-subject/process", test_process);
  g_test_add_func ("/authz-subject/pinned", test_pinned);
  g_test_add_func ("/authz-subject/unknown-start-time", test_unknown_start_time);
  g_test_add_func ("/authz-subject/gone-or-other-user", test_gone_or_other_user);
  return g_test_run ();
}
