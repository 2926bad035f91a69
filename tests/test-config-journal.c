/* The config writer's journal on its own: records come back in order after a
 * reopen, a torn or altered record ends them, a new generation voids the old
 * ones for good, a record naming a file outside the root is never applied,
 * and the journal refuses what does not fit. Then the writer: a change whose
 * file could not be written stays in the journal, a stop keeps it there, and
 * the next start writes it. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "config-journal.h"
#include "config-store.h"
#include "vb-error.h"

#define UUID1 "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
#define UUID2 "6a2d3b4c-5e6f-4071-9b8c-0d1e2f3a4b5c"

/* Device errors on demand: these stand in for the C library's fdatasync
 * (the journal's appends and resets use it, nothing else here does) and
 * fsync (every other sync of the writer); the test binary's own definitions
 * are the ones the writer calls. */
static gint fdatasync_failures;
static gint fsync_failures;

/* EIO while @failures is above 0 (one fewer each time), else the call. */
static int
failing_or_real (gint *failures, long call, int fd)
{
  if (g_atomic_int_get (failures) > 0)
    {
      g_atomic_int_add (failures, -1);
      errno = EIO;
      return -1;
    }
  return (int) syscall (call, fd);
}

int
fdatasync (int fd)
{
  return failing_or_real (&fdatasync_failures, SYS_fdatasync, fd);
}

int
fsync (int fd)
{
  return failing_or_real (&fsync_failures, SYS_fsync, fd);
}

/* And a read error on demand: after @pread_successes more reads, the next
 * @pread_failures fail with EIO. */
static gint pread_successes;
static gint pread_failures;

ssize_t
pread (int fd, void *buffer, size_t count, off_t offset)
{
  if (g_atomic_int_get (&pread_failures) > 0)
    {
      if (g_atomic_int_get (&pread_successes) > 0)
        g_atomic_int_add (&pread_successes, -1);
      else
        {
          g_atomic_int_add (&pread_failures, -1);
          errno = EIO;
          return -1;
        }
    }
  return (ssize_t) syscall (SYS_pread64, fd, buffer, count, offset);
}

/* And a slow rename on demand: a file written after its answer comes late. */
static gint rename_delay_us;

int
rename (const char *from, const char *to)
{
  gint delay = g_atomic_int_get (&rename_delay_us);

  if (delay)
    g_usleep (delay);
  return renameat (AT_FDCWD, from, AT_FDCWD, to);
}

typedef struct {
  char *dir;
  char *path; /* the journal */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("vbjournal-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "config.journal", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
  g_free (f->path);
  g_free (f->dir);
}

static VbConfigJournal *
open_journal (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  VbConfigJournal *journal = vb_config_journal_open (f->path, f->dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (journal);
  return journal;
}

static GPtrArray *
records_of (Fixture *f, const char *const *names)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_journal_record_free);

  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *path = g_build_filename (f->dir, "domains", names[i], NULL);
      g_autofree char *data = g_strdup_printf ("<domain>%s</domain>\n", names[i]);

      g_ptr_array_add (records, vb_journal_record_new (VB_JOURNAL_REPLACE, path, data));
    }
  return records;
}

static void
append (VbConfigJournal *journal, GPtrArray *records)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (vb_config_journal_fits (journal, records));
  g_assert_true (vb_config_journal_append (journal, records, &error));
  g_assert_no_error (error);
}

/* The journal opened, a record replacing domains/NAME for each of @names
 * appended, and closed again. */
static void
append_names (Fixture *f, const char *const *names)
{
  g_autoptr (VbConfigJournal) journal = open_journal (f);
  g_autoptr (GPtrArray) records = records_of (f, names);

  append (journal, records);
}

/* The names of the files the records change, "-" before a removal. */
static char *
summary (GPtrArray *records)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < records->len; i++)
    {
      VbJournalRecord *record = records->pdata[i];
      g_autofree char *base = g_path_get_basename (record->path);

      g_string_append_printf (text, "%s%s%s", i ? " " : "",
                              record->kind == VB_JOURNAL_REMOVE ? "-" : "", base);
    }
  return g_string_free (text, FALSE);
}

static char *
read_summary (Fixture *f)
{
  g_autoptr (VbConfigJournal) journal = open_journal (f);
  g_autoptr (GPtrArray) records = vb_config_journal_read (journal);

  return summary (records);
}

