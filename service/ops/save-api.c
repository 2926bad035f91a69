/* Save and restore: what the D-Bus calls ask, checked, under the domain's
 * lock, as a Job; the durable image is service/save-image.c's, the guest's
 * state the driver's. */
#include "save-api.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "object-paths.h"
#include "domain-def-edit.h"
#include "domain-kind.h"
#include "resource-api.h"
#include "save-image.h"
#include "save-key.h"
#include "vb-error.h"
#include "vb-log.h"

#define PROGRESS_INTERVAL_MS 250
#define AUTOSAVE_SUFFIX ".autosave"

static const char *
name_of (VbDomain *domain)
{
  return vb_resource_get_name (VB_RESOURCE (domain));
}

static const VbDomainDriver *
save_driver (VbDriverHost *host, VbDomain *domain, GError **error)
{
  const VbDomainDriver *driver = vb_domain_api_driver (host, domain);

  if (!driver || !driver->save_async || !driver->restore_async)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "The %s driver cannot save or restore domains",
                   vb_resource_get_driver (VB_RESOURCE (domain)));
      return NULL;
    }
  return driver;
}

static char *
managed_dir (VbDriverHost *host, VbDomain *domain)
{
  return g_build_filename (vb_driver_host_get_state_dir (host),
                           vb_resource_get_driver (VB_RESOURCE (domain)), "save", NULL);
}

static char *
managed_path (VbDriverHost *host, VbDomain *domain)
{
  g_autofree char *dir = managed_dir (host, domain);
  g_autofree char *name = g_strdup_printf ("%s.save", vb_resource_get_uuid (VB_RESOURCE (domain)));

  return g_build_filename (dir, name, NULL);
}

char *
vb_save_api_autosave_marker (VbDriverHost *host, VbDomain *domain)
{
  g_autofree char *path = managed_path (host, domain);

  return g_strconcat (path, AUTOSAVE_SUFFIX, NULL);
}

/* The service's save key (one host per process): read or made at start-up,
 * read by the writer and reader threads. NULL when it could not be had:
 * images are then written without an authenticator. */
static GBytes *save_key;
G_LOCK_DEFINE_STATIC (save_key);

static GBytes *
get_save_key (void)
{
  GBytes *key;

  G_LOCK (save_key);
  key = save_key ? g_bytes_ref (save_key) : NULL;
  G_UNLOCK (save_key);
  return key;
}

void
vb_save_api_load_key (VbDriverHost *host)
{
  g_autoptr (GError) error = NULL;
  GBytes *key = vb_save_key_load (vb_driver_host_get_state_dir (host), &error);

  if (!key)
    vb_log_warning (NULL, "%s: save images will carry no authenticator, and restoring any "
                          "needs org.virtbus.Virt1.domain.define",
                    error->message);
  G_LOCK (save_key);
  g_clear_pointer (&save_key, g_bytes_unref);
  save_key = key;
  G_UNLOCK (save_key);
}

static gboolean
check_save_flags (guint flags, GError **error)
{
  if (!vb_check_flags (flags, VB_DOMAIN_SAVE_RUNNING | VB_DOMAIN_SAVE_PAUSED, error))
    return FALSE;
  if ((flags & VB_DOMAIN_SAVE_RUNNING) && (flags & VB_DOMAIN_SAVE_PAUSED))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "The flags RUNNING (2) and PAUSED (4) exclude each other");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_path (const char *path, GError **error)
{
  if (!g_path_is_absolute (path) || g_str_has_suffix (path, "/"))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "The save image path '%s' must be an absolute file name", path);
      return FALSE;
    }
  return TRUE;
}

/* Refused early, so the caller hears it from the call rather than from a
 * failed job: Save never replaces a file, nor anything else, at @path (the
 * writer checks again, and gives the image its name without replacing). */
static gboolean
check_destination (const char *path, GError **error)
{
  struct stat st;

  if (lstat (path, &st) < 0)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
               "%s exists: a save does not replace a file", path);
  return FALSE;
}

