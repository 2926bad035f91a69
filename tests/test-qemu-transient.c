/* drivers/qemu/qemu-transient.c: the overlay of a <transient/> disk is made
 * by /usr/bin/qemu-img whatever PATH says, and a qemu-img that never
 * finishes (its image a FIFO no one writes) is killed at the timeout, the
 * overlay removed and the start refused. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu-command.h"
#include "qemu-transient.h"
#include "vb-error.h"

typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} Wait;

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static gboolean
too_long (gpointer user_data)
{
  g_error ("the overlay was still being made after 30 seconds");
  return G_SOURCE_REMOVE;
}

/* Makes the overlay @overlay over @base (raw) with a @timeout_seconds
 * timeout, as QEMU's user is not asked for here (NULL: stay who we are). */
static gboolean
make (const char *overlay, const char *base, guint timeout_seconds, GError **error)
{
  g_autoptr (VbQemuCommand) command = g_new0 (VbQemuCommand, 1);
  VbQemuTransient *transient = g_new0 (VbQemuTransient, 1);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Wait wait = { loop, NULL };
  guint guard = g_timeout_add_seconds (30, too_long, NULL);
  gboolean ok;

  command->transients = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_transient_free);
  transient->overlay = g_strdup (overlay);
  transient->base = g_strdup (base);
  transient->base_format = g_strdup ("raw");
  g_ptr_array_add (command->transients, transient);
  vb_qemu_transient_make_full_async (command, NULL, timeout_seconds, done, &wait);
  g_main_loop_run (loop);
  g_source_remove (guard);
  ok = vb_qemu_transient_make_finish (wait.result, error);
  g_object_unref (wait.result);
  return ok;
}

static void
test_transient (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-transient-XXXXXX", NULL);
  g_autofree char *bin = g_build_filename (dir, "bin", NULL);
  g_autofree char *fake = g_build_filename (bin, "qemu-img", NULL);
  g_autofree char *base = g_build_filename (dir, "base.raw", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *overlay = g_build_filename (dir, "overlay.qcow2", NULL);
  g_autofree char *rm = g_strdup_printf ("/bin/rm -rf %s", dir);
  g_autofree char *info = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { "/usr/bin/qemu-img", "info", "-U", overlay, NULL };
  gint64 start;

  /* A qemu-img first in PATH that fails: never the one run. */
  g_assert_cmpint (g_mkdir (bin, 0700), ==, 0);
  g_assert_true (
    g_file_set_contents (fake, "#!/bin/sh\necho fake qemu-img >&2\nexit 1\n", -1, NULL));
  g_assert_cmpint (g_chmod (fake, 0700), ==, 0);
  g_setenv ("PATH", bin, TRUE);
  g_assert_true (g_file_set_contents (base, "", 0, NULL));
  g_assert_cmpint (truncate (base, 1024 * 1024), ==, 0);
  g_assert_true (make (overlay, base, 10, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               &info, NULL, NULL, NULL));
  g_assert_nonnull (strstr (info, "file format: qcow2"));
  g_assert_nonnull (strstr (info, "backing file format: raw"));
  g_unlink (overlay);

  /* qemu-img waits forever opening a FIFO no one writes to. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  start = g_get_monotonic_time ();
  g_assert_false (make (overlay, fifo, 2, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "qemu-img did not finish within 2 seconds"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_TIME_SPAN_SECOND);
  g_assert_false (g_file_test (overlay, G_FILE_TEST_EXISTS));
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-transient/make", test_transient);
  return g_test_run ();
}
