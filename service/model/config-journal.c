#define _GNU_SOURCE /* fallocate */
#include "config-journal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-files.h"

/* Room for a few thousand definitions between checkpoints; one that does not
 * fit is written the slow way (config-writer.c). */
#define CAPACITY (4 * 1024 * 1024)
/* The header has a block of its own: rewriting it never tears a record. */
#define RECORDS_START 4096
#define HEADER_MAGIC "virtbus-journal1"
#define HEADER_SIZE (16 + 8 + DIGEST_SIZE)
#define RECORD_MAGIC 0x4c524256u /* "VBRL" */
#define RECORD_HEAD_SIZE 24
#define DIGEST_SIZE 32

struct _VbConfigJournal {
  int fd;
  char *root; /* with a trailing '/' */
  guint64 generation;
  gsize end; /* where the next record goes */
  gsize used; /* how far records (of any run or generation) may lie */
  /* Records of an earlier run, or a failed append, may lie past the end: a
   * record appended there could make one of them whole again. Only a new
   * generation clears it. */
  gboolean needs_reset;
};

VbJournalRecord *
vb_journal_record_new (VbJournalKind kind, const char *path, const char *data)
{
  VbJournalRecord *record = g_new0 (VbJournalRecord, 1);

  record->kind = kind;
  record->path = g_strdup (path);
  record->data = kind == VB_JOURNAL_REPLACE ? g_strdup (data ? data : "") : NULL;
  return record;
}

void
vb_journal_record_free (VbJournalRecord *record)
{
  if (!record)
    return;
  g_free (record->path);
  g_free (record->data);
  g_free (record);
}

static void
digest (const guint8 *data, gsize length, guint8 out[DIGEST_SIZE])
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize out_length = DIGEST_SIZE;

  g_checksum_update (checksum, data, length);
  g_checksum_get_digest (checksum, out, &out_length);
}

static void
put_u32 (guint8 *at, guint32 value)
{
  value = GUINT32_TO_LE (value);
  memcpy (at, &value, 4);
}

static void
put_u64 (guint8 *at, guint64 value)
{
  value = GUINT64_TO_LE (value);
  memcpy (at, &value, 8);
}

static guint32
get_u32 (const guint8 *at)
{
  guint32 value;

  memcpy (&value, at, 4);
  return GUINT32_FROM_LE (value);
}

static guint64
get_u64 (const guint8 *at)
{
  guint64 value;

  memcpy (&value, at, 8);
  return GUINT64_FROM_LE (value);
}

static gsize
record_size (gsize path_length, gsize data_length)
{
  gsize size = RECORD_HEAD_SIZE + path_length + data_length + DIGEST_SIZE;

  return (size + 7) & ~(gsize) 7;
}

static gboolean
read_exactly (int fd, void *buffer, gsize length, gsize offset)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = pread (fd, (char *) buffer + done, length - done, offset + done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

static gboolean
write_exactly (int fd, const void *buffer, gsize length, gsize offset)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = pwrite (fd, (const char *) buffer + done, length - done, offset + done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = ENOSPC;
          return FALSE;
        }
      done += n;
    }
  return TRUE;
}

/* Only a plain absolute path below the root: a record is ours, but the file
 * it names is written as root at the next start. */
static gboolean
path_is_below_root (VbConfigJournal *journal, const char *path)
{
  g_auto (GStrv) parts = NULL;

  if (!g_str_has_prefix (path, journal->root))
    return FALSE;
  parts = g_strsplit (path + strlen (journal->root), "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (!*parts[i] || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      return FALSE;
  return parts[0] != NULL;
}

/* The record at @offset, or NULL where the current generation ends. */
static VbJournalRecord *
read_record (VbConfigJournal *journal, gsize offset, gsize *size)
{
  guint8 head[RECORD_HEAD_SIZE];
  guint8 want[DIGEST_SIZE];
  g_autofree guint8 *body = NULL;
  guint32 kind, path_length, data_length;
  gsize length;
  g_autofree char *path = NULL;

  if (offset + RECORD_HEAD_SIZE > CAPACITY
      || !read_exactly (journal->fd, head, sizeof head, offset))
    return NULL;
  kind = get_u32 (head + 4);
  path_length = get_u32 (head + 16);
  data_length = get_u32 (head + 20);
  if (get_u32 (head) != RECORD_MAGIC || get_u64 (head + 8) != journal->generation
      || (kind != VB_JOURNAL_REPLACE && kind != VB_JOURNAL_REMOVE) || path_length == 0
      || path_length > CAPACITY || data_length > CAPACITY
      || (kind == VB_JOURNAL_REMOVE && data_length != 0)
      || offset + record_size (path_length, data_length) > CAPACITY)
    return NULL;

  length = RECORD_HEAD_SIZE + path_length + data_length;
  body = g_malloc (length + DIGEST_SIZE);
  memcpy (body, head, sizeof head);
  if (!read_exactly (journal->fd, body + sizeof head, length - sizeof head + DIGEST_SIZE,
                     offset + sizeof head))
    return NULL;
  digest (body, length, want);
  if (memcmp (want, body + length, DIGEST_SIZE) != 0)
    return NULL;

  /* Stored below the root, so that a state directory moved after a crash
   * keeps its journal. */
  {
    g_autofree char *relative = g_strndup ((char *) body + RECORD_HEAD_SIZE, path_length);

    if (strlen (relative) != path_length)
      return NULL;
    path = g_strconcat (journal->root, relative, NULL);
  }
  if (!path_is_below_root (journal, path))
    return NULL;
  if (kind == VB_JOURNAL_REPLACE
      && memchr (body + RECORD_HEAD_SIZE + path_length, '\0', data_length))
    return NULL;
  *size = record_size (path_length, data_length);
  {
    VbJournalRecord *record = g_new0 (VbJournalRecord, 1);

    record->kind = kind;
    record->path = g_steal_pointer (&path);
    if (kind == VB_JOURNAL_REPLACE)
      record->data = g_strndup ((char *) body + RECORD_HEAD_SIZE + path_length, data_length);
    return record;
  }
}

/* The records of the generation, and where the next one goes. */
static GPtrArray *
scan (VbConfigJournal *journal, gsize *end)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_journal_record_free);
  gsize offset = RECORDS_START, size = 0;
  VbJournalRecord *record;

  while ((record = read_record (journal, offset, &size)))
    {
      g_ptr_array_add (records, record);
      offset += size;
    }
  *end = offset;
  return records;
}

