#include "config-store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-writer.h"
#include "vb-error.h"
#include "vb-files.h"
#include "vb-log.h"
#include "vb-parallel.h"

#define TEMP_SUFFIX ".vbtmp"

struct _VbConfigStore {
  char *dir;
  VbConfigRejects *rejects;
  VbConfigWriter *writer; /* one thread: writes happen in the order they were asked */
};

void
vb_stored_config_free (VbStoredConfig *config)
{
  if (!config)
    return;
  g_free (config->id);
  g_free (config->path);
  g_free (config->xml);
  g_free (config);
}

static gboolean
fsync_directory (const char *dir, GError **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || fsync (fd) < 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot sync directory %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

gboolean
vb_write_file_atomic (const char *path, const void *data, gsize len, int mode, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_strconcat (path, TEMP_SUFFIX, NULL);
  const char *p = data;
  gsize done = 0;
  int fd;

  /* A fresh file, never one found there: a leftover or a symbolic link
   * planted at the predictable name is removed, not written through. */
  if (g_unlink (tmp) < 0 && errno != ENOENT)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot remove %s: %s", tmp,
                   g_strerror (errno));
      return FALSE;
    }
  fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s", tmp,
                   g_strerror (errno));
      return FALSE;
    }
  while (done < len)
    {
      ssize_t n = write (fd, p + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        goto fail;
      done += n;
    }
  /* The data must be on the device before the rename makes it the config. */
  if (fsync (fd) < 0)
    goto fail;
  if (close (fd) < 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (rename (tmp, path) < 0)
    goto fail;
  return fsync_directory (dir, error);

fail:
  {
    int saved = errno;
    if (fd >= 0)
      close (fd);
    g_unlink (tmp);
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot write %s: %s", path,
                 g_strerror (saved));
    return FALSE;
  }
}

static gboolean
remove_file_durably (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_unlink (path) < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot remove %s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  return fsync_directory (dir, error);
}

