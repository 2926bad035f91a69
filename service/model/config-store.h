/* Persistent configuration on disk: one XML file per object and an autostart
 * marker, written atomically by one worker thread so writes keep their order
 * and never block the main loop. The writes queued meanwhile are committed
 * together (config-writer.h): each is answered once it is durable. */
#pragma once

#include <gio/gio.h>

#include "config-rejects.h"

G_BEGIN_DECLS

typedef struct _VbConfigStore VbConfigStore;

typedef struct {
  char *id;       /* the file name without .xml: the object's UUID */
  char *path;
  char *xml;
  gboolean autostart;
  gint64 written; /* the file's modification time, in ns: when it was last saved */
} VbStoredConfig;

void vb_stored_config_free (VbStoredConfig *config);

/* Creates @dir when missing; the per-kind directories follow on first use.
 * Removes the temporary files that interrupted writes left anywhere under it. */
VbConfigStore *vb_config_store_new (const char *dir, GError **error);
/* Removes the temporary files of interrupted atomic writes (vb_write_file_atomic)
 * under @dir, at any depth, without following symbolic links. For start-up,
 * before anything writes there (the store does it for its own directory). */
void vb_config_store_remove_temporaries (const char *dir);
void vb_config_store_free (VbConfigStore *store);
const char *vb_config_store_get_dir (VbConfigStore *store);

/* Reads every configuration of @kind ("domains", "networks", "pools", ...),
 * the most recently written first (so that, of two claiming one name, the
 * last acknowledged define is met first). An unreadable file is rejected
 * (vb_config_store_reject). Synchronous: for start-up, before the bus name
 * is owned. */
GPtrArray *vb_config_store_load (VbConfigStore *store, const char *kind);

void vb_config_store_save_async (VbConfigStore *store, const char *kind, const char *id,
                                 const char *xml, GAsyncReadyCallback callback,
                                 gpointer user_data);
/* Removes the configuration and its autostart marker. */
void vb_config_store_remove_async (VbConfigStore *store, const char *kind, const char *id,
                                   GAsyncReadyCallback callback, gpointer user_data);
void vb_config_store_set_autostart_async (VbConfigStore *store, const char *kind,
                                          const char *id, gboolean autostart,
                                          GAsyncReadyCallback callback, gpointer user_data);
/* Writes @data to @path (anywhere, e.g. a runtime status file) through the
 * same ordered writer, atomically. */
void vb_config_store_write_file_async (VbConfigStore *store, const char *path, const char *data,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* Removes @path (anywhere, e.g. a runtime status file) through the same
 * ordered writer: after every write queued before, before every one queued
 * after. A missing file is no error. */
void vb_config_store_remove_file_async (VbConfigStore *store, const char *path,
                                        GAsyncReadyCallback callback, gpointer user_data);
/* Finishes any of the five above. */
gboolean vb_config_store_finish (VbConfigStore *store, GAsyncResult *result, GError **error);

/* Moves the file of @config (and its autostart marker) into a rejected/ folder
 * beside it, where no load looks, so that it is neither lost nor loaded again
 * while its name and UUID are free for new definitions; logs it and lists it
 * in vb_config_store_get_rejected(). Synchronous (a rename). */
void vb_config_store_reject (VbConfigStore *store, const char *kind, VbStoredConfig *config,
                             const char *reason);
/* Lists @config as not loaded, leaving its file where it is (to be retried
 * at the next start); logs it. */
void vb_config_store_report_unloaded (VbConfigStore *store, const char *kind,
                                      VbStoredConfig *config, const char *reason);
/* The files that did not load: those this start rejected or left in place,
 * and those still in the rejected/ folders of the kinds loaded
 * (VbRejectedConfig). */
GPtrArray *vb_config_store_get_rejected (VbConfigStore *store);
/* Calls @func (@user_data) after each addition to that list; one watcher at a time. */
void vb_config_store_watch_rejected (VbConfigStore *store, VbRejectedFunc func, gpointer user_data);

/* Waits until every queued write is on disk (for shutdown and tests). */
void vb_config_store_flush (VbConfigStore *store);
/* For tests: while held, queued writes wait, to be committed together. */
void vb_config_store_hold_writes (VbConfigStore *store, gboolean hold);
/* How many group commits the writer ran and how many writes they held. */
void vb_config_store_get_commits (VbConfigStore *store, guint *commits, guint *writes);

/* Writes @len bytes to @path so that a reader sees the old or the new content,
 * never a mix, even across a crash: temporary file, fsync, rename, fsync of
 * the directory. The temporary file is always created anew (O_EXCL|O_NOFOLLOW),
 * yet @path's directory must be one only the service can write: nothing makes
 * a rename safe against another writer there. Blocking: call it from a worker
 * thread. */
gboolean vb_write_file_atomic (const char *path, const void *data, gsize len, int mode,
                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbConfigStore, vb_config_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbStoredConfig, vb_stored_config_free)

G_END_DECLS
