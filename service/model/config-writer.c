#define _GNU_SOURCE /* sync_file_range */
#include "config-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "config-journal.h"
#include "vb-error.h"
#include "vb-files.h"
#include "vb-log.h"

#define TEMP_SUFFIX ".vbtmp"
/* Each write of a commit holds its temporary file open until it is synced:
 * a bound on the descriptors, far beyond the clients that queue at once. */
#define MAX_BATCH 64
/* The fsyncs of one commit in flight at once (run_syncs()). */
#define MAX_SYNCS 16
/* How long the writer waits, idle, before it syncs the files written since
 * the journal's last checkpoint and empties the journal. */
#define IDLE_CHECKPOINT_US (2 * G_USEC_PER_SEC)
/* A checkpoint that failed waits twice as long each time, up to this. */
#define MAX_CHECKPOINT_WAIT_US (300 * G_USEC_PER_SEC)

typedef enum { STEP_REPLACE, STEP_REMOVE } StepKind;

typedef struct {
  StepKind kind;
  char *path;
  char *data;
  char *tmp; /* set while the temporary file exists */
  int fd;
} Step;

struct _VbWrite {
  char *make_dir;
  Step steps[2];
  guint n_steps;
  GTask *task;
  GError *error;     /* the first failure: the write stops there */
  gboolean deferred; /* answered once in the journal (vb_write_defer_files) */
};

/* An fsync for the pool: the new files of one write, or one path. */
typedef struct {
  VbWrite *change;
  const char *path;
  int errsv;
} SyncJob;

struct _VbConfigWriter {
  GThread *thread;
  GThreadPool *syncs; /* fsyncs the writes of a commit at once */
  GMutex sync_lock;
  GCond synced;
  guint syncing; /* writes of the commit not synced yet */
  GMutex lock;
  GCond wake; /* the thread: work, a release or the end */
  GCond idle; /* flush: pending went down; settle: applying did */
  GQueue queue;
  guint pending; /* queued or being committed */
  gboolean held;
  gboolean stopping;
  gboolean applying; /* answered writes whose files are being written */
  guint commits;
  guint writes;
  /* The writer thread's own, unlocked: */
  VbConfigJournal *journal;   /* NULL: every write is synced before its answer */
  GHashTable *unsynced_files; /* written since the journal's last checkpoint */
  GHashTable *unsynced_dirs;
  gboolean apply_failed; /* a record of the journal may not be in its file */
  gint64 last_commit;
  gint64 checkpoint_wait; /* idle time before a checkpoint: longer after failures */
};

VbWrite *
vb_write_new (void)
{
  return g_new0 (VbWrite, 1);
}

static void
step_drop_temp (Step *step)
{
  if (step->fd >= 0)
    close (step->fd);
  step->fd = -1;
  if (step->tmp)
    g_unlink (step->tmp);
  g_clear_pointer (&step->tmp, g_free);
}

void
vb_write_free (VbWrite *change)
{
  if (!change)
    return;
  for (guint i = 0; i < change->n_steps; i++)
    {
      step_drop_temp (&change->steps[i]);
      g_free (change->steps[i].path);
      g_free (change->steps[i].data);
    }
  g_free (change->make_dir);
  g_clear_object (&change->task);
  g_clear_error (&change->error);
  g_free (change);
}

void
vb_write_make_dir (VbWrite *change, const char *dir)
{
  g_free (change->make_dir);
  change->make_dir = g_strdup (dir);
}

static void
add_step (VbWrite *change, StepKind kind, const char *path, const char *data)
{
  Step *step;

  g_return_if_fail (change->n_steps < G_N_ELEMENTS (change->steps));
  step = &change->steps[change->n_steps++];
  step->kind = kind;
  step->path = g_strdup (path);
  step->data = g_strdup (data);
  step->fd = -1;
}

void
vb_write_defer_files (VbWrite *change)
{
  change->deferred = TRUE;
}

void
vb_write_replace (VbWrite *change, const char *path, const char *data)
{
  add_step (change, STEP_REPLACE, path, data);
}