static gboolean
make_dir (const char *path, GError **error)
{
  if (!vb_make_dir_durably (path))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot create directory %s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* Deep enough for every folder the service writes (snapshots/<uuid>/autostart,
 * qemu/nvram, test-storage/<pool>); a bound, so a loop of bind mounts cannot
 * hold the start-up forever. */
#define TEMP_SWEEP_DEPTH 8

/* What an entry is, from readdir where the filesystem says (a symbolic link
 * is a link, never followed out of the directory), else from lstat. */
static unsigned char
entry_type (DIR *listing, const struct dirent *entry)
{
  struct stat st;

  if (entry->d_type != DT_UNKNOWN)
    return entry->d_type;
  if (fstatat (dirfd (listing), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return DT_UNKNOWN;
  if (S_ISDIR (st.st_mode))
    return DT_DIR;
  return S_ISREG (st.st_mode) ? DT_REG : DT_UNKNOWN;
}

/* readdir's types, not one lstat per entry: with 10,000 definitions those
 * were a tenth of the start-up. */
static void
remove_temporaries_below (const char *dir, guint depth)
{
  DIR *listing = opendir (dir);
  struct dirent *entry;

  if (!listing)
    return;
  while ((entry = readdir (listing)))
    {
      const char *name = entry->d_name;
      unsigned char type;

      if (g_str_equal (name, ".") || g_str_equal (name, ".."))
        continue;
      type = entry_type (listing, entry);
      if (type == DT_DIR && depth < TEMP_SWEEP_DEPTH)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);

          remove_temporaries_below (path, depth + 1);
        }
      else if (type == DT_REG && g_str_has_suffix (name, TEMP_SUFFIX))
        {
          vb_log_info (NULL, "Removing %s/%s, left by an interrupted write", dir, name);
          unlinkat (dirfd (listing), name, 0);
        }
    }
  closedir (listing);
}

void
vb_config_store_remove_temporaries (const char *dir)
{
  remove_temporaries_below (dir, 0);
}

VbConfigStore *
vb_config_store_new (const char *dir, GError **error)
{
  g_autoptr (VbConfigStore) store = g_new0 (VbConfigStore, 1);

  store->dir = g_strdup (dir);
  store->rejects = vb_config_rejects_new ();
  if (!make_dir (dir, error))
    return NULL;
  /* Before any write is queued, so no temporary of ours is in flight; every
   * folder at once, since writes go to autostart/, snapshots/<uuid>/, ... */
  vb_config_store_remove_temporaries (dir);
  {
    g_autofree char *journal = g_build_filename (dir, "config.journal", NULL);

    store->writer = vb_config_writer_new (journal, dir, error);
  }
  if (!store->writer)
    return NULL;
  return g_steal_pointer (&store);
}

void
vb_config_store_free (VbConfigStore *store)
{
  if (!store)
    return;
  g_clear_pointer (&store->writer, vb_config_writer_free);
  g_clear_pointer (&store->rejects, vb_config_rejects_free);
  g_free (store->dir);
  g_free (store);
}

const char *
vb_config_store_get_dir (VbConfigStore *store)
{
  return store->dir;
}

static gint64
mtime_ns (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;
}

/* One open, one fstat and the reads: g_file_get_contents() and a g_stat()
 * looked the path up twice for each of 10,000 files at a large start.
 * FALSE for anything unusual (not a regular file, a size that changed
 * while read, an error): read_config() then goes the general way, which
 * says what is wrong. */
static gboolean
read_regular_file (VbStoredConfig *config)
{
  int fd = open (config->path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  gsize size, done = 0;
  char *data;

  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_size < 0
      || (guint64) st.st_size >= G_MAXSIZE)
    {
      close (fd);
      return FALSE;
    }
  size = (gsize) st.st_size;
  data = g_malloc (size + 1);
  while (done < size)
    {
      ssize_t n = read (fd, data + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (gsize) n;
    }
  close (fd);
  if (done != size)
    {
      g_free (data);
      return FALSE;
    }
  data[size] = '\0';
  config->xml = data;
  config->written = mtime_ns (&st);
  return TRUE;
}

static gboolean
read_config (VbStoredConfig *config, GError **error)
{
  GStatBuf st;

  if (read_regular_file (config))
    return TRUE;
  if (!g_file_get_contents (config->path, &config->xml, NULL, error))
    return FALSE;
  if (g_stat (config->path, &st) == 0)
    config->written = mtime_ns (&st);
  return TRUE;
}

/* The last saved first; the id decides between equal times, so the order
 * never depends on the directory's. */
static gint
newest_first (gconstpointer a, gconstpointer b)
{
  const VbStoredConfig *x = *(VbStoredConfig *const *) a;
  const VbStoredConfig *y = *(VbStoredConfig *const *) b;

  if (x->written != y->written)
    return x->written > y->written ? -1 : 1;
  return g_strcmp0 (x->id, y->id);
}

/* An Undefine that a kill interrupted leaves its autostart marker; it must
 * not give a later definition of that UUID an Autostart nobody set. */
static void
remove_orphan_markers (const char *autostart_dir, const char *dir)
{
  g_autoptr (GDir) markers = g_dir_open (autostart_dir, 0, NULL);
  const char *id;

  while (markers && (id = g_dir_read_name (markers)))
    {
      g_autofree char *xml_name = g_strconcat (id, ".xml", NULL);
      g_autofree char *xml_path = g_build_filename (dir, xml_name, NULL);
      g_autofree char *marker = g_build_filename (autostart_dir, id, NULL);
      g_autoptr (GError) error = NULL;

      if (g_str_has_suffix (id, TEMP_SUFFIX) || g_file_test (xml_path, G_FILE_TEST_EXISTS))
        continue;
      if (!remove_file_durably (marker, &error))
        vb_log_warning (NULL, "%s", error->message);
    }
}

/* The names in @dir, or an empty set. */
static GHashTable *
list_names (const char *dir)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing && (name = g_dir_read_name (listing)))
    g_hash_table_add (names, g_strdup (name));
  return names;
}

