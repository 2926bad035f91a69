/* The KVM probe: its guest really exits under TCG (so a "no" under KVM means
 * KVM, not a broken payload), hangs and missing binaries become a "no" with
 * a reason, and the KVM answer agrees with what the host has. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm-probe.h"

typedef struct {
  gboolean done;
  gboolean usable;
  char *why;
  GError *error;
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->why, g_free);
  g_clear_error (&answer->error);
  answer->done = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

static void
on_payload_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Answer *answer = user_data;

  answer->usable = vb_kvm_probe_payload_finish (result, &answer->why, &answer->error);
  answer->done = TRUE;
}

static void
on_probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Answer *answer = user_data;

  answer->usable = vb_kvm_probe_finish (result, &answer->why, &answer->error);
  answer->done = TRUE;
}

static gboolean
on_deadline (gpointer user_data)
{
  g_error ("the probe did not answer within 30 s");
  return G_SOURCE_REMOVE;
}

static void
wait_for (Answer *answer)
{
  guint deadline = g_timeout_add_seconds (30, on_deadline, NULL);

  while (!answer->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
}

/* The QEMU binary to use, or NULL after marking the test skipped. */
static char *
find_qemu (void)
{
  const char *binary = g_getenv ("VB_QEMU_BINARY");
  char *path;

  if (!binary || !*binary)
    binary = "qemu-system-x86_64";
  path = g_find_program_in_path (binary);
  if (!path)
    g_test_skip_printf ("%s not found", binary);
  return path;
}

static void
test_payload_exits_under_tcg (void)
{
  g_autofree char *qemu = find_qemu ();
  g_auto (Answer) answer = { 0 };
  gint64 start;

  if (!qemu)
    return;
  start = g_get_monotonic_time ();
  /* TCG boots SeaBIOS in well under a second here; 20 s leaves room for a
   * loaded CI machine without hiding a payload that never exits. */
  vb_kvm_probe_payload_async (qemu, NULL, "tcg", 20000, NULL, on_payload_done, &answer);
  wait_for (&answer);
  g_assert_no_error (answer.error);
  g_assert_cmpstr (answer.why, ==, NULL);
  g_assert_true (answer.usable);
  g_test_message ("TCG payload exited with the debug-exit status in %.2f s",
                  (g_get_monotonic_time () - start) / 1e6);
}