void
vb_write_remove (VbWrite *change, const char *path)
{
  add_step (change, STEP_REMOVE, path, NULL);
}

static void
fail (VbWrite *change, const char *format, const char *path, int errsv)
{
  if (!change->error)
    g_set_error (&change->error, VB_ERROR, VB_ERROR_FAILED, format, path, g_strerror (errsv));
  for (guint i = 0; i < change->n_steps; i++)
    step_drop_temp (&change->steps[i]);
}

/* A fresh temporary file with the new content, its write-back started, so
 * that the blocks of every file of the commit are allocated before the first
 * fsync commits the journal: the later fsyncs then find nothing to commit. */
static gboolean
write_temp (VbWrite *change, Step *step, gboolean start_writeback)
{
  const char *p = step->data;
  gsize len = strlen (step->data), done = 0;

  step->tmp = g_strconcat (step->path, TEMP_SUFFIX, NULL);
  /* Never a file found there: a leftover or a symbolic link planted at the
   * predictable name is removed, not written through. */
  if (g_unlink (step->tmp) < 0 && errno != ENOENT)
    {
      int errsv = errno;
      g_clear_pointer (&step->tmp, g_free);
      fail (change, "Cannot write %s: %s", step->path, errsv);
      return FALSE;
    }
  step->fd = open (step->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (step->fd < 0)
    {
      int errsv = errno;
      g_clear_pointer (&step->tmp, g_free);
      fail (change, "Cannot create %s" TEMP_SUFFIX ": %s", step->path, errsv);
      return FALSE;
    }
  while (done < len)
    {
      ssize_t n = write (step->fd, p + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          fail (change, "Cannot write %s: %s", step->path, n < 0 ? errno : ENOSPC);
          return FALSE;
        }
      done += n;
    }
  /* Only a head start: the fsync below is what makes it durable. */
  if (start_writeback)
    (void) sync_file_range (step->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  return TRUE;
}

static void
sync_temp (VbWrite *change, Step *step)
{
  int fd = step->fd;

  step->fd = -1;
  /* The data must be on the device before a rename makes it the file. */
  if (fsync (fd) < 0)
    {
      int errsv = errno;
      close (fd);
      fail (change, "Cannot write %s: %s", step->path, errsv);
      return;
    }
  if (close (fd) < 0)
    fail (change, "Cannot write %s: %s", step->path, errno);
}

/* Directory -> the writes (GPtrArray) that changed an entry in it. */
static void
note_dir (GHashTable *dirs, const char *path, VbWrite *change)
{
  g_autofree char *dir = g_path_get_dirname (path);
  GPtrArray *writes = g_hash_table_lookup (dirs, dir);

  if (!writes)
    {
      writes = g_ptr_array_new ();
      g_hash_table_insert (dirs, g_steal_pointer (&dir), writes);
    }
  g_ptr_array_add (writes, change);
}

/* Step @index of every write still standing, in the order they were queued,
 * then one fsync of each directory changed: they are durable together. */
static void
apply_steps (GPtrArray *batch, guint index)
{
  g_autoptr (GHashTable) dirs =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < batch->len; i++)
    {
      VbWrite *change = batch->pdata[i];
      Step *step = &change->steps[index];

      if (change->error || index >= change->n_steps)
        continue;
      if (step->kind == STEP_REPLACE)
        {
          if (rename (step->tmp, step->path) < 0)
            {
              fail (change, "Cannot write %s: %s", step->path, errno);
              continue;
            }
          g_clear_pointer (&step->tmp, g_free);
        }
      else if (g_unlink (step->path) < 0)
        {
          if (errno != ENOENT)
            fail (change, "Cannot remove %s: %s", step->path, errno);
          continue; /* nothing changed */
        }
      note_dir (dirs, step->path, change);
    }

  g_hash_table_iter_init (&iter, dirs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *writes = value;
      int fd = open (key, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      int errsv = 0;

      if (fd < 0 || fsync (fd) < 0)
        errsv = errno;
      if (fd >= 0)
        close (fd);
      for (guint i = 0; errsv && i < writes->len; i++)
        fail (writes->pdata[i], "Cannot sync directory %s: %s", key, errsv);
    }
}

static void
sync_change (VbWrite *change)
{
  for (guint s = 0; s < change->n_steps && !change->error; s++)
    if (change->steps[s].fd >= 0)
      sync_temp (change, &change->steps[s]);
}

static int
sync_path (const char *path)
{
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int errsv = 0;

  if (fd < 0)
    return errno == ENOENT ? 0 : errno; /* removed since: nothing to sync */
  if (fsync (fd) < 0)
    errsv = errno;
  close (fd);
  return errsv;
}

static void
run_sync_job (SyncJob *job)
{
  if (job->change)
    sync_change (job->change);
  else
    job->errsv = sync_path (job->path);
}

static void
sync_in_pool (gpointer data, gpointer user_data)
{
  VbConfigWriter *writer = user_data;

  run_sync_job (data);
  g_mutex_lock (&writer->sync_lock);
  if (--writer->syncing == 0)
    g_cond_signal (&writer->synced);
  g_mutex_unlock (&writer->sync_lock);
}

/* The fsyncs of @jobs (SyncJob), at once: concurrent fsyncs share the
 * device's cache flushes, where one after the other each pays its own (16
 * to 32 files took 3 to 9 times less time so on the development machine's
 * disk, journal or not). */
static void
run_syncs (VbConfigWriter *writer, GArray *jobs)
{
  /* One alone gains nothing from a trip to another thread. */
  if (jobs->len < 2 || !writer->syncs)
    {
      for (guint i = 0; i < jobs->len; i++)
        run_sync_job (&g_array_index (jobs, SyncJob, i));
      return;
    }
  g_mutex_lock (&writer->sync_lock);
  writer->syncing = jobs->len;
  for (guint i = 0; i < jobs->len; i++)
    g_thread_pool_push (writer->syncs, &g_array_index (jobs, SyncJob, i), NULL);
  while (writer->syncing > 0)
    g_cond_wait (&writer->synced, &writer->sync_lock);
  g_mutex_unlock (&writer->sync_lock);
}

/* Every write's new files fsynced, those of different writes at once.
 * Renames still wait for all of them. A write's own steps stay in order, on
 * one thread, since a failure drops all its temporary files. */
static void
sync_batch (VbConfigWriter *writer, GPtrArray *batch)
{
  g_autoptr (GArray) jobs = g_array_new (FALSE, TRUE, sizeof (SyncJob));

  for (guint i = 0; i < batch->len; i++)
    {
      VbWrite *change = batch->pdata[i];

      for (guint s = 0; s < change->n_steps && !change->error; s++)
        if (change->steps[s].fd >= 0)
          {
            SyncJob job = { .change = change };
            g_array_append_val (jobs, job);
            break;
          }
    }
  run_syncs (writer, jobs);
}

static void
answer (GPtrArray *batch)
{
  for (guint i = 0; i < batch->len; i++)
    {
      VbWrite *change = batch->pdata[i];

      if (change->error)
        g_task_return_error (change->task, g_steal_pointer (&change->error));
      else
        g_task_return_boolean (change->task, TRUE);
    }
}

static void
fail_all (GPtrArray *batch, const GError *error)
{
  for (guint i = 0; i < batch->len; i++)
    {
      VbWrite *change = batch->pdata[i];

      if (!change->error)
        change->error = g_error_copy (error);
    }
}

/* A record's change, made without waiting for the device: the journal holds
 * it until the next checkpoint syncs the file. */
static gboolean
apply_record (VbConfigWriter *writer, VbJournalRecord *record, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (record->path);

  /* Even when it fails: a synced write of the same file must wait for a
   * checkpoint (meets_journal()), else the next start undoes it. */
  g_hash_table_add (writer->unsynced_files, g_strdup (record->path));
  if (record->kind == VB_JOURNAL_REMOVE)
    {
      if (g_unlink (record->path) < 0 && errno != ENOENT)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot remove %s: %s", record->path,
                       g_strerror (errno));
          return FALSE;
        }
    }
  else
    {
      g_autoptr (VbWrite) change = vb_write_new ();
      Step *step;

      /* Made before the record was written; gone only if removed since. */
      if (!vb_make_dir_durably (dir))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot create directory %s: %s", dir,
                       g_strerror (errno));
          return FALSE;
        }
      vb_write_replace (change, record->path, record->data);
      step = &change->steps[0];
      /* Its write-back started, so that the checkpoint finds little to do. */
      if (write_temp (change, step, TRUE))
        {
          int fd = step->fd;

          step->fd = -1;
          if (close (fd) < 0 || rename (step->tmp, step->path) < 0)
            fail (change, "Cannot write %s: %s", step->path, errno);
        }
      if (change->error)
        {
          g_propagate_error (error, g_steal_pointer (&change->error));
          return FALSE;
        }
      g_clear_pointer (&step->tmp, g_free);
    }
  g_hash_table_add (writer->unsynced_dirs, g_steal_pointer (&dir));
  return TRUE;
}

