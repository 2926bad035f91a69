/* Helper processes beside a domain's QEMU (swtpm, virtiofsd, nbdkit, passt): spawned
 * before QEMU as QEMU's user, supervised, ended with QEMU, recorded in the
 * status file and taken back after a restart of the service. Every signal
 * goes through a pidfd, so it never reaches a process that took a helper's
 * PID after it ended. */
#include "qemu-helper-process.h"

#include <errno.h>
#include <glib-unix.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "qemu-helper-state-file.h"
#include "qemu-host.h"
#include "vb-error.h"
#include "vb-log.h"
#include "vb-open.h"
#include "vb-log-file.h"
#include "vb-process.h"

#define READY_WAIT_MS 10000
#define SETUP_WAIT_MS 30000
#define STOP_GRACE_MS 3000
#define LOG_TAIL_BYTES 1500
/* Where a helper finds its state directory, which the service opened: the
 * directory is in the service's own state directory, closed to QEMU's user. */
#define STATE_FD 3
#define STATE_PLACEHOLDER "@STATEDIR@"
/* Where a helper reads a passphrase (VbQemuHelperSpec.key): a pipe for each
 * "@KEYFD@", from this descriptor on. */
#define KEY_FD 4
#define KEY_PLACEHOLDER "@KEYFD@"
#define KEY2_PLACEHOLDER "@KEY2FD@"
#define KEY_MAX_BYTES 4096
/* "UID:GID" of the user the helper runs as (passt's --runas). */
#define RUNAS_PLACEHOLDER "@RUNAS@"

typedef struct {
  char *id;
  char *what;
  char *log_path;
  GSubprocess *process; /* when it is our child (not after a restart) */
  int pid;
  guint64 start_time;
  char *exe;
  int pidfd; /* -1 when it could not be pinned (then it is never signalled) */
  gboolean ended;
} QemuHelper;

static void
helper_free (QemuHelper *helper)
{
  g_free (helper->id);
  g_free (helper->what);
  g_free (helper->log_path);
  g_clear_object (&helper->process);
  g_free (helper->exe);
  if (helper->pidfd >= 0)
    close (helper->pidfd);
  g_free (helper);
}

static int
pidfd_open (int pid)
{
  return (int) syscall (SYS_pidfd_open, pid, 0);
}