/* The journal's records read back are these (summary()'s form). */
static void
assert_summary (Fixture *f, const char *expected)
{
  g_autofree char *read_back = read_summary (f);

  g_assert_cmpstr (read_back, ==, expected);
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  const char *first[] = { "a.xml", "b.xml", NULL };
  const char *second[] = { "c.xml", NULL };

  {
    g_autoptr (VbConfigJournal) journal = open_journal (f);
    g_autoptr (GPtrArray) records = records_of (f, first);
    g_autoptr (GPtrArray) more = records_of (f, second);
    g_autoptr (GPtrArray) removal =
      g_ptr_array_new_with_free_func ((GDestroyNotify) vb_journal_record_free);
    g_autofree char *gone = g_build_filename (f->dir, "domains", "a.xml", NULL);

    g_assert_true (vb_config_journal_is_empty (journal));
    append (journal, records);
    append (journal, more);
    g_ptr_array_add (removal, vb_journal_record_new (VB_JOURNAL_REMOVE, gone, NULL));
    append (journal, removal);
    g_assert_false (vb_config_journal_is_empty (journal));
  }
  assert_summary (f, "a.xml b.xml c.xml -a.xml");
  {
    g_autoptr (VbConfigJournal) journal = open_journal (f);
    g_autoptr (GPtrArray) records = vb_config_journal_read (journal);
    VbJournalRecord *record = records->pdata[1];

    g_assert_cmpstr (record->data, ==, "<domain>b.xml</domain>\n");
    g_assert_null (((VbJournalRecord *) records->pdata[3])->data);
  }
}

/* Where in the file @needle first is. */
static goffset
offset_of (Fixture *f, const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  for (gsize i = 0; i + strlen (needle) <= length; i++)
    if (memcmp (contents + i, needle, strlen (needle)) == 0)
      return i;
  g_assert_not_reached ();
}

static void
overwrite (Fixture *f, goffset at, const char *bytes)
{
  int fd = open (f->path, O_WRONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, bytes, strlen (bytes), at), ==, (gssize) strlen (bytes));
  close (fd);
}

/* A byte changed in the second record (as a torn append would leave it):
 * the first still counts, nothing from the second on does. */