/* Each failure is logged: the callers were answered, and the journal keeps
 * the change until a checkpoint (or the next start) applies it again. */
static gboolean
apply_records (VbConfigWriter *writer, GPtrArray *records)
{
  for (guint i = 0; i < records->len; i++)
    {
      g_autoptr (GError) error = NULL;

      if (!apply_record (writer, records->pdata[i], &error))
        {
          vb_log_warning (NULL, "Configuration journal: %s; it stays in the journal",
                          error->message);
          writer->apply_failed = TRUE;
        }
    }
  return !writer->apply_failed;
}

/* Whether one of @jobs failed (the first says why). A failed fsync may have
 * dropped the data it could not write, and a second one would not say so:
 * the next checkpoint writes the journal's files again before it syncs. */
static gboolean
syncs_failed (VbConfigWriter *writer, GArray *jobs, GError **error)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      SyncJob *job = &g_array_index (jobs, SyncJob, i);

      if (job->errsv)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot sync %s: %s", job->path,
                       g_strerror (job->errsv));
          writer->apply_failed = TRUE;
          return TRUE;
        }
    }
  return FALSE;
}

/* Every path of @paths (a set) fsynced, at once. */
static gboolean
sync_paths (VbConfigWriter *writer, GHashTable *paths, GError **error)
{
  g_autoptr (GArray) jobs = g_array_new (FALSE, TRUE, sizeof (SyncJob));
  GHashTableIter iter;
  gpointer path;

  g_hash_table_iter_init (&iter, paths);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    {
      SyncJob job = { .path = path };
      g_array_append_val (jobs, job);
    }
  run_syncs (writer, jobs);
  return !syncs_failed (writer, jobs, error);
}

