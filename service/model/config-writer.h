/* The config store's writer: one thread that applies queued file changes in
 * the order they were asked, committing the writes that queued up meanwhile
 * together (group commit). A caller is answered only when its change is
 * durable, in one of two ways:
 * - a deferred write (vb_write_defer_files) goes to the write-ahead journal
 *   (config-journal.h): one append and one fdatasync for the whole group,
 *   then the answers, then the files, written without waiting for the
 *   device. A checkpoint, when the writer is idle or the journal full, syncs
 *   them and empties the journal;
 * - any other write has each new file written and fsynced, the renames and
 *   removals applied in order, then each directory they touched fsynced once,
 *   and only then is it answered.
 * Either way N queued changes cost about one device flush, not 2 N. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _VbConfigWriter VbConfigWriter;

/* One queued change: up to two steps, the second made durable only after
 * the first is (a removal that must not be seen half done the wrong way). */
typedef struct _VbWrite VbWrite;

VbWrite *vb_write_new (void);
void vb_write_free (VbWrite *write);
/* Creates @dir (and parents) before the steps, when missing. */
void vb_write_make_dir (VbWrite *write, const char *dir);
/* Replaces @path by a file with @data (0600), atomically. */
void vb_write_replace (VbWrite *write, const char *path, const char *data);
/* Removes @path; a missing file is no error. */
void vb_write_remove (VbWrite *write, const char *path);
/* Answers @write once its changes are in the journal, before its files are
 * written: for files only the service reads, and only at start-up, after
 * the journal was applied. Without a journal, no difference. */
void vb_write_defer_files (VbWrite *write);

/* With @journal (a file path), deferred writes go through that journal, and
 * what an earlier run left in it is applied now; its records may only name
 * files below @root. */
VbConfigWriter *vb_config_writer_new (const char *journal, const char *root, GError **error);
/* Waits until every queued write is done, syncs what the journal holds into
 * the files and empties it, then stops the thread. */
void vb_config_writer_free (VbConfigWriter *writer);
/* Takes @write; @task (taken too) returns TRUE, or the first error of its steps
 * or of syncing a directory it changed. */
void vb_config_writer_queue (VbConfigWriter *writer, VbWrite *write, GTask *task);
/* Waits until every queued write is done, its files written (deferred ones
 * perhaps not yet synced). Not while held. */
void vb_config_writer_flush (VbConfigWriter *writer);
/* Waits until the files of every write answered so far are written (not
 * necessarily synced): a read of them then sees what the callers were told. */
void vb_config_writer_settle (VbConfigWriter *writer);
/* While held, queued writes wait (for tests: to queue a batch at once). */
void vb_config_writer_hold (VbConfigWriter *writer, gboolean hold);
/* How many group commits ran, how many writes they held. */
void vb_config_writer_get_counts (VbConfigWriter *writer, guint *commits, guint *writes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbWrite, vb_write_free)

G_END_DECLS
