/* The status file of a running QEMU, as a compromised QEMU would attack it:
 * it runs as the user who owns the domain's run directory, so it can plant a
 * symbolic link where the service used to write the file's temporary, or
 * point the file at another process. Neither may make the service (root)
 * write through the link or reattach to, and later signal, that process. */
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config-store.h"
#include "qemu-status.h"
#include "vb-error.h"
#include "vb-process.h"

#define UUID "c4a05000-0000-4000-8000-000000000001"

typedef struct {
  char *tmpdir;
  char *victim; /* what a planted link points at: /etc/shadow, say */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->tmpdir = g_dir_make_tmp ("vb-qemu-status-XXXXXX", NULL);
  g_assert_nonnull (f->tmpdir);
  f->victim = g_build_filename (f->tmpdir, "shadow", NULL);
  g_assert_true (g_file_set_contents (f->victim, "root:secret:", -1, NULL));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", f->tmpdir);

  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
  g_free (f->victim);
  g_free (f->tmpdir);
}

static VbQemuStatus *
sample_status (int pid, guint64 start_time, const char *exe)
{
  VbQemuStatus *status = g_new0 (VbQemuStatus, 1);

  status->uuid = g_strdup (UUID);
  status->live_xml = g_strdup ("<domain type='qemu'><name>g</name></domain>");
  status->monitor_path = g_strdup ("/run/virtbus/qemu/" UUID "/monitor.sock");
  status->pid = pid;
  status->start_time = start_time;
  status->exe = g_strdup (exe);
  status->id = 1;
  return status;
}

static void
assert_victim_untouched (Fixture *f)
{
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents (f->victim, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "root:secret:");
}

/* The attack of the issue: a link at the old, predictable temporary name.
 * The write replaces the link; the file it points at keeps its content. */
static void
test_planted_temporary_link (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->tmpdir, "qemu", UUID, NULL);
  g_autofree char *path = g_build_filename (dir, "status.json", NULL);
  g_autofree char *tmp = g_build_filename (dir, "status.json.vbtmp", NULL);
  g_autoptr (VbQemuStatus) status = sample_status (4242, 77, "/usr/bin/qemu-system-x86_64");
  g_autofree char *json = vb_qemu_status_to_json (status);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuStatus) back = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (symlink (f->victim, tmp), ==, 0);

  g_assert_true (vb_write_file_atomic (path, json, strlen (json), 0600, &error));
  g_assert_no_error (error);
  assert_victim_untouched (f);
  back = vb_qemu_status_read (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->pid, ==, 4242);
  g_assert_cmpstr (back->exe, ==, "/usr/bin/qemu-system-x86_64");
}

/* A status file that is a link (to the service's own, genuine file even) is
 * not read: only a regular file with one link, of the service's user. */
