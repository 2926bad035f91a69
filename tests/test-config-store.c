/* The config store: what is saved is loaded back, autostart markers follow
 * the flag, leftovers of interrupted writes are cleaned up, failures are
 * reported, flush waits for the writer, a file's removal keeps its place
 * among the writes, and an atomic write is never seen half done. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "config-store.h"
#include "vb-error.h"
#include "vb-files.h"

#define UUID1 "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
#define UUID2 "6a2d3b4c-5e6f-4071-9b8c-0d1e2f3a4b5c"

typedef struct {
  char *tmpdir;
  char *state_dir;
  VbConfigStore *store;
} Fixture;

typedef struct {
  VbConfigStore *store;
  gboolean done;
  gboolean ok;
  GError *error;
} Result;

static void
result_clear (Result *result)
{
  g_clear_error (&result->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("vbstore-XXXXXX", &error);
  g_assert_no_error (error);
  f->state_dir = g_build_filename (f->tmpdir, "state", NULL);
  f->store = vb_config_store_new (f->state_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
  g_assert_cmpstr (vb_config_store_get_dir (f->store), ==, f->state_dir);
  /* As the service does at start-up: loading a kind creates its directories. */
  g_ptr_array_unref (vb_config_store_load (f->store, "domains"));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  /* chmod first: a test may have made a directory read-only. */
  g_autofree char *rm =
    g_strdup_printf ("sh -c \"chmod -R u+rwx '%s'; rm -rf '%s'\"", f->tmpdir, f->tmpdir);

  vb_config_store_free (f->store);
  g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
  g_free (f->tmpdir);
  g_free (f->state_dir);
}

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Result *out = user_data;

  out->ok = vb_config_store_finish (out->store, result, &out->error);
  out->done = TRUE;
}

static void
wait_result (Result *result)
{
  /* Only a hang fails here: an fsync on a loaded CI disk can take seconds. */
  gint64 end = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;

  while (!result->done)
    {
      if (g_get_monotonic_time () > end)
        g_error ("The config store did not complete a write within 60 s");
      g_main_context_iteration (NULL, TRUE);
    }
  /* A deferred write is answered from the journal, its files a moment
   * later: what these tests look at on disk. */
  vb_config_store_flush (result->store);
}

static gboolean
save (Fixture *f, const char *kind, const char *id, const char *xml, GError **error)
{
  g_auto (Result) result = { .store = f->store };

  vb_config_store_save_async (f->store, kind, id, xml, done, &result);
  wait_result (&result);
  if (result.error)
    g_propagate_error (error, g_steal_pointer (&result.error));
  return result.ok;
}

static void
set_autostart (Fixture *f, const char *id, gboolean autostart)
{
  g_auto (Result) result = { .store = f->store };

  vb_config_store_set_autostart_async (f->store, "domains", id, autostart, done, &result);
  wait_result (&result);
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
}

static void
remove_config (Fixture *f, const char *id)
{
  g_auto (Result) result = { .store = f->store };

  vb_config_store_remove_async (f->store, "domains", id, done, &result);
  wait_result (&result);
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
}

static VbStoredConfig *
find (GPtrArray *configs, const char *id)
{
  for (guint i = 0; i < configs->len; i++)
    {
      VbStoredConfig *config = configs->pdata[i];
      if (g_str_equal (config->id, id))
        return config;
    }
  return NULL;
}

static char *
domain_file (Fixture *f, const char *name)
{
  return g_build_filename (f->state_dir, "domains", name, NULL);
}

