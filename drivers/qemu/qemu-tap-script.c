/* Scripts of taps: see qemu-tap-script.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include "qemu-tap-script.h"

#include <errno.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-log.h"

/* What a script's error quotes of its output: its end, where the reason is. */
#define OUTPUT_TAIL 400

/* The environment a script gets: nothing of the service's. */
static const char *const script_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

static const char *links_problem (const char *path, guint depth);

/* Whether every directory above @path (itself excluded) is root's alone,
 * as lstat() sees them: a directory someone else may write lets them
 * replace what it holds. A link among them (/sbin on a merged /usr) has
 * no mode of its own to judge: where it leads is checked instead, every
 * link on the way, as for the script's own links. @depth bounds links
 * within links. */
static const char *
dirs_problem (const char *path, guint depth)
{
  g_autofree char *dir = g_path_get_dirname (path);

  for (;;)
    {
      struct stat st;
      char *up;

      if (lstat (dir, &st) < 0)
        return "a directory above it cannot be read";
      if (S_ISLNK (st.st_mode))
        {
          const char *problem;

          if (depth >= 8)
            return "it is behind too many links";
          if ((problem = links_problem (dir, depth + 1)))
            return problem;
        }
      else if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return "a directory above it is not root's alone (owned by another user, or writable "
               "by its group or others)";
      if (g_str_equal (dir, "/") || g_str_equal (dir, "."))
        return NULL;
      up = g_path_get_dirname (dir);
      g_free (dir);
      dir = up;
    }
}

/* The same of every link on the way from @path to where it leads: a link
 * in a directory someone else may write is theirs to point elsewhere
 * between the check and the exec; and the same of where the last one
 * leads. */
static const char *
links_problem (const char *path, guint depth)
{
  g_autofree char *at = g_strdup (path);

  for (int hops = 0; hops < 40; hops++)
    {
      struct stat st;
      g_autofree char *target = NULL;
      const char *problem;

      if (lstat (at, &st) < 0)
        return "a link on the way to it cannot be read";
      if ((problem = dirs_problem (at, depth)))
        return problem;
      if (!S_ISLNK (st.st_mode))
        return NULL;
      target = g_file_read_link (at, NULL);
      if (!target)
        return "a link on the way to it cannot be read";
      if (!g_path_is_absolute (target))
        {
          g_autofree char *dir = g_path_get_dirname (at);
          char *joined = g_build_filename (dir, target, NULL);

          g_free (target);
          target = joined;
        }
      g_free (at);
      at = g_steal_pointer (&target);
    }
  return "it is behind too many links";
}

gboolean
vb_tap_script_check (const char *element, const char *path, GError **error)
{
  g_autofree char *resolved = realpath (path, NULL);
  const char *problem = NULL;
  struct stat st;

  if (!resolved)
    problem = errno == ENOENT ? "there is no such file" : g_strerror (errno);
  else if (stat (resolved, &st) < 0)
    problem = g_strerror (errno);
  else if (!S_ISREG (st.st_mode))
    problem = "it is not a regular file";
  else if (!(st.st_mode & S_IXUSR))
    problem = "it is not executable";
  else if (st.st_uid != 0)
    problem = "it is not owned by root";
  else if (st.st_mode & (S_IWGRP | S_IWOTH))
    problem = "it is writable by its group or others";
  else
    problem = links_problem (path, 0) ? links_problem (path, 0) : dirs_problem (resolved, 0);
  if (!problem)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
               "<%s path='%s'>: the service runs it as root, so it must be a program only root "
               "can change: %s",
               element, path, problem);
  return FALSE;
}

/* One script running for @ifname. */
typedef struct {
  char *element; /* "script" or "downscript" */
  char *path;
  char *ifname;
  GSubprocess *process;
  int output_fd; /* a memfd: its stdout and stderr, -1 before the spawn */
  guint timeout;
  gboolean timed_out;
} Run;

static void
run_free (Run *run)
{
  if (run->timeout)
    g_source_remove (run->timeout);
  g_clear_object (&run->process);
  if (run->output_fd >= 0)
    close (run->output_fd);
  g_free (run->element);
  g_free (run->path);
  g_free (run->ifname);
  g_free (run);
}

static gboolean
run_too_long (gpointer user_data)
{
  Run *run = user_data;

  const char *id = g_subprocess_get_identifier (run->process);

  run->timeout = 0;
  run->timed_out = TRUE;
  /* Its process group: what it started and left behind goes too. */
  if (id)
    kill (-atoi (id), SIGKILL);
  g_subprocess_force_exit (run->process);
  return G_SOURCE_REMOVE;
}

