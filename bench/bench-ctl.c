/* `virtbusctl list --all` with 1,000 domains against `virsh list --all`
 * with libvirt's test driver holding 1,000 domains, and against `busctl call
 * ... ListDomains`: the wall time of the whole process, from exec to exit,
 * several repetitions interleaved, medians and ratios, all in one run.
 *
 *   meson compile -C build bench-ctl   (or: ninja -C build bench-ctl)
 *
 * The fair match for virtbusctl is virsh talking to a daemon that holds the
 * domains, as virtbusctl talks to virtbusd: a private libvirtd (a session
 * daemon of an unprivileged user, its files in a directory of the run)
 * whose test:///default gets the 1,000 domains from one virsh process that
 * keeps its connection open for the whole run (the test driver's default
 * state lives as long as a connection does), listed by `virsh -c
 * test+unix:///default?socket=...`. For reference the run also times virsh
 * with the test driver in its own process (test:///FILE, a node file of
 * 1,000 domains it parses on every start) and busctl's ListDomains (paths
 * only: the floor of one D-Bus call from a fresh process). virtbusd's
 * domains are of its test driver, shut off, like libvirtd's. */
#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"
#include "vb-test-env.h"

static int n_domains = 1000;
static int repetitions = 15;

static char *
domain_xml (const char *type, int i)
{
  return g_strdup_printf ("<domain type='%s'>\n  <name>bench%04d</name>\n"
                          "  <uuid>6a7b8c9d-0000-4000-8000-%012d</uuid>\n"
                          "  <memory unit='MiB'>128</memory>\n  <vcpu>1</vcpu>\n"
                          "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n</domain>\n",
                          type, i, i);
}

/* Runs @argv to its end with its output read and thrown away; fails the
 * run unless it succeeds and printed at least @min_lines lines. Returns the
 * wall time in ms. */
static double
time_run (const char *const *argv, int min_lines)
{
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  gint64 t0 = g_get_monotonic_time ();
  double ms;
  int lines = 0;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  if (!process)
    g_error ("%s: %s", argv[0], error->message);
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error))
    g_error ("%s: %s", argv[0], error->message);
  ms = bench_ms_since (t0);
  if (!g_subprocess_get_successful (process))
    g_error ("%s failed", argv[0]);
  for (const char *c = out; *c; c++)
    lines += *c == '\n';
  if (lines < min_lines)
    g_error ("%s printed %d lines, not %d:\n%s", argv[0], lines, min_lines, out);
  return ms;
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

/* A private libvirtd of an unprivileged user (vbtest-user of
 * tests/setup-test-users.sh, else nobody), all its files in @dir: a session
 * daemon, which touches nothing of the machine's libvirt. */
static GSubprocess *
start_libvirtd (const char *dir, Identity *who, char **uri)
{
  g_autofree char *conf = g_build_filename (dir, "libvirtd.conf", NULL);
  g_autofree char *socket = g_build_filename (dir, "libvirt-sock", NULL);
  g_autofree char *text = g_strdup_printf ("unix_sock_dir = \"%s\"\nunix_sock_rw_perms = \"0777\"\n"
                                           "auth_unix_rw = \"none\"\nauth_unix_ro = \"none\"\n",
                                           dir);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GError) error = NULL;
  g_autofree char *runtime = g_build_filename (dir, "run", NULL);
  GSubprocess *process;
  struct passwd *pw = getpwnam ("vbtest-user");

  if (!pw)
    pw = getpwnam ("nobody");
  who->uid = pw->pw_uid;
  who->gid = pw->pw_gid;
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);
  if (chown (dir, who->uid, who->gid) < 0 || chown (conf, who->uid, who->gid) < 0)
    g_error ("chown %s: %s", dir, g_strerror (errno));
  g_subprocess_launcher_set_child_setup (launcher, become, who, NULL);
  g_subprocess_launcher_setenv (launcher, "HOME", dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", dir, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, "libvirtd", "-f", conf, NULL);
  if (!process)
    g_error ("libvirtd: %s (apt-get install libvirt-daemon libvirt-clients)", error->message);
  for (int i = 0; i < 200 && !g_file_test (socket, G_FILE_TEST_EXISTS); i++)
    g_usleep (50 * 1000);
  if (!g_file_test (socket, G_FILE_TEST_EXISTS))
    g_error ("libvirtd did not make %s", socket);
  *uri = g_strdup_printf ("test+unix:///default?socket=%s", socket);
  return process;
}

/* test:///default lives while a connection to it does: one virsh keeps
 * one open for the whole run, after defining the domains of @script. */
static GSubprocess *
start_holder (const char *uri, const char *script)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  GSubprocess *holder =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                      "virsh", "-q", "-c", uri, NULL);
  GOutputStream *in;

  g_assert_no_error (error);
  in = g_subprocess_get_stdin_pipe (holder);
  if (!g_output_stream_write_all (in, script, strlen (script), NULL, NULL, &error)
      || !g_output_stream_write_all (in, "echo DEFINED-ALL\n", 17, NULL, NULL, &error)
      || !g_output_stream_flush (in, NULL, &error))
    g_error ("virsh: %s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  /* Its prompt goes on being written there: a closed pipe would kill it. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (out), FALSE);
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);

      if (!line)
        g_error ("virsh ended before it defined the domains");
      if (strstr (line, "DEFINED-ALL"))
        break;
    }
  return holder;
}