/* Whether the journal holds what a checkpoint must sync and void. */
static gboolean
has_unsynced (VbConfigWriter *writer)
{
  return writer->journal && (!vb_config_journal_is_empty (writer->journal) || writer->apply_failed);
}

/* The files written since the last checkpoint synced, with their
 * directories, then a new generation of the journal: its records are void
 * only once their files are durable. */
static gboolean
checkpoint (VbConfigWriter *writer, GError **error)
{
  if (!has_unsynced (writer))
    return TRUE;
  if (writer->apply_failed)
    {
      g_autoptr (GPtrArray) records = vb_config_journal_read (writer->journal);

      writer->apply_failed = FALSE;
      if (!apply_records (writer, records))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                       "Cannot apply the configuration journal (the service's log says why)");
          return FALSE;
        }
    }
  if (!sync_paths (writer, writer->unsynced_files, error)
      || !sync_paths (writer, writer->unsynced_dirs, error))
    return FALSE;
  if (!vb_config_journal_reset (writer->journal, error))
    return FALSE;
  g_hash_table_remove_all (writer->unsynced_files);
  g_hash_table_remove_all (writer->unsynced_dirs);
  /* Whatever ran it (idle, a full journal, a synced write): the back-off ends. */
  writer->checkpoint_wait = IDLE_CHECKPOINT_US;
  return TRUE;
}

