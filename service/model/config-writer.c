#define _GNU_SOURCE /* sync_file_range */
#include "config-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-files.h"

#define TEMP_SUFFIX ".vbtmp"
/* Each write of a commit holds its temporary file open until it is synced:
 * a bound on the descriptors, far beyond the clients that queue at once. */
#define MAX_BATCH 64
/* The fsyncs of one commit in flight at once (sync_batch()). */
#define MAX_SYNCS 16

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
  GError *error; /* the first failure: the write stops there */
};

struct _VbConfigWriter {
  GThread *thread;
  GThreadPool *syncs; /* fsyncs the writes of a commit at once */
  GMutex sync_lock;
  GCond synced;
  guint syncing; /* writes of the commit not synced yet */
  GMutex lock;
  GCond wake; /* the thread: work, a release or the end */
  GCond idle; /* flush: pending went down */
  GQueue queue;
  guint pending; /* queued or being committed */
  gboolean held;
  gboolean stopping;
  guint commits;
  guint writes;
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

static void
sync_in_pool (gpointer data, gpointer user_data)
{
  VbConfigWriter *writer = user_data;

  sync_change (data);
  g_mutex_lock (&writer->sync_lock);
  if (--writer->syncing == 0)
    g_cond_signal (&writer->synced);
  g_mutex_unlock (&writer->sync_lock);
}

/* Every write's new files fsynced, those of different writes at once:
 * concurrent fsyncs share the device's cache flushes, where one after the
 * other each pays its own (16 to 32 files took 3 to 9 times less time so on
 * the development machine's disk, journal or not). Renames still wait for
 * all of them. A write's own steps stay in order, on one thread, since a
 * failure drops all its temporary files. */
static void
sync_batch (VbConfigWriter *writer, GPtrArray *batch)
{
  g_autoptr (GPtrArray) to_sync = g_ptr_array_new ();

  for (guint i = 0; i < batch->len; i++)
    {
      VbWrite *change = batch->pdata[i];

      for (guint s = 0; s < change->n_steps && !change->error; s++)
        if (change->steps[s].fd >= 0)
          {
            g_ptr_array_add (to_sync, change);
            break;
          }
    }
  /* One alone gains nothing from a trip to another thread. */
  if (to_sync->len < 2 || !writer->syncs)
    {
      for (guint i = 0; i < to_sync->len; i++)
        sync_change (to_sync->pdata[i]);
      return;
    }
  g_mutex_lock (&writer->sync_lock);
  writer->syncing = to_sync->len;
  for (guint i = 0; i < to_sync->len; i++)
    g_thread_pool_push (writer->syncs, to_sync->pdata[i], NULL);
  while (writer->syncing > 0)
    g_cond_wait (&writer->synced, &writer->sync_lock);
  g_mutex_unlock (&writer->sync_lock);
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
        {
          fail (change, "Cannot create directory %s: %s", change->make_dir, errno);
          continue;
        }
      for (guint s = 0; s < change->n_steps; s++)
        if (change->steps[s].kind == STEP_REPLACE
            && !write_temp (change, &change->steps[s], start_writeback))
          break;
    }
  sync_batch (writer, batch);
  for (guint s = 0; s < 2; s++)
    apply_steps (batch, s);

  for (guint i = 0; i < batch->len; i++)
    {
      VbWrite *change = batch->pdata[i];

      if (change->error)
        g_task_return_error (change->task, g_steal_pointer (&change->error));
      else
        g_task_return_boolean (change->task, TRUE);
    }
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
        g_cond_wait (&writer->wake, &writer->lock);
      if (g_queue_is_empty (&writer->queue))
        break;
      take_batch (writer, batch, paths);
      g_mutex_unlock (&writer->lock);

      commit (writer, batch);
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
  return NULL;
}

VbConfigWriter *
vb_config_writer_new (GError **error)
{
  VbConfigWriter *writer = g_new0 (VbConfigWriter, 1);

  g_mutex_init (&writer->lock);
  g_cond_init (&writer->wake);
  g_cond_init (&writer->idle);
  g_mutex_init (&writer->sync_lock);
  g_cond_init (&writer->synced);
  g_queue_init (&writer->queue);
  /* Its threads start when a commit first has two files to sync. */
  writer->syncs = g_thread_pool_new (sync_in_pool, writer, MAX_SYNCS, FALSE, error);
  if (!writer->syncs)
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