static void
pidfd_signal (int pidfd, int sig)
{
  if (pidfd >= 0)
    syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static GPtrArray *
helpers_of (QemuDomain *qd)
{
  if (!qd->helpers)
    qd->helpers = g_ptr_array_new_with_free_func ((GDestroyNotify) helper_free);
  return qd->helpers;
}

/* The end of @path (a log in QEMU's user's directory: not through a link). */
static char *
log_tail (const char *path)
{
  g_autofree char *contents = vb_log_file_tail (path, 0, LOG_TAIL_BYTES);
  char *text = contents ? g_strstrip (contents) : NULL;

  if (!text)
    return g_strdup ("(no log)");
  if (!*text)
    return g_strdup ("(it wrote nothing)");
  return g_strdup (text);
}

/* ---- ending ---- */

typedef struct {
  int pidfd;
} Grace;

static gboolean
grace_over (gpointer user_data)
{
  Grace *grace = user_data;

  pidfd_signal (grace->pidfd, SIGKILL);
  close (grace->pidfd);
  g_free (grace);
  return G_SOURCE_REMOVE;
}

/* SIGTERM now, SIGKILL later unless it is gone: the timer keeps its own pidfd. */
static void
end_helper (QemuHelper *helper, const char *domain_name)
{
  Grace *grace;

  if (helper->ended || helper->pidfd < 0)
    return;
  helper->ended = TRUE;
  vb_log_debug (domain_name, "ending %s %s (pid %d)", helper->what, helper->id, helper->pid);
  pidfd_signal (helper->pidfd, SIGTERM);
  grace = g_new0 (Grace, 1);
  grace->pidfd = dup (helper->pidfd);
  if (grace->pidfd < 0)
    {
      g_free (grace);
      return;
    }
  g_timeout_add (STOP_GRACE_MS, grace_over, grace);
}

void
vb_qemu_helpers_stop (QemuDomain *qd)
{
  for (guint i = 0; qd->helpers && i < qd->helpers->len; i++)
    end_helper (qd->helpers->pdata[i], vb_qemu_log_name (qd->domain));
}

/* ---- following our own children ---- */

typedef struct {
  VbDomain *domain;
  char *id;
  int pid;
} ExitWatch;

static QemuHelper *
find_helper (QemuDomain *qd, const char *id, int pid)
{
  for (guint i = 0; qd && qd->helpers && i < qd->helpers->len; i++)
    {
      QemuHelper *helper = qd->helpers->pdata[i];
      if (g_str_equal (helper->id, id) && helper->pid == pid)
        return helper;
    }
  return NULL;
}

/* Reaps the helper; one that ends while its QEMU runs is worth a warning:
 * the guest's device stops working (QEMU itself goes on). */
static void
helper_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ExitWatch *watch = user_data;
  QemuDomain *qd = vb_qemu_domain_of (watch->domain);
  QemuHelper *helper = find_helper (qd, watch->id, watch->pid);

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (helper && !helper->ended)
    {
      g_autofree char *tail = log_tail (helper->log_path);

      helper->ended = TRUE;
      if (!qd->starting)
        vb_log_warning (vb_qemu_log_name (watch->domain),
                        "%s %s (pid %d) ended while QEMU runs: %s", helper->what, helper->id,
                        helper->pid, tail);
    }
  g_object_unref (watch->domain);
  g_free (watch->id);
  g_free (watch);
}

/* ---- starting ---- */

typedef struct {
  VbDomain *domain;
  QemuDomain *qd; /* checked against the domain's at every step */
  VbQemuCommand *command;
  VbUser *user;
  guint next;          /* the spec to start next */
  QemuHelper *waiting; /* started, its socket awaited */
  const char *socket_path;
  gint64 deadline;
  gboolean setup_done; /* the setup of the spec at next - 1 ended well */
  guint setup_timeout;
} StartData;

static void
start_data_free (StartData *data)
{
  g_object_unref (data->domain);
  g_clear_pointer (&data->user, vb_user_free);
  g_free (data);
}

static VbUser *
user_copy (const VbUser *user)
{
  VbUser *copy;

  if (!user)
    return NULL;
  copy = g_new0 (VbUser, 1);
  copy->name = g_strdup (user->name);
  copy->uid = user->uid;
  copy->gid = user->gid;
  copy->n_groups = user->n_groups;
  copy->groups = g_memdup2 (user->groups, sizeof (gid_t) * (gsize) MAX (user->n_groups, 0));
  return copy;
}

/* In the forked child, before exec: async-signal-safe calls only. As QEMU:
 * a session of its own (it outlives the service with QEMU), then QEMU's user. */
static void
helper_child_setup (gpointer user_data)
{
  const VbUser *user = user_data;

  setsid ();
  if (user)
    vb_user_drop_to (user);
}

/* The same for a setup program (VbQemuHelperSpec.setup_argv): it works in
 * the state directory, which the service opened as STATE_FD (GLib has
 * moved the descriptors into place before it calls this). */
static void
setup_child_setup (gpointer user_data)
{
  helper_child_setup (user_data);
  if (fchdir (STATE_FD) < 0)
    _exit (127);
}

static void start_next (GTask *task);
static void run_setup (GTask *task, VbQemuHelperSpec *spec);
static GSubprocessLauncher *helper_launcher (StartData *data, VbQemuHelperSpec *spec,
                                             GPtrArray *template, const char *log_name,
                                             GPtrArray **argv_out, char **line_out, GError **error);

