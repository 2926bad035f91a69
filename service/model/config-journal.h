/* The config writer's write-ahead journal: one preallocated file to which a
 * group commit appends its changes (the path and the new content, or a
 * removal) and makes them durable with a single fdatasync. A change in the
 * journal is durable before its file is written: the writer answers then, and
 * writes the files (without syncing them) afterwards. A checkpoint syncs those
 * files and starts a new generation, which makes every older record void; at
 * start-up the records of the current generation are applied again.
 *
 * Each record carries its generation and a SHA-256 over itself, so a torn
 * append or an old generation's leftover ends the replay, never misleads it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _VbConfigJournal VbConfigJournal;

typedef enum {
  VB_JOURNAL_REPLACE = 1, /* the file at path has data (0600) */
  VB_JOURNAL_REMOVE = 2,  /* no file at path */
} VbJournalKind;

typedef struct {
  VbJournalKind kind;
  char *path;
  char *data; /* NULL for a removal */
} VbJournalRecord;

VbJournalRecord *vb_journal_record_new (VbJournalKind kind, const char *path, const char *data);
void vb_journal_record_free (VbJournalRecord *record);

/* Opens the journal at @path (made and sized when missing); records may only
 * name files below @root. The records still to apply are read with
 * vb_config_journal_read(). */
VbConfigJournal *vb_config_journal_open (const char *path, const char *root, GError **error);
void vb_config_journal_free (VbConfigJournal *journal);
/* Whether the journal at @path, which could not be opened for writing,
 * may hold records to apply: FALSE only when it is missing or, read, holds
 * none. */
gboolean vb_config_journal_may_hold_records (const char *path, const char *root);

/* The records of the current generation, oldest first (VbJournalRecord). A
 * record that names a file outside the root, or is not whole, ends them. */
GPtrArray *vb_config_journal_read (VbConfigJournal *journal);
/* Whether the current generation holds no record and needs no reset. */
gboolean vb_config_journal_is_empty (VbConfigJournal *journal);
/* Whether @records (VbJournalRecord) can be appended: they fit in what is
 * left, and neither records of an earlier run nor a failed append wait for a
 * reset (vb_config_journal_reset), which must come first then. */
gboolean vb_config_journal_fits (VbConfigJournal *journal, GPtrArray *records);
/* Appends @records and syncs them: they are durable when this returns TRUE.
 * On failure none counts, and nothing is appended until a reset. */
gboolean vb_config_journal_append (VbConfigJournal *journal, GPtrArray *records, GError **error);
/* A new generation: every record so far is void (once their files are
 * durable, which is the caller's part), and zeroed in the file. */
gboolean vb_config_journal_reset (VbConfigJournal *journal, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbConfigJournal, vb_config_journal_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbJournalRecord, vb_journal_record_free)

G_END_DECLS