static void
test_torn_record_ends (Fixture *f, gconstpointer data)
{
  const char *names[] = { "a.xml", "b.xml", "c.xml", NULL };

  append_names (f, names);
  overwrite (f, offset_of (f, "<domain>b.xml") + 3, "X");
  assert_summary (f, "a.xml");
  /* Nothing is appended over the torn record: one of the same size would
   * make c.xml, never acknowledged, whole again after it. A new generation
   * first. */
  {
    const char *later[] = { "d.xml", NULL };
    g_autoptr (VbConfigJournal) journal = open_journal (f);
    g_autoptr (GPtrArray) records = records_of (f, later);
    g_autoptr (GError) error = NULL;

    g_assert_false (vb_config_journal_fits (journal, records));
    g_assert_false (vb_config_journal_append (journal, records, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_true (vb_config_journal_reset (journal, &error));
    append (journal, records);
  }
  assert_summary (f, "d.xml");
}

/* The first record torn (a power cut during an append never answered) while
 * the next one reached the disk whole: nothing counts, and nothing may be
 * appended in the same generation either, since a record of the torn one's
 * size would make the whole one after it count again. */
static void
test_torn_first_record (Fixture *f, gconstpointer data)
{
  const char *names[] = { "b.xml", "c.xml", NULL };
  const char *later[] = { "d.xml", NULL };

  append_names (f, names);
  overwrite (f, offset_of (f, "<domain>b.xml") + 3, "X");
  assert_summary (f, "");
  {
    g_autoptr (VbConfigJournal) journal = open_journal (f);
    g_autoptr (GPtrArray) records = records_of (f, later);
    g_autoptr (GError) error = NULL;

    /* What the writer does: a new generation when the records do not fit. */
    if (!vb_config_journal_fits (journal, records))
      g_assert_true (vb_config_journal_reset (journal, &error));
    append (journal, records);
  }
  assert_summary (f, "d.xml");
}

/* A reset whose header was written but not synced: the file may hold the
 * new generation, so nothing may be appended in the old one (its records
 * would not count after a crash), only after a reset that worked. */
static void
test_failed_reset (Fixture *f, gconstpointer data)
{
  const char *names[] = { "a.xml", NULL };
  const char *later[] = { "b.xml", NULL };

  {
    g_autoptr (VbConfigJournal) journal = open_journal (f);
    g_autoptr (GPtrArray) records = records_of (f, names);
    g_autoptr (GPtrArray) more = records_of (f, later);
    g_autoptr (GError) error = NULL;

    append (journal, records);
    g_atomic_int_set (&fdatasync_failures, 1);
    g_assert_false (vb_config_journal_reset (journal, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    /* What the writer does: a checkpoint, which resets, when they do not
     * fit (there is room: only a failure can say no). */
    if (!vb_config_journal_fits (journal, more))
      {
        g_assert_false (vb_config_journal_is_empty (journal));
        g_assert_true (vb_config_journal_reset (journal, &error));
      }
    append (journal, more);
  }
  assert_summary (f, "b.xml");
}

/* After a reset the old records are void: they are scrubbed from the file,
 * and where a crash kept the scrub from the disk they are never read again,
 * not at once, not after a reopen, not when fewer new ones stop short of
 * them. */
static void
test_reset_voids (Fixture *f, gconstpointer data)
{
  const char *names[] = { "a.xml", "b.xml", "c.xml", NULL };
  const char *later[] = { "d.xml", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *read_back = NULL;
  g_autofree char *old = NULL;
  gsize old_length;

  {
    g_autoptr (VbConfigJournal) journal = open_journal (f);
    g_autoptr (GPtrArray) records = records_of (f, names);
    g_autoptr (GPtrArray) more = records_of (f, later);
    g_autoptr (GPtrArray) after = NULL;
    goffset end;

    append (journal, records);
    g_assert_true (g_file_get_contents (f->path, &old, &old_length, NULL));
    end = offset_of (f, "<domain>c.xml") + 64;
    g_assert_true (vb_config_journal_reset (journal, &error));
    g_assert_no_error (error);
    g_assert_true (vb_config_journal_is_empty (journal));
    after = vb_config_journal_read (journal);
    g_assert_cmpuint (after->len, ==, 0);
    g_clear_pointer (&after, g_ptr_array_unref);
    {
      g_autofree char *now = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (f->path, &now, &length, NULL));
      g_assert_null (memmem (now, length, "<domain>", 8));
    }

    /* As a crash before the scrub reached the disk would leave them. */
    {
      int fd = open (f->path, O_WRONLY | O_CLOEXEC);

      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (pwrite (fd, old + 4096, end - 4096, 4096), ==, end - 4096);
      close (fd);
    }
    after = vb_config_journal_read (journal);
    g_assert_cmpuint (after->len, ==, 0);
    append (journal, more);
    g_clear_pointer (&after, g_ptr_array_unref);
    after = vb_config_journal_read (journal);
    read_back = summary (after);
    g_assert_cmpstr (read_back, ==, "d.xml");
  }
  assert_summary (f, "d.xml");
}

/* A header that does not check out is a fresh journal, not a reason to
 * trust whatever follows it. */
static void
test_bad_header_is_empty (Fixture *f, gconstpointer data)
{
  const char *names[] = { "a.xml", NULL };

  append_names (f, names);
  overwrite (f, 20, "zz");
  assert_summary (f, "");
}

/* Records are checked again when read: one that names a file outside the
 * root, however it got there, ends the replay before it. */
/* A record only ever names a file below the root: one for any other file
 * is refused when appended. */
static void
test_outside_root_refused (Fixture *f, gconstpointer data)
{
  const char *bad_paths[] = { "/etc/passwd", "%s/../escape", "%s//double", "%s/./dot",
                              "%s/",         "%s-sibling/x", NULL };

  for (guint i = 0; bad_paths[i]; i++)
    {
      g_autofree char *bad = g_strdup_printf (bad_paths[i], f->dir);
      const char *good[] = { "a.xml", NULL };
      g_autoptr (GError) error = NULL;

      {
        g_autoptr (VbConfigJournal) journal = open_journal (f);
        g_autoptr (GPtrArray) records = records_of (f, good);

        g_assert_true (vb_config_journal_reset (journal, &error));
        g_ptr_array_add (records, vb_journal_record_new (VB_JOURNAL_REMOVE, bad, NULL));
        g_assert_false (vb_config_journal_append (journal, records, &error));
        g_assert_nonnull (error);
        g_test_message ("%s: %s", bad, error->message);
        g_assert_true (vb_config_journal_is_empty (journal));
      }
      assert_summary (f, "");
    }
}

/* What a start that cannot open the journal for writing looks at: it runs
 * without the journal only when that holds nothing to apply. */
static void
test_may_hold_records (Fixture *f, gconstpointer data)
{
  const char *names[] = { "a.xml", NULL };
  g_autofree char *link = g_build_filename (f->dir, "link.journal", NULL);
  g_autofree char *dir = g_build_filename (f->dir, "dir.journal", NULL);

  g_assert_false (vb_config_journal_may_hold_records (f->path, f->dir));
  g_free (read_summary (f)); /* made, empty */
  g_assert_false (vb_config_journal_may_hold_records (f->path, f->dir));
  append_names (f, names);
  g_assert_true (vb_config_journal_may_hold_records (f->path, f->dir));
  g_assert_cmpint (symlink (f->path, link), ==, 0);
  g_assert_true (vb_config_journal_may_hold_records (link, f->dir));
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_assert_true (vb_config_journal_may_hold_records (dir, f->dir));
}

/* A missing journal closes no descriptor it never opened (standard input,
 * descriptor 0, here). */
static void
test_may_hold_records_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *below_file = g_build_filename (f->path, "x.journal", NULL);
  int null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  int saved = dup (0);

  g_assert_cmpint (null_fd, >=, 0);
  g_assert_cmpint (dup2 (null_fd, 0), ==, 0);
  /* Missing: nothing to apply. */
  g_assert_false (vb_config_journal_may_hold_records (f->path, f->dir));
  g_assert_cmpint (fcntl (0, F_GETFD), !=, -1);
  /* Not looked at (ENOTDIR): it may hold anything. */
  g_assert_true (g_file_set_contents (f->path, "", 0, NULL));
  g_assert_true (vb_config_journal_may_hold_records (below_file, f->dir));
  g_assert_cmpint (fcntl (0, F_GETFD), !=, -1);
  if (saved >= 0)
    {
      dup2 (saved, 0);
      close (saved);
    }
  close (null_fd);
}

/* A journal that cannot be read, its header or a record, may hold
 * anything: a start without it would write files that its records, read
 * at a later start, would then overwrite. */
static void
test_may_hold_records_read_error (Fixture *f, gconstpointer data)
{
  const char *names[] = { "a.xml", NULL };

  append_names (f, names);
  g_assert_true (vb_config_journal_may_hold_records (f->path, f->dir));
  /* The header. */
  g_atomic_int_set (&pread_failures, 1);
  g_assert_true (vb_config_journal_may_hold_records (f->path, f->dir));
  g_assert_cmpint (g_atomic_int_get (&pread_failures), ==, 0);
  /* The first record. */
  g_atomic_int_set (&pread_successes, 1);
  g_atomic_int_set (&pread_failures, 1);
  g_assert_true (vb_config_journal_may_hold_records (f->path, f->dir));
  g_assert_cmpint (g_atomic_int_get (&pread_failures), ==, 0);
}

/* A FIFO where the journal should be is not a journal: it may hold
 * anything, and looking at it does not wait for a writer (SIGALRM kills a
 * test that hangs). */
static void
test_may_hold_records_fifo (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (mkfifo (f->path, 0600), ==, 0);
  alarm (10);
  g_assert_true (vb_config_journal_may_hold_records (f->path, f->dir));
  alarm (0);
}

/* Records name their files below the root: a state directory moved after a
 * crash still has its journal's changes, for the files where it is now. */
static void
test_moved_root (Fixture *f, gconstpointer data)
{
  const char *names[] = { "a.xml", NULL };
  g_autofree char *moved = g_strconcat (f->dir, "/moved", NULL);
  g_autofree char *moved_journal = g_build_filename (moved, "config.journal", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  append_names (f, names);
  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  g_assert_cmpint (g_mkdir (moved, 0700), ==, 0);
  g_assert_true (g_file_set_contents (moved_journal, contents, length, NULL));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (VbConfigJournal) journal = vb_config_journal_open (moved_journal, moved, &error);
    g_autoptr (GPtrArray) records = vb_config_journal_read (journal);
    g_autofree char *expected = g_build_filename (moved, "domains", "a.xml", NULL);

    g_assert_no_error (error);
    g_assert_cmpuint (records->len, ==, 1);
    g_assert_cmpstr (((VbJournalRecord *) records->pdata[0])->path, ==, expected);
  }
}

/* Writes at the first record's place, by hand, a record of the current
 * generation that names @stored (as stored: below the root), then one that
 * names a good file. */
static void
plant_record (Fixture *f, const char *stored)
{
  g_autofree char *contents = NULL;
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  const char *good = "domains/z.xml";
  gsize length;
  int fd;

  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  for (guint r = 0; r < 2; r++)
    {
      const char *path = r == 0 ? stored : good;
      guint32 head[2] = { GUINT32_TO_LE (0x4c524256u), GUINT32_TO_LE (VB_JOURNAL_REMOVE) };
      guint32 lengths[2] = { GUINT32_TO_LE ((guint32) strlen (path)), 0 };
      guint start = bytes->len;
      guint8 digest[32];
      gsize digest_length = sizeof digest;
      g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

      g_byte_array_append (bytes, (const guint8 *) head, sizeof head);
      g_byte_array_append (bytes, (const guint8 *) contents + 16, 8); /* the generation */
      g_byte_array_append (bytes, (const guint8 *) lengths, sizeof lengths);
      g_byte_array_append (bytes, (const guint8 *) path, strlen (path));
      g_checksum_update (checksum, bytes->data + start, bytes->len - start);
      g_checksum_get_digest (checksum, digest, &digest_length);
      g_byte_array_append (bytes, digest, sizeof digest);
      while (bytes->len % 8)
        g_byte_array_append (bytes, (const guint8 *) "", 1);
    }
  fd = open (f->path, O_WRONLY | O_CLOEXEC);
  g_assert_cmpint (pwrite (fd, bytes->data, bytes->len, 4096), ==, (gssize) bytes->len);
  close (fd);
}

/* The reader checks again: a record, however it got there, that names a
 * file outside the root ends the replay before it. A good record planted
 * the same way is read, so the planting itself is right. */
static void
test_outside_root_ends (Fixture *f, gconstpointer data)
{
  const char *bad_paths[] = { "../escape", "/etc/passwd", "a//b", "./x", "a/../../b", "a/", NULL };

  g_clear_pointer (&f->path, g_free);
  f->path = g_build_filename (f->dir, "config.journal", NULL);
  g_free (read_summary (f));
  plant_record (f, "domains/y.xml");
  assert_summary (f, "-y.xml -z.xml");
  for (guint i = 0; bad_paths[i]; i++)
    {
      g_autofree char *read_back = NULL;

      plant_record (f, bad_paths[i]);
      read_back = read_summary (f);
      g_test_message ("%s: %s", bad_paths[i], read_back);
      g_assert_cmpstr (read_back, ==, "");
    }
}

static void
test_full_refuses (Fixture *f, gconstpointer data)
{
  g_autoptr (VbConfigJournal) journal = open_journal (f);
  g_autoptr (GPtrArray) records =
    g_ptr_array_new_with_free_func ((GDestroyNotify) vb_journal_record_free);
  g_autofree char *path = g_build_filename (f->dir, "domains", "huge.xml", NULL);
  g_autofree char *huge = g_strnfill (5 * 1024 * 1024, 'x');
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (records, vb_journal_record_new (VB_JOURNAL_REPLACE, path, huge));
  g_assert_false (vb_config_journal_fits (journal, records));
  g_assert_false (vb_config_journal_append (journal, records, &error));
  g_assert_nonnull (error);
  g_assert_true (vb_config_journal_is_empty (journal));
}

/* A link planted at the journal's name is not followed. */
static void
test_link_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *target = g_build_filename (f->dir, "target", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbConfigJournal) journal = NULL;

  g_assert_true (g_file_set_contents (target, "keep", -1, NULL));
  g_assert_cmpint (symlink (target, f->path), ==, 0);
  journal = vb_config_journal_open (f->path, f->dir, &error);
  g_assert_null (journal);
  g_assert_nonnull (error);
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "keep");
  }
}