/* In the forked child: a process group of its own, which the time limit
 * ends as a whole. */
static void
script_child_setup (gpointer user_data)
{
  setsid ();
}

static GSubprocess *
spawn (Run *run, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  const char *const argv[] = { run->path, run->ifname, NULL };

  /* Into a file, not a pipe: a daemon the script leaves running with its
   * output open does not hold up the start. */
  run->output_fd = memfd_create ("vb-tap-script", MFD_CLOEXEC);
  if (run->output_fd < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "memfd_create: %s", g_strerror (errno));
      return NULL;
    }
  g_subprocess_launcher_take_stdout_fd (launcher, dup (run->output_fd));
  g_subprocess_launcher_set_environ (launcher, (char **) script_env);
  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_set_child_setup (launcher, script_child_setup, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

/* The end of what @run printed, valid UTF-8, one line. */
static char *
output_tail (Run *run)
{
  char data[OUTPUT_TAIL];
  struct stat st;
  off_t from;
  ssize_t len;
  g_autofree char *valid = NULL;

  if (run->output_fd < 0 || fstat (run->output_fd, &st) < 0)
    return g_strdup ("");
  from = st.st_size > OUTPUT_TAIL ? st.st_size - OUTPUT_TAIL : 0;
  len = pread (run->output_fd, data, sizeof data, from);
  if (len <= 0)
    return g_strdup ("");
  valid = g_utf8_make_valid (data, len);
  g_strdelimit (valid, "\n\r", ' ');
  return g_strdup (g_strstrip (valid));
}

/* Why @run's process ended badly (NULL: it exited with 0). */
static char *
run_failure (Run *run)
{
  g_autofree char *tail = output_tail (run);
  g_autofree char *how = NULL;

  if (run->timed_out)
    how = g_strdup_printf ("did not end within %u seconds", VB_TAP_SCRIPT_TIMEOUT_S);
  else if (g_subprocess_get_if_exited (run->process))
    {
      if (g_subprocess_get_exit_status (run->process) == 0)
        return NULL;
      how = g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (run->process));
    }
  else
    how = g_strdup_printf ("was killed by signal %d", g_subprocess_get_term_sig (run->process));
  return g_strdup_printf ("<%s path='%s'> for tap %s %s%s%s", run->element, run->path, run->ifname,
                          how, *tail ? ": " : "", tail);
}

/* Starts @run; @done is called when it ended (g_subprocess_wait_async),
 * with @user_data (which holds @run). */
static gboolean
run_start (Run *run, GAsyncReadyCallback done, gpointer user_data, GError **error)
{
  run->process = spawn (run, error);
  if (!run->process)
    return FALSE;
  run->timeout = g_timeout_add_seconds (VB_TAP_SCRIPT_TIMEOUT_S, run_too_long, run);
  g_subprocess_wait_async (run->process, NULL, done, user_data);
  return TRUE;
}

/* The start's scripts, one after the other. */
typedef struct {
  GPtrArray *runs; /* Run */
  guint next;
} Scripts;

static void
scripts_free (Scripts *scripts)
{
  g_ptr_array_unref (scripts->runs);
  g_free (scripts);
}

static void scripts_next (GTask *task);

static void
script_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Scripts *scripts = g_task_get_task_data (task);
  Run *run = scripts->runs->pdata[scripts->next - 1];
  g_autofree char *failure = NULL;
  GError *error = NULL;

  if (run->timeout)
    {
      g_source_remove (run->timeout);
      run->timeout = 0;
    }
  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  failure = run_failure (run);
  if (failure)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "%s", failure);
      g_object_unref (task);
      return;
    }
  scripts_next (task);
}

static void
scripts_next (GTask *task)
{
  Scripts *scripts = g_task_get_task_data (task);
  Run *run;
  GError *error = NULL;

  if (scripts->next == scripts->runs->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  run = scripts->runs->pdata[scripts->next++];
  if (!run_start (run, script_done, task, &error))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "<%s path='%s'>: cannot run it: %s",
                               run->element, run->path, error->message);
      g_error_free (error);
      g_object_unref (task);
    }
}

static Run *
run_new (const char *element, const char *path, const char *ifname)
{
  Run *run = g_new0 (Run, 1);

  run->element = g_strdup (element);
  run->path = g_strdup (path);
  run->ifname = g_strdup (ifname);
  run->output_fd = -1;
  return run;
}