static void
start_failed (GTask *task, GError *error)
{
  StartData *data = g_task_get_task_data (task);

  if (vb_qemu_domain_of (data->domain) == data->qd)
    vb_qemu_helpers_stop (data->qd);
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* The helper's state directory: made when missing (mode 0700, QEMU's
 * user's), never through a link, and opened for the helper. One the
 * definition @named that exists already is used as it is: the service
 * never gives QEMU's user a host directory it did not make. */
static int
open_state_dir (const char *dir, gboolean named, const VbUser *user, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (dir);
  struct stat st;
  int fd;
  gboolean existed;

  /* Whether we made it is mkdir's own answer (EEXIST), never a look before:
   * a directory someone else makes in between is theirs, not ours. */
  if (g_mkdir_with_parents (parent, 0700) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s", parent,
                   g_strerror (errno));
      return -1;
    }
  existed = mkdir (dir, 0700) < 0;
  if (existed && errno != EEXIST)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s", dir,
                   g_strerror (errno));
      return -1;
    }
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot open %s: %s", dir, g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  if (user && named && existed && st.st_uid != user->uid)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "%s is not QEMU's user's (%s): the service gives it only a directory it "
                   "makes itself",
                   dir, user->name);
      close (fd);
      return -1;
    }
  if (user && (st.st_uid != user->uid || (st.st_mode & 07777) != 0700)
      && (fchown (fd, user->uid, user->gid) < 0 || fchmod (fd, 0700) < 0))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot give QEMU's user %s: %s", dir,
                   g_strerror (errno));
      close (fd);
      return -1;
    }
  return fd;
}

static gboolean spawn_helper (StartData *data, VbQemuHelperSpec *spec, GError **error);

/* A pipe holding @key, read end returned: the key fits the pipe's buffer,
 * so the write end is closed before the helper runs and it reads to EOF. */
static int
key_pipe (GBytes *key, GError **error)
{
  gsize len = 0;
  const char *value = g_bytes_get_data (key, &len);
  int fds[2];
  gsize done = 0;

  if (len == 0 || len > KEY_MAX_BYTES)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "A helper's passphrase has 1 to %d bytes, not %" G_GSIZE_FORMAT, KEY_MAX_BYTES,
                   len);
      return -1;
    }
  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return -1;
  while (done < len)
    {
      ssize_t n = write (fds[1], value + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot write a helper's passphrase: %s",
                       g_strerror (n < 0 ? errno : ENOSPC));
          close (fds[0]);
          close (fds[1]);
          return -1;
        }
      done += (gsize) n;
    }
  close (fds[1]);
  return fds[0];
}

static gboolean
socket_ready (const char *path)
{
  struct stat st;

  return lstat (path, &st) == 0 && S_ISSOCK (st.st_mode);
}

static gboolean
check_ready (gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  QemuHelper *helper = data->waiting;

  if (vb_qemu_domain_of (data->domain) != data->qd)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The start was abandoned"));
      return G_SOURCE_REMOVE;
    }
  if (socket_ready (data->socket_path))
    {
      /* It has long been exec'd: this is its program. */
      helper->exe = vb_process_exe (helper->pid);
      vb_log_debug (vb_qemu_log_name (data->domain), "%s %s (pid %d) is ready", helper->what,
                    helper->id, helper->pid);
      data->waiting = NULL;
      start_next (task);
      return G_SOURCE_REMOVE;
    }
  if (helper->ended || vb_process_start_time (helper->pid) != helper->start_time
      || g_get_monotonic_time () > data->deadline)
    {
      g_autofree char *tail = log_tail (helper->log_path);
      gboolean alive = !helper->ended && vb_process_start_time (helper->pid) == helper->start_time;

      start_failed (
        task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "%s for <%s> %s; its log ends with: %s",
                           helper->what, helper->id,
                           alive ? "did not listen within 10 s" : "ended at its start", tail));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- a helper's setup program, run to its end first ---- */

/* A state file's copy in the scratch directory the setup program works
 * in: made before it runs (@to_scratch), copied back once it ended well. */