/* The store through its writer. Its log is kept here (the writer thread
 * logs too), one line per message: "LEVEL message". */

static GMutex logged_lock;
static GString *logged;

static GLogWriterOutput
keep_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  /* A failed test (assert_logged() among them) says why. */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_default (level, fields, n_fields, user_data);
  g_mutex_lock (&logged_lock);
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      g_string_append_printf (logged, "%s %s\n", (level & G_LOG_LEVEL_WARNING) ? "WARNING" : "INFO",
                              (const char *) fields[i].value);
  g_mutex_unlock (&logged_lock);
  return G_LOG_WRITER_HANDLED;
}

/* What was logged since the last call. */
static char *
take_log (void)
{
  char *text;

  g_mutex_lock (&logged_lock);
  text = g_strdup (logged->str);
  g_string_truncate (logged, 0);
  g_mutex_unlock (&logged_lock);
  return text;
}

static void
assert_logged (const char *pattern)
{
  g_autofree char *text = take_log ();

  if (!g_pattern_match_simple (pattern, text))
    g_error ("The log does not match %s:\n%s", pattern, text);
}

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} Result;

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Result *out = user_data;

  out->ok = vb_config_store_finish (NULL, result, &out->error);
  out->done = TRUE;
}

/* The store on @state, with @kind's directories made as a start makes them. */
static VbConfigStore *
open_store (const char *state, const char *kind)
{
  g_autoptr (GError) error = NULL;
  VbConfigStore *store = vb_config_store_new (state, &error);

  g_assert_no_error (error);
  g_ptr_array_unref (vb_config_store_load (store, kind));
  return store;
}