/* ---- save ---- */

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  const VbDomainDriver *driver;
  char *path; /* NULL until locked for a managed save */
  gboolean managed;
  gboolean auto_save; /* --save-on-stop: leave a marker for the next start */
  guint flags;
  gboolean was_running;
  VbJob *job;
  VbSaveWriter *writer;
  GCancellable *follow_stop;
  guint progress;
  guint64 total;
  guint64 last_bytes;
  gint64 last_time;
  gboolean follow_done, driver_done;
  gint64 called, locked, started, streamed, synced; /* monotonic µs, for the job's details */
  GError *driver_error;
} SaveRun;

static void
save_run_free (SaveRun *run)
{
  if (run->progress)
    g_source_remove (run->progress);
  vb_save_writer_free (run->writer);
  g_clear_object (&run->follow_stop);
  g_clear_object (&run->job);
  g_clear_error (&run->driver_error);
  g_free (run->path);
  g_object_unref (run->domain);
  g_free (run);
}

static const char *
operation_of (SaveRun *run)
{
  return run->managed ? "managed-save" : "save";
}

/* The end: the job says how it went, the lock goes. */
static void
save_end (SaveRun *run, GError *error)
{
  const char *log_name = vb_resource_get_log_name (VB_RESOURCE (run->domain));

  if (!error)
    {
      GVariantDict details;
      gint64 now = g_get_monotonic_time ();

      /* Where the time went: the stream, the sync to the device, QEMU's end. */
      g_variant_dict_init (&details, vb_job_get_details (run->job));
      g_variant_dict_insert (&details, "lock-ms", "t",
                             (guint64) (run->locked - run->called) / 1000);
      g_variant_dict_insert (&details, "setup-ms", "t",
                             (guint64) (run->started - run->locked) / 1000);
      g_variant_dict_insert (&details, "stream-ms", "t",
                             (guint64) (run->streamed - run->started) / 1000);
      g_variant_dict_insert (&details, "sync-ms", "t",
                             (guint64) (run->synced - run->streamed) / 1000);
      g_variant_dict_insert (&details, "end-ms", "t", (guint64) (now - run->synced) / 1000);
      vb_job_set_details (run->job, g_variant_dict_end (&details));
      vb_log_message (log_name, "saved to %s", run->path);
      vb_job_complete (run->job, TRUE, "completed", NULL);
    }
  else
    {
      gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      vb_log_warning (log_name, "%s to %s: %s", operation_of (run), run->path, error->message);
      vb_job_complete (run->job, FALSE, cancelled ? "cancelled" : "failed", error->message);
      g_error_free (error);
    }
  vb_resource_api_release (run->host, vb_domain_api_kind (), VB_RESOURCE (run->domain));
  save_run_free (run);
}

static void
marker_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveRun *run = user_data;
  g_autoptr (GError) error = NULL;

  if (!vb_config_store_finish (vb_driver_host_get_store (run->host), result, &error))
    vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (run->domain)),
                    "cannot mark the save for a restore at start: %s", error->message);
  save_end (run, NULL);
}

static void
ended_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveRun *run = user_data;
  GError *error = NULL;

  if (!run->driver->save_end_finish (run->domain, result, &error))
    {
      save_end (run, error);
      return;
    }
  if (run->managed)
    {
      vb_domain_set_managed_save (run->domain, TRUE);
      if (run->auto_save)
        {
          g_autofree char *marker = vb_save_api_autosave_marker (run->host, run->domain);
          vb_config_store_write_file_async (vb_driver_host_get_store (run->host), marker,
                                            "saved by virtbusd --save-on-stop\n", marker_written,
                                            run);
          return;
        }
    }
  save_end (run, NULL);
}

static void
ended_failed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveRun *run = user_data;
  g_autoptr (GError) error = NULL;
  GError *why = g_object_steal_data (G_OBJECT (run->job), "vb-save-error");

  if (!run->driver->save_end_finish (run->domain, result, &error))
    g_prefix_error (&why, "%s; ", error->message);
  save_end (run, why);
}

