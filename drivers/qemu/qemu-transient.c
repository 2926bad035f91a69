/* See qemu-transient.h. The service creates each overlay file (never one
 * planted in the run directory, which QEMU's user can write, nor through a
 * symbolic link) and hands it to qemu-img as a descriptor; qemu-img,
 * dropped to QEMU's user, opens the disk's image itself, as QEMU will, to
 * take its size: the service never reads it. The overlay's header names
 * the image by that descriptor's path, which QEMU never follows: the
 * command line gives the overlay its backing node
 * (qemu-command-disk-transient.c). qemu-img is the absolute path (PATH
 * chooses nothing) and runs under a timeout: it opens an image a caller
 * named, which may never answer (a FIFO, a hung network file system). */
#include "qemu-transient.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-process.h"
#include "xml-schema.h"


typedef struct {
  VbQemuCommand *command;
  const VbUser *user;
  guint timeout_seconds;
  guint next;           /* the transient made next */
  gboolean done;        /* every overlay made */
  GSubprocess *process; /* the qemu-img running */
  GSource *timeout;     /* kills it when it runs too long */
  gboolean timed_out;
} Make;

static void
stop_timeout (Make *make)
{
  if (make->timeout)
    g_source_destroy (make->timeout);
  g_clear_pointer (&make->timeout, g_source_unref);
  g_clear_object (&make->process);
}

static void
make_free (Make *make)
{
  stop_timeout (make);
  /* A failed start leaves no overlay behind. */
  for (guint i = 0; !make->done && i < make->next; i++)
    unlink (((VbQemuTransient *) make->command->transients->pdata[i])->overlay);
  g_free (make);
}

static void
drop_privileges (gpointer user)
{
  vb_user_drop_to (user);
}

static void make_next (GTask *task);

static gboolean
on_timeout (gpointer user_data)
{
  Make *make = user_data;

  /* created() turns the kill into the error. */
  make->timed_out = TRUE;
  g_subprocess_force_exit (make->process);
  g_clear_pointer (&make->timeout, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Make *make = g_task_get_task_data (task);
  VbQemuTransient *transient = make->command->transients->pdata[make->next - 1];
  GSubprocess *process = G_SUBPROCESS (source);
  g_autofree char *err = NULL;
  GError *error = NULL;
  gboolean ok = g_subprocess_communicate_utf8_finish (process, result, NULL, &err, &error);

  stop_timeout (make);
  if (!ok)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (make->timed_out)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "Cannot make the overlay of the transient disk %s: qemu-img did "
                               "not finish within %u seconds",
                               transient->base, make->timeout_seconds);
      g_object_unref (task);
      return;
    }
  if (!g_subprocess_get_successful (process))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "Cannot make the overlay of the transient disk %s: %s",
                               transient->base, err ? g_strstrip (err) : "qemu-img failed");
      g_object_unref (task);
      return;
    }
  make_next (task);
}

static void
make_next (GTask *task)
{
  Make *make = g_task_get_task_data (task);
  VbQemuTransient *transient;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  GError *error = NULL;
  int out;

  if (make->next == make->command->transients->len)
    {
      make->done = TRUE;
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  transient = make->command->transients->pdata[make->next];
  out = open (transient->overlay, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0 || (make->user && fchown (out, make->user->uid, make->user->gid) < 0))
    {
      int saved = errno;

      if (out >= 0)
        {
          close (out);
          unlink (transient->overlay);
        }
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "Cannot create the overlay %s of a transient disk: %s",
                               transient->overlay, g_strerror (saved));
      g_object_unref (task);
      return;
    }
  make->next++;
  launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_fd (launcher, out, 3);
  if (make->user)
    g_subprocess_launcher_set_child_setup (launcher, drop_privileges, (gpointer) make->user, NULL);
  /* The image is an absolute host path (the definition's check): no
   * protocol prefix or option can hide in it. */
  process = g_subprocess_launcher_spawn (launcher, &error, VB_QEMU_IMG_BINARY, "create", "-q", "-f",
                                         "qcow2", "-F", transient->base_format, "-b",
                                         transient->base, "/proc/self/fd/3", NULL);
  if (!process)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  make->process = g_object_ref (process);
  make->timeout = g_timeout_source_new_seconds (make->timeout_seconds);
  g_source_set_callback (make->timeout, on_timeout, make, NULL);
  g_source_attach (make->timeout, g_task_get_context (task));
  g_subprocess_communicate_utf8_async (process, NULL, NULL, created, task);
}

void
vb_qemu_transient_make_async (VbQemuCommand *command, const VbUser *user,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  vb_qemu_transient_make_full_async (command, user, VB_QEMU_TRANSIENT_TIMEOUT, callback, user_data);
}

void
vb_qemu_transient_make_full_async (VbQemuCommand *command, const VbUser *user,
                                   guint timeout_seconds, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Make *make = g_new0 (Make, 1);

  g_task_set_source_tag (task, vb_qemu_transient_make_async);
  make->command = command;
  make->user = user;
  make->timeout_seconds = timeout_seconds;
  g_task_set_task_data (task, make, (GDestroyNotify) make_free);
  for (guint i = 0; i < command->transients->len; i++)
    {
      VbQemuTransient *transient = command->transients->pdata[i];

      if (!g_path_is_absolute (transient->base))
        {
          g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                                   "a transient disk's image '%s' is not an absolute path",
                                   transient->base);
          g_object_unref (task);
          return;
        }
    }
  make_next (task);
}

gboolean
vb_qemu_transient_make_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_transient_make_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
vb_qemu_transient_refuse (VbDomain *domain, const char *what, GError **error)
{
  const VbDomainDef *def = vb_domain_get_live_def (domain);
  g_autoptr (xmlDoc) doc = NULL;
  xmlNode *devices;

  if (!def)
    def = vb_domain_get_def (domain);
  doc = def ? vb_xml_parse (def->xml, "domain", NULL) : NULL;
  devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
  for (xmlNode *disk = vb_xml_child (devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    if (vb_xml_child (disk, "transient"))
      {
        g_autofree char *target = vb_xml_attr (vb_xml_child (disk, "target"), "dev");

        g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                     "Cannot %s domain '%s': disk '%s' is transient (its overlay is this "
                     "QEMU's and is dropped when it stops)",
                     what, vb_resource_get_name (VB_RESOURCE (domain)), target ? target : "?");
        return FALSE;
      }
  return TRUE;
}
