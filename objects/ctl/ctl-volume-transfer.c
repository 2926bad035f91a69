/* vol-upload and vol-download: the file (or standard input or output)
 * handed to the service as a file descriptor, the copy a Job followed with
 * a progress bar; the bytes never pass through virtbusctl. A download goes
 * to a temporary file that replaces FILE once the Job completed. */
#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-job-follow.h"
#include "ctl-number.h"

/* --pool POOL VOL names it as in the pool; without --pool VOL is its path. */
static VirtbusStorageVolume *
find_volume (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  const char *pool = ctl_args_value (args, "pool");
  const char *name = ctl_args_get (args, 0);
  g_autolist (GDBusObject) objects = NULL;

  if (!client)
    return NULL;
  if (pool)
    return virtbus_client_lookup_volume (client, pool, name, error);
  objects = g_dbus_object_manager_get_objects (virtbus_client_get_object_manager (client));
  for (GList *l = objects; l; l = l->next)
    {
      VirtbusStorageVolume *volume = virtbus_object_peek_storage_volume (l->data);

      if (volume && g_strcmp0 (virtbus_storage_volume_get_path (volume), name) == 0)
        return g_object_ref (volume);
    }
  g_set_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND,
               "No volume has the path '%s' (name a volume of a pool with --pool POOL)", name);
  return NULL;
}

static gboolean
range (CtlArgs *args, guint64 *offset, guint64 *length, GError **error)
{
  const char *offset_text = ctl_args_value (args, "offset");
  const char *length_text = ctl_args_value (args, "length");

  *offset = 0;
  *length = 0;
  return (!offset_text || ctl_parse_bytes ("--offset", offset_text, offset, error))
         && (!length_text || ctl_parse_bytes ("--length", length_text, length, error));
}

static gboolean
file_failed (const char *what, const char *file, int errsv, GError **error)
{
  g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, "cannot %s %s: %s", what, file,
               g_strerror (errsv));
  return FALSE;
}

/* Where a download goes. A regular file (or a new one) is written as a
 * temporary file beside it, which replaces it only once the copy is done: a
 * refused, failed or cancelled download leaves the file as it was. Anything
 * else (a device, a FIFO) is written to in place, as there is nothing to
 * replace. */
typedef struct {
  char *target;    /* the file the temporary one replaces; NULL: in place */
  char *temporary; /* NULL once renamed */
  int fd;
} Destination;

static void
destination_clear (Destination *dest)
{
  if (dest->fd >= 0)
    close (dest->fd);
  if (dest->temporary)
    unlink (dest->temporary);
  g_free (dest->temporary);
  g_free (dest->target);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Destination, destination_clear)

static gboolean
destination_open (Destination *dest, const char *file, GError **error)
{
  g_autofree char *resolved = realpath (file, NULL);
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  struct stat st;
  gboolean exists;
  mode_t mask;

  /* Through a symbolic link, as opening the file would: the link stays. */
  dest->target = resolved ? g_steal_pointer (&resolved) : g_strdup (file);
  exists = stat (dest->target, &st) == 0;
  if (exists && !S_ISREG (st.st_mode))
    {
      g_clear_pointer (&dest->target, g_free);
      dest->fd = open (file, O_WRONLY | O_CLOEXEC | O_NOCTTY);
      return dest->fd >= 0 || file_failed ("open", file, errno, error);
    }
  /* A file we may not write stays so, though its directory lets us replace it. */
  if (exists && faccessat (AT_FDCWD, dest->target, W_OK, AT_EACCESS) < 0)
    return file_failed ("open", file, errno, error);
  dir = g_path_get_dirname (dest->target);
  base = g_path_get_basename (dest->target);
  dest->temporary = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  dest->fd = g_mkstemp_full (dest->temporary, O_WRONLY | O_CLOEXEC | O_NOCTTY, 0600);
  if (dest->fd < 0)
    {
      int errsv = errno;

      g_clear_pointer (&dest->temporary, g_free);
      return file_failed ("create a temporary file beside", file, errsv, error);
    }
  /* The owner and mode the file had (the owner when we may), or the mode a
   * new file gets. */
  mask = umask (0);
  umask (mask);
  if (exists && (st.st_uid != geteuid () || st.st_gid != getegid ()))
    (void) !fchown (dest->fd, st.st_uid, st.st_gid);
  if (fchmod (dest->fd, exists ? st.st_mode & 07777 : 0666 & ~mask) < 0)
    return file_failed ("write", dest->temporary, errno, error);
  return TRUE;
}

/* The copy is complete: it takes the file's place, on disk before the old
 * one goes. */