/* Resumes the guest as it was and fails the job with @error. */
static void
save_failed (SaveRun *run, GError *error)
{
  /* The temporary file goes now: nothing looking like an image is left. */
  g_clear_pointer (&run->writer, vb_save_writer_free);
  g_object_set_data (G_OBJECT (run->job), "vb-save-error", error);
  run->driver->save_end_async (run->host, run->domain, FALSE, run->was_running, ended_failed, run);
}

static void
committed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveRun *run = user_data;
  GError *error = NULL;

  if (!vb_save_writer_commit_finish (run->writer, result, &error))
    {
      save_failed (run, error);
      return;
    }
  run->synced = g_get_monotonic_time ();
  vb_job_set_bytes (run->job, vb_save_writer_get_bytes (run->writer),
                    vb_save_writer_get_bytes (run->writer), 0);
  g_clear_pointer (&run->writer, vb_save_writer_free);
  run->driver->save_end_async (run->host, run->domain, TRUE, FALSE, ended_saved, run);
}

/* QEMU is done and the follower has stopped: commit, or give up. */
static void
stream_over (SaveRun *run)
{
  GError *error;

  if (!run->follow_done || !run->driver_done)
    return;
  if (run->progress)
    {
      g_source_remove (run->progress);
      run->progress = 0;
    }
  /* QEMU's reason for a failed write names the errno ("No space left on device"). */
  error = g_steal_pointer (&run->driver_error);
  if (error)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, "Cannot save domain '%s': ", name_of (run->domain));
      save_failed (run, error);
      return;
    }
  run->streamed = g_get_monotonic_time ();
  vb_job_set_phase (run->job, "syncing");
  vb_job_set_cancelable (run->job, FALSE);
  vb_save_writer_commit_async (run->writer, committed, run);
}

static void
followed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveRun *run = user_data;

  run->follow_done = TRUE;
  vb_save_writer_follow_finish (run->writer, result);
  stream_over (run);
}

static void
driver_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveRun *run = user_data;

  run->driver_done = TRUE;
  run->driver->save_finish (run->domain, result, &run->driver_error);
  /* QEMU is done writing, one way or the other. */
  g_cancellable_cancel (run->follow_stop);
  stream_over (run);
}

static gboolean
update_progress (gpointer user_data)
{
  SaveRun *run = user_data;
  guint64 bytes = run->writer ? vb_save_writer_get_bytes (run->writer) : 0;
  gint64 now = g_get_monotonic_time ();
  guint64 rate = 0;

  if (run->last_time && now > run->last_time && bytes >= run->last_bytes)
    rate = (bytes - run->last_bytes) * G_USEC_PER_SEC / (guint64) (now - run->last_time);
  run->last_bytes = bytes;
  run->last_time = now;
  /* The stream is the guest's memory plus device state: the memory size
   * is the estimate until the stream says it is more. */
  vb_job_set_bytes (run->job, MAX (run->total, bytes), bytes, rate);
  return G_SOURCE_CONTINUE;
}

static void
writer_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveRun *run = user_data;
  GError *error = NULL;

  run->writer = g_task_propagate_pointer (G_TASK (result), &error);
  if (!run->writer)
    {
      g_prefix_error (&error, "Cannot save domain '%s': ", name_of (run->domain));
      save_end (run, error);
      return;
    }
  if (g_cancellable_is_cancelled (vb_job_get_cancellable (run->job)))
    {
      /* Job.Cancel() during the setup: nothing was stopped yet. */
      save_end (run, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The save was cancelled"));
      return;
    }
  run->follow_stop = g_cancellable_new ();
  run->started = g_get_monotonic_time ();
  /* QEMU writes the image itself (no copy through a pipe: twice the
   * throughput here, see docs/save.md); the follower pushes it to the disk. */
  vb_save_writer_follow_async (run->writer, run->follow_stop, followed, run);
  run->driver->save_async (run->host, run->domain, vb_save_writer_get_fd (run->writer), run->job,
                           driver_saved, run);
  vb_job_set_phase (run->job, "saving");
  run->progress = g_timeout_add (PROGRESS_INTERVAL_MS, update_progress, run);
}