static void
print_row (const char *what, double median, double max, double reference)
{
  g_print ("%-62s %9.1f %9.1f %8.2fx\n", what, median, max, median / reference);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "domains", 0, 0, G_OPTION_ARG_INT, &n_domains, "Domains on each side (1000)", "N" },
    { "repetitions", 0, 0, G_OPTION_ARG_INT, &repetitions, "Runs of each command (15)", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) options = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbTestEnv) env = NULL;
  g_autofree char *ctl = NULL, *node_file = NULL, *file_uri = NULL, *daemon_uri = NULL;
  g_autofree char *lvdir = NULL, *busctl_address = NULL;
  g_autoptr (GSubprocess) libvirtd = NULL, holder = NULL;
  Identity who;
  g_autoptr (GString) node = g_string_new ("<node>\n");
  g_autoptr (GString) script = g_string_new (NULL);
  g_autofree double *ours = NULL, *theirs = NULL, *theirs_file = NULL, *busctl = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);
  ctl = g_strdup (g_getenv ("VB_CTL"));
  if (!ctl)
    g_error ("VB_CTL is not set: run it with ninja -C build bench-ctl");

  env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (env, NULL);
  lvdir = g_dir_make_tmp ("bench-ctl-libvirt-XXXXXX", &error);
  g_assert_no_error (error);
  libvirtd = start_libvirtd (lvdir, &who, &daemon_uri);

  /* The same 1,000 definitions on each side. */
  for (int i = 0; i < n_domains; i++)
    {
      g_autofree char *ours_xml = domain_xml ("test", i);
      g_autofree char *path = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                 g_variant_new ("(su)", ours_xml, 0));
      g_autofree char *file = g_strdup_printf ("%s/d%04d.xml", lvdir, i);

      g_file_set_contents (file, ours_xml, -1, &error);
      g_assert_no_error (error);
      g_string_append_printf (script, "define %s\n", file);
      g_string_append (node, ours_xml);
    }
  g_string_append (node, "</node>\n");
  node_file = g_build_filename (lvdir, "node.xml", NULL);
  g_file_set_contents (node_file, node->str, -1, &error);
  g_assert_no_error (error);
  file_uri = g_strdup_printf ("test://%s", node_file);
  holder = start_holder (daemon_uri, script->str);
  /* busctl wants the address without the guid. */
  busctl_address = g_strndup (env->bus_address, strcspn (env->bus_address, ","));

  ours = g_new0 (double, repetitions);
  theirs = g_new0 (double, repetitions);
  theirs_file = g_new0 (double, repetitions);
  busctl = g_new0 (double, repetitions);
  /* Interleaved, so that whatever else the machine does hits all alike. */
  for (int r = 0; r < repetitions; r++)
    {
      ours[r] =
        time_run ((const char *[]){ ctl, "--address", env->bus_address, "list", "--all", NULL },
                  n_domains + 2);
      theirs[r] = time_run ((const char *[]){ "virsh", "-c", daemon_uri, "list", "--all", NULL },
                            n_domains + 2);
      theirs_file[r] = time_run ((const char *[]){ "virsh", "-c", file_uri, "list", "--all", NULL },
                                 n_domains + 2);
      busctl[r] =
        time_run ((const char *[]){ "busctl", "--address", busctl_address, "call",
                                    "org.virtbus.Virt1", "/org/virtbus/Virt1",
                                    "org.virtbus.Virt1.Manager", "ListDomains", "u", "0", NULL },
                  1);
    }
  g_subprocess_force_exit (holder);
  g_subprocess_send_signal (libvirtd, SIGTERM);
  g_subprocess_wait (libvirtd, NULL, NULL);

  {
    double virsh_median = bench_median (theirs, repetitions);

    g_print ("\n== list --all with %d domains: wall time of the whole process, %d runs ==\n",
             n_domains, repetitions);
    g_print ("%-62s %9s %9s %9s\n", "", "median ms", "max ms", "/ virsh");
    print_row ("virsh list --all (libvirtd's test:///default)", virsh_median,
               bench_max_of (theirs, repetitions), virsh_median);
    print_row ("virtbusctl list --all (virtbusd, test driver)", bench_median (ours, repetitions),
               bench_max_of (ours, repetitions), virsh_median);
    print_row ("virsh list --all (test:///FILE, the driver in virsh)",
               bench_median (theirs_file, repetitions), bench_max_of (theirs_file, repetitions),
               virsh_median);
    print_row ("busctl call ... ListDomains (paths only)", bench_median (busctl, repetitions),
               bench_max_of (busctl, repetitions), virsh_median);
    g_print ("\nvirtbusctl / virsh (daemon): %.2f (goal: <= 1)\n",
             bench_median (ours, repetitions) / virsh_median);
  }
  return 0;
}