static char *
marker_file (Fixture *f, const char *id)
{
  return g_build_filename (f->state_dir, "domains", "autostart", id, NULL);
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  const char *xml1 = "<domain type='test'>\n  <name>one</name>\n</domain>\n";
  const char *xml2 = "<domain type='test'>\n  <name>two</name>\n</domain>\n";
  g_autoptr (GPtrArray) configs = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path1 = domain_file (f, UUID1 ".xml");
  VbStoredConfig *config;

  g_assert_true (save (f, "domains", UUID1, xml1, &error));
  g_assert_no_error (error);
  g_assert_true (save (f, "domains", UUID2, xml2, &error));
  g_assert_no_error (error);

  configs = vb_config_store_load (f->store, "domains");
  g_assert_cmpuint (configs->len, ==, 2);
  config = find (configs, UUID1);
  g_assert_nonnull (config);
  g_assert_cmpstr (config->xml, ==, xml1);
  g_assert_cmpstr (config->path, ==, path1);
  g_assert_false (config->autostart);
  config = find (configs, UUID2);
  g_assert_nonnull (config);
  g_assert_cmpstr (config->xml, ==, xml2);

  /* Saving again replaces the content; kinds are kept apart. */
  g_assert_true (save (f, "domains", UUID1, xml2, &error));
  g_clear_pointer (&configs, g_ptr_array_unref);
  configs = vb_config_store_load (f->store, "domains");
  g_assert_cmpstr (find (configs, UUID1)->xml, ==, xml2);
  g_clear_pointer (&configs, g_ptr_array_unref);
  configs = vb_config_store_load (f->store, "networks");
  g_assert_cmpuint (configs->len, ==, 0);
}

static void
test_autostart_marker (Fixture *f, gconstpointer data)
{
  g_autofree char *marker = marker_file (f, UUID1);
  g_autoptr (GPtrArray) on = NULL;
  g_autoptr (GPtrArray) off = NULL;

  g_assert_true (save (f, "domains", UUID1, "<domain/>\n", NULL));
  set_autostart (f, UUID1, TRUE);
  g_assert_true (g_file_test (marker, G_FILE_TEST_IS_REGULAR));
  on = vb_config_store_load (f->store, "domains");
  g_assert_true (find (on, UUID1)->autostart);
  /* Twice is harmless. */
  set_autostart (f, UUID1, TRUE);

  set_autostart (f, UUID1, FALSE);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  off = vb_config_store_load (f->store, "domains");
  g_assert_false (find (off, UUID1)->autostart);
  /* Turning off what is off is no error either. */
  set_autostart (f, UUID1, FALSE);
}