typedef struct {
  char *path;
  char *xml;
  guint32 flags;
  gboolean make_dir;
  gboolean managed; /* the image in the state directory, which a new one replaces */
} WriterArgs;

static void
writer_args_free (WriterArgs *args)
{
  g_free (args->path);
  g_free (args->xml);
  g_free (args);
}

static void
make_writer_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  WriterArgs *args = task_data;
  GError *error = NULL;
  VbSaveWriter *writer;

  if (args->make_dir)
    {
      g_autofree char *dir = g_path_get_dirname (args->path);
      if (g_mkdir_with_parents (dir, 0700) < 0)
        {
          int saved = errno;
          g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s", dir,
                                   g_strerror (saved));
          return;
        }
    }
  {
    g_autoptr (GBytes) key = get_save_key ();

    writer = vb_save_writer_new (args->path, args->xml, args->flags, key, args->managed, &error);
  }
  if (!writer)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, writer, (GDestroyNotify) vb_save_writer_free);
}

static void
save_locked (GTask *task, VbResource *resource)
{
  SaveRun *run = g_task_get_task_data (task);
  VbDomainState state = vb_domain_get_state (run->domain);
  const VbDomainDef *live = vb_domain_get_live_def (run->domain);
  g_autofree char *object = vb_object_path_for ("domain", vb_resource_get_uuid (resource));
  g_autoptr (GTask) maker = NULL;
  WriterArgs *args;
  GError *error = NULL;
  SaveRun *background;

  if ((state != VB_DOMAIN_RUNNING && state != VB_DOMAIN_PAUSED) || !live)
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                         "Cannot save domain '%s': it is %s, not running or paused",
                         name_of (run->domain), vb_domain_state_to_string (state));
  else if (run->managed && !vb_resource_get_persistent (resource))
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                         "Cannot managed-save domain '%s': it is transient (use Save with a "
                         "path)",
                         name_of (run->domain));
  else
    vb_domain_refuse_if_block_copy (run->domain, run->managed ? "Managed save" : "Save", NULL,
                                    &error);
  if (error)
    {
      vb_resource_api_release_and_fail (run->host, vb_domain_api_kind (), resource, task, error);
      return;
    }
  if (run->managed)
    run->path = managed_path (run->host, run->domain);
  run->was_running = state == VB_DOMAIN_RUNNING;
  run->total = live->memory_kib * 1024;
  run->locked = g_get_monotonic_time ();
  run->job = vb_job_new (operation_of (run), object, TRUE);
  vb_job_set_phase (run->job, "setup");
  vb_inventory_add_job (vb_driver_host_get_inventory (run->host), run->job);

  /* The caller gets the job now; the save goes on without it. */
  background = g_memdup2 (run, sizeof *run);
  g_object_ref (background->domain);
  g_object_ref (background->job);
  run->path = NULL;
  g_task_return_pointer (task, g_object_ref (run->job), g_object_unref);
  g_object_unref (task);

  vb_log_message (vb_resource_get_log_name (resource), "%s to %s", operation_of (background),
                  background->path);
  args = g_new0 (WriterArgs, 1);
  args->path = g_strdup (background->path);
  args->xml = g_strdup (live->xml);
  args->make_dir = background->managed;
  args->managed = background->managed;
  /* What the restore does unless told otherwise: as it was, or as the flags say. */
  args->flags = (background->flags & VB_DOMAIN_SAVE_RUNNING)  ? VB_SAVE_IMAGE_WAS_RUNNING
                : (background->flags & VB_DOMAIN_SAVE_PAUSED) ? 0
                : background->was_running                     ? VB_SAVE_IMAGE_WAS_RUNNING
                                                              : 0;
  maker = g_task_new (NULL, NULL, writer_made, background);
  g_task_set_task_data (maker, args, (GDestroyNotify) writer_args_free);
  g_task_run_in_thread (maker, make_writer_in_thread);
}