/* The batch's changes as journal records, in the order they are applied;
 * NULL when one of them must be synced in its own file before its answer. */
static GPtrArray *
journal_records (GPtrArray *batch)
{
  g_autoptr (GPtrArray) records =
    g_ptr_array_new_with_free_func ((GDestroyNotify) vb_journal_record_free);

  for (guint s = 0; s < 2; s++)
    for (guint i = 0; i < batch->len; i++)
      {
        VbWrite *change = batch->pdata[i];
        Step *step = &change->steps[s];

        if (!change->deferred)
          return NULL;
        if (change->error || s >= change->n_steps)
          continue;
        g_ptr_array_add (records,
                         vb_journal_record_new (step->kind == STEP_REPLACE ? VB_JOURNAL_REPLACE
                                                                           : VB_JOURNAL_REMOVE,
                                                step->path, step->data));
      }
  return g_steal_pointer (&records);
}

/* The batch through the journal: answered after one append and one
 * fdatasync, its files written afterwards. FALSE when it must go the other
 * way (a write that wants its own file synced, or a change bigger than the
 * journal). */
static gboolean
commit_to_journal (VbConfigWriter *writer, GPtrArray *batch)
{
  g_autoptr (GPtrArray) records = journal_records (batch);
  g_autoptr (GError) error = NULL;

  if (!records)
    return FALSE;
  if (!vb_config_journal_fits (writer->journal, records))
    {
      if (!checkpoint (writer, &error))
        {
          fail_all (batch, error);
          answer (batch);
          return TRUE;
        }
      if (!vb_config_journal_fits (writer->journal, records))
        return FALSE;
    }
  if (records->len && !vb_config_journal_append (writer->journal, records, &error))
    {
      fail_all (batch, error);
      answer (batch);
      return TRUE;
    }
  g_mutex_lock (&writer->lock);
  writer->applying = TRUE;
  g_mutex_unlock (&writer->lock);
  answer (batch);
  apply_records (writer, records);
  g_mutex_lock (&writer->lock);
  writer->applying = FALSE;
  g_cond_broadcast (&writer->idle);
  g_mutex_unlock (&writer->lock);
  return TRUE;
}

/* Whether a write synced in its own file would race a record of the
 * journal for the same file, which the next start would apply over it (a
 * record whose file could not be written is one too; the others' files are
 * no reason to hold back the write). */
static gboolean
meets_journal (VbConfigWriter *writer, GPtrArray *batch)
{
  for (guint i = 0; i < batch->len; i++)
    {
      VbWrite *change = batch->pdata[i];

      for (guint s = 0; s < change->n_steps; s++)
        if (g_hash_table_contains (writer->unsynced_files, change->steps[s].path))
          return TRUE;
    }
  return FALSE;
}

static void
commit (VbConfigWriter *writer, GPtrArray *batch)
{
  /* Alone, a file gains nothing from a head start. */
  gboolean start_writeback = batch->len > 1;

  for (guint i = 0; i < batch->len; i++)
    {
      VbWrite *change = batch->pdata[i];

      /* One stat when it exists, as it nearly always does. */
      if (change->make_dir && !vb_make_dir_durably (change->make_dir))
        fail (change, "Cannot create directory %s: %s", change->make_dir, errno);
    }
  if (writer->journal && commit_to_journal (writer, batch))
    return;
  if (writer->journal && meets_journal (writer, batch))
    {
      g_autoptr (GError) error = NULL;

      if (!checkpoint (writer, &error))
        {
          fail_all (batch, error);
          answer (batch);
          return;
        }
    }

  for (guint i = 0; i < batch->len; i++)
    {
      VbWrite *change = batch->pdata[i];

      for (guint s = 0; s < change->n_steps && !change->error; s++)
        if (change->steps[s].kind == STEP_REPLACE
            && !write_temp (change, &change->steps[s], start_writeback))
          break;
    }
  sync_batch (writer, batch);
  for (guint s = 0; s < 2; s++)
    apply_steps (batch, s);
  answer (batch);
}