static void
test_remove (Fixture *f, gconstpointer data)
{
  g_autofree char *xml_path = domain_file (f, UUID1 ".xml");
  g_autofree char *marker = marker_file (f, UUID1);
  g_autoptr (GPtrArray) configs = NULL;

  g_assert_true (save (f, "domains", UUID1, "<domain/>\n", NULL));
  g_assert_true (save (f, "domains", UUID2, "<domain/>\n", NULL));
  set_autostart (f, UUID1, TRUE);
  remove_config (f, UUID1);
  g_assert_false (g_file_test (xml_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  configs = vb_config_store_load (f->store, "domains");
  g_assert_cmpuint (configs->len, ==, 1);
  g_assert_null (find (configs, UUID1));
  g_assert_nonnull (find (configs, UUID2));
  /* Removing what is gone succeeds: the result is the same. */
  remove_config (f, UUID1);
}

/* An Undefine a kill interrupted between its two steps: the definition is
 * gone and its autostart marker left. The next load drops the marker, so a
 * later definition of that UUID does not inherit an Autostart nobody set;
 * and the interrupted state is never a definition without its marker. */
static void
test_interrupted_remove (Fixture *f, gconstpointer data)
{
  g_autofree char *xml_path = domain_file (f, UUID1 ".xml");
  g_autofree char *marker = marker_file (f, UUID1);
  g_autoptr (GPtrArray) configs = NULL;
  g_autoptr (GPtrArray) again = NULL;

  g_assert_true (save (f, "domains", UUID1, "<domain/>\n", NULL));
  set_autostart (f, UUID1, TRUE);
  g_assert_cmpint (g_unlink (xml_path), ==, 0);
  configs = vb_config_store_load (f->store, "domains");
  g_assert_null (find (configs, UUID1));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_true (save (f, "domains", UUID1, "<domain/>\n", NULL));
  again = vb_config_store_load (f->store, "domains");
  g_assert_false (find (again, UUID1)->autostart);
}

static void
test_leftover_temp_removed (Fixture *f, gconstpointer data)
{
  g_autofree char *leftover = domain_file (f, UUID1 ".xml.vbtmp");
  g_autofree char *orphan = domain_file (f, UUID2 ".xml.vbtmp");
  g_autofree char *marker_tmp = domain_file (f, "autostart/" UUID1 ".vbtmp");
  g_autoptr (GPtrArray) configs = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (save (f, "domains", UUID1, "<domain>complete</domain>\n", NULL));
  /* A crash in the middle of rewriting UUID1, and of writing a new UUID2. */
  g_assert_true (g_file_set_contents (leftover, "<domain>half", -1, NULL));
  g_assert_true (g_file_set_contents (orphan, "<dom", -1, NULL));
  /* ... and of setting an autostart marker, in the folder beside. */
  g_assert_true (g_file_set_contents (marker_tmp, "", -1, NULL));

  /* A loaded kind never lists a temporary, whenever it is loaded. */
  configs = vb_config_store_load (f->store, "domains");
  g_assert_cmpuint (configs->len, ==, 1);
  g_clear_pointer (&configs, g_ptr_array_unref);

  /* The next start (a new store on the folder) removes them all. */
  vb_config_store_flush (f->store);
  vb_config_store_free (f->store);
  f->store = vb_config_store_new (f->state_dir, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (leftover, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (orphan, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (marker_tmp, G_FILE_TEST_EXISTS));
  configs = vb_config_store_load (f->store, "domains");
  g_assert_cmpuint (configs->len, ==, 1);
  g_assert_cmpstr (find (configs, UUID1)->xml, ==, "<domain>complete</domain>\n");
}

/* The start-up's sweep takes what an entry is from the listing: a symbolic
 * link is never followed, to a folder or as a temporary, and a folder is
 * entered however its name ends. */
static void
test_sweep_follows_no_link (Fixture *f, gconstpointer data)
{
  g_autofree char *outside = g_build_filename (f->tmpdir, "outside", NULL);
  g_autofree char *outside_temp = g_build_filename (outside, UUID1 ".xml.vbtmp", NULL);
  g_autofree char *linked_dir = domain_file (f, "linked");
  g_autofree char *linked_temp = domain_file (f, UUID2 ".xml.vbtmp");
  g_autofree char *odd_dir = domain_file (f, "odd.vbtmp");
  g_autofree char *odd_temp = g_build_filename (odd_dir, UUID1 ".xml.vbtmp", NULL);
  g_autofree char *kept = domain_file (f, UUID1 ".xml");
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  g_assert_true (save (f, "domains", UUID1, "<domain/>\n", NULL));
  g_assert_cmpint (g_mkdir (outside, 0700), ==, 0);
  g_assert_true (g_file_set_contents (outside_temp, "<half", -1, NULL));
  g_assert_cmpint (symlink (outside, linked_dir), ==, 0);
  g_assert_cmpint (symlink (outside_temp, linked_temp), ==, 0);
  g_assert_cmpint (g_mkdir (odd_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (odd_temp, "<half", -1, NULL));

  vb_config_store_flush (f->store);
  vb_config_store_free (f->store);
  f->store = vb_config_store_new (f->state_dir, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (outside_temp, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (g_lstat (linked_temp, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_true (g_file_test (odd_dir, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (odd_temp, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
}

static void
test_write_failure (Fixture *f, gconstpointer data)
{
  g_autofree char *blocker = g_build_filename (f->state_dir, "pools", NULL);
  g_autoptr (GError) error = NULL;

  /* The kind's directory is a regular file: nothing can be created below
   * it, whoever we are (root ignores permissions, not ENOTDIR). */
  g_assert_true (g_file_set_contents (blocker, "not a directory", -1, NULL));
  g_assert_false (save (f, "pools", UUID1, "<pool/>\n", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, blocker));
  g_clear_error (&error);

  /* A read-only directory, for a user whom permissions bind. */
  if (getuid () == 0)
    {
      g_test_message ("Running as root: the read-only directory case is skipped");
      return;
    }
  {
    g_autofree char *domains = g_build_filename (f->state_dir, "domains", NULL);
    g_autoptr (GPtrArray) configs = vb_config_store_load (f->store, "domains");

    g_assert_cmpint (g_chmod (domains, 0500), ==, 0);
    g_assert_false (save (f, "domains", UUID1, "<domain/>\n", &error));
    g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, domains));
  }
}

typedef struct {
  VbConfigStore *store;
  guint completed;
} Counter;

static void
count_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Counter *counter = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_true (vb_config_store_finish (counter->store, result, &error));
  g_assert_no_error (error);
  counter->completed++;
}

static void
test_flush_waits (Fixture *f, gconstpointer data)
{
  g_autofree char *last = NULL;
  g_autofree char *content = NULL;
  g_autofree char *path = domain_file (f, UUID1 ".xml");
  Counter counter = { .store = f->store };

  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *xml = g_strdup_printf ("<domain>version %u</domain>\n", i);
      g_autofree char *other = g_strdup_printf ("%08x-0000-4000-8000-000000000000", i);

      vb_config_store_save_async (f->store, "domains", UUID1, xml, count_done, &counter);
      vb_config_store_save_async (f->store, "domains", other, xml, count_done, &counter);
      g_clear_pointer (&last, g_free);
      last = g_steal_pointer (&xml);
    }
  /* No main loop ran: only flush can have waited for the writer. */
  vb_config_store_flush (f->store);
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *name = g_strdup_printf ("%08x-0000-4000-8000-000000000000.xml", i);
      g_autofree char *other = domain_file (f, name);
      g_assert_true (g_file_test (other, G_FILE_TEST_IS_REGULAR));
    }
  /* Writes keep their order: the last save of UUID1 is what is on disk. */
  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, last);

  while (counter.completed < 100)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct {
  VbConfigStore *store;
  guint ok;
  guint failed;
  char *first_error;
} Tally;

static void
tally_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Tally *tally = user_data;
  g_autoptr (GError) error = NULL;

  if (vb_config_store_finish (tally->store, result, &error))
    tally->ok++;
  else if (tally->failed++ == 0)
    tally->first_error = g_strdup (error->message);
}

/* The writes queued while the writer is busy are committed together (one
 * fsync of each directory for all of them), in order: a second change of
 * one file waits for the next commit, and a write that fails fails alone. */
static void
test_group_commit (Fixture *f, gconstpointer data)
{
  g_autofree char *blocker = g_build_filename (f->state_dir, "pools", NULL);
  g_autofree char *content = NULL;
  g_autofree char *path = domain_file (f, UUID1 ".xml");
  g_autofree char *marker = marker_file (f, UUID1);
  Tally tally = { .store = f->store };
  guint commits_before, writes_before, commits, writes;

  g_assert_true (g_file_set_contents (blocker, "not a directory", -1, NULL));
  vb_config_store_get_commits (f->store, &commits_before, &writes_before);
  vb_config_store_hold_writes (f->store, TRUE);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *id = g_strdup_printf ("%08x-0000-4000-8000-000000000000", i);

      vb_config_store_save_async (f->store, "domains", id, "<domain/>\n", tally_done, &tally);
    }
  vb_config_store_save_async (f->store, "pools", UUID2, "<pool/>\n", tally_done, &tally);
  vb_config_store_save_async (f->store, "domains", UUID1, "<domain>first</domain>\n", tally_done,
                              &tally);
  vb_config_store_set_autostart_async (f->store, "domains", UUID1, TRUE, tally_done, &tally);
  vb_config_store_save_async (f->store, "domains", UUID1, "<domain>second</domain>\n", tally_done,
                              &tally);
  vb_config_store_hold_writes (f->store, FALSE);
  vb_config_store_flush (f->store);
  while (tally.ok + tally.failed < 44)
    g_main_context_iteration (NULL, TRUE);

  vb_config_store_get_commits (f->store, &commits, &writes);
  g_assert_cmpuint (writes - writes_before, ==, 44);
  /* 43 together; the second save of UUID1 in a commit of its own. */
  g_assert_cmpuint (commits - commits_before, ==, 2);
  g_assert_cmpuint (tally.ok, ==, 43);
  g_assert_cmpuint (tally.failed, ==, 1);
  g_assert_nonnull (strstr (tally.first_error, blocker));
  g_free (tally.first_error);

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *name = g_strdup_printf ("%08x-0000-4000-8000-000000000000.xml", i);
      g_autofree char *file = domain_file (f, name);

      g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
    }
  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "<domain>second</domain>\n");
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
}

/* A removal through the writer keeps its place among the writes: queued
 * behind a write of the same file, it removes what that write made, however
 * long the write takes; queued before one, it cannot remove what follows. */
static void
test_remove_file_in_order (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "status.json", NULL);
  g_autofree char *content = NULL;
  g_auto (Result) missing = { .store = f->store };

  /* No main loop runs in between: only the writer's order decides. */
  for (guint i = 0; i < 20; i++)
    vb_config_store_write_file_async (f->store, path, "{ \"written\": true }\n", NULL, NULL);
  vb_config_store_remove_file_async (f->store, path, NULL, NULL);
  vb_config_store_flush (f->store);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  vb_config_store_remove_file_async (f->store, path, NULL, NULL);
  vb_config_store_write_file_async (f->store, path, "{ \"again\": true }\n", NULL, NULL);
  vb_config_store_flush (f->store);
  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "{ \"again\": true }\n");

  /* A file already gone is no error: the outcome is the one asked for. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  vb_config_store_remove_file_async (f->store, path, done, &missing);
  wait_result (&missing);
  g_assert_no_error (missing.error);
  g_assert_true (missing.ok);
}

static int
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_write_file_atomic (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "file.xml", NULL);
  g_autofree char *temp = g_build_filename (f->tmpdir, "file.xml.vbtmp", NULL);
  g_autofree char *content = NULL;
  g_autofree char *nowhere = g_build_filename (f->tmpdir, "file.xml", "below-a-file", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (vb_write_file_atomic (path, "first", 5, 0600, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "first");
  g_assert_cmpint (file_mode (path), ==, 0600);
  g_assert_false (g_file_test (temp, G_FILE_TEST_EXISTS));

  /* Replacing a file that had looser permissions: the new one has ours. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_true (vb_write_file_atomic (path, "second, longer", 14, 0600, &error));
  g_clear_pointer (&content, g_free);
  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "second, longer");
  g_assert_cmpint (file_mode (path), ==, 0600);

  /* An empty file is a valid content (the autostart marker). */
  g_assert_true (vb_write_file_atomic (path, "", 0, 0600, &error));
  g_clear_pointer (&content, g_free);
  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "");

  /* A failure reports the path and leaves nothing behind. */
  g_assert_false (vb_write_file_atomic (nowhere, "x", 1, 0600, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_assert_cmpint (file_mode (path), ==, 0600);
}

/* ---- a reader never sees a half-written file ---- */

#define BIG_SIZE (256 * 1024)
#define REWRITES 30

typedef struct {
  const char *path;
  gint stop;
  guint reads;
  guint bad;
  char *bad_detail;
} Reader;

static gboolean
uniform (const char *content, gsize length, gsize expected_length)
{
  if (length != expected_length)
    return FALSE;
  for (gsize i = 1; i < length; i++)
    if (content[i] != content[0])
      return FALSE;
  return TRUE;
}

static gpointer
read_repeatedly (gpointer user_data)
{
  Reader *reader = user_data;

  while (!g_atomic_int_get (&reader->stop))
    {
      g_autofree char *content = NULL;
      gsize length = 0;

      if (!g_file_get_contents (reader->path, &content, &length, NULL))
        {
          reader->bad++;
          continue;
        }
      reader->reads++;
      /* Either version, complete: all 'a' of BIG_SIZE, or all 'b' of half that. */
      if (!(content[0] == 'a' && uniform (content, length, BIG_SIZE))
          && !(content[0] == 'b' && uniform (content, length, BIG_SIZE / 2)))
        {
          if (!reader->bad_detail)
            reader->bad_detail = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes starting '%c'", length,
                                                  length ? content[0] : '-');
          reader->bad++;
        }
    }
  return NULL;
}

static void
test_never_partial (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "big.xml", NULL);
  g_autofree char *a = g_malloc (BIG_SIZE);
  g_autofree char *b = g_malloc (BIG_SIZE / 2);
  Reader reader = { .path = path };
  GThread *thread;

  memset (a, 'a', BIG_SIZE);
  memset (b, 'b', BIG_SIZE / 2);
  g_assert_true (vb_write_file_atomic (path, a, BIG_SIZE, 0600, NULL));
  thread = g_thread_new ("reader", read_repeatedly, &reader);
  for (guint i = 0; i < REWRITES; i++)
    {
      g_autoptr (GError) error = NULL;

      if (i % 2)
        g_assert_true (vb_write_file_atomic (path, a, BIG_SIZE, 0600, &error));
      else
        g_assert_true (vb_write_file_atomic (path, b, BIG_SIZE / 2, 0600, &error));
      g_assert_no_error (error);
    }
  g_atomic_int_set (&reader.stop, 1);
  g_thread_join (thread);
  g_test_message ("%u reads during %u rewrites", reader.reads, REWRITES);
  if (reader.bad)
    g_error ("A reader saw %u incomplete files (first: %s)", reader.bad,
             reader.bad_detail ? reader.bad_detail : "missing");
  g_assert_cmpuint (reader.reads, >, 0);
  g_free (reader.bad_detail);
}