static void
save_start (VbDriverHost *host, VbDomain *domain, const char *path, guint flags, gboolean auto_save,
            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  SaveRun *run = g_new0 (SaveRun, 1);
  GError *error = NULL;

  run->host = host;
  run->domain = g_object_ref (domain);
  run->managed = path == NULL;
  run->path = g_strdup (path);
  run->flags = flags;
  run->auto_save = auto_save;
  run->called = g_get_monotonic_time ();
  g_task_set_task_data (task, run, (GDestroyNotify) save_run_free);
  vb_resource_api_lock_or_refuse (
    task, VB_RESOURCE (domain), path ? "save" : "managed save",
    check_save_flags (flags, &error) && (!path || (check_path (path, &error) && check_destination (path, &error)))
      && (run->driver = save_driver (host, domain, &error))
      && vb_domain_refuse_if_block_copy (domain, path ? "Save" : "Managed save", NULL, &error)
      && vb_domain_api_require_active (domain, "save", &error),
    &error, save_locked);
}

void
vb_save_api_save_async (VbDriverHost *host, VbDomain *domain, const char *path, guint flags,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  save_start (host, domain, path, flags, FALSE, callback, user_data);
}

void
vb_save_api_managed_save_marked_async (VbDriverHost *host, VbDomain *domain,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  save_start (host, domain, NULL, 0, TRUE, callback, user_data);
}

gboolean
vb_save_api_can_save (VbDriverHost *host, VbDomain *domain)
{
  return save_driver (host, domain, NULL) != NULL;
}

VbJob *
vb_save_api_save_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- restore ---- */

typedef struct _VbRestoreImage RestoreRun;
static void restore_run_free (RestoreRun *run);

struct _VbRestoreImage {
  VbDriverHost *host;
  char *path;
  guint flags;
  VbSaveImage *image;
  VbDomainDef *def;
  VbDomain *domain;
  VbJob *job;
  gboolean managed;
};

void
vb_restore_image_free (VbRestoreImage *run)
{
  if (!run)
    return;
  restore_run_free (run);
}

static void
restore_run_free (RestoreRun *run)
{
  vb_save_image_free (run->image);
  g_clear_pointer (&run->def, vb_domain_def_free);
  g_clear_object (&run->domain);
  g_clear_object (&run->job);
  g_free (run->path);
  g_free (run);
}

static gboolean
restore_paused (RestoreRun *run, guint start_flags)
{
  if (run->flags & VB_DOMAIN_SAVE_PAUSED || start_flags & VB_DOMAIN_START_PAUSED)
    return TRUE;
  if (run->flags & VB_DOMAIN_SAVE_RUNNING)
    return FALSE;
  return !(run->image->header.flags & VB_SAVE_IMAGE_WAS_RUNNING);
}

static void
restored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RestoreRun *run = user_data;
  const VbDomainDriver *driver = save_driver (run->host, run->domain, NULL);
  GError *error = NULL;

  if (!driver->restore_finish (run->domain, result, &error))
    {
      g_prefix_error (&error, "Cannot restore domain '%s' from %s: ", name_of (run->domain),
                      run->path);
      vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (run->domain)), "%s", error->message);
      vb_job_complete (run->job, FALSE, "failed", error->message);
      g_error_free (error);
    }
  else
    {
      vb_log_message (vb_resource_get_log_name (VB_RESOURCE (run->domain)), "restored from %s",
                      run->path);
      vb_job_complete (run->job, TRUE, "completed", NULL);
    }
  vb_resource_api_release (run->host, vb_domain_api_kind (), VB_RESOURCE (run->domain));
  restore_run_free (run);
}

