/* Whatever QEMU and its helpers write to files in a domain's run directory
 * (QEMU's stdout and stderr, a pty console's log, virtiofsd's or swtpm's log)
 * is the guest's to make long: a guest printing to its console without end
 * would otherwise fill the run directory, a tmpfs, that is memory. As
 * virtlogd does for libvirt, each such log is cut when it passes
 * VB_QEMU_LOG_LIMIT, its end kept beside it as NAME.log.1. Checked by time,
 * not per write: a log can pass the limit by what is written in one period. */
#include "qemu-log-cap.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "qemu-domain-private.h"
#include "vb-log-file.h"

#define CHECK_SECONDS 2

static guint timer;
static gboolean checking;

/* Cuts the logs directly in the directory @name of @base_fd. */
static void
cap_directory (int base_fd, const char *name)
{
  int fd = openat (base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *entry;

  if (!dir)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  while ((entry = readdir (dir)))
    if ((entry->d_type == DT_REG || entry->d_type == DT_UNKNOWN)
        && g_str_has_suffix (entry->d_name, ".log"))
      vb_log_file_cap (dirfd (dir), entry->d_name, VB_QEMU_LOG_LIMIT);
  closedir (dir);
}

/* In a thread: every domain directory under the QEMU run directory. The
 * result is how many there were. */
static void
check_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *base = task_data;
  int fd = open (base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *entry;
  gssize domains = 0;

  if (!dir)
    {
      if (fd >= 0)
        close (fd);
      g_task_return_int (task, 0);
      return;
    }
  while ((entry = readdir (dir)))
    if (entry->d_type == DT_DIR && entry->d_name[0] != '.')
      {
        cap_directory (dirfd (dir), entry->d_name);
        domains++;
      }
  closedir (dir);
  g_task_return_int (task, domains);
}

static void
checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gssize domains = g_task_propagate_int (G_TASK (result), NULL);

  checking = FALSE;
  /* Nothing runs: no more wake-ups until a QEMU starts. */
  if (domains <= 0 && timer)
    {
      g_source_remove (timer);
      timer = 0;
    }
}

static gboolean
tick (gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  if (checking)
    return G_SOURCE_CONTINUE;
  checking = TRUE;
  task = g_task_new (NULL, NULL, checked, NULL);
  g_task_set_source_tag (task, tick);
  g_task_set_task_data (task, vb_qemu_run_dir (), g_free);
  g_task_run_in_thread (task, check_in_thread);
  return G_SOURCE_CONTINUE;
}

void
vb_qemu_log_cap_watch (void)
{
  if (!timer)
    timer = g_timeout_add_seconds (CHECK_SECONDS, tick, NULL);
}