void
vb_tap_scripts_run_async (const VbQemuCommand *command, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Scripts *scripts = g_new0 (Scripts, 1);

  g_task_set_source_tag (task, vb_tap_scripts_run_async);
  scripts->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) run_free);
  for (guint i = 0; i < command->taps->len; i++)
    {
      const VbQemuTap *tap = command->taps->pdata[i];

      if (tap->script)
        g_ptr_array_add (scripts->runs, run_new ("script", tap->script, tap->ifname));
    }
  g_task_set_task_data (task, scripts, (GDestroyNotify) scripts_free);
  /* Every script and downscript first: one that cannot run refuses the
   * start before any has run. */
  for (guint i = 0; i < command->taps->len; i++)
    {
      const VbQemuTap *tap = command->taps->pdata[i];
      GError *error = NULL;

      if ((tap->script && !vb_tap_script_check ("script", tap->script, &error))
          || (tap->downscript && !vb_tap_script_check ("downscript", tap->downscript, &error)))
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
    }
  scripts_next (task);
}

gboolean
vb_tap_scripts_run_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_tap_scripts_run_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

GStrv
vb_tap_downscripts_of (const VbQemuCommand *command)
{
  GPtrArray *entries = g_ptr_array_new ();

  for (guint i = 0; i < command->taps->len; i++)
    {
      const VbQemuTap *tap = command->taps->pdata[i];

      if (tap->downscript)
        g_ptr_array_add (entries, g_strdup_printf ("%s:%s", tap->ifname, tap->downscript));
    }
  g_ptr_array_add (entries, NULL);
  return (GStrv) g_ptr_array_free (entries, FALSE);
}

typedef struct {
  Run *run;
  char *log_name;
} Down;

static void
down_free (Down *down)
{
  run_free (down->run);
  g_free (down->log_name);
  g_free (down);
}

static void
downscript_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Down *down = user_data;
  g_autoptr (GError) error = NULL;

  if (down->run->timeout)
    {
      g_source_remove (down->run->timeout);
      down->run->timeout = 0;
    }
  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error))
    vb_log_warning (down->log_name, "<downscript path='%s'>: %s", down->run->path, error->message);
  else
    {
      g_autofree char *failure = run_failure (down->run);

      if (failure)
        vb_log_warning (down->log_name, "%s", failure);
    }
  down_free (down);
}

static void
downscript_run (const char *entry, const char *log_name)
{
  const char *colon = strchr (entry, ':');
  g_autofree char *ifname = colon ? g_strndup (entry, (gsize) (colon - entry)) : NULL;
  Down *down;
  g_autoptr (GError) error = NULL;

  if (!colon)
    return;
  down = g_new0 (Down, 1);
  down->run = run_new ("downscript", colon + 1, ifname);
  down->log_name = g_strdup (log_name);
  if (!vb_tap_script_check ("downscript", down->run->path, &error)
      || !run_start (down->run, downscript_done, down, &error))
    {
      vb_log_warning (log_name, "<downscript path='%s'> for tap %s not run: %s", down->run->path,
                      ifname, error->message);
      down_free (down);
    }
}

void
vb_tap_downscripts_run (const char *const *entries, const char *log_name)
{
  for (guint i = 0; entries && entries[i]; i++)
    downscript_run (entries[i], log_name);
}

void
vb_tap_downscript_run_for (GStrv *entries, const char *ifname, const char *log_name)
{
  g_autofree char *prefix = g_strdup_printf ("%s:", ifname);
  GPtrArray *kept = g_ptr_array_new ();

  for (guint i = 0; *entries && (*entries)[i]; i++)
    if (g_str_has_prefix ((*entries)[i], prefix))
      downscript_run ((*entries)[i], log_name);
    else
      g_ptr_array_add (kept, g_strdup ((*entries)[i]));
  g_ptr_array_add (kept, NULL);
  g_strfreev (*entries);
  *entries = (GStrv) g_ptr_array_free (kept, FALSE);
}

static void
gone (QemuDomain *qd)
{
  if (qd->status && qd->status->downscripts)
    vb_tap_downscripts_run ((const char *const *) qd->status->downscripts,
                            vb_qemu_log_name (qd->domain));
}

const VbQemuPart vb_qemu_tap_script_part = {
  .name = "tap-script",
  .gone = gone,
};