typedef struct {
  GPtrArray *configs;
  GError **errors; /* one per config: why it could not be read */
} ReadWork;

static void
read_one (guint i, gpointer user_data)
{
  ReadWork *work = user_data;

  read_config (work->configs->pdata[i], &work->errors[i]);
}

/* Below this many files a thread costs more than it saves. */
#define FILES_PER_THREAD 64

GPtrArray *
vb_config_store_load (VbConfigStore *store, const char *kind)
{
  g_autofree char *dir = g_build_filename (store->dir, kind, NULL);
  g_autofree char *autostart_dir = g_build_filename (dir, "autostart", NULL);
  GPtrArray *configs = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_stored_config_free);
  g_autoptr (GPtrArray) listed = NULL;
  g_autoptr (GHashTable) markers = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) listing = NULL;
  ReadWork work;
  const char *entry;

  /* The files of answered writes may still be on their way (a deferred
   * write is answered from the journal). */
  vb_config_writer_settle (store->writer);
  if (!make_dir (autostart_dir, &error))
    {
      vb_log_warning (NULL, "%s", error->message);
      return configs;
    }
  vb_config_rejects_scan (store->rejects, kind, dir);
  listing = g_dir_open (dir, 0, &error);
  if (!listing)
    {
      vb_log_warning (NULL, "Cannot list %s: %s", dir, error->message);
      return configs;
    }
  /* One listing of the markers, not one stat per file: with 10,000
   * definitions that was a tenth of the load. A listed one is still tested,
   * as before (a dangling link is no marker). */
  markers = list_names (autostart_dir);
  listed = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_stored_config_free);
  while ((entry = g_dir_read_name (listing)))
    {
      VbStoredConfig *config;

      /* Temporaries of interrupted writes went at vb_config_store_new(); one
       * seen now may be a write in flight (a kind loaded after start-up). */
      if (!g_str_has_suffix (entry, ".xml"))
        continue;
      config = g_new0 (VbStoredConfig, 1);
      config->id = g_strndup (entry, strlen (entry) - 4);
      config->path = g_build_filename (dir, entry, NULL);
      if (g_hash_table_contains (markers, config->id))
        {
          g_autofree char *marker = g_build_filename (autostart_dir, config->id, NULL);

          config->autostart = g_file_test (marker, G_FILE_TEST_EXISTS);
        }
      g_ptr_array_add (listed, config);
    }
  /* The files are read on several threads (each its own file); what the
   * store keeps (its rejects) is changed here only. */
  work.configs = listed;
  work.errors = g_new0 (GError *, MAX (listed->len, 1));
  vb_parallel_for (listed->len, FILES_PER_THREAD, read_one, &work);
  for (guint i = 0; i < listed->len; i++)
    {
      VbStoredConfig *config = g_steal_pointer (&listed->pdata[i]);

      if (work.errors[i])
        {
          vb_config_store_reject (store, kind, config, work.errors[i]->message);
          g_clear_error (&work.errors[i]);
          vb_stored_config_free (config);
          continue;
        }
      g_ptr_array_add (configs, config);
    }
  g_free (work.errors);
  g_ptr_array_sort (configs, newest_first);
  remove_orphan_markers (autostart_dir, dir);
  return configs;
}

void
vb_config_store_reject (VbConfigStore *store, const char *kind, VbStoredConfig *config,
                        const char *reason)
{
  g_autofree char *dir = g_path_get_dirname (config->path);
  g_autofree char *marker =
    config->autostart ? g_build_filename (dir, "autostart", config->id, NULL) : NULL;

  vb_config_rejects_keep_aside (store->rejects, kind, config->path, config->id, marker, reason);
}