static void
test_hang_is_killed (void)
{
  g_autofree char *qemu = find_qemu ();
  g_auto (Answer) answer = { 0 };
  gint64 start;

  if (!qemu)
    return;
  /* 1 ms is too short for any guest: this is the path of a hung KVM guest. */
  start = g_get_monotonic_time ();
  vb_kvm_probe_payload_async (qemu, NULL, "tcg", 1, NULL, on_payload_done, &answer);
  wait_for (&answer);
  g_assert_no_error (answer.error);
  g_assert_false (answer.usable);
  g_assert_cmpstr (answer.why, ==, "a TCG guest did not finish in 0.001 s");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_missing_binary (void)
{
  g_auto (Answer) answer = { 0 };

  vb_kvm_probe_payload_async ("/nonexistent/qemu-system-x86_64", NULL, "tcg", 3000, NULL,
                              on_payload_done, &answer);
  wait_for (&answer);
  g_assert_no_error (answer.error);
  g_assert_false (answer.usable);
  g_assert_nonnull (strstr (answer.why, "cannot run /nonexistent/qemu-system-x86_64"));
}

static void
test_bad_accelerator (void)
{
  g_autofree char *qemu = find_qemu ();
  g_auto (Answer) answer = { 0 };

  if (!qemu)
    return;
  /* QEMU refuses and exits 1: a "no" that quotes QEMU. */
  vb_kvm_probe_payload_async (qemu, NULL, "vb-no-such-accel", 10000, NULL, on_payload_done,
                              &answer);
  wait_for (&answer);
  g_assert_no_error (answer.error);
  g_assert_false (answer.usable);
  g_assert_nonnull (strstr (answer.why, "QEMU exited with status 1"));
  g_assert_nonnull (strstr (answer.why, "vb-no-such-accel"));
}

static void
test_cancel (void)
{
  g_autofree char *qemu = find_qemu ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_auto (Answer) answer = { 0 };

  if (!qemu)
    return;
  vb_kvm_probe_payload_async (qemu, NULL, "tcg", 20000, cancellable, on_payload_done, &answer);
  g_cancellable_cancel (cancellable);
  wait_for (&answer);
  g_assert_error (answer.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (answer.usable);
  g_assert_null (answer.why);
}

static void
test_kvm_answer_is_consistent (void)
{
  g_autofree char *qemu = find_qemu ();
  g_auto (Answer) answer = { 0 };
  gint64 start;

  if (!qemu)
    return;
  start = g_get_monotonic_time ();
  vb_kvm_probe_async (qemu, NULL, NULL, on_probe_done, &answer);
  wait_for (&answer);
  g_assert_no_error (answer.error);
  g_test_message ("KVM usable: %s%s%s (%.2f s)", answer.usable ? "yes" : "no",
                  answer.why ? ", " : "", answer.why ? answer.why : "",
                  (g_get_monotonic_time () - start) / 1e6);

  /* Never longer than the timeout plus QEMU's start and exit. */
  g_assert_cmpint (g_get_monotonic_time () - start, <,
                   (VB_KVM_PROBE_TIMEOUT_MS + 5000) * (gint64) 1000);
  if (answer.usable)
    g_assert_null (answer.why);
  else
    g_assert_true (answer.why && *answer.why);

  if (!g_file_test ("/dev/kvm", G_FILE_TEST_EXISTS))
    {
      g_assert_false (answer.usable);
      g_assert_cmpstr (answer.why, ==, "/dev/kvm does not exist");
    }

  /* A host whose KVM is known to be broken can say so (this project's
   * machines: the guest hangs after SeaBIOS). */
  if (g_strcmp0 (g_getenv ("VB_TEST_KVM_EXPECTED"), "unusable") == 0)
    g_assert_false (answer.usable);
  else if (g_strcmp0 (g_getenv ("VB_TEST_KVM_EXPECTED"), "usable") == 0)
    g_assert_true (answer.usable);
}

/* The user "nobody" to run the probe as, or NULL after marking the test
 * skipped (dropping to another user needs root). */
static VbUser *
nobody (void)
{
  g_autoptr (GError) error = NULL;
  VbUser *user;

  if (getuid () != 0)
    {
      g_test_skip ("needs root to run QEMU as another user");
      return NULL;
    }
  user = vb_user_lookup ("nobody", &error);
  if (!user)
    g_test_skip_printf ("no usable user nobody: %s", error->message);
  return user;
}

/* Dropped to an unprivileged user and under -sandbox, the payload still
 * runs: what the probe learns as the QEMU user is about KVM, not about the
 * drop. */
static void
test_payload_as_user (void)
{
  g_autofree char *qemu = find_qemu ();
  g_autoptr (VbUser) user = qemu ? nobody () : NULL;
  g_auto (Answer) answer = { 0 };

  if (!user)
    return;
  vb_kvm_probe_payload_async (qemu, user, "tcg", 20000, NULL, on_payload_done, &answer);
  wait_for (&answer);
  g_assert_no_error (answer.error);
  g_assert_cmpstr (answer.why, ==, NULL);
  g_assert_true (answer.usable);
}

/* A /dev/kvm that root may open but the user may not: the probe as that
 * user says KVM is not usable, and why. */
static void
test_kvm_as_user_without_access (void)
{
  g_autofree char *qemu = find_qemu ();
  g_autoptr (VbUser) user = qemu ? nobody () : NULL;
  g_auto (Answer) answer = { 0 };
  struct stat st;

  if (!user)
    return;
  if (stat ("/dev/kvm", &st) < 0)
    {
      g_test_skip ("no /dev/kvm");
      return;
    }
  for (int i = 0; i < user->n_groups; i++)
    if (user->groups[i] == st.st_gid && (st.st_mode & 0060))
      {
        g_test_skip ("nobody may open /dev/kvm here (its group)");
        return;
      }
  if (st.st_uid == user->uid || (st.st_mode & 0006))
    {
      g_test_skip ("nobody may open /dev/kvm here");
      return;
    }
  vb_kvm_probe_async (qemu, user, NULL, on_probe_done, &answer);
  wait_for (&answer);
  g_assert_no_error (answer.error);
  g_test_message ("KVM as nobody: %s", answer.why);
  g_assert_false (answer.usable);
  g_assert_nonnull (strstr (answer.why, "Permission denied"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kvm-probe/payload-exits-under-tcg", test_payload_exits_under_tcg);
  g_test_add_func ("/kvm-probe/hang-is-killed", test_hang_is_killed);
  g_test_add_func ("/kvm-probe/missing-binary", test_missing_binary);
  g_test_add_func ("/kvm-probe/bad-accelerator", test_bad_accelerator);
  g_test_add_func ("/kvm-probe/cancel", test_cancel);
  g_test_add_func ("/kvm-probe/kvm-answer-is-consistent", test_kvm_answer_is_consistent);
  g_test_add_func ("/kvm-probe/payload-as-user", test_payload_as_user);
  g_test_add_func ("/kvm-probe/kvm-as-user-without-access", test_kvm_as_user_without_access);

  return g_test_run ();
}