/* The domain's lock is held: start it from the image. */
static void
restore_domain_locked (GTask *task, VbResource *resource)
{
  RestoreRun *run = g_task_get_task_data (task);
  g_autofree char *object = vb_object_path_for ("domain", vb_resource_get_uuid (resource));
  const VbDomainDriver *driver;
  GError *error = NULL;
  RestoreRun *background;

  if (!run->domain)
    run->domain = g_object_ref (VB_DOMAIN (resource));
  if (vb_domain_is_active (run->domain))
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                         "Cannot restore domain '%s': it is already active", name_of (run->domain));
  driver = error ? NULL : save_driver (run->host, run->domain, &error);
  if (error)
    {
      vb_resource_api_release_and_fail (run->host, vb_domain_api_kind (), resource, task, error);
      return;
    }
  run->job = vb_job_new ("restore", object, FALSE);
  vb_job_set_phase (run->job, "restoring");
  vb_inventory_add_job (vb_driver_host_get_inventory (run->host), run->job);
  vb_domain_set_live_def (run->domain, g_steal_pointer (&run->def));

  background = g_memdup2 (run, sizeof *run);
  run->image = NULL;
  run->domain = NULL;
  run->path = NULL;
  g_object_ref (background->job);
  g_task_return_pointer (task, g_object_ref (background->job), g_object_unref);
  g_object_unref (task);

  vb_log_message (vb_resource_get_log_name (resource), "restoring from %s", background->path);
  driver->restore_async (background->host, background->domain, background->image->fd,
                         restore_paused (background, 0), restored, background);
}

static void
transient_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr (VbResource) resource = vb_resource_api_new_transient_finish (result, &error);

  if (!resource)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  restore_domain_locked (task, resource);
}

static void
image_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  RestoreRun *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->image = vb_save_image_open_finish (result, &error);
  if (run->image)
    {
      run->def = vb_domain_def_parse_live (run->image->header.xml, &error);
      if (!run->def)
        {
          /* The file is the caller's argument: a bad XML in it is a bad argument. */
          error->domain = VB_ERROR;
          error->code = VB_ERROR_INVALID_ARGUMENT;
          g_prefix_error (&error, "%s: the domain XML in the save image is invalid: ", run->path);
        }
    }
  if (error)
    {
      restore_run_free (run);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, run, (GDestroyNotify) restore_run_free);
}

void
vb_save_api_restore_open_async (VbDriverHost *host, const char *path, guint flags,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr (GBytes) key = get_save_key ();
  RestoreRun *run = g_new0 (RestoreRun, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, vb_save_api_restore_open_async);
  run->host = host;
  run->path = g_strdup (path);
  run->flags = flags;
  /* Owned by the open until it completes: then by its result. */
  g_task_set_task_data (task, run, NULL);
  if (!check_save_flags (flags, &error) || !check_path (path, &error))
    {
      restore_run_free (run);
      g_task_return_error (task, error);
      return;
    }
  vb_save_image_open_async (path, key, NULL, image_opened, g_steal_pointer (&task));
}

VbRestoreImage *
vb_save_api_restore_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_save_api_restore_open_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
vb_restore_image_get_xml (VbRestoreImage *image)
{
  return image->image->header.xml;
}

const char *
vb_restore_image_get_driver (VbRestoreImage *image)
{
  const VbDomainDriver *driver = vb_driver_host_find_domain_driver (image->host, image->def->type);

  return driver ? driver->name : NULL;
}

gboolean
vb_restore_image_is_authenticated (VbRestoreImage *image)
{
  return image->image->authenticated;
}

void
vb_save_api_restore_async (VbDriverHost *host, VbRestoreImage *image,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  RestoreRun *run = image;
  VbInventory *inventory = vb_driver_host_get_inventory (host);
  VbResource *by_uuid, *by_name;
  GError *error = NULL;

  g_task_set_source_tag (task, vb_save_api_restore_async);
  g_task_set_task_data (task, run, (GDestroyNotify) restore_run_free);
  by_uuid = vb_inventory_lookup_uuid (inventory, VB_TYPE_DOMAIN, run->def->uuid);
  by_name = vb_inventory_lookup_name (inventory, VB_TYPE_DOMAIN, run->def->name);
  if (by_name && by_name != by_uuid)
    error =
      g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Cannot restore: a domain named '%s' with another UUID exists", run->def->name);
  else if (by_uuid && vb_domain_is_active (VB_DOMAIN (by_uuid)))
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                         "Cannot restore domain '%s': it is already active",
                         vb_resource_get_name (by_uuid));
  if (error)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (by_uuid)
    {
      /* A persistent domain gets its guest back; its definition stays. */
      run->domain = g_object_ref (VB_DOMAIN (by_uuid));
      vb_resource_api_with_lock (by_uuid, "restore", task, restore_domain_locked);
      return;
    }
  vb_resource_api_new_transient_async (run->host, vb_domain_api_kind (), run->image->header.xml,
                                       NULL, transient_made, task);
}