void
vb_config_store_report_unloaded (VbConfigStore *store, const char *kind, VbStoredConfig *config,
                                 const char *reason)
{
  vb_config_rejects_report (store->rejects, kind, config->path, reason);
}

GPtrArray *
vb_config_store_get_rejected (VbConfigStore *store)
{
  return vb_config_rejects_list (store->rejects);
}

void
vb_config_store_watch_rejected (VbConfigStore *store, VbRejectedFunc func, gpointer user_data)
{
  vb_config_rejects_watch (store->rejects, func, user_data);
}

/* A kind never loaded has no directories yet: the autostart one is made
 * before any write of the kind. */
static VbWrite *
kind_write_new (VbConfigStore *store, const char *kind, char **dir)
{
  VbWrite *write = vb_write_new ();
  g_autofree char *autostart = NULL;

  *dir = g_build_filename (store->dir, kind, NULL);
  autostart = g_build_filename (*dir, "autostart", NULL);
  vb_write_make_dir (write, autostart);
  /* Definitions and markers are read by the service alone, at start-up,
   * after the journal: a define is answered after one device flush. */
  vb_write_defer_files (write);
  return write;
}

static void
queue_write (VbConfigStore *store, VbWrite *write, gpointer source_tag,
             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  vb_config_writer_queue (store->writer, write, task);
}

void
vb_config_store_save_async (VbConfigStore *store, const char *kind, const char *id,
                            const char *xml, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *dir = NULL;
  VbWrite *write = kind_write_new (store, kind, &dir);
  g_autofree char *path = g_strdup_printf ("%s/%s.xml", dir, id);

  vb_write_replace (write, path, xml);
  queue_write (store, write, vb_config_store_save_async, callback, user_data);
}

void
vb_config_store_remove_async (VbConfigStore *store, const char *kind, const char *id,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *dir = NULL;
  VbWrite *write = kind_write_new (store, kind, &dir);
  g_autofree char *path = g_strdup_printf ("%s/%s.xml", dir, id);
  g_autofree char *marker = g_strdup_printf ("%s/autostart/%s", dir, id);

  /* The definition first, durably: a kill in between leaves a marker
   * without a definition, which the next load drops, never a definition
   * that lost its Autostart. */
  vb_write_remove (write, path);
  vb_write_remove (write, marker);
  queue_write (store, write, vb_config_store_remove_async, callback, user_data);
}

void
vb_config_store_set_autostart_async (VbConfigStore *store, const char *kind, const char *id,
                                     gboolean autostart, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autofree char *dir = NULL;
  VbWrite *write = kind_write_new (store, kind, &dir);
  g_autofree char *marker = g_strdup_printf ("%s/autostart/%s", dir, id);

  if (autostart)
    vb_write_replace (write, marker, "");
  else
    vb_write_remove (write, marker);
  queue_write (store, write, vb_config_store_set_autostart_async, callback, user_data);
}

void
vb_config_store_write_file_async (VbConfigStore *store, const char *path, const char *data,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  VbWrite *write = vb_write_new ();

  vb_write_replace (write, path, data);
  queue_write (store, write, vb_config_store_write_file_async, callback, user_data);
}

void
vb_config_store_remove_file_async (VbConfigStore *store, const char *path,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  VbWrite *write = vb_write_new ();

  vb_write_remove (write, path);
  queue_write (store, write, vb_config_store_remove_file_async, callback, user_data);
}

gboolean
vb_config_store_finish (VbConfigStore *store, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_config_store_flush (VbConfigStore *store)
{
  vb_config_writer_flush (store->writer);
}

void
vb_config_store_hold_writes (VbConfigStore *store, gboolean hold)
{
  vb_config_writer_hold (store->writer, hold);
}

void
vb_config_store_get_commits (VbConfigStore *store, guint *commits, guint *writes)
{
  vb_config_writer_get_counts (store->writer, commits, writes);
}
