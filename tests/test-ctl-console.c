/* virtbusctl console on the project's test guest under QEMU, in bash in a
 * real terminal (a tmux pane): connect, type a command into the guest's
 * shell and see its answer, leave with Ctrl-] and find the terminal as it
 * was; a second session refused while one has the console, and --force
 * taking it over (the first then says so and exits with 1), and the
 * console closing when the domain stops. */
#include <string.h>

#include "vb-test-ctl.h"
#include "vb-test-env.h"
#include "vb-test-tmux.h"

#define BOOT_TIMEOUT_MS 120000
#define TIMEOUT_MS 30000

typedef struct {
  VbTestEnv *env;
  VbTmux *tmux;
  char *path;
  char *console; /* the command line that opens the console in the pane */
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml ("ctlguest", 128, NULL, NULL);

  if (!vb_tmux_available ())
    return;
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  f->tmux = vb_tmux_new (f->env->tmpdir);
  f->console = g_strdup_printf ("virtbusctl --address %s console ctlguest; echo console-exit=$?",
                                f->env->bus_address);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  if (!f->env)
    return;
  g_clear_pointer (&f->tmux, vb_tmux_free);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_free (f->path);
  g_free (f->console);
  vb_test_env_free (f->env);
}

static void
connect (Fixture *f)
{
  vb_tmux_type (f->tmux, "clear");
  vb_tmux_keys (f->tmux, "Enter");
  vb_tmux_type (f->tmux, f->console);
  vb_tmux_keys (f->tmux, "Enter");
  g_free (vb_tmux_wait (
    f->tmux, "^Connected to domain 'ctlguest'\nEscape character is \\^\\] \\(Ctrl \\+ \\]\\)$",
    TIMEOUT_MS));
}

static void
test_console (Fixture *f, gconstpointer data)
{
  const char *const second[] = { "console", "ctlguest", NULL };
  g_autoptr (VbCtlRun) refused = NULL;
  g_autoptr (VbCtlRun) forced = NULL;

  if (!f->env)
    return;
  connect (f);
  /* The guest's shell answers what is typed; the echo of the typed line
   * shows "$((6*7))", only the answer shows 42. */
  vb_tmux_type (f->tmux, "echo vb-answer-$((6*7))");
  vb_tmux_keys (f->tmux, "Enter");
  g_free (vb_tmux_wait (f->tmux, "^vb-answer-42\\r?$", TIMEOUT_MS));

  /* One session at a time. */
  refused = vb_ctl_run (f->env, NULL, second);
  g_assert_cmpint (refused->status, ==, 1);
  g_assert_cmpstr (refused->err, ==,
                   "error: the console of domain 'ctlguest' is in use by another session; "
                   "--force takes it over\n");

  /* Ctrl-] leaves; the terminal is as it was (canonical, echoing). */
  vb_tmux_keys (f->tmux, "C-]");
  g_free (vb_tmux_wait (f->tmux, "^console-exit=0$", TIMEOUT_MS));
  vb_tmux_type (f->tmux, "stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | sort | tr '\\n' +");
  vb_tmux_keys (f->tmux, "Enter");
  g_free (vb_tmux_wait (f->tmux, "^echo\\+icanon\\+", TIMEOUT_MS));

  /* Taken over: the session in the terminal ends and says why. */
  connect (f);
  {
    const char *const force[] = { "console", "--force", "ctlguest", NULL };

    forced = vb_ctl_run (f->env, "", force);
  }
  g_assert_cmpint (forced->status, ==, 0);
  g_assert_true (g_str_has_prefix (forced->err, "Connected to domain 'ctlguest'\n"));
  g_free (vb_tmux_wait (f->tmux,
                        "^error: another session took the console of domain 'ctlguest' over\n"
                        "console-exit=1$",
                        TIMEOUT_MS));

  /* The domain stops under the console: it closes, and that is no error. */
  connect (f);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_free (vb_tmux_wait (
    f->tmux, "^Domain 'ctlguest' stopped; its console closed\\.\nconsole-exit=0$", TIMEOUT_MS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/ctl-console/console", Fixture, NULL, set_up, test_console, tear_down);
  return g_test_run ();
}
