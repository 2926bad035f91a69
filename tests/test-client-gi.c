/* libvirtbus through GObject Introspection: tests/client-gi.py (Python) and
 * tests/client-gi.js (GJS, when gjs is installed) run against a virtbusd on
 * the test's bus with the build's typelib and library; their output is
 * checked here, and the service is asked whether they did what they say. */
#include <string.h>

#include "vb-test-env.h"

#define UUID1 "6a3c3b5e-7d0c-4a9f-9f5d-0d3e2c1b4a01"
/* Debian's interpreter: the one python3-gi belongs to. */
#define PYTHON "/usr/bin/python3"

typedef struct {
  VbTestEnv *env;
  char *web1;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *web1 = vb_test_domain_xml ("web1", UUID1);
  g_autofree char *db1 = vb_test_domain_xml ("db1", NULL);

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->web1 = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                               g_variant_new ("(su)", web1, 0));
  g_free (vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                             g_variant_new ("(su)", db1, 0)));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_free (f->web1);
  vb_test_env_free (f->env);
}

/* Runs @argv with the bus address (the build's typelib and library are in
 * GI_TYPELIB_PATH and LD_LIBRARY_PATH: tests/meson.build); asserts it exits
 * 0; returns its output. */
static char *
run_script (Fixture *f, const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_subprocess_launcher_setenv (launcher, "VB_ADDRESS", f->env->bus_address, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_test_message ("%s:\n%s%s", argv[1], out, err);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_error ("%s failed:\n%s%s", argv[1], out, err);
  return g_steal_pointer (&out);
}

static void
assert_has_line (const char *out, const char *pattern)
{
  g_autofree char *anchored = g_strdup_printf ("^%s$", pattern);

  if (!g_regex_match_simple (anchored, out, G_REGEX_MULTILINE, 0))
    g_error ("no line matches '%s' in:\n%s", pattern, out);
}

static void
test_python (Fixture *f, gconstpointer data)
{
  g_autofree char *script = vb_test_source_path ("client-gi.py");
  g_autofree char *pool_dir = g_build_filename (f->env->tmpdir, "images", NULL);
  const char *argv[] = { PYTHON, script, pool_dir, NULL };
  g_autofree char *out = run_script (f, argv);
  g_autofree char *state = NULL;
  g_autofree char *file = g_build_filename (pool_dir, "data.img", NULL);
  g_autofree char *contents = NULL;
  gsize len;

  assert_has_line (out, "version: [0-9]+\\.[0-9]+\\.[0-9]+");
  assert_has_line (out, "domains: db1 web1");
  assert_has_line (out, "web1: running booted");
  assert_has_line (out, "by uuid: web1");
  assert_has_line (out, "nope: No domain is named 'nope'");
  assert_has_line (out, "start again: OperationInvalid");
  assert_has_line (out, "job: completed 8388608");
  assert_has_line (out, "job again: True");

  /* What the script says happened, happened. */
  state = vb_test_get_string (f->env, f->web1, IFACE_DOMAIN, "State");
  g_assert_cmpstr (state, ==, "running");
  g_assert_true (g_file_get_contents (file, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, 8 << 20);
  for (gsize i = 0; i < len; i++)
    if ((guint8) contents[i] != (guint8) (i % 256))
      g_error ("data.img differs from what was uploaded at byte %" G_GSIZE_FORMAT, i);
}

static void
test_gjs (Fixture *f, gconstpointer data)
{
  g_autofree char *gjs = g_find_program_in_path ("gjs");
  g_autofree char *script = vb_test_source_path ("client-gi.js");
  g_autofree char *out = NULL;
  g_autofree char *state = NULL;

  if (!gjs)
    {
      /* Debian's gjs brings SpiderMonkey (about 33 MB): not in dev.sh's list. */
      g_test_skip ("gjs is not installed (apt-get install gjs)");
      return;
    }
  {
    const char *argv[] = { gjs, script, NULL };
    out = run_script (f, argv);
  }
  assert_has_line (out, "domains: db1 web1");
  assert_has_line (out, "web1: running booted");
  assert_has_line (out, "nope: No domain is named 'nope'");
  assert_has_line (out, "start again: OperationInvalid");
  state = vb_test_get_string (f->env, f->web1, IFACE_DOMAIN, "State");
  g_assert_cmpstr (state, ==, "running");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/client-gi/python", Fixture, NULL, fixture_set_up, test_python, fixture_tear_down);
  g_test_add ("/client-gi/gjs", Fixture, NULL, fixture_set_up, test_gjs, fixture_tear_down);
  return g_test_run ();
}
