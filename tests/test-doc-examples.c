/* The examples of docs/examples, run as a user runs them (cwd docs/examples,
 * VB_ADDRESS set) against a real virtbusd: each exits 0 and prints what its
 * header comment promises, and the service saw what the example claims it did.
 * The README's tour uses the same commands, so this keeps it true too. */
#include "vb-test-env.h"

#include <glib/gstdio.h>
#include <string.h>

/* Debian's interpreter: the one python3-gi belongs to. */
#define PYTHON "/usr/bin/python3"

typedef struct {
  VbTestEnv *env;
  VbSignalLog *signals;
  char *examples_dir;
  char *domain_xml; /* test-domain.xml */
  char *domain_path;
} Fixture;

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const char *root = g_getenv ("VB_SOURCE_ROOT");
  g_autofree char *xml_path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  g_autoptr (GRegex) uuid = g_regex_new ("<uuid>([0-9a-f-]{36})</uuid>", 0, 0, NULL);

  g_assert_nonnull (root);
  f->examples_dir = g_build_filename (root, "docs", "examples", NULL);
  xml_path = g_build_filename (f->examples_dir, "test-domain.xml", NULL);
  g_assert_true (g_file_get_contents (xml_path, &f->domain_xml, NULL, &error));
  g_assert_no_error (error);
  /* The path the examples print follows from the UUID the XML gives. */
  g_assert_true (g_regex_match (uuid, f->domain_xml, 0, &match));
  {
    g_autofree char *value = g_match_info_fetch (match, 1);
    f->domain_path = vb_test_domain_path (value);
  }

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->signals = vb_signal_log_new (f->env);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_signal_log_free (f->signals);
  vb_test_env_free (f->env);
  g_free (f->examples_dir);
  g_free (f->domain_xml);
  g_free (f->domain_path);
}

static GSubprocessLauncher *
example_launcher (Fixture *f, GSubprocessFlags flags, gboolean with_address)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_cwd (launcher, f->examples_dir);
  if (with_address)
    g_subprocess_launcher_setenv (launcher, "VB_ADDRESS", f->env->bus_address, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "VB_ADDRESS");
  return launcher;
}

/* Runs an example to its end, as a user in docs/examples would. */
static void
run_example (Fixture *f, gboolean with_address, const char *const *argv, Run *run)
{
  g_autoptr (GSubprocessLauncher) launcher =
    example_launcher (f, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                      with_address);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("%s exited with %d; stdout:\n%s\nstderr:\n%s", argv[0], run->status, run->out,
                  run->err);
}

/* Fails unless @text has lines matching each of @patterns (regular
 * expressions, anchored at both ends), in that order; other lines may come
 * between them. */
static void
assert_lines (const char *text, const char *const *patterns)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint line = 0;

  for (guint i = 0; patterns[i]; i++)
    {
      g_autofree char *anchored = g_strdup_printf ("^%s$", patterns[i]);
      g_autoptr (GRegex) regex = g_regex_new (anchored, 0, 0, NULL);

      g_assert_nonnull (regex);
      while (lines[line] && !g_regex_match (regex, lines[line], 0, NULL))
        line++;
      if (!lines[line])
        g_error ("No line matching /%s/ (after the ones before it) in:\n%s", patterns[i], text);
      line++;
    }
}

/* Fails unless @text is exactly as many lines as @patterns: what the README
 * shows as a tour's output is all it prints (gdbus-tour.sh once printed
 * gdbus's "()" after every call that returns nothing). */
static void
assert_line_count (const char *text, const char *const *patterns)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint count = g_strv_length (lines);

  if (count > 0 && lines[count - 1][0] == '\0')
    count--;
  if (count != g_strv_length ((char **) patterns))
    g_error ("Expected %u lines, got %u:\n%s", g_strv_length ((char **) patterns), count, text);
}

static void
assert_domain_gone (Fixture *f)
{
  g_autofree char *uuid = g_strdup (strrchr (f->domain_path, '/') + 1);

  g_strdelimit (uuid, "_", '-');
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByUUID",
                             g_variant_new ("(s)", uuid), "org.virtbus.Virt1.Error.NotFound");
}