static gboolean
destination_commit (Destination *dest, const char *file, GError **error)
{
  if (!dest->temporary)
    return TRUE;
  if (fsync (dest->fd) < 0)
    return file_failed ("write", file, errno, error);
  if (rename (dest->temporary, dest->target) < 0)
    return file_failed ("replace", file, errno, error);
  g_clear_pointer (&dest->temporary, g_free);
  return TRUE;
}

typedef enum {
  UPLOAD,
  DOWNLOAD,
} Direction;

static gboolean
transfer (CtlContext *ctx, CtlArgs *args, Direction direction, GError **error)
{
  const char *file = ctl_args_get (args, 1);
  gboolean std = strcmp (file, "-") == 0;
  g_autoptr (CtlJobFollow) follow = NULL;
  g_autoptr (VirtbusStorageVolume) volume = NULL;
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
  g_auto (Destination) dest = { .fd = -1 };
  g_autofree char *name = NULL;
  g_autofree char *job = NULL;
  guint64 offset, length;
  gboolean appended;
  struct stat st;
  int fd;

  if (!range (args, &offset, &length, error))
    return FALSE;
  if (direction == DOWNLOAD && std && ctx->json)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           "--json prints on standard output, where the volume goes");
      return FALSE;
    }
  volume = find_volume (ctx, args, error);
  if (!volume)
    return FALSE;
  name = g_strdup (virtbus_storage_volume_get_name (volume));
  if (std)
    fd = direction == UPLOAD ? STDIN_FILENO : STDOUT_FILENO;
  else if (direction == UPLOAD)
    fd = open (file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  else if (destination_open (&dest, file, error))
    fd = dest.fd;
  else
    return FALSE;
  if (fd < 0)
    return file_failed ("open", file, errno, error);
  /* A file's size is the Job's total, so the bar can say how far it is. */
  if (direction == UPLOAD && length == 0 && fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
    {
      off_t here = lseek (fd, 0, SEEK_CUR);

      length = st.st_size > here && here >= 0 ? (guint64) (st.st_size - here) : 0;
    }
  appended = g_unix_fd_list_append (fds, fd, error) >= 0;
  /* A download's descriptor stays ours until the file is on disk. */
  if (direction == UPLOAD && !std)
    close (fd);
  if (!appended)
    return FALSE;
  follow = ctl_job_follow_new (ctx);
  if (direction == UPLOAD)
    {
      if (!virtbus_storage_volume_call_upload_sync (volume, g_variant_new_handle (0), offset,
                                                    length, 0, fds, &job, NULL, NULL, error))
        return FALSE;
    }
  else if (!virtbus_storage_volume_call_download_sync (volume, g_variant_new_handle (0), offset,
                                                       length, 0, fds, &job, NULL, NULL, error))
    return FALSE;
  /* The service has its own copy now: ours must not hold a pipe open. */
  g_clear_object (&fds);
  if (!ctl_job_follow_run (follow, job, NULL, NULL, NULL, error))
    return FALSE;
  if (direction == DOWNLOAD && !destination_commit (&dest, file, error))
    return FALSE;
  if (!(direction == DOWNLOAD && std))
    ctl_say (ctx, direction == UPLOAD ? "Volume %s uploaded from %s" : "Volume %s downloaded to %s",
             name, std ? (direction == UPLOAD ? "standard input" : "standard output") : file);
  return TRUE;
}

static gboolean
run_upload (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return transfer (ctx, args, UPLOAD, error);
}

static gboolean
run_download (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return transfer (ctx, args, DOWNLOAD, error);
}

static const CtlOption transfer_options[] = {
  { "pool", "POOL", "the pool VOL is in (else VOL is the volume's path)", CTL_ARG_POOL },
  { "offset", "BYTES", "where in the volume to start" },
  { "length", "BYTES", "how many bytes (default: all)" },
  { NULL },
};

const CtlCommand ctl_volume_transfer_commands[] = {
  { "vol-upload", "Copy a file (or standard input) into a volume, showing the progress",
    (const CtlArg[]){ { "VOL", CTL_ARG_WORD }, { "FILE", CTL_ARG_FILE }, { NULL } },
    transfer_options, run_upload,
    "FILE - reads standard input (a pipe: the total is known only with --length).\n"
    "The bytes go as they are: a qcow2 volume takes a qcow2 image. Ctrl-C cancels\n"
    "the copy." },
  { "vol-download", "Copy a volume into a file (or standard output), showing the progress",
    (const CtlArg[]){ { "VOL", CTL_ARG_WORD }, { "FILE", CTL_ARG_FILE }, { NULL } },
    transfer_options, run_download,
    "FILE - writes to standard output; the progress goes to standard error.\n"
    "A qcow2 volume gives its qcow2 image. Ctrl-C cancels the copy. FILE is\n"
    "replaced only by a complete copy: a refused, failed or cancelled download\n"
    "leaves it as it was." },
  { NULL },
};