static gboolean
touches_any (VbWrite *change, GHashTable *paths)
{
  for (guint s = 0; s < change->n_steps; s++)
    if (g_hash_table_contains (paths, change->steps[s].path))
      return TRUE;
  return FALSE;
}

/* The writes at the head of the queue, up to one that changes a file already
 * in the batch: a file is changed once per commit, so its changes keep their
 * order and their temporary files never meet. Called locked. */
static void
take_batch (VbConfigWriter *writer, GPtrArray *batch, GHashTable *paths)
{
  VbWrite *change;

  while (batch->len < MAX_BATCH && (change = g_queue_peek_head (&writer->queue))
         && !touches_any (change, paths))
    {
      g_queue_pop_head (&writer->queue);
      for (guint s = 0; s < change->n_steps; s++)
        g_hash_table_add (paths, change->steps[s].path);
      g_ptr_array_add (batch, change);
    }
}

static void
checkpoint_logged (VbConfigWriter *writer, gboolean stopping)
{
  g_autoptr (GError) error = NULL;

  if (!checkpoint (writer, &error) && stopping)
    vb_log_warning (NULL, "Configuration journal: %s; the next start applies it", error->message);
  else if (error)
    {
      writer->checkpoint_wait = MIN (writer->checkpoint_wait * 2, MAX_CHECKPOINT_WAIT_US);
      vb_log_warning (NULL, "Configuration journal: %s; tried again in %d s", error->message,
                      (int) (writer->checkpoint_wait / G_USEC_PER_SEC));
    }
  /* Tried again after the next idle wait, not at once. */
  writer->last_commit = g_get_monotonic_time ();
}

static gpointer
writer_main (gpointer data)
{
  VbConfigWriter *writer = data;
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_write_free);
  g_autoptr (GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);

  g_mutex_lock (&writer->lock);
  for (;;)
    {
      guint n;

      while (!writer->stopping && (writer->held || g_queue_is_empty (&writer->queue)))
        if (!has_unsynced (writer) || writer->held)
          g_cond_wait (&writer->wake, &writer->lock);
        else if (!g_cond_wait_until (&writer->wake, &writer->lock,
                                     writer->last_commit + writer->checkpoint_wait))
          {
            g_mutex_unlock (&writer->lock);
            checkpoint_logged (writer, FALSE);
            g_mutex_lock (&writer->lock);
          }
      if (g_queue_is_empty (&writer->queue))
        break;
      take_batch (writer, batch, paths);
      g_mutex_unlock (&writer->lock);

      commit (writer, batch);
      writer->last_commit = g_get_monotonic_time ();
      n = batch->len;
      g_hash_table_remove_all (paths);
      g_ptr_array_set_size (batch, 0);

      g_mutex_lock (&writer->lock);
      writer->commits++;
      writer->writes += n;
      writer->pending -= n;
      g_cond_broadcast (&writer->idle);
    }
  g_mutex_unlock (&writer->lock);
  /* A clean stop leaves the journal empty: the next start reads no record. */
  checkpoint_logged (writer, TRUE);
  return NULL;
}

/* What an earlier run left in the journal, applied again and synced: then
 * the files are what the callers were last answered. */
static gboolean
replay (VbConfigWriter *writer, GError **error)
{
  g_autoptr (GPtrArray) records = vb_config_journal_read (writer->journal);

  if (records->len == 0)
    return TRUE;
  vb_log_message (NULL, "Configuration journal: applying %u changes left by the last run",
                  records->len);
  if (!apply_records (writer, records))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "Cannot apply the configuration journal (the messages above say why)");
      return FALSE;
    }
  return checkpoint (writer, error);
}

/* The journal opened and what it holds applied. One that cannot be opened
 * (a read-only state directory) but holds nothing to apply is done
 * without: every write is then synced in its own file, as before. */