VbJob *
vb_save_api_restore_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- managed save: start, remove, undefine ---- */

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  guint flags;
  char *path;
  VbSaveImage *image;
} Managed;

static void
managed_free (Managed *m)
{
  vb_save_image_free (m->image);
  g_free (m->path);
  g_object_unref (m->domain);
  g_free (m);
}

static void
managed_image_removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Managed *m = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!vb_save_image_remove_finish (result, &error))
    vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (m->domain)),
                    "restored, but the managed save image stays: %s", error->message);
  vb_domain_set_managed_save (m->domain, FALSE);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static GError *
start_failure (Managed *m, GError *error)
{
  GError *failure =
    g_error_new (VB_ERROR, error->domain == VB_ERROR ? error->code : VB_ERROR_FAILED,
                 "Cannot start domain '%s' from its managed save image: %s. The image is kept; "
                 "ManagedSaveRemove discards it so that the next Start boots the guest afresh",
                 name_of (m->domain), error->message);

  g_error_free (error);
  return failure;
}

static void
managed_restored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Managed *m = g_task_get_task_data (task);
  const VbDomainDriver *driver = save_driver (m->host, m->domain, NULL);
  g_autofree char *marker = vb_save_api_autosave_marker (m->host, m->domain);
  GError *error = NULL;

  if (!driver->restore_finish (m->domain, result, &error))
    {
      g_task_return_error (task, start_failure (m, error));
      g_object_unref (task);
      return;
    }
  /* Closed before the unlink: the last close of an unlinked file frees its
   * blocks, a second's work for a large image, which must not fall on the
   * main loop when freeing this task. */
  g_clear_pointer (&m->image, vb_save_image_free);
  /* Only now: a restore that failed can be tried again from the same image. */
  vb_save_image_remove_async (m->path, marker, managed_image_removed, task);
}

static void
managed_image_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Managed *m = g_task_get_task_data (task);
  const VbDomainDriver *driver = save_driver (m->host, m->domain, NULL);
  g_autoptr (VbDomainDef) def = NULL;
  GError *error = NULL;
  gboolean paused;

  m->image = vb_save_image_open_finish (result, &error);
  if (m->image)
    def = vb_domain_def_parse_live (m->image->header.xml, &error);
  if (def && g_strcmp0 (def->uuid, vb_resource_get_uuid (VB_RESOURCE (m->domain))) != 0)
    g_set_error (&error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                 "the image holds another domain (UUID %s)", def->uuid);
  /* Renamed since it was saved (Domain.Rename): the guest runs under its name now. */
  if (!error && g_strcmp0 (def->name, vb_resource_get_name (VB_RESOURCE (m->domain))) != 0)
    {
      VbDomainDef *renamed =
        vb_domain_def_with_name (def, vb_resource_get_name (VB_RESOURCE (m->domain)), TRUE, &error);

      g_clear_pointer (&def, vb_domain_def_free);
      def = renamed;
    }
  if (error)
    {
      g_task_return_error (task, start_failure (m, error));
      g_object_unref (task);
      return;
    }
  paused =
    (m->flags & VB_DOMAIN_START_PAUSED) || !(m->image->header.flags & VB_SAVE_IMAGE_WAS_RUNNING);
  vb_domain_set_live_def (m->domain, g_steal_pointer (&def));
  vb_log_message (vb_resource_get_log_name (VB_RESOURCE (m->domain)),
                  "starting from the managed save image");
  driver->restore_async (m->host, m->domain, m->image->fd, paused, managed_restored, task);
}

