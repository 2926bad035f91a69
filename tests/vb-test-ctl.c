/* virtbusctl run as a subprocess: see vb-test-ctl.h. */
#include "vb-test-ctl.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

void
vb_ctl_run_free (VbCtlRun *run)
{
  if (!run)
    return;
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

const char *
vb_ctl_path (void)
{
  const char *path = g_getenv ("VB_CTL");

  if (!path)
    g_error ("VB_CTL is not set: run the test with meson test");
  return path;
}

typedef struct {
  uid_t uid;
  gid_t gid;
} Identity;

/* Between fork and exec: only async-signal-safe calls. */
static void
become (gpointer data)
{
  const Identity *who = data;

  if (setgroups (0, NULL) < 0 || setgid (who->gid) < 0 || setuid (who->uid) < 0)
    _exit (126);
}

static VbCtlRun *
run_with (GSubprocessLauncher *launcher, const char *address, const char *input,
          const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  VbCtlRun *run = g_new0 (VbCtlRun, 1);

  g_ptr_array_add (argv, (gpointer) vb_ctl_path ());
  if (address)
    {
      g_ptr_array_add (argv, "--address");
      g_ptr_array_add (argv, (gpointer) address);
    }
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_unsetenv (launcher, "VISUAL");
  /* Messages as they are written, whatever the machine's language. */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input ? input : "", NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process))
    g_error ("virtbusctl %s was killed; it printed:\n%s%s", args[0], run->out, run->err);
  run->status = g_subprocess_get_exit_status (process);
  return run;
}

static GSubprocessLauncher *
launcher_new (void)
{
  return g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                    | G_SUBPROCESS_FLAGS_STDERR_PIPE);
}

VbCtlRun *
vb_ctl_run_raw (const char *input, const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = launcher_new ();

  return run_with (launcher, NULL, input, args);
}

VbCtlRun *
vb_ctl_run (VbTestEnv *env, const char *input, const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = launcher_new ();

  return run_with (launcher, env->bus_address, input, args);
}

VbCtlRun *
vb_ctl_run_edit (VbTestEnv *env, const char *editor, const char *input, const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = launcher_new ();

  g_subprocess_launcher_setenv (launcher, "EDITOR", editor, TRUE);
  return run_with (launcher, env->bus_address, input, args);
}

VbCtlRun *
vb_ctl_run_as (VbTestEnv *env, const char *user, const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = launcher_new ();
  struct passwd *pw = getpwnam (user);
  Identity who;

  if (!pw)
    g_error ("user %s is missing: run tests/setup-test-users.sh as root", user);
  who.uid = pw->pw_uid;
  who.gid = pw->pw_gid;
  g_subprocess_launcher_set_child_setup (launcher, become, &who, NULL);
  return run_with (launcher, env->bus_address, NULL, args);
}

static char *
describe (const char *const *args)
{
  g_autofree char *joined = g_strjoinv (" ", (char **) args);

  return g_strconcat ("virtbusctl ", joined, NULL);
}

char *
vb_ctl_ok (VbTestEnv *env, const char *const *args)
{
  g_autoptr (VbCtlRun) run = vb_ctl_run (env, NULL, args);
  g_autofree char *what = describe (args);

  if (run->status != 0 || *run->err)
    g_error ("%s exited with %d; it printed:\n%s%s", what, run->status, run->out, run->err);
  return g_steal_pointer (&run->out);
}

char *
vb_ctl_fails (VbTestEnv *env, int status, const char *const *args)
{
  g_autoptr (VbCtlRun) run = vb_ctl_run (env, NULL, args);
  g_autofree char *what = describe (args);

  if (run->status != status)
    g_error ("%s exited with %d, not %d; it printed:\n%s%s", what, run->status, status, run->out,
             run->err);
  return g_steal_pointer (&run->err);
}