static gboolean
open_journal (VbConfigWriter *writer, const char *path, const char *root, GError **error)
{
  g_autoptr (GError) open_error = NULL;

  writer->journal = vb_config_journal_open (path, root, &open_error);
  if (writer->journal)
    return replay (writer, error);
  if (vb_config_journal_may_hold_records (path, root))
    {
      g_propagate_error (error, g_steal_pointer (&open_error));
      return FALSE;
    }
  vb_log_warning (NULL, "Configuration journal: %s; every write is synced in its own file",
                  open_error->message);
  return TRUE;
}

VbConfigWriter *
vb_config_writer_new (const char *journal, const char *root, GError **error)
{
  VbConfigWriter *writer = g_new0 (VbConfigWriter, 1);

  g_mutex_init (&writer->lock);
  g_cond_init (&writer->wake);
  g_cond_init (&writer->idle);
  g_mutex_init (&writer->sync_lock);
  g_cond_init (&writer->synced);
  g_queue_init (&writer->queue);
  writer->checkpoint_wait = IDLE_CHECKPOINT_US;
  /* Its threads start when a commit first has two files to sync. */
  writer->unsynced_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  writer->unsynced_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  writer->syncs = g_thread_pool_new (sync_in_pool, writer, MAX_SYNCS, FALSE, error);
  if (!writer->syncs)
    {
      vb_config_writer_free (writer);
      return NULL;
    }
  if (journal && !open_journal (writer, journal, root, error))
    {
      vb_config_writer_free (writer);
      return NULL;
    }
  writer->thread = g_thread_try_new ("vb-config-writer", writer_main, writer, error);
  if (!writer->thread)
    {
      vb_config_writer_free (writer);
      return NULL;
    }
  return writer;
}

void
vb_config_writer_free (VbConfigWriter *writer)
{
  if (!writer)
    return;
  if (writer->thread)
    {
      g_mutex_lock (&writer->lock);
      writer->stopping = TRUE;
      g_cond_signal (&writer->wake);
      g_mutex_unlock (&writer->lock);
      g_thread_join (writer->thread);
    }
  if (writer->syncs)
    g_thread_pool_free (writer->syncs, FALSE, TRUE);
  g_clear_pointer (&writer->journal, vb_config_journal_free);
  g_clear_pointer (&writer->unsynced_files, g_hash_table_unref);
  g_clear_pointer (&writer->unsynced_dirs, g_hash_table_unref);
  g_mutex_clear (&writer->lock);
  g_cond_clear (&writer->wake);
  g_cond_clear (&writer->idle);
  g_mutex_clear (&writer->sync_lock);
  g_cond_clear (&writer->synced);
  g_free (writer);
}

void
vb_config_writer_queue (VbConfigWriter *writer, VbWrite *change, GTask *task)
{
  change->task = task;
  g_mutex_lock (&writer->lock);
  g_queue_push_tail (&writer->queue, change);
  writer->pending++;
  g_cond_signal (&writer->wake);
  g_mutex_unlock (&writer->lock);
}

void
vb_config_writer_flush (VbConfigWriter *writer)
{
  g_mutex_lock (&writer->lock);
  while (writer->pending > 0)
    g_cond_wait (&writer->idle, &writer->lock);
  g_mutex_unlock (&writer->lock);
}

void
vb_config_writer_settle (VbConfigWriter *writer)
{
  g_mutex_lock (&writer->lock);
  while (writer->applying)
    g_cond_wait (&writer->idle, &writer->lock);
  g_mutex_unlock (&writer->lock);
}

void
vb_config_writer_hold (VbConfigWriter *writer, gboolean hold)
{
  g_mutex_lock (&writer->lock);
  writer->held = hold;
  g_cond_signal (&writer->wake);
  g_mutex_unlock (&writer->lock);
}

void
vb_config_writer_get_counts (VbConfigWriter *writer, guint *commits, guint *writes)
{
  g_mutex_lock (&writer->lock);
  *commits = writer->commits;
  *writes = writer->writes;
  g_mutex_unlock (&writer->lock);
}
