/* A helper's state file copied back from its scratch directory, which is
 * QEMU's user's (every guest's QEMU runs as that user): what lies there
 * under the copy's name is not trusted. A FIFO put there must not hold up
 * the service (it copies on its main loop): refused as no regular file. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu-helper-state-file.h"

static void
test_fifo_copy (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("vb-statefile-XXXXXX", NULL);
      g_autofree char *fifo = g_build_filename (dir, VB_QEMU_STATE_FILE_COPY, NULL);
      g_autofree char *state = g_build_filename (dir, "state", NULL);
      g_autoptr (GError) error = NULL;
      int dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

      g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
      g_assert_false (vb_qemu_state_file_from_scratch (state, dir_fd, NULL, &error));
      g_assert_nonnull (error);
      g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));
      close (dir_fd);
      g_unlink (fifo);
      g_rmdir (dir);
      return;
    }
  /* Blocked in open() on the FIFO, it would never end. */
  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-state-file/fifo-copy", test_fifo_copy);
  return g_test_run ();
}