static gboolean
state_file_copy (StartData *data, VbQemuHelperSpec *spec, gboolean to_scratch, GError **error)
{
  int dir_fd = open_state_dir (spec->state_dir, FALSE, data->user, error);
  gboolean ok;

  if (dir_fd < 0)
    return FALSE;
  ok = to_scratch ? vb_qemu_state_file_to_scratch (spec->state_file, dir_fd, data->user, error)
                  : vb_qemu_state_file_from_scratch (spec->state_file, dir_fd, data->user, error);
  close (dir_fd);
  return ok;
}

static gboolean
setup_timed_out (gpointer user_data)
{
  GSubprocess *process = user_data;

  g_subprocess_force_exit (process);
  return G_SOURCE_REMOVE;
}

static void
setup_ended (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  GSubprocess *process = G_SUBPROCESS (source);
  VbQemuHelperSpec *spec = data->command->helpers->pdata[data->next - 1];
  g_autoptr (GError) local = NULL;

  g_source_remove (data->setup_timeout);
  data->setup_timeout = 0;
  if (!g_subprocess_wait_finish (process, result, &local))
    g_warn_if_reached ();
  if (vb_qemu_domain_of (data->domain) != data->qd)
    start_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The start was abandoned"));
  else if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_autofree char *log_name = g_strdup_printf ("%s-setup.log", spec->id);
      g_autofree char *log_path = g_build_filename (data->qd->dir, log_name, NULL);
      g_autofree char *tail = log_tail (log_path);

      start_failed (task,
                    g_error_new (VB_ERROR, VB_ERROR_FAILED, "%s for <%s> %s; its log ends with: %s",
                                 (const char *) spec->setup_argv->pdata[0], spec->id,
                                 g_subprocess_get_if_exited (process) ? "failed"
                                                                      : "did not end within 30 s",
                                 tail));
    }
  else if (spec->state_file && !state_file_copy (data, spec, FALSE, &local))
    start_failed (task, g_steal_pointer (&local));
  else
    {
      /* The same spec again, now to start the helper itself. */
      data->setup_done = TRUE;
      data->next--;
      start_next (task);
    }
  g_object_unref (process);
}

/* Runs @spec's setup program (swtpm_setup): the helper starts once it
 * ended well; the start fails with its log otherwise. */
static void
run_setup (GTask *task, VbQemuHelperSpec *spec)
{
  StartData *data = g_task_get_task_data (task);
  g_autofree char *log_name = g_strdup_printf ("%s-setup.log", spec->id);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autofree char *line = NULL;
  GError *error = NULL;
  GSubprocess *process;

  if (spec->state_file && !state_file_copy (data, spec, TRUE, &error))
    {
      start_failed (task, error);
      return;
    }
  launcher = helper_launcher (data, spec, spec->setup_argv, log_name, &argv, &line, &error);
  if (!launcher)
    {
      start_failed (task, error);
      return;
    }
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  if (!process)
    {
      g_prefix_error (&error, "Cannot run %s for <%s>: ", line, spec->id);
      start_failed (task, error);
      return;
    }
  data->setup_timeout = g_timeout_add (SETUP_WAIT_MS, setup_timed_out, process);
  g_subprocess_wait_async (process, NULL, setup_ended, task);
}

static void
start_next (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  GError *error = NULL;
  VbQemuHelperSpec *spec;

  if (data->next >= data->command->helpers->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  spec = data->command->helpers->pdata[data->next++];
  /* In system mode nothing of a guest's runs as root. */
  if (spec->needs_root && data->user)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                       "<%s> %s: %s runs only as root, and in system mode a "
                                       "guest's helpers run as QEMU's user '%s'",
                                       spec->element, spec->id, spec->what, data->user->name));
      return;
    }
  /* Nor, the other way round, as root: the service's own helpers in
   * session mode when the service is root. */
  if (spec->needs_unprivileged && !data->user && geteuid () == 0)
    {
      start_failed (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                       "<%s> %s: %s maps IDs only when it runs unprivileged, and "
                                       "this service runs a guest's helpers as root",
                                       spec->element, spec->id, spec->what));
      return;
    }
  if (spec->setup_argv && !data->setup_done)
    {
      run_setup (task, spec);
      return;
    }
  data->setup_done = FALSE;
  if (!spawn_helper (data, spec, &error))
    {
      start_failed (task, error);
      return;
    }
  data->socket_path = spec->socket_path;
  data->deadline = g_get_monotonic_time () + (gint64) READY_WAIT_MS * 1000;
  g_timeout_add (20, check_ready, task);
}

