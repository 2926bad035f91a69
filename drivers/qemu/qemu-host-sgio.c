/* unpriv_sgio of a passed-through host SCSI device: see qemu-host-sgio.h.
 * Linux filters the SG_IO commands of a user without CAP_SYS_RAWIO (QEMU's
 * here) to a list of safe ones; a kernel with the per-device unpriv_sgio
 * (under /sys/dev/block/MAJOR:MINOR/queue) lets that filter be lifted for one
 * device. Newer kernels dropped the file: there the filter always applies,
 * so 'filtered' is what happens anyway and 'unfiltered' cannot be had.
 *
 * The value is the device's, not the guest's: what it had before is
 * recorded in <uuid>.sgio in the root-only status directory (keyed by
 * MAJOR:MINOR, so setting it back never follows a path again) and set back
 * when the last running domain that uses the device ends. The records of
 * the running domains are the reference count, and they survive a restart
 * of the service. */
#include "qemu-host-sgio.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-log.h"

#define RECORD_SUFFIX ".sgio"

void
vb_qemu_sgio_free (VbQemuSgio *sgio)
{
  if (!sgio)
    return;
  g_free (sgio->dev);
  g_free (sgio);
}

/* "MAJOR:MINOR" of the block device @dev names, resolved once here: NULL
 * unless it ends at a block device node under /dev. A link is followed
 * only to there, so a caller's path reaches no more than a device it could
 * have named itself, and nothing after this looks at the path again. */
static char *
device_number (const char *dev)
{
  char *real = dev ? realpath (dev, NULL) : NULL;
  char *number = NULL;
  struct stat st;

  if (real && g_str_has_prefix (real, "/dev/") && lstat (real, &st) == 0 && S_ISBLK (st.st_mode))
    number = g_strdup_printf ("%u:%u", major (st.st_rdev), minor (st.st_rdev));
  free (real);
  return number;
}

static char *
unpriv_path (const char *sysfs, const char *number)
{
  return g_strdup_printf ("%s/dev/block/%s/queue/unpriv_sgio", sysfs, number);
}

char *
vb_qemu_sgio_sysfs_path (const char *sysfs, const char *dev)
{
  g_autofree char *number = device_number (dev);

  return number ? unpriv_path (sysfs, number) : NULL;
}

static char *
record_path (const char *status_dir, const char *uuid)
{
  g_autofree char *name = g_strconcat (uuid, RECORD_SUFFIX, NULL);

  return g_build_filename (status_dir, name, NULL);
}

/* The records of the other domains that run (uuid → GKeyFile). */
static GHashTable *
other_records (const char *status_dir, const char *uuid)
{
  GHashTable *records =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_key_file_unref);
  g_autoptr (GDir) dir = g_dir_open (status_dir, 0, NULL);
  const char *entry;

  while (dir && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *path = NULL;
      g_autoptr (GKeyFile) file = NULL;
      char *other;

      if (!g_str_has_suffix (entry, RECORD_SUFFIX))
        continue;
      other = g_strndup (entry, strlen (entry) - strlen (RECORD_SUFFIX));
      if (g_str_equal (other, uuid))
        {
          g_free (other);
          continue;
        }
      path = g_build_filename (status_dir, entry, NULL);
      file = g_key_file_new ();
      if (g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
        g_hash_table_insert (records, other, g_steal_pointer (&file));
      else
        g_free (other);
    }
  return records;
}

/* 0 or 1 as the file @path holds it, -1 when it cannot be read. */
static int
read_value (const char *path)
{
  g_autofree char *have = NULL;

  if (!g_file_get_contents (path, &have, NULL, NULL))
    return -1;
  g_strstrip (have);
  return g_str_equal (have, "1") ? 1 : g_str_equal (have, "0") ? 0 : -1;
}

static gboolean
write_value (const char *path, int value, GError **error)
{
  const char *text = value ? "1" : "0";
  int fd;
  int saved;

  /* Written only when it differs: the default needs no privilege. */
  if (read_value (path) == value)
    return TRUE;
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0 && write (fd, text, 1) == 1)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot write %s to %s: %s", text, path,
               g_strerror (saved));
  return FALSE;
}

static const char *
sgio_name (int value)
{
  return value ? "unfiltered" : "filtered";
}

/* Records in @mine what the device of @s needs and had before any running
 * domain; FALSE when another domain (or another disk of this one) uses the
 * device with the other value, or it cannot be set at all. */
