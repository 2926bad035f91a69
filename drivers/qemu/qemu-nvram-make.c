/* See qemu-nvram-make.h. The service opens both files (the template as a
 * regular file QEMU's user could read, the store as a new file that user
 * owns), and qemu-img, dropped to QEMU's user, gets only the two
 * descriptors: no path of the XML reaches its command line, and nothing
 * the template's header could name is opened (its format is given). */
#include "qemu-nvram-make.h"

#include <errno.h>
#include <unistd.h>

#include "qemu-host.h"
#include "vb-error.h"
#include "vb-process.h"

typedef struct {
  char *path;    /* the store, removed when the conversion fails */
  gboolean done; /* the store is complete */
} Make;

static void
make_free (Make *make)
{
  if (make->path && !make->done)
    unlink (make->path);
  g_free (make->path);
  g_free (make);
}

static void
drop_privileges (gpointer user)
{
  vb_user_drop_to (user);
}

static void
converted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Make *make = g_task_get_task_data (task);
  GSubprocess *process = G_SUBPROCESS (source);
  g_autofree char *err = NULL;
  GError *error = NULL;

  if (!g_subprocess_communicate_utf8_finish (process, result, NULL, &err, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!g_subprocess_get_successful (process))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "Cannot make the UEFI variable store %s from its template: %s",
                               make->path, err ? g_strstrip (err) : "qemu-img failed");
      return;
    }
  make->done = TRUE;
  g_task_return_boolean (task, TRUE);
}

void
vb_qemu_nvram_make_async (VbQemuCommand *command, const VbUser *user, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *dir = NULL;
  Make *make;
  GError *error = NULL;
  int in, out;

  g_task_set_source_tag (task, vb_qemu_nvram_make_async);
  if (!command->nvram_path || !command->nvram_template_format
      || g_strcmp0 (command->nvram_template_format, command->nvram_format) == 0
      || g_file_test (command->nvram_path, G_FILE_TEST_EXISTS))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* Only the service's own store directory is made, as qemu-host.c does. */
  dir = g_path_get_dirname (command->nvram_path);
  if (command->nvram_in_store && g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved = errno;

      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s", dir,
                               g_strerror (saved));
      return;
    }
  in = vb_qemu_host_open_nvram_template (command->nvram_template, user, &error);
  if (in < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  out = vb_qemu_host_create_nvram (command->nvram_path, user, &error);
  if (out < 0)
    {
      close (in);
      g_task_return_error (task, error);
      return;
    }
  make = g_new0 (Make, 1);
  make->path = g_strdup (command->nvram_path);
  g_task_set_task_data (task, make, (GDestroyNotify) make_free);
  launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_fd (launcher, in, 3);
  g_subprocess_launcher_take_fd (launcher, out, 4);
  if (user)
    g_subprocess_launcher_set_child_setup (launcher, drop_privileges, (gpointer) user, NULL);
  process =
    g_subprocess_launcher_spawn (launcher, &error, VB_QEMU_IMG_BINARY, "convert", "-q", "-f",
                                 command->nvram_template_format, "-O", command->nvram_format,
                                 "/proc/self/fd/3", "/proc/self/fd/4", NULL);
  if (!process)
    {
      g_task_return_error (task, error);
      return;
    }
  g_subprocess_communicate_utf8_async (process, NULL, NULL, converted, g_steal_pointer (&task));
}

gboolean
vb_qemu_nvram_make_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_nvram_make_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