static gboolean
read_header (VbConfigJournal *journal)
{
  guint8 header[HEADER_SIZE];
  guint8 want[DIGEST_SIZE];

  if (!read_exactly (journal->fd, header, sizeof header, 0)
      || memcmp (header, HEADER_MAGIC, 16) != 0)
    return FALSE;
  digest (header, 24, want);
  if (memcmp (want, header + 24, DIGEST_SIZE) != 0)
    return FALSE;
  journal->generation = get_u64 (header + 16);
  return TRUE;
}

static gboolean
sync_data (int fd)
{
  while (fdatasync (fd) < 0)
    if (errno != EINTR)
      return FALSE;
  return TRUE;
}

/* The void records' bytes gone from the file: among them may be a secret's
 * value, undefined since, which must not outlive its file here. Zeros
 * written and synced now, at the checkpoint, so that the blocks stay
 * allocated and written (FALLOC_FL_ZERO_RANGE would make every later
 * append's fdatasync commit their conversion too) and no append has to
 * flush them; tried again after the next reset when it fails. */
static void
scrub (VbConfigJournal *journal)
{
  static const guint8 zeros[65536];

  if (journal->used <= RECORDS_START)
    return;
  for (gsize at = RECORDS_START; at < journal->used; at += sizeof zeros)
    if (!write_exactly (journal->fd, zeros, MIN (sizeof zeros, journal->used - at), at))
      return;
  if (sync_data (journal->fd))
    journal->used = RECORDS_START;
}

gboolean
vb_config_journal_reset (VbConfigJournal *journal, GError **error)
{
  guint8 header[HEADER_SIZE];
  guint64 generation;

  /* Random, not counted: a header lost to a crash cannot bring back a
   * generation whose records still lie further on. */
  do
    generation = (guint64) g_random_int () << 32 | g_random_int ();
  while (generation == journal->generation);
  memcpy (header, HEADER_MAGIC, 16);
  put_u64 (header + 16, generation);
  digest (header, 24, header + 24);
  if (!write_exactly (journal->fd, header, sizeof header, 0) || !sync_data (journal->fd))
    {
      /* The new header may be in the file all the same: a record appended
       * in the old generation would not count after a crash. */
      journal->needs_reset = TRUE;
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot write the configuration journal: %s",
                   g_strerror (errno));
      return FALSE;
    }
  journal->generation = generation;
  journal->end = RECORDS_START;
  journal->needs_reset = FALSE;
  scrub (journal);
  return TRUE;
}

/* Blocks allocated now, so that an append never runs out of room on a full
 * disk; where the file system cannot, a sparse file does as well. */