static void
count_calls (gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* A rejected file is moved aside with its marker and reason, listed, listed
 * again by the next store on the folder, never loaded, and a second one of
 * the same UUID does not overwrite the first. */
static void
test_reject_keeps_aside (Fixture *f, gconstpointer data)
{
  g_autofree char *kept = domain_file (f, "rejected/" UUID1 ".xml");
  g_autofree char *kept_marker = domain_file (f, "rejected/" UUID1 ".autostart");
  g_autofree char *kept_reason = domain_file (f, "rejected/" UUID1 ".reason");
  g_autofree char *second = domain_file (f, "rejected/" UUID1 ".1.xml");
  g_autofree char *reason = NULL;
  g_autoptr (GPtrArray) configs = NULL;
  g_autoptr (GError) error = NULL;
  VbRejectedConfig *listed;
  guint calls = 0;

  g_assert_true (save (f, "domains", UUID1, "<domain>one</domain>\n", NULL));
  set_autostart (f, UUID1, TRUE);
  configs = vb_config_store_load (f->store, "domains");
  vb_config_store_watch_rejected (f->store, count_calls, &calls);
  /* A rejection is logged as a warning, which a test would take as fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  vb_config_store_reject (f->store, "domains", find (configs, UUID1), "it is odd");

  g_assert_cmpuint (calls, ==, 1);
  g_assert_false (g_file_test (domain_file (f, UUID1 ".xml"), G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (marker_file (f, UUID1), G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept_marker, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (kept_reason, &reason, NULL, NULL));
  g_assert_cmpstr (reason, ==, "it is odd\n");
  listed = g_ptr_array_index (vb_config_store_get_rejected (f->store), 0);
  g_assert_cmpstr (listed->kind, ==, "domains");
  g_assert_cmpstr (listed->path, ==, kept);
  g_assert_cmpstr (listed->reason, ==, "it is odd");

  /* The same UUID again (defined anew, rejected again): kept beside. */
  g_clear_pointer (&configs, g_ptr_array_unref);
  g_assert_true (save (f, "domains", UUID1, "<domain>two</domain>\n", NULL));
  configs = vb_config_store_load (f->store, "domains");
  vb_config_store_reject (f->store, "snapshots/" UUID2, find (configs, UUID1), "again");
  g_assert_true (g_file_test (second, G_FILE_TEST_EXISTS));
  /* Loading the kind again lists nothing twice. */
  g_assert_cmpuint (vb_config_store_get_rejected (f->store)->len, ==, 2);
  listed = g_ptr_array_index (vb_config_store_get_rejected (f->store), 1);
  g_assert_cmpstr (listed->kind, ==, "snapshots");

  /* A later start lists both, with their reasons, and loads neither. */
  vb_config_store_flush (f->store);
  vb_config_store_free (f->store);
  f->store = vb_config_store_new (f->state_dir, &error);
  g_assert_no_error (error);
  g_clear_pointer (&configs, g_ptr_array_unref);
  configs = vb_config_store_load (f->store, "domains");
  g_assert_cmpuint (configs->len, ==, 0);
  g_assert_cmpuint (vb_config_store_get_rejected (f->store)->len, ==, 2);
  listed = g_ptr_array_index (vb_config_store_get_rejected (f->store), 0);
  g_assert_cmpstr (listed->path, ==, second);
  g_assert_cmpstr (listed->reason, ==, "again");
  listed = g_ptr_array_index (vb_config_store_get_rejected (f->store), 1);
  g_assert_cmpstr (listed->path, ==, kept);
}

/* A folder the store makes (a new kind, snapshots/<uuid>) and each missing
 * parent are made one by one, the service's alone (0700); a file in the way
 * fails rather than being taken for the folder. */
static void
test_new_dirs (Fixture *f, gconstpointer data)
{
  g_autofree char *top = g_build_filename (f->tmpdir, "a", NULL);
  g_autofree char *deep = g_build_filename (top, "b", "c", NULL);
  g_autofree char *blocked = g_build_filename (f->tmpdir, "file", "d", NULL);
  g_autofree char *file = g_build_filename (f->tmpdir, "file", NULL);
  struct stat st;

  g_assert_true (vb_make_dir_durably (deep));
  g_assert_cmpint (stat (deep, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (stat (top, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (vb_make_dir_durably (deep));
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_false (vb_make_dir_durably (file));
  g_assert_false (vb_make_dir_durably (blocked));
}

/* Each file is read with its time (the newest definition of a name wins
 * at a start); what is not a regular file is rejected, not read. */
static void
test_read_times (Fixture *f, gconstpointer data)
{
  g_autofree char *path1 = domain_file (f, UUID1 ".xml");
  g_autofree char *path2 = domain_file (f, UUID2 ".xml");
  g_autofree char *folder = domain_file (f, "00000000-0000-0000-0000-00000000dead.xml");
  struct timespec older[2] = { { 1000, 5 }, { 1000, 5 } };
  struct timespec newer[2] = { { 2000, 7 }, { 2000, 7 } };
  g_autoptr (GPtrArray) configs = NULL;
  VbStoredConfig *config;

  g_assert_true (save (f, "domains", UUID1, "<domain>one</domain>\n", NULL));
  g_assert_true (save (f, "domains", UUID2, "<domain>two</domain>\n", NULL));
  vb_config_store_flush (f->store);
  g_assert_cmpint (utimensat (AT_FDCWD, path1, newer, 0), ==, 0);
  g_assert_cmpint (utimensat (AT_FDCWD, path2, older, 0), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  /* The rejection is logged as a warning, which a test would take as fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  configs = vb_config_store_load (f->store, "domains");
  g_assert_cmpuint (configs->len, ==, 2);
  config = configs->pdata[0];
  g_assert_cmpstr (config->id, ==, UUID1);
  g_assert_cmpstr (config->xml, ==, "<domain>one</domain>\n");
  g_assert_cmpint (config->written, ==, G_GINT64_CONSTANT (2000000000007));
  config = configs->pdata[1];
  g_assert_cmpstr (config->id, ==, UUID2);
  g_assert_cmpint (config->written, ==, G_GINT64_CONSTANT (1000000000005));
  g_assert_cmpuint (vb_config_store_get_rejected (f->store)->len, ==, 1);
  g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/config-store/round-trip", test_round_trip);
  ADD ("/config-store/autostart-marker", test_autostart_marker);
  ADD ("/config-store/remove", test_remove);
  ADD ("/config-store/interrupted-remove", test_interrupted_remove);
  ADD ("/config-store/leftover-temp-removed", test_leftover_temp_removed);
  ADD ("/config-store/sweep-follows-no-link", test_sweep_follows_no_link);
  ADD ("/config-store/write-failure", test_write_failure);
  ADD ("/config-store/flush-waits", test_flush_waits);
  ADD ("/config-store/group-commit", test_group_commit);
  ADD ("/config-store/write-file-atomic", test_write_file_atomic);
  ADD ("/config-store/remove-file-in-order", test_remove_file_in_order);
  ADD ("/config-store/never-partial", test_never_partial);
  ADD ("/config-store/reject-keeps-aside", test_reject_keeps_aside);
  ADD ("/config-store/new-dirs", test_new_dirs);
  ADD ("/config-store/read-times", test_read_times);
  return g_test_run ();
}