/* The service announced the tour's steps, in order. */
static void
assert_tour_events (Fixture *f)
{
  const char *events[] = { "('defined', 'added')",     "('started', 'booted')",
                           "('suspended', 'paused')",  "('resumed', 'unpaused')",
                           "('stopped', 'destroyed')", "('undefined', 'removed')" };
  int last = -1;

  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesRemoved", 5000));
  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      g_autofree char *needle = g_strdup_printf ("LifecycleEvent %s %s", f->domain_path, events[i]);
      int at = vb_signal_log_find (f->signals, needle);

      if (at <= last)
        {
          vb_signal_log_dump (f->signals);
          g_error ("%s missing or out of order", needle);
        }
      last = at;
    }
}

static void
test_tour (Fixture *f, const char *script, const char *tool)
{
  g_autofree char *tool_path = g_find_program_in_path (tool);
  g_autofree char *defined = NULL;
  g_autofree char *undefined = NULL;
  g_auto (Run) run = { 0 };
  const char *argv[] = { script, NULL };

  if (!tool_path)
    {
      g_autofree char *why = g_strdup_printf ("%s is not installed", tool);
      g_test_skip (why);
      return;
    }
  run_example (f, TRUE, argv, &run);
  g_assert_cmpint (run.status, ==, 0);
  defined = g_strdup_printf ("defined %s", f->domain_path);
  undefined = g_strdup_printf ("undefined %s", f->domain_path);
  {
    const char *lines[] = { defined,
                            "after DefineDomain: shutoff unknown",
                            "after Start: running booted",
                            "after Suspend: paused user",
                            "after Resume: running unpaused",
                            "after Destroy: shutoff destroyed",
                            undefined,
                            NULL };
    assert_lines (run.out, lines);
    assert_line_count (run.out, lines);
  }
  assert_tour_events (f);
  assert_domain_gone (f);
}

static void
test_busctl_tour (Fixture *f, gconstpointer data)
{
  test_tour (f, "./busctl-tour.sh", "busctl");
}

static void
test_gdbus_tour (Fixture *f, gconstpointer data)
{
  test_tour (f, "./gdbus-tour.sh", "gdbus");
}

static void
test_define_and_start (Fixture *f, gconstpointer data)
{
  const char *argv[] = { PYTHON, "define-and-start.py", NULL };
  g_autofree char *defined = g_strdup_printf ("defined %s", f->domain_path);
  g_autoptr (GVariant) state = NULL;
  g_auto (Run) first = { 0 };
  g_auto (Run) again = { 0 };

  run_example (f, TRUE, argv, &first);
  g_assert_cmpint (first.status, ==, 0);
  {
    const char *lines[] = { defined, "started: State=running StateReason=booted Id=[0-9]+", NULL };
    assert_lines (first.out, lines);
  }
  state = vb_test_get_property (f->env, f->domain_path, IFACE_DOMAIN, "State");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "running");

  /* A second run cannot start a running domain: it says why, by the error's name. */
  run_example (f, TRUE, argv, &again);
  g_assert_cmpint (again.status, ==, 1);
  {
    const char *lines[] = { "error: org.virtbus.Virt1.Error.OperationInvalid: .*already active.*",
                            NULL };
    assert_lines (again.err, lines);
  }
}

static void
test_define_bad_xml (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("vbdoc-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.xml", NULL);
  const char *argv[] = { PYTHON, "define-and-start.py", bad, NULL };
  g_auto (Run) run = { 0 };

  g_assert_true (g_file_set_contents (bad, "<domain type='xen'><name>x</name></domain>", -1, NULL));
  run_example (f, TRUE, argv, &run);
  g_remove (bad);
  g_rmdir (dir);
  g_assert_cmpint (run.status, ==, 1);
  {
    const char *lines[] = { "error: org.virtbus.Virt1.Error.InvalidXML: .*'xen'.*line 1.*", NULL };
    assert_lines (run.err, lines);
  }
}