void
vb_save_api_start_managed_async (VbDriverHost *host, VbDomain *domain, guint flags,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Managed *m = g_new0 (Managed, 1);
  GError *error = NULL;

  m->host = host;
  m->domain = g_object_ref (domain);
  m->flags = flags;
  m->path = managed_path (host, domain);
  g_task_set_task_data (task, m, (GDestroyNotify) managed_free);
  if (!save_driver (host, domain, &error))
    {
      g_task_return_error (task, start_failure (m, error));
      g_object_unref (task);
      return;
    }
  {
    g_autoptr (GBytes) key = get_save_key ();

    vb_save_image_open_async (m->path, key, NULL, managed_image_opened, task);
  }
}

gboolean
vb_save_api_start_managed_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
removed_locked_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Managed *m = g_task_get_task_data (task);
  GError *error = NULL;

  if (vb_save_image_remove_finish (result, &error))
    {
      vb_domain_set_managed_save (m->domain, FALSE);
      vb_log_message (vb_resource_get_log_name (VB_RESOURCE (m->domain)),
                      "managed save image removed");
    }
  vb_resource_api_release (m->host, vb_domain_api_kind (), VB_RESOURCE (m->domain));
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
remove_locked (GTask *task, VbResource *resource)
{
  Managed *m = g_task_get_task_data (task);
  g_autofree char *marker = vb_save_api_autosave_marker (m->host, m->domain);

  vb_save_image_remove_async (m->path, marker, removed_locked_done, task);
}

static GTask *
managed_task (VbDriverHost *host, VbDomain *domain, guint flags, GAsyncReadyCallback callback,
              gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Managed *m = g_new0 (Managed, 1);

  m->host = host;
  m->domain = g_object_ref (domain);
  m->flags = flags;
  m->path = managed_path (host, domain);
  g_task_set_task_data (task, m, (GDestroyNotify) managed_free);
  return task;
}

void
vb_save_api_managed_save_remove_async (VbDriverHost *host, VbDomain *domain, guint flags,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = managed_task (host, domain, flags, callback, user_data);
  GError *error = NULL;

  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!vb_domain_get_managed_save (domain))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Domain '%s' has no managed save image", name_of (domain));
      g_object_unref (task);
      return;
    }
  vb_resource_api_with_lock (VB_RESOURCE (domain), "remove the managed save", task, remove_locked);
}

gboolean
vb_save_api_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
undefine_image_removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Managed *m = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_save_image_remove_finish (result, &error))
    g_task_return_error (task, error);
  else
    {
      vb_domain_set_managed_save (m->domain, FALSE);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

void
vb_save_api_prepare_undefine_async (VbDriverHost *host, VbDomain *domain, guint flags,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = managed_task (host, domain, flags, callback, user_data);
  Managed *m = g_task_get_task_data (task);
  g_autofree char *marker = vb_save_api_autosave_marker (host, domain);

  if (!vb_domain_get_managed_save (domain))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (!(flags & VB_DOMAIN_UNDEFINE_MANAGED_SAVE))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Domain '%s' has a managed save image: remove it with "
                               "ManagedSaveRemove, or undefine with flag 1 (MANAGED_SAVE)",
                               name_of (domain));
      g_object_unref (task);
      return;
    }
  vb_save_image_remove_async (m->path, marker, undefine_image_removed, task);
}

void
vb_save_api_domain_loaded (VbDriverHost *host, VbDomain *domain)
{
  g_autofree char *path = managed_path (host, domain);

  /* Start-up, before the bus: a stat is all it takes. */
  if (!vb_domain_is_active (domain) && g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      vb_domain_set_managed_save (domain, TRUE);
      vb_domain_set_state (domain, VB_DOMAIN_SHUTOFF, "saved", -1);
    }
}
