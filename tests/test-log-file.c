/* vb-log-file.c: the end of a log without reading it all, and a log kept
 * below its limit without touching what is not the log. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu-log-cap.h"
#include "vb-log-file.h"

typedef struct {
  char *dir;
  int dir_fd;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("vb-log-file-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->dir_fd = open (f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (f->dir_fd, >=, 0);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_unlink (path);
    }
  close (f->dir_fd);
  g_rmdir (f->dir);
  g_free (f->dir);
}

static char *
path_in (Fixture *f, const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static void
write_file (Fixture *f, const char *name, const char *text)
{
  g_autofree char *path = path_in (f, name);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static char *
read_file (Fixture *f, const char *name)
{
  g_autofree char *path = path_in (f, name);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static goffset
size_of (Fixture *f, const char *name)
{
  g_autofree char *path = path_in (f, name);
  struct stat st;

  g_assert_cmpint (lstat (path, &st), ==, 0);
  return st.st_size;
}

static void
test_tail (Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in (f, "qemu.log");
  g_autofree char *link = path_in (f, "link.log");
  g_autofree char *fifo = path_in (f, "fifo.log");
  g_autofree char *all = NULL, *end = NULL, *after = NULL, *cut = NULL;

  write_file (f, "qemu.log", "HEADER\nqemu: the error\n");
  all = vb_log_file_tail (path, 0, 1000);
  g_assert_cmpstr (all, ==, "HEADER\nqemu: the error\n");
  /* Only the last bytes. */
  end = vb_log_file_tail (path, 0, 6);
  g_assert_cmpstr (end, ==, "error\n");
  /* Nothing before @from. */
  after = vb_log_file_tail (path, 7, 1000);
  g_assert_cmpstr (after, ==, "qemu: the error\n");
  /* Cut below @from meanwhile: its end from the start. */
  write_file (f, "qemu.log", "new\n");
  cut = vb_log_file_tail (path, 7, 1000);
  g_assert_cmpstr (cut, ==, "new\n");

  /* Text for a message (it goes into D-Bus errors, which must be UTF-8):
   * never the second half of a character cut at the limit, nor bytes that
   * are no UTF-8 at all. */
  write_file (f, "qemu.log", "qemu: \xc3\xa9t\xc3\xa9\n");
  g_clear_pointer (&end, g_free);
  end = vb_log_file_tail (path, 0, 5);
  g_assert_true (g_utf8_validate (end, -1, NULL));
  g_assert_cmpstr (end, ==, "t\xc3\xa9\n");
  write_file (f, "qemu.log", "bad \xff byte\n");
  g_clear_pointer (&end, g_free);
  end = vb_log_file_tail (path, 0, 1000);
  g_assert_true (g_utf8_validate (end, -1, NULL));
  g_assert_cmpstr (end, ==, "bad \xef\xbf\xbd byte\n");

  /* Not through a link, never a FIFO (whose open would wait). */
  g_assert_cmpint (symlink (path, link), ==, 0);
  g_assert_null (vb_log_file_tail (link, 0, 1000));
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_null (vb_log_file_tail (fifo, 0, 1000));
}

static void
test_cap (Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in (f, "serial0.log");
  g_autofree char *kept = NULL, *again = NULL;
  GString *text = g_string_new (NULL);
  int writer;

  for (int i = 0; i < 100; i++)
    g_string_append_printf (text, "line %03d\n", i); /* 9 bytes each */
  write_file (f, "serial0.log", text->str);

  /* Under the limit: untouched. */
  g_assert_false (vb_log_file_cap (f->dir_fd, "serial0.log", 900, TRUE));
  g_assert_cmpint (size_of (f, "serial0.log"), ==, 900);
  g_assert_null (read_file (f, "serial0.log.1"));

  /* Over it: its end kept beside it, the log cut; a writer appending goes on
   * at the start. */
  writer = open (path, O_WRONLY | O_APPEND | O_CLOEXEC);
  g_assert_cmpint (writer, >=, 0);
  g_assert_true (vb_log_file_cap (f->dir_fd, "serial0.log", 90, TRUE));
  g_assert_cmpint (size_of (f, "serial0.log"), ==, 0);
  kept = read_file (f, "serial0.log.1");
  g_assert_cmpstr (kept, ==, text->str + 810);
  g_assert_cmpint (write (writer, "after\n", 6), ==, 6);
  close (writer);
  again = read_file (f, "serial0.log");
  g_assert_cmpstr (again, ==, "after\n");
  g_string_free (text, TRUE);
}