/* A launcher for @template (the helper's argv or its setup's) as @spec
 * runs: placeholders replaced in *argv, keys in pipes, the state directory
 * open, the output in @log_name of the run directory (the command line
 * first); *line is the command line for messages. */
/* The helper's file (spec->file_name) in its state directory @dir_fd: made
 * anew (whatever QEMU's user left under that name is removed first, never
 * written through), then given to that user. */
static gboolean
write_state_file (int dir_fd, VbQemuHelperSpec *spec, const VbUser *user, GError **error)
{
  gsize length = 0;
  const char *content = g_bytes_get_data (spec->file_content, &length);
  int fd;
  gsize done = 0;

  if (unlinkat (dir_fd, spec->file_name, 0) < 0 && errno != ENOENT)
    goto failed;
  fd = openat (dir_fd, spec->file_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    goto failed;
  while (done < length)
    {
      ssize_t n = write (fd, content + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          close (fd);
          goto failed;
        }
      done += (gsize) n;
    }
  if ((user && fchown (fd, user->uid, user->gid) < 0) || close (fd) < 0)
    goto failed;
  return TRUE;

failed:
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot write %s of %s in %s: %s", spec->file_name,
               spec->what, spec->state_dir, g_strerror (errno));
  return FALSE;
}

static GSubprocessLauncher *
helper_launcher (StartData *data, VbQemuHelperSpec *spec, GPtrArray *template, const char *log_name,
                 GPtrArray **argv_out, char **line_out, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *state_arg = g_strdup_printf ("/proc/self/fd/%d", STATE_FD);
  g_autofree char *line = NULL;
  int log_fd;

  int next_key_fd = KEY_FD;
  g_autofree char *runas =
    data->user ? g_strdup_printf ("%u:%u", (guint) data->user->uid, (guint) data->user->gid)
               : g_strdup_printf ("%u:%u", (guint) geteuid (), (guint) getegid ());

  for (guint i = 0; i < template->len && template->pdata[i]; i++)
    {
      g_autoptr (GString) arg = g_string_new (template->pdata[i]);

      g_string_replace (arg, STATE_PLACEHOLDER, state_arg, 0);
      g_string_replace (arg, RUNAS_PLACEHOLDER, runas, 0);
      for (guint k = 0; k < 2; k++)
        {
          GBytes *key = k == 0 ? spec->key : spec->key2;
          const char *placeholder = k == 0 ? KEY_PLACEHOLDER : KEY2_PLACEHOLDER;

          while (key && strstr (arg->str, placeholder))
            {
              g_autofree char *number = g_strdup_printf ("%d", next_key_fd);
              int fd = key_pipe (key, error);

              if (fd < 0)
                return NULL;
              g_subprocess_launcher_take_fd (launcher, fd, next_key_fd++);
              g_string_replace (arg, placeholder, number, 1);
            }
        }
      g_ptr_array_add (argv, g_string_free (g_steal_pointer (&arg), FALSE));
    }
  g_ptr_array_add (argv, NULL);
  /* A state file: the helper's own descriptor (its setup works on a copy
   * in the scratch directory, see run_setup). */
  if (spec->state_file && template != spec->setup_argv)
    {
      int fd = vb_qemu_state_file_open (spec->state_file, data->user, error);

      if (fd < 0)
        return NULL;
      g_subprocess_launcher_take_fd (launcher, fd, STATE_FD);
    }
  else if (spec->state_dir)
    {
      int fd = open_state_dir (spec->state_dir, spec->state_dir_named, data->user, error);

      if (fd < 0)
        return NULL;
      if (spec->file_name && template == spec->argv
          && !write_state_file (fd, spec, data->user, error))
        {
          close (fd);
          return NULL;
        }
      g_subprocess_launcher_take_fd (launcher, fd, STATE_FD);
    }
  log_fd = vb_qemu_host_create_in_run_dir (data->qd->dir, log_name);
  if (log_fd < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot create %s in %s: %s", log_name,
                   data->qd->dir, g_strerror (errno));
      return NULL;
    }
  line = g_strjoinv (" ", (char **) argv->pdata);
  {
    g_autofree char *header = g_strdup_printf ("starting: %s\n", line);
    if (write (log_fd, header, strlen (header)) < 0)
      vb_log_warning (vb_qemu_log_name (data->domain), "cannot write %s", log_name);
  }
  g_subprocess_launcher_take_stdout_fd (launcher, log_fd);
  g_subprocess_launcher_take_stderr_fd (launcher, dup (log_fd));
  if (spec->env)
    {
      g_auto (GStrv) pair = g_strsplit (spec->env, "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1] ? pair[1] : "", TRUE);
    }
  g_subprocess_launcher_set_child_setup (launcher,
                                         template == spec->setup_argv ? setup_child_setup
                                                                      : helper_child_setup,
                                         data->user, NULL);
  vb_log_debug (vb_qemu_log_name (data->domain), "running %s", line);
  *argv_out = g_steal_pointer (&argv);
  *line_out = g_steal_pointer (&line);
  return g_steal_pointer (&launcher);
}