static gboolean
record_one (const VbQemuSgio *s, const char *sysfs, GHashTable *others, GKeyFile *mine,
            GError **error)
{
  g_autofree char *number = device_number (s->dev);
  g_autofree char *path = number ? unpriv_path (sysfs, number) : NULL;
  int want = s->unfiltered ? 1 : 0;
  int original = -1;
  GHashTableIter iter;
  gpointer uuid, file;

  if (!path || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      /* Without the file the kernel filters: what 'filtered' asks. QEMU
       * says itself why it cannot open what is not a block device. */
      if (!s->unfiltered)
        return TRUE;
      if (!path)
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "<disk> at line %ld: sgio='unfiltered' needs a host block device under "
                     "/dev; %s is none",
                     s->line, s->dev);
      else
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "<disk> at line %ld: sgio='unfiltered' needs the kernel's unpriv_sgio for "
                     "%s (%s), which this host's kernel does not have: it filters the SCSI "
                     "commands of unprivileged users always",
                     s->line, s->dev, path);
      return FALSE;
    }
  if (g_key_file_has_group (mine, number))
    {
      if (g_key_file_get_integer (mine, number, "value", NULL) == want)
        return TRUE;
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "<disk> at line %ld: sgio='%s' on %s, which another disk of this domain uses "
                   "with sgio='%s'",
                   s->line, sgio_name (want), s->dev, sgio_name (!want));
      return FALSE;
    }
  g_hash_table_iter_init (&iter, others);
  while (g_hash_table_iter_next (&iter, &uuid, &file))
    {
      g_autoptr (GError) missing = NULL;
      int value;

      if (!g_key_file_has_group (file, number))
        continue;
      value = g_key_file_get_integer (file, number, "value", &missing);
      if (!missing && value != want)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "<disk> at line %ld: sgio='%s' on %s, which the running domain %s uses "
                       "with sgio='%s': a shared LUN needs the same sgio in every domain",
                       s->line, sgio_name (want), s->dev, (const char *) uuid, sgio_name (value));
          return FALSE;
        }
      /* Shared with the same value: the first user's record holds what
       * the device had before any of them. */
      original = g_key_file_get_integer (file, number, "original", NULL);
    }
  if (original < 0)
    original = read_value (path);
  if (original < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "<disk> at line %ld: cannot read %s to set it back later", s->line, path);
      return FALSE;
    }
  g_key_file_set_integer (mine, number, "value", want);
  g_key_file_set_integer (mine, number, "original", original);
  g_key_file_set_string (mine, number, "dev", s->dev);
  return TRUE;
}

gboolean
vb_qemu_host_set_sgio (GPtrArray *sgio, const char *sysfs, const char *status_dir, const char *uuid,
                       GError **error)
{
  g_autofree char *record = record_path (status_dir, uuid);
  g_autoptr (GKeyFile) mine = g_key_file_new ();
  g_autoptr (GHashTable) others = NULL;
  g_auto (GStrv) groups = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  /* A record left by a start or stop that never set it back: the devices
   * get their originals first, so what is recorded now is true. */
  vb_qemu_host_restore_sgio (sysfs, status_dir, uuid);
  if (!sgio || sgio->len == 0)
    return TRUE;
  others = other_records (status_dir, uuid);
  for (guint i = 0; i < sgio->len; i++)
    if (!record_one (sgio->pdata[i], sysfs, others, mine, error))
      return FALSE;
  groups = g_key_file_get_groups (mine, &length);
  if (length == 0)
    return TRUE;
  /* Recorded before anything is written: a failure half way is set back. */
  data = g_key_file_to_data (mine, &length, NULL);
  if (!g_file_set_contents_full (record, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, error))
    return FALSE;
  for (guint i = 0; groups[i]; i++)
    {
      g_autofree char *path = unpriv_path (sysfs, groups[i]);

      if (!write_value (path, g_key_file_get_integer (mine, groups[i], "value", NULL), error))
        return FALSE;
    }
  return TRUE;
}

/* "MAJOR:MINOR" and nothing else: the group names a record may hold. */
static gboolean
device_number_syntax (const char *number)
{
  gsize digits = strspn (number, "0123456789");

  return digits > 0 && number[digits] == ':' && number[digits + 1]
         && strspn (number + digits + 1, "0123456789") == strlen (number + digits + 1);
}

void
vb_qemu_host_restore_sgio (const char *sysfs, const char *status_dir, const char *uuid)
{
  g_autofree char *record = record_path (status_dir, uuid);
  g_autoptr (GKeyFile) mine = g_key_file_new ();
  g_autoptr (GHashTable) others = NULL;
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_file (mine, record, G_KEY_FILE_NONE, NULL))
    return;
  others = other_records (status_dir, uuid);
  groups = g_key_file_get_groups (mine, NULL);
  for (guint i = 0; groups[i]; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = NULL;
      GHashTableIter iter;
      gpointer file;
      gboolean shared = FALSE;
      int original = g_key_file_get_integer (mine, groups[i], "original", &error);

      if (error || (original != 0 && original != 1) || !device_number_syntax (groups[i]))
        continue;
      g_hash_table_iter_init (&iter, others);
      while (!shared && g_hash_table_iter_next (&iter, NULL, &file))
        shared = g_key_file_has_group (file, groups[i]);
      /* Another running domain still uses it, with this value: its record
       * carries the original on to the last one. */
      if (shared)
        continue;
      path = unpriv_path (sysfs, groups[i]);
      if (g_file_test (path, G_FILE_TEST_EXISTS) && !write_value (path, original, &error))
        vb_log_warning (NULL, "The SCSI device %s keeps sgio='%s': %s", groups[i],
                        sgio_name (!original), error->message);
    }
  g_unlink (record);
}
