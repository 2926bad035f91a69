/* virtbusctl console on the project's test guest under QEMU, in bash in a
 * real terminal (a tmux pane): connect, type a command into the guest's
 * shell and see its answer, leave with Ctrl-] and find the terminal as it
 * was; a second session refused while one has the console, and --force
 * taking it over (the first then says so and exits with 1), and the
 * console closing when the domain stops. A paused guest, which takes no
 * input: a big paste, Ctrl-] and SIGTERM still end the session. */
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <signal.h>
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

/* Far more than the sockets between virtbusctl and a paused guest hold. */
#define FLOOD_SIZE (4 << 20)

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Iterates the main context until *@result is set or @timeout_ms pass. */
static gboolean
wait_result (GAsyncResult **result, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint timer = g_timeout_add (timeout_ms, set_flag, &timed_out);

  while (!*result && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timer);
  return *result != NULL;
}

/* The line of the strace output @trace that matches @pattern first. */
static int
first_line (char **trace, const char *pattern)
{
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);

  for (int i = 0; trace[i]; i++)
    if (g_regex_match (regex, trace[i], 0, NULL))
      return i;
  g_error ("no line of the trace matches /%s/", pattern);
}

/* A guest that takes nothing (paused, so its serial port does not read):
 * what is typed piles up on the way, and virtbusctl must neither block on
 * it nor miss Ctrl-] or SIGTERM behind it; the terminal comes back as it was.
 * And SIGTERM and SIGHUP are caught before the terminal goes raw. */
static void
test_guest_not_reading (Fixture *f, gconstpointer data)
{
  g_autofree char *flood = g_malloc (FLOOD_SIZE);
  g_autofree char *strace = g_find_program_in_path ("strace");

  if (!f->env)
    return;
  memset (flood, 'x', FLOOD_SIZE);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Suspend", NULL);

  /* A paste much larger than what the guest could take, then Ctrl-]. */
  connect (f);
  vb_tmux_paste (f->tmux, flood, FLOOD_SIZE);
  vb_tmux_keys (f->tmux, "C-]");
  g_free (vb_tmux_wait (f->tmux, "^console-exit=0$", TIMEOUT_MS));
  vb_tmux_type (f->tmux, "stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | sort | tr '\\n' +");
  vb_tmux_keys (f->tmux, "Enter");
  g_free (vb_tmux_wait (f->tmux, "^echo\\+icanon\\+", TIMEOUT_MS));

  /* Input from a pipe that stays open, more than the guest takes: virtbusctl
   * goes on reading it, and SIGTERM ends the session. (--force: the service
   * notices the end of the first session only once the guest reads again.) */
  {
    const char *argv[] = { vb_ctl_path (), "--address", f->env->bus_address, "console", "--force",
                           "ctlguest",     NULL };
    g_autoptr (GError) error = NULL;
    g_autoptr (GSubprocess) ctl =
      g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                         &error);
    g_autoptr (GAsyncResult) written = NULL;
    g_autoptr (GAsyncResult) exited = NULL;
    g_autoptr (GCancellable) cancel = g_cancellable_new ();
    g_autoptr (GDataInputStream) err = NULL;
    g_autofree char *line = NULL;

    g_assert_no_error (error);
    err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (ctl));
    line = g_data_input_stream_read_line (err, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (line, ==, "Connected to domain 'ctlguest'");
    /* Written as the pipe takes it: a blocking write would block the test
     * with virtbusctl. */
    g_assert_true (g_unix_set_fd_nonblocking (g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (
                                                g_subprocess_get_stdin_pipe (ctl))),
                                              TRUE, NULL));
    g_output_stream_write_all_async (g_subprocess_get_stdin_pipe (ctl), flood, FLOOD_SIZE,
                                     G_PRIORITY_DEFAULT, cancel, store_result, &written);
    wait_result (&written, TIMEOUT_MS);
    g_subprocess_send_signal (ctl, SIGTERM);
    g_subprocess_wait_async (ctl, NULL, store_result, &exited);
    if (!wait_result (&exited, TIMEOUT_MS))
      {
        g_subprocess_force_exit (ctl);
        g_error ("virtbusctl console did not end on SIGTERM while its input waited");
      }
    g_assert_true (written != NULL);
    g_assert_true (
      g_output_stream_write_all_finish (g_subprocess_get_stdin_pipe (ctl), written, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (ctl));
    g_assert_cmpint (g_subprocess_get_exit_status (ctl), ==, 0);
  }

  /* The handlers of SIGTERM and SIGHUP are in place before the terminal
   * goes raw (tcsetattr: ioctl TCSETS*, "SNDCTL_TMR_CONTINUE or TCSETSF" to
   * strace), as strace sees the calls. */
  if (!strace)
    {
      g_test_message ("strace is not installed (./dev.sh installs it): order not checked");
      return;
    }
  {
    g_autofree char *trace_file = g_build_filename (f->env->tmpdir, "console.strace", NULL);
    g_autofree char *line =
      g_strdup_printf ("strace -f -qq -e trace=rt_sigaction,ioctl -o %s "
                       "virtbusctl --address %s console --force ctlguest; echo console-exit=$?",
                       trace_file, f->env->bus_address);
    g_autofree char *trace_text = NULL;
    g_auto (GStrv) trace = NULL;
    int raw;

    vb_tmux_type (f->tmux, "clear");
    vb_tmux_keys (f->tmux, "Enter");
    vb_tmux_type (f->tmux, line);
    vb_tmux_keys (f->tmux, "Enter");
    g_free (vb_tmux_wait (f->tmux, "^Escape character is", TIMEOUT_MS));
    vb_tmux_keys (f->tmux, "C-]");
    g_free (vb_tmux_wait (f->tmux, "^console-exit=0$", TIMEOUT_MS));
    g_assert_true (g_file_get_contents (trace_file, &trace_text, NULL, NULL));
    trace = g_strsplit (trace_text, "\n", -1);
    raw = first_line (trace, "ioctl\\(0, [^,]*TCSETS");
    g_assert_cmpint (first_line (trace, "rt_sigaction\\(SIGTERM, \\{sa_handler=0x"), <, raw);
    g_assert_cmpint (first_line (trace, "rt_sigaction\\(SIGHUP, \\{sa_handler=0x"), <, raw);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A console that ended before it read all its input. */
  signal (SIGPIPE, SIG_IGN);
  g_test_add ("/ctl-console/console", Fixture, NULL, set_up, test_console, tear_down);
  g_test_add ("/ctl-console/guest-not-reading", Fixture, NULL, set_up, test_guest_not_reading,
              tear_down);
  return g_test_run ();
}