static void
test_read_refuses_link (Fixture *f, gconstpointer data)
{
  g_autofree char *real = g_build_filename (f->tmpdir, "real.json", NULL);
  g_autofree char *sym = g_build_filename (f->tmpdir, "status.json", NULL);
  g_autofree char *hard = g_build_filename (f->tmpdir, "hard.json", NULL);
  g_autofree char *missing = g_build_filename (f->tmpdir, "missing.json", NULL);
  g_autoptr (VbQemuStatus) status = sample_status (4242, 77, "/usr/bin/qemu-system-x86_64");
  g_autofree char *json = vb_qemu_status_to_json (status);
  g_autoptr (GError) error = NULL;
  VbQemuStatus *read;

  g_assert_true (g_file_set_contents (real, json, -1, NULL));
  g_assert_cmpint (symlink (real, sym), ==, 0);
  read = vb_qemu_status_read (sym, &error);
  g_assert_null (read);
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_cmpint (link (real, hard), ==, 0);
  read = vb_qemu_status_read (hard, &error);
  g_assert_null (read);
  g_assert_nonnull (error);
  g_clear_error (&error);

  read = vb_qemu_status_read (missing, &error);
  g_assert_null (read);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* A status file names another live process (here our own `sleep 60`) with
 * its true start time: it is not the QEMU, so it is refused, and it is left
 * alone. Only the exact process, binary and user passes. */
static void
test_other_process_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) sleeper =
    g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "60", NULL);
  int pid;
  guint64 start_time;
  g_autofree char *sleep_exe = NULL;
  g_autoptr (VbQemuStatus) forged = NULL;
  g_autoptr (VbQemuStatus) wrong_uid = NULL;
  g_autoptr (VbQemuStatus) genuine = NULL;
  g_autoptr (VbQemuStatus) reused = NULL;

  g_assert_no_error (error);
  pid = atoi (g_subprocess_get_identifier (sleeper));
  /* Until the exec, /proc/PID/exe is still this test. */
  for (int i = 0; i < 5000; i++)
    {
      g_autofree char *exe = vb_process_exe (pid);
      if (exe && g_str_has_suffix (exe, "sleep"))
        {
          sleep_exe = g_steal_pointer (&exe);
          break;
        }
      g_usleep (1000);
    }
  g_assert_nonnull (sleep_exe);
  start_time = vb_process_start_time (pid);
  g_assert_cmpuint (start_time, >, 0);

  /* The start time matches (it is forged to); the binary is not QEMU's. */
  forged = sample_status (pid, start_time, "/usr/bin/qemu-system-x86_64");
  g_assert_false (
    vb_qemu_status_check_process (forged, "/usr/bin/qemu-system-x86_64", geteuid (), &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_clear_error (&error);

  /* The binary matches, the user QEMU runs as does not. */
  wrong_uid = sample_status (pid, start_time, sleep_exe);
  g_assert_false (vb_qemu_status_check_process (wrong_uid, sleep_exe, geteuid () + 1, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_clear_error (&error);

  /* Another start time: the PID was reused, the process is gone. */
  reused = sample_status (pid, start_time + 1, sleep_exe);
  g_assert_false (vb_qemu_status_check_process (reused, sleep_exe, geteuid (), &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* All three right: that is the process the file describes. */
  genuine = sample_status (pid, start_time, sleep_exe);
  g_assert_true (vb_qemu_status_check_process (genuine, sleep_exe, geteuid (), &error));
  g_assert_no_error (error);

  /* Nothing signalled it. */
  g_assert_cmpint (kill (pid, 0), ==, 0);
  g_subprocess_force_exit (sleeper);
  g_assert_true (g_subprocess_wait (sleeper, NULL, NULL));
}

/* The helper processes beside QEMU (swtpm, virtiofsd) go through the file
 * with what a restarted service checks before it takes them back or ends
 * them; an entry without an id is dropped. */
static void
test_helpers_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (VbQemuStatus) status = sample_status (4242, 777, "/usr/bin/qemu-system-x86_64");
  g_autoptr (VbQemuStatus) read = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr (GString) edited = NULL;
  VbQemuHelperRecord *helper = g_new0 (VbQemuHelperRecord, 1);
  const VbQemuHelperRecord *back;

  helper->id = g_strdup ("tpm0");
  helper->pid = 4243;
  helper->start_time = 778;
  helper->exe = g_strdup ("/usr/bin/swtpm");
  status->helpers = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_helper_record_free);
  g_ptr_array_add (status->helpers, helper);
  json = vb_qemu_status_to_json (status);
  edited = g_string_new (json);
  /* A second entry, without an id, as a damaged file could hold. */
  g_assert_cmpuint (
    g_string_replace (edited, "\"helpers\" : [", "\"helpers\" : [{\"pid\" : 1}, ", 1), ==, 1);
  read = vb_qemu_status_from_json (edited->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (read->helpers->len, ==, 1);
  back = read->helpers->pdata[0];
  g_assert_cmpstr (back->id, ==, "tpm0");
  g_assert_cmpint (back->pid, ==, 4243);
  g_assert_cmpuint (back->start_time, ==, 778);
  g_assert_cmpstr (back->exe, ==, "/usr/bin/swtpm");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/qemu-status/planted-temporary-link", test_planted_temporary_link);
  ADD ("/qemu-status/read-refuses-link", test_read_refuses_link);
  ADD ("/qemu-status/other-process-refused", test_other_process_refused);
  ADD ("/qemu-status/helpers-round-trip", test_helpers_round_trip);
#undef ADD
  return g_test_run ();
}