static gboolean
spawn_helper (StartData *data, VbQemuHelperSpec *spec, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autofree char *log_name = g_strdup_printf ("%s.log", spec->id);
  g_autofree char *line = NULL;
  g_autoptr (GError) local = NULL;
  QemuHelper *helper;
  ExitWatch *watch;

  /* A socket of an earlier run is in the way (and would look ready). */
  unlink (spec->socket_path);
  launcher = helper_launcher (data, spec, spec->argv, log_name, &argv, &line, error);
  if (!launcher)
    return FALSE;

  helper = g_new0 (QemuHelper, 1);
  helper->id = g_strdup (spec->id);
  helper->what = g_strdup (spec->what);
  helper->log_path = g_build_filename (data->qd->dir, log_name, NULL);
  helper->pidfd = -1;
  helper->process =
    g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &local);
  if (!helper->process)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot run %s for <%s>: %s", spec->what,
                   spec->id, local->message);
      helper_free (helper);
      return FALSE;
    }
  {
    /* NULL when it already ended and GLib reaped it. */
    const char *id = g_subprocess_get_identifier (helper->process);

    helper->pid = id ? atoi (id) : 0;
  }
  if (helper->pid > 0)
    {
      helper->start_time = vb_process_start_time (helper->pid);
      helper->pidfd = pidfd_open (helper->pid);
      /* The PID was reaped and taken again before the pidfd pinned it. */
      if (helper->pidfd >= 0 && vb_process_start_time (helper->pid) != helper->start_time)
        {
          close (helper->pidfd);
          helper->pidfd = -1;
        }
    }
  if (helper->start_time == 0)
    helper->ended = TRUE;
  g_ptr_array_add (helpers_of (data->qd), helper);
  watch = g_new0 (ExitWatch, 1);
  watch->domain = g_object_ref (data->domain);
  watch->id = g_strdup (helper->id);
  watch->pid = helper->pid;
  g_subprocess_wait_async (helper->process, NULL, helper_exited, watch);
  data->waiting = helper;
  return TRUE;
}