static gboolean
make_room (int fd, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (fallocate (fd, 0, 0, CAPACITY) < 0 && ftruncate (fd, CAPACITY) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot size the configuration journal %s: %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  if (fsync (fd) < 0 || !vb_fsync_dir (dir))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot sync the configuration journal %s: %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* Not open yet: freed, it closes nothing. */
static VbConfigJournal *
journal_new (const char *root)
{
  VbConfigJournal *journal = g_new0 (VbConfigJournal, 1);

  journal->fd = -1;
  journal->root = g_str_has_suffix (root, "/") ? g_strdup (root) : g_strconcat (root, "/", NULL);
  return journal;
}

gboolean
vb_config_journal_may_hold_records (const char *path, const char *root)
{
  g_autoptr (VbConfigJournal) journal = journal_new (root);
  g_autoptr (GPtrArray) records = NULL;
  struct stat st;
  gsize end;

  if (lstat (path, &st) < 0)
    return errno != ENOENT;
  /* Whatever cannot be read may hold anything. Not opened unless a plain
   * file, and without waiting (O_NONBLOCK) should it have become a FIFO
   * since: fstat() says what was opened. */
  if (!S_ISREG (st.st_mode))
    return TRUE;
  journal->fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (journal->fd < 0 || fstat (journal->fd, &st) < 0 || !S_ISREG (st.st_mode))
    return TRUE;
  /* A read error (errno set) may hide anything too. */
  errno = 0;
  if (!read_header (journal))
    return errno != 0; /* else never written, or a torn reset after a checkpoint */
  errno = 0;
  records = scan (journal, &end);
  return records->len > 0 || errno != 0;
}

VbConfigJournal *
vb_config_journal_open (const char *path, const char *root, GError **error)
{
  g_autoptr (VbConfigJournal) journal = journal_new (root);
  struct stat st;

  /* What earlier runs left is not known. */
  journal->used = CAPACITY;
  journal->fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (journal->fd < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot open the configuration journal %s: %s",
                   path, g_strerror (errno));
      return NULL;
    }
  if (fstat (journal->fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_nlink != 1)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "The configuration journal %s is not a plain file of its own", path);
      return NULL;
    }
  if (st.st_size < CAPACITY && !make_room (journal->fd, path, error))
    return NULL;
  if (read_header (journal))
    {
      g_autoptr (GPtrArray) records = scan (journal, &journal->end);

      journal->needs_reset = records->len > 0;
      /* No record counts, yet a torn append of an earlier run may have left
       * whole records of this generation past the first torn one: a record
       * of the torn one's size appended here would make them count. */
      if (records->len == 0 && !vb_config_journal_reset (journal, error))
        return NULL;
    }
  else if (!vb_config_journal_reset (journal, error))
    return NULL;
  return g_steal_pointer (&journal);
}

void
vb_config_journal_free (VbConfigJournal *journal)
{
  if (!journal)
    return;
  if (journal->fd >= 0)
    close (journal->fd);
  g_free (journal->root);
  g_free (journal);
}

GPtrArray *
vb_config_journal_read (VbConfigJournal *journal)
{
  gsize end;

  return scan (journal, &end);
}

gboolean
vb_config_journal_is_empty (VbConfigJournal *journal)
{
  /* A failed append (or reset) may have left bytes of this generation at
   * the start: the writer's checkpoint must still reset. */
  return journal->end == RECORDS_START && !journal->needs_reset;
}

/* A record names its file below the root. */
static gsize
stored_path_length (VbConfigJournal *journal, const char *path)
{
  gsize length = strlen (path), root = strlen (journal->root);

  return length > root ? length - root : length;
}

static gsize
records_size (VbConfigJournal *journal, GPtrArray *records)
{
  gsize size = 0;

  for (guint i = 0; i < records->len; i++)
    {
      VbJournalRecord *record = records->pdata[i];

      size += record_size (stored_path_length (journal, record->path),
                           record->data ? strlen (record->data) : 0);
    }
  return size;
}

gboolean
vb_config_journal_fits (VbConfigJournal *journal, GPtrArray *records)
{
  return !journal->needs_reset && records_size (journal, records) <= CAPACITY - journal->end;
}

gboolean
vb_config_journal_append (VbConfigJournal *journal, GPtrArray *records, GError **error)
{
  gsize size = records_size (journal, records), at = 0;
  g_autofree guint8 *buffer = NULL;

  if (journal->needs_reset)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "The configuration journal holds records to apply before any new one");
      return FALSE;
    }
  if (size > CAPACITY - journal->end)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "The configuration journal is full");
      return FALSE;
    }
  for (guint i = 0; i < records->len; i++)
    {
      VbJournalRecord *record = records->pdata[i];

      if (!path_is_below_root (journal, record->path))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                       "%s is not a file below %s, where the configuration journal applies",
                       record->path, journal->root);
          return FALSE;
        }
    }
  buffer = g_malloc0 (size);
  for (guint i = 0; i < records->len; i++)
    {
      VbJournalRecord *record = records->pdata[i];
      const char *stored_path = record->path + strlen (journal->root);
      gsize path_length = strlen (stored_path);
      gsize data_length = record->data ? strlen (record->data) : 0;
      guint8 *head = buffer + at;

      put_u32 (head, RECORD_MAGIC);
      put_u32 (head + 4, record->kind);
      put_u64 (head + 8, journal->generation);
      put_u32 (head + 16, path_length);
      put_u32 (head + 20, data_length);
      memcpy (head + RECORD_HEAD_SIZE, stored_path, path_length);
      if (data_length)
        memcpy (head + RECORD_HEAD_SIZE + path_length, record->data, data_length);
      digest (head, RECORD_HEAD_SIZE + path_length + data_length,
              head + RECORD_HEAD_SIZE + path_length + data_length);
      at += record_size (path_length, data_length);
    }
  journal->used = MAX (journal->used, journal->end + size);
  if (!write_exactly (journal->fd, buffer, size, journal->end) || !sync_data (journal->fd))
    {
      journal->needs_reset = TRUE;
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot write the configuration journal: %s",
                   g_strerror (errno));
      return FALSE;
    }
  journal->end += size;
  return TRUE;
}