static void
test_cap_refuses_others (Fixture *f, gconstpointer data)
{
  g_autofree char *victim = path_in (f, "victim");
  g_autofree char *log = path_in (f, "a.log");
  g_autofree char *linked = path_in (f, "b.log");
  g_autofree char *planted = path_in (f, "c.log.1.new");
  g_autofree char *planted_kept = path_in (f, "d.log.1");
  g_autofree char *text = g_strnfill (4096, 'x');
  g_autofree char *victim_after = NULL;

  write_file (f, "victim", "precious\n");
  /* A symbolic link as the log: not followed, nothing cut. */
  g_assert_cmpint (symlink (victim, log), ==, 0);
  g_assert_false (vb_log_file_cap (f->dir_fd, "a.log", 4, TRUE));
  /* A second hard link to another file: not cut. */
  g_assert_cmpint (link (victim, linked), ==, 0);
  g_assert_false (vb_log_file_cap (f->dir_fd, "b.log", 4, TRUE));
  victim_after = read_file (f, "victim");
  g_assert_cmpstr (victim_after, ==, "precious\n");

  /* Links planted at the copy's names are replaced, not written through. */
  write_file (f, "c.log", text);
  g_assert_cmpint (symlink (victim, planted), ==, 0);
  g_assert_true (vb_log_file_cap (f->dir_fd, "c.log", 100, TRUE));
  write_file (f, "d.log", text);
  g_assert_cmpint (symlink (victim, planted_kept), ==, 0);
  g_assert_true (vb_log_file_cap (f->dir_fd, "d.log", 100, TRUE));
  g_clear_pointer (&victim_after, g_free);
  victim_after = read_file (f, "victim");
  g_assert_cmpstr (victim_after, ==, "precious\n");
  g_assert_cmpint (size_of (f, "d.log.1"), ==, 100);
  g_assert_cmpint (size_of (f, "d.log"), ==, 0);
}

/* Without @keep: cut, and the copy before stays as it was. */
static void
test_cap_without_copy (Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_strnfill (4096, 'y');
  g_autofree char *kept = NULL;

  write_file (f, "e.log", text);
  write_file (f, "e.log.1", "older\n");
  g_assert_true (vb_log_file_cap (f->dir_fd, "e.log", 100, FALSE));
  g_assert_cmpint (size_of (f, "e.log"), ==, 0);
  kept = read_file (f, "e.log.1");
  g_assert_cmpstr (kept, ==, "older\n");
}

/* The QEMU driver's watch: a writer as fast as a guest on a logged virtio
 * port (hundreds of MiB a second) never gets the log far past the limit. */
static void
test_watch_fast_writer (Fixture *f, gconstpointer data)
{
  g_autofree char *path = path_in (f, "port.log");
  g_autofree char *chunk = g_strnfill (1024 * 1024, 'z');
  goffset largest = 0;
  gint64 end;
  int writer = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  g_assert_cmpint (writer, >=, 0);
  vb_qemu_log_cap_watch (f->dir);
  for (int i = 0; i < 256; i++)
    {
      g_assert_cmpint (write (writer, chunk, 1024 * 1024), ==, 1024 * 1024);
      largest = MAX (largest, size_of (f, "port.log"));
      if (i % 16 == 15)
        g_usleep (1000); /* as a guest's vCPU, not a tight loop */
    }
  g_test_message ("256 MiB written: the log was at most %" G_GOFFSET_FORMAT " bytes", largest);
  /* Past the limit only by what came while it was being cut. */
  g_assert_cmpint (largest, <, 128 * 1024 * 1024);
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (size_of (f, "port.log") > VB_QEMU_LOG_LIMIT && g_get_monotonic_time () < end)
    g_usleep (10000);
  g_assert_cmpint (size_of (f, "port.log"), <=, VB_QEMU_LOG_LIMIT);
  g_assert_cmpint (size_of (f, "port.log.1"), <=, VB_QEMU_LOG_LIMIT);
  g_assert_cmpint (size_of (f, "port.log.1"), >, 0);
  close (writer);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/log-file/tail", Fixture, NULL, setup, test_tail, teardown);
  g_test_add ("/log-file/cap", Fixture, NULL, setup, test_cap, teardown);
  g_test_add ("/log-file/cap-refuses-others", Fixture, NULL, setup, test_cap_refuses_others,
              teardown);
  g_test_add ("/log-file/cap-without-copy", Fixture, NULL, setup, test_cap_without_copy, teardown);
  g_test_add ("/log-file/watch-fast-writer", Fixture, NULL, setup, test_watch_fast_writer,
              teardown);
  return g_test_run ();
}