void
vb_qemu_helpers_start_async (QemuDomain *qd, VbQemuCommand *command, const VbUser *user,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (qd->domain, NULL, callback, user_data);
  StartData *data = g_new0 (StartData, 1);

  g_task_set_source_tag (task, vb_qemu_helpers_start_async);
  data->domain = g_object_ref (qd->domain);
  data->qd = qd;
  data->command = command;
  data->user = user_copy (user);
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);
  start_next (task);
}

gboolean
vb_qemu_helpers_start_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_helpers_start_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the status file, and after a restart ---- */

void
vb_qemu_helpers_record (QemuDomain *qd, VbQemuStatus *status)
{
  g_clear_pointer (&status->helpers, g_ptr_array_unref);
  status->helpers = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_helper_record_free);
  for (guint i = 0; qd->helpers && i < qd->helpers->len; i++)
    {
      QemuHelper *helper = qd->helpers->pdata[i];
      VbQemuHelperRecord *record;

      if (helper->ended)
        continue;
      record = g_new0 (VbQemuHelperRecord, 1);
      record->id = g_strdup (helper->id);
      record->pid = helper->pid;
      record->start_time = helper->start_time;
      record->exe = g_strdup (helper->exe);
      g_ptr_array_add (status->helpers, record);
    }
}

/* A pidfd on the recorded helper when it is still that process, else -1. */
static int
pin_recorded (const VbQemuHelperRecord *record, uid_t uid, const char *log_name)
{
  g_autoptr (GError) error = NULL;
  int pidfd;

  if (!vb_qemu_check_process (record->pid, record->start_time, record->exe, uid, &error))
    {
      if (!g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND))
        vb_log_warning (log_name, "not taking back helper %s: %s", record->id, error->message);
      return -1;
    }
  pidfd = pidfd_open (record->pid);
  /* Checked before the pidfd pinned it: still the same process? */
  if (pidfd >= 0 && vb_process_start_time (record->pid) != record->start_time)
    {
      close (pidfd);
      return -1;
    }
  return pidfd;
}

void
vb_qemu_helpers_adopt (QemuDomain *qd, const VbQemuStatus *status, uid_t uid)
{
  for (guint i = 0; status->helpers && i < status->helpers->len; i++)
    {
      const VbQemuHelperRecord *record = status->helpers->pdata[i];
      int pidfd = pin_recorded (record, uid, vb_qemu_log_name (qd->domain));
      QemuHelper *helper;

      if (pidfd < 0)
        continue;
      helper = g_new0 (QemuHelper, 1);
      helper->id = g_strdup (record->id);
      helper->what = record->exe ? g_path_get_basename (record->exe) : g_strdup ("helper");
      helper->log_path = g_strdup_printf ("%s/%s.log", qd->dir, record->id);
      helper->pid = record->pid;
      helper->start_time = record->start_time;
      helper->exe = g_strdup (record->exe);
      helper->pidfd = pidfd;
      g_ptr_array_add (helpers_of (qd), helper);
    }
}

void
vb_qemu_helpers_end_recorded (const VbQemuStatus *status, uid_t uid)
{
  for (guint i = 0; status->helpers && i < status->helpers->len; i++)
    {
      const VbQemuHelperRecord *record = status->helpers->pdata[i];
      int pidfd = pin_recorded (record, uid, NULL);

      if (pidfd < 0)
        continue;
      vb_log_message (NULL, "ending helper %s (pid %d) of %s, whose QEMU is gone", record->id,
                      record->pid, status->uuid);
      pidfd_signal (pidfd, SIGKILL);
      close (pidfd);
    }
}

/* ---- the part ---- */

static void
gone (QemuDomain *qd)
{
  vb_qemu_helpers_stop (qd);
}

/* The driver data goes (QEMU ended, or the service stops and leaves its
 * guests running): memory only, nothing is signalled here. */
static void
free_helpers (QemuDomain *qd)
{
  g_clear_pointer (&qd->helpers, g_ptr_array_unref);
}

const VbQemuPart vb_qemu_helpers_part = {
  .name = "helper processes",
  .gone = gone,
  .free = free_helpers,
};