static void
save (VbConfigStore *store, const char *id, const char *xml)
{
  Result result = { 0 };

  vb_config_store_save_async (store, "domains", id, xml, done, &result);
  while (!result.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
  vb_config_store_flush (store);
}

static char *
file_contents (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

/* The file cannot be written (a non-empty directory stands at its name,
 * which stops root too): the define is still answered, since the journal
 * holds it; a stop keeps it there, and the start after the way is cleared
 * writes the file. */
static void
test_unwritten_file_replayed (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autofree char *file1 = g_build_filename (state, "domains", UUID1 ".xml", NULL);
  g_autofree char *file2 = g_build_filename (state, "domains", UUID2 ".xml", NULL);
  g_autofree char *blocker = g_build_filename (file2, "in-the-way", NULL);
  g_autofree char *journal_path = g_build_filename (state, "config.journal", NULL);
  g_autoptr (GError) error = NULL;
  VbConfigStore *store = open_store (state, "domains");
  save (store, UUID1, "<domain>one</domain>\n");
  g_assert_cmpint (g_mkdir (file2, 0700), ==, 0);
  g_assert_true (g_file_set_contents (blocker, "", -1, NULL));

  g_free (take_log ());
  save (store, UUID2, "<domain>two</domain>\n");
  assert_logged ("WARNING Configuration journal: Cannot write *" UUID2
                 ".xml: *; it stays in the journal\n");
  {
    g_autofree char *one = file_contents (file1);

    g_assert_cmpstr (one, ==, "<domain>one</domain>\n");
  }

  /* The stop's checkpoint tries again, fails again, and keeps the journal. */
  vb_config_store_free (store);
  assert_logged ("*WARNING Configuration journal: Cannot write *" UUID2 ".xml*\n"
                 "WARNING Configuration journal: Cannot apply the configuration journal*");
  {
    g_autoptr (VbConfigJournal) journal = vb_config_journal_open (journal_path, state, &error);
    g_autoptr (GPtrArray) records = vb_config_journal_read (journal);
    g_autofree char *names = summary (records);

    g_assert_no_error (error);
    g_assert_cmpstr (names, ==, UUID1 ".xml " UUID2 ".xml");
  }

  g_assert_cmpint (g_unlink (blocker), ==, 0);
  g_assert_cmpint (g_rmdir (file2), ==, 0);
  store = vb_config_store_new (state, &error);
  assert_logged ("INFO Configuration journal: applying 2 changes left by the last run\n");
  g_assert_no_error (error);
  {
    g_autoptr (GPtrArray) configs = vb_config_store_load (store, "domains");
    g_autoptr (VbConfigJournal) journal = vb_config_journal_open (journal_path, state, &error);
    g_autofree char *two = file_contents (file2);

    g_assert_cmpuint (configs->len, ==, 2);
    g_assert_cmpstr (two, ==, "<domain>two</domain>\n");
    /* Synced and voided: the next start has nothing to apply. */
    g_assert_true (vb_config_journal_is_empty (journal));
  }
  vb_config_store_free (store);
}

/* A clean stop leaves an empty journal and every file in place; a start
 * after a stop that could not sync (a kill) writes back what the journal
 * holds over a file a crash left short. */
static void
test_kill_replays (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autofree char *file1 = g_build_filename (state, "domains", UUID1 ".xml", NULL);
  g_autofree char *journal_path = g_build_filename (state, "config.journal", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *saved_journal = NULL;
  gsize saved_length;
  VbConfigStore *store = open_store (state, "domains");
  save (store, UUID1, "<domain>one</domain>\n");
  /* What a kill now would leave: the journal as it is, before the stop's
   * checkpoint voids it. */
  g_assert_true (g_file_get_contents (journal_path, &saved_journal, &saved_length, NULL));
  vb_config_store_free (store);
  {
    g_autoptr (VbConfigJournal) journal = vb_config_journal_open (journal_path, state, &error);

    g_assert_true (vb_config_journal_is_empty (journal));
  }

  g_assert_true (g_file_set_contents (journal_path, saved_journal, saved_length, NULL));
  g_assert_true (g_file_set_contents (file1, "<dom", -1, NULL));
  store = vb_config_store_new (state, &error);
  assert_logged ("INFO Configuration journal: applying 1 changes left by the last run\n");
  g_assert_no_error (error);
  {
    g_autofree char *one = file_contents (file1);

    g_assert_cmpstr (one, ==, "<domain>one</domain>\n");
  }
  vb_config_store_free (store);
}

static void
wait_done (Result *result)
{
  while (!result->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (result->error);
  g_assert_true (result->ok);
}

/* A removal in the journal, then a write of the same file synced on its own
 * (answered once on the device): a kill before the next checkpoint must not
 * let the start's replay remove the file again. */
static void
test_removal_then_synced_write (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autofree char *file1 = g_build_filename (state, "domains", UUID1 ".xml", NULL);
  g_autofree char *journal_path = g_build_filename (state, "config.journal", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *saved_journal = NULL;
  gsize saved_length;
  VbConfigStore *store = open_store (state, "domains");
  save (store, UUID1, "<domain>one</domain>\n");
  vb_config_store_free (store); /* a checkpoint: the journal is empty */

  store = open_store (state, "domains");
  {
    Result removed = { 0 }, written = { 0 };

    vb_config_store_remove_async (store, "domains", UUID1, done, &removed);
    wait_done (&removed);
    vb_config_store_write_file_async (store, file1, "<domain>again</domain>\n", done, &written);
    wait_done (&written);
  }
  /* What a kill now would leave. */
  g_assert_true (g_file_get_contents (journal_path, &saved_journal, &saved_length, NULL));
  vb_config_store_free (store);
  g_assert_true (g_file_set_contents (journal_path, saved_journal, saved_length, NULL));

  store = vb_config_store_new (state, &error);
  g_assert_no_error (error);
  {
    g_autofree char *one = file_contents (file1);

    g_assert_cmpstr (one, ==, "<domain>again</domain>\n");
  }
  vb_config_store_free (store);
}

/* The first append of a generation fails (a device error): that define
 * gets the error, and the next one still goes through the journal, not the
 * slow way for the rest of the run. */
static void
test_failed_append_then_journal (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autofree char *journal_path = g_build_filename (state, "config.journal", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  VbConfigStore *store = open_store (state, "domains");
  {
    Result result = { 0 };

    g_atomic_int_set (&fdatasync_failures, 1);
    vb_config_store_save_async (store, "domains", UUID1, "<domain>one</domain>\n", done, &result);
    while (!result.done)
      g_main_context_iteration (NULL, TRUE);
    g_assert_error (result.error, VB_ERROR, VB_ERROR_FAILED);
    g_clear_error (&result.error);
  }
  save (store, UUID2, "<domain>two</domain>\n");
  g_assert_true (g_file_get_contents (journal_path, &contents, &length, NULL));
  g_assert_nonnull (memmem (contents, length, "<domain>two", strlen ("<domain>two")));
  vb_config_store_free (store);
}

/* The checkpoint cannot sync a file (a device error): the journal keeps
 * the change, which the next start writes again, rather than voiding the
 * only durable copy. */
static void
test_failed_file_sync_keeps_journal (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autofree char *journal_path = g_build_filename (state, "config.journal", NULL);
  g_autoptr (GError) error = NULL;
  VbConfigStore *store = open_store (state, "domains");
  save (store, UUID1, "<domain>one</domain>\n");
  /* No idle checkpoint before the stop's, which the failure meets first
   * (its one file is synced before any directory). */
  vb_config_store_hold_writes (store, TRUE);
  g_free (take_log ());
  g_atomic_int_set (&fsync_failures, 1);
  vb_config_store_free (store);
  g_assert_cmpint (g_atomic_int_get (&fsync_failures), ==, 0);
  assert_logged ("WARNING Configuration journal: Cannot sync *" UUID1 ".xml: *\n");
  {
    g_autoptr (VbConfigJournal) journal = vb_config_journal_open (journal_path, state, &error);
    g_autoptr (GPtrArray) records = vb_config_journal_read (journal);
    g_autofree char *names = summary (records);

    g_assert_no_error (error);
    g_assert_cmpstr (names, ==, UUID1 ".xml");
  }
}

/* After a failed sync the file may not hold what the page cache showed (the
 * device lost it; here the file is spoiled by hand to stand for that): the
 * next checkpoint writes it again from the journal before it syncs. */
static void
test_failed_sync_rewrites (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autofree char *file1 = g_build_filename (state, "domains", UUID1 ".xml", NULL);
  g_autoptr (GError) error = NULL;
  VbConfigStore *store = open_store (state, "domains");
  save (store, UUID1, "<domain>one</domain>\n");
  {
    Result written = { 0 };

    /* A synced write of the journal's file checkpoints first, which fails. */
    g_atomic_int_set (&fsync_failures, 1);
    vb_config_store_write_file_async (store, file1, "<domain>own</domain>\n", done, &written);
    while (!written.done)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpint (g_atomic_int_get (&fsync_failures), ==, 0);
    g_assert_error (written.error, VB_ERROR, VB_ERROR_FAILED);
    g_clear_error (&written.error);
  }
  /* No idle checkpoint: the stop's is the next. */
  vb_config_store_hold_writes (store, TRUE);
  g_assert_true (g_file_set_contents (file1, "<dom", -1, NULL));
  g_free (take_log ());
  /* The stop's checkpoint. */
  vb_config_store_free (store);
  {
    g_autofree char *one = file_contents (file1);

    g_assert_cmpstr (one, ==, "<domain>one</domain>\n");
  }
}

/* A secret's value goes through the journal like any definition; once the
 * secret is gone and a checkpoint voided its records, the journal must not
 * keep a copy of it (the file itself was removed). */
static void
test_void_records_scrubbed (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autofree char *journal_path = g_build_filename (state, "config.journal", NULL);
  const char *value = "<secret><value>c2VjcmV0LXZhbHVlLTQy</value></secret>\n";
  g_autofree char *contents = NULL;
  gsize length;
  VbConfigStore *store = open_store (state, "secrets");
  {
    Result saved = { 0 }, removed = { 0 };

    vb_config_store_save_async (store, "secrets", UUID1, value, done, &saved);
    wait_done (&saved);
    vb_config_store_remove_async (store, "secrets", UUID1, done, &removed);
    wait_done (&removed);
  }
  g_assert_true (g_file_get_contents (journal_path, &contents, &length, NULL));
  g_assert_nonnull (memmem (contents, length, "c2VjcmV0LXZhbHVlLTQy", 20));
  g_clear_pointer (&contents, g_free);
  vb_config_store_free (store);
  g_assert_true (g_file_get_contents (journal_path, &contents, &length, NULL));
  g_assert_null (memmem (contents, length, "c2VjcmV0LXZhbHVlLTQy", 20));
}

/* A change of the journal whose file cannot be written (a directory in the
 * way) holds back the writes of that file, not every synced write: one of
 * another file is answered as before. */
static void
test_unwritten_file_spares_others (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autofree char *file2 = g_build_filename (state, "domains", UUID2 ".xml", NULL);
  g_autofree char *blocker = g_build_filename (file2, "in-the-way", NULL);
  g_autofree char *other = g_build_filename (state, "other.json", NULL);
  g_autoptr (GError) error = NULL;
  VbConfigStore *store = open_store (state, "domains");
  g_assert_cmpint (g_mkdir (file2, 0700), ==, 0);
  g_assert_true (g_file_set_contents (blocker, "", -1, NULL));
  save (store, UUID2, "<domain>two</domain>\n");
  assert_logged ("WARNING Configuration journal: Cannot write *" UUID2
                 ".xml: *; it stays in the journal\n");
  {
    Result written = { 0 };

    vb_config_store_write_file_async (store, other, "{}\n", done, &written);
    wait_done (&written);
  }
  {
    Result written = { 0 };

    /* That file itself: the journal's change is applied first, and fails. */
    vb_config_store_write_file_async (store, file2, "<domain>own</domain>\n", done, &written);
    while (!written.done)
      g_main_context_iteration (NULL, TRUE);
    g_assert_error (written.error, VB_ERROR, VB_ERROR_FAILED);
    g_clear_error (&written.error);
  }
  g_assert_cmpint (g_unlink (blocker), ==, 0);
  g_assert_cmpint (g_rmdir (file2), ==, 0);
  vb_config_store_free (store);
  {
    g_autofree char *two = file_contents (file2);

    g_assert_cmpstr (two, ==, "<domain>two</domain>\n");
  }
  g_free (take_log ());
}

/* A load right after an answer from the journal, its file still on the
 * way: the load waits for it, and finds what the caller was told. */
static void
test_load_waits_for_answered (Fixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->dir, "state", NULL);
  g_autoptr (GError) error = NULL;
  VbConfigStore *store = open_store (state, "domains");
  {
    Result saved = { 0 };
    g_autoptr (GPtrArray) configs = NULL;

    g_atomic_int_set (&rename_delay_us, 300 * 1000);
    vb_config_store_save_async (store, "domains", UUID1, "<domain>one</domain>\n", done, &saved);
    wait_done (&saved);
    configs = vb_config_store_load (store, "domains");
    g_atomic_int_set (&rename_delay_us, 0);
    g_assert_cmpuint (configs->len, ==, 1);
  }
  vb_config_store_free (store);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  logged = g_string_new (NULL);
  g_log_set_writer_func (keep_log, NULL, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/config-journal/round-trip", test_round_trip);
  ADD ("/config-journal/torn-record-ends", test_torn_record_ends);
  ADD ("/config-journal/torn-first-record", test_torn_first_record);
  ADD ("/config-journal/reset-voids", test_reset_voids);
  ADD ("/config-journal/failed-reset", test_failed_reset);
  ADD ("/config-journal/bad-header-is-empty", test_bad_header_is_empty);
  ADD ("/config-journal/outside-root-refused", test_outside_root_refused);
  ADD ("/config-journal/outside-root-ends", test_outside_root_ends);
  ADD ("/config-journal/moved-root", test_moved_root);
  ADD ("/config-journal/may-hold-records", test_may_hold_records);
  ADD ("/config-journal/may-hold-records-missing", test_may_hold_records_missing);
  ADD ("/config-journal/may-hold-records-fifo", test_may_hold_records_fifo);
  ADD ("/config-journal/may-hold-records-read-error", test_may_hold_records_read_error);
  ADD ("/config-journal/full-refuses", test_full_refuses);
  ADD ("/config-journal/link-refused", test_link_refused);
  ADD ("/config-journal/unwritten-file-replayed", test_unwritten_file_replayed);
  ADD ("/config-journal/kill-replays", test_kill_replays);
  ADD ("/config-journal/removal-then-synced-write", test_removal_then_synced_write);
  ADD ("/config-journal/failed-append-then-journal", test_failed_append_then_journal);
  ADD ("/config-journal/failed-file-sync-keeps-journal", test_failed_file_sync_keeps_journal);
  ADD ("/config-journal/failed-sync-rewrites", test_failed_sync_rewrites);
  ADD ("/config-journal/void-records-scrubbed", test_void_records_scrubbed);
  ADD ("/config-journal/unwritten-file-spares-others", test_unwritten_file_spares_others);
  ADD ("/config-journal/load-waits-for-answered", test_load_waits_for_answered);
  return g_test_run ();
}