/* Reads one line of the watcher's output; NULL at its end. */
static char *
read_line (GDataInputStream *stream)
{
  g_autoptr (GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (stream, NULL, NULL, &error);

  g_assert_no_error (error);
  if (line)
    g_test_message ("watch-events.py: %s", line);
  return line;
}

static void
test_watch_events (Fixture *f, gconstpointer data)
{
  const char *argv[] = { PYTHON, "watch-events.py", "--count", "2", "--timeout", "30", NULL };
  g_autoptr (GSubprocessLauncher) launcher =
    example_launcher (f, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, TRUE);
  g_autoptr (GSubprocess) watcher = NULL;
  g_autoptr (GDataInputStream) stream = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *added = NULL;
  g_autofree char *running = NULL;
  g_autofree char *booted = NULL;
  char *line;

  watcher = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (watcher));
  /* It says so once its subscriptions are in place at the bus. */
  while ((line = read_line (stream)) && !g_str_equal (line, "watching org.virtbus.Virt1"))
    {
      g_string_append_printf (seen, "%s\n", line);
      g_free (line);
    }
  if (!line)
    g_error ("watch-events.py ended before watching:\n%s", seen->str);
  g_free (line);

  /* Meanwhile, in another terminal: the other Python example. */
  {
    const char *start[] = { PYTHON, "define-and-start.py", NULL };
    g_auto (Run) run = { 0 };

    run_example (f, TRUE, start, &run);
    g_assert_cmpint (run.status, ==, 0);
  }

  while ((line = read_line (stream)))
    {
      g_string_append_printf (seen, "%s\n", line);
      g_free (line);
    }
  g_subprocess_wait (watcher, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (watcher));
  if (g_subprocess_get_exit_status (watcher) != 0)
    g_error ("watch-events.py exited with %d:\n%s", g_subprocess_get_exit_status (watcher),
             seen->str);

  /* The new State is announced before the event that says why it changed. */
  added = g_strdup_printf ("LifecycleEvent %s \\('defined', 'added'\\)", f->domain_path);
  running = g_strdup_printf ("PropertiesChanged %s org.virtbus.Virt1.Domain .*'State': "
                             "<'running'>.*",
                             f->domain_path);
  booted = g_strdup_printf ("LifecycleEvent %s \\('started', 'booted'\\)", f->domain_path);
  {
    const char *lines[] = { added, running, booted, "saw 2 LifecycleEvents", NULL };
    assert_lines (seen->str, lines);
  }
}

static void
test_watch_events_timeout (Fixture *f, gconstpointer data)
{
  const char *argv[] = { PYTHON, "watch-events.py", "--count", "1", "--timeout", "0.3", NULL };
  g_auto (Run) run = { 0 };

  run_example (f, TRUE, argv, &run);
  g_assert_cmpint (run.status, ==, 1);
  {
    const char *out[] = { "watching org.virtbus.Virt1", "saw 0 LifecycleEvents", NULL };
    const char *err[] = { ".*timed out after 0.3 s with 0 of 1 LifecycleEvents", NULL };
    assert_lines (run.out, out);
    assert_lines (run.err, err);
  }
}

/* Without VB_ADDRESS every example refuses to guess, and says what to set. */
static void
test_no_address (Fixture *f, gconstpointer data)
{
  const char *const examples[][3] = {
    { "./busctl-tour.sh", NULL, NULL },
    { "./gdbus-tour.sh", NULL, NULL },
    { PYTHON, "define-and-start.py", NULL },
    { PYTHON, "watch-events.py", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_auto (Run) run = { 0 };

      run_example (f, FALSE, examples[i], &run);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, "set VB_ADDRESS"));
    }
}

/* The examples on libvirtbus say where it comes from when Python cannot
 * find it (a build tree without GI_TYPELIB_PATH). */
static void
test_no_library (Fixture *f, gconstpointer data)
{
  const char *const examples[][2] = {
    { "define-and-start.py", "define-and-start.py: libvirtbus is not found" },
    { "run-test-guest.py", "run-test-guest.py: libvirtbus is not found" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      const char *argv[] = { PYTHON, examples[i][0], NULL };
      g_autoptr (GSubprocessLauncher) launcher =
        example_launcher (f, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                          TRUE);
      g_autoptr (GSubprocess) process = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *err = NULL;

      g_subprocess_launcher_unsetenv (launcher, "GI_TYPELIB_PATH");
      process = g_subprocess_launcher_spawnv (launcher, argv, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
      g_assert_true (g_str_has_prefix (err, examples[i][1]));
      g_assert_nonnull (strstr (err, "GI_TYPELIB_PATH"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/doc-examples/busctl-tour", test_busctl_tour);
  ADD ("/doc-examples/gdbus-tour", test_gdbus_tour);
  ADD ("/doc-examples/define-and-start", test_define_and_start);
  ADD ("/doc-examples/no-library", test_no_library);
  ADD ("/doc-examples/define-bad-xml", test_define_bad_xml);
  ADD ("/doc-examples/watch-events", test_watch_events);
  ADD ("/doc-examples/watch-events-timeout", test_watch_events_timeout);
  ADD ("/doc-examples/no-address", test_no_address);
  return g_test_run ();
}
