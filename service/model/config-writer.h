/* The config store's writer: one thread that applies queued file changes in
 * the order they were asked, committing the writes that queued up meanwhile
 * together (group commit): each new file is written and fsynced, the renames
 * and removals are applied in order, then each directory they touched is
 * fsynced once, and only then is any of them answered. A caller is thus
 * answered only when its change is durable, yet N queued changes cost about
 * one device flush, not 2 N. */
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

VbConfigWriter *vb_config_writer_new (GError **error);
/* Waits until every queued write is done, then stops the thread. */
void vb_config_writer_free (VbConfigWriter *writer);
/* Takes @write; @task (taken too) returns TRUE, or the first error of its steps
 * or of syncing a directory it changed. */
void vb_config_writer_queue (VbConfigWriter *writer, VbWrite *write, GTask *task);
/* Waits until every queued write is done. Not while held. */
void vb_config_writer_flush (VbConfigWriter *writer);
/* While held, queued writes wait (for tests: to queue a batch at once). */
void vb_config_writer_hold (VbConfigWriter *writer, gboolean hold);
/* How many group commits ran, how many writes they held. */
void vb_config_writer_get_counts (VbConfigWriter *writer, guint *commits, guint *writes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbWrite, vb_write_free)

G_END_DECLS
