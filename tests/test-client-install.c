/* libvirtbus as `meson install` leaves it, used the way a program outside
 * the tree uses it: this build installed into a temporary DESTDIR, the C
 * example docs/examples/list-domains.c compiled with `pkg-config --cflags
 * --libs virtbus-1` (warnings as errors) against the installed headers and
 * library, and Python loading the installed typelib; both talk to a
 * virtbusd on the test's bus. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "vb-test-env.h"

#define PYTHON "/usr/bin/python3"

static const char python_program[] =
  "import sys\n"
  "import gi\n"
  "gi.require_version('Virtbus', '1.0')\n"
  "from gi.repository import GIRepository, Virtbus\n"
  "client = Virtbus.Client.new_for_address_sync(sys.argv[1], None)\n"
  "print(client.lookup_domain(sys.argv[2]).props.name)\n"
  "print(GIRepository.Repository.get_default().get_typelib_path('Virtbus'))\n";

static const char *
setting (const char *name)
{
  const char *value = g_getenv (name);

  if (!value || !*value)
    g_error ("$%s is not set: run this test through meson test", name);
  return value;
}

/* Runs @argv with @envp (NULL: ours); returns its stdout, fails the test
 * (with its stderr) unless it exits with @expected_status. */
static char *
run (const char *const *argv, const char *const *envp, int expected_status, char **err_out)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *line = g_strjoinv (" ", (char **) argv);
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, (char **) envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                     &err, &status, &error))
    g_error ("%s: %s", line, error->message);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != expected_status)
    g_error ("%s: exit status %d, expected %d:\n%s%s", line, status, expected_status, out, err);
  if (err_out)
    *err_out = g_steal_pointer (&err);
  return g_steal_pointer (&out);
}

static void
test_installed (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = vb_test_domain_xml ("web1", NULL);
  g_autofree char *db1_xml = vb_test_domain_xml ("db1", NULL);
  g_autofree char *web1 = NULL;
  g_autofree char *destdir = g_build_filename (env->tmpdir, "destdir", NULL);
  g_autofree char *destdir_arg = g_strdup_printf ("--destdir=%s", destdir);
  g_autofree char *prefix = g_strconcat (destdir, setting ("VB_INSTALL_PREFIX"), NULL);
  g_autofree char *libdir = g_strconcat (destdir, setting ("VB_INSTALL_LIBDIR"), NULL);
  g_autofree char *typelibdir = g_build_filename (libdir, "girepository-1.0", NULL);
  g_autofree char *pc_dir = g_build_filename (env->tmpdir, "pkgconfig", NULL);
  g_autofree char *pc = g_build_filename (libdir, "pkgconfig", "virtbus-1.pc", NULL);
  g_autofree char *pc_text = NULL;
  g_autofree char *gir = NULL;
  g_autofree char *gir_text = NULL;
  g_autofree char *source = vb_test_source_path ("../docs/examples/list-domains.c");
  g_autofree char *binary = g_build_filename (env->tmpdir, "list-domains", NULL);
  g_auto (GStrv) envp = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  vb_test_env_start_daemon (env, NULL);
  web1 =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  g_free (vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                             g_variant_new ("(su)", db1_xml, 0)));
  {
    /* --no-rebuild: meson test has built it. */
    const char *argv[] = {
      setting ("VB_MESON"), "install",      "-C",      setting ("VB_BUILD_ROOT"),
      destdir_arg,          "--no-rebuild", "--quiet", NULL
    };
    g_free (run (argv, NULL, 0, NULL));
  }

  /* The pkg-config file, moved with the DESTDIR: its prefix made the
   * DESTDIR's (a sysroot would move GLib's paths too). */
  g_assert_true (g_file_get_contents (pc, &pc_text, NULL, NULL));
  {
    g_autofree char *from = g_strdup_printf ("prefix=%s\n", setting ("VB_INSTALL_PREFIX"));
    g_autofree char *to = g_strdup_printf ("prefix=%s\n", prefix);
    g_autofree char *moved = NULL;
    g_autofree char *copy = g_build_filename (pc_dir, "virtbus-1.pc", NULL);

    g_assert_true (g_str_has_prefix (pc_text, from));
    moved = g_strconcat (to, pc_text + strlen (from), NULL);
    g_assert_no_errno (g_mkdir (pc_dir, 0700));
    g_assert_true (g_file_set_contents (copy, moved, -1, NULL));
  }

  /* The example, outside the tree: the umbrella header brings every
   * installed header, which compile without a warning. */
  envp = g_environ_setenv (g_get_environ (), "PKG_CONFIG_PATH", pc_dir, TRUE);
  {
    const char *argv[] = { "pkg-config", "--cflags", "--libs", "virtbus-1", NULL };
    g_autofree char *flags = run (argv, (const char *const *) envp, 0, NULL);
    g_auto (GStrv) flag_argv = NULL;
    g_autoptr (GStrvBuilder) cc = g_strv_builder_new ();
    g_auto (GStrv) cc_argv = NULL;

    g_assert_nonnull (strstr (flags, destdir));
    g_assert_true (g_shell_parse_argv (g_strstrip (flags), NULL, &flag_argv, NULL));
    g_strv_builder_add_many (cc, "cc", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter",
                             "-Werror", "-o", binary, source, NULL);
    g_strv_builder_addv (cc, (const char **) flag_argv);
    cc_argv = g_strv_builder_end (cc);
    g_free (run ((const char *const *) cc_argv, NULL, 0, NULL));
  }
  envp = g_environ_setenv (envp, "LD_LIBRARY_PATH", libdir, TRUE);
  envp = g_environ_setenv (envp, "VB_ADDRESS", env->bus_address, TRUE);
  {
    const char *argv[] = { binary, NULL };
    out = run (argv, (const char *const *) envp, 0, NULL);
    g_assert_cmpstr (out, ==,
                     "NAME                 STATE      VCPUS     MEMORY\n"
                     "db1                  shutoff        2    128 MiB\n"
                     "web1                 shutoff        2    128 MiB\n");
  }
  {
    const char *argv[] = { binary, "web1", NULL };
    g_autofree char *state = NULL;

    g_free (out);
    out = run (argv, (const char *const *) envp, 0, NULL);
    g_assert_cmpstr (out, ==, "web1: running\n");
    state = vb_test_get_string (env, web1, IFACE_DOMAIN, "State");
    g_assert_cmpstr (state, ==, "running");
  }
  {
    const char *argv[] = { binary, "nope", NULL };
    g_free (run (argv, (const char *const *) envp, 1, &err));
    g_assert_cmpstr (err, ==, "list-domains: No domain is named 'nope'\n");
  }

  /* Python with the installed typelib (and not the build's). */
  envp = g_environ_setenv (envp, "GI_TYPELIB_PATH", typelibdir, TRUE);
  {
    const char *argv[] = { PYTHON, "-c", python_program, env->bus_address, "web1", NULL };
    g_autofree char *expected = g_strdup_printf ("web1\n%s/Virtbus-1.0.typelib\n", typelibdir);

    g_free (out);
    out = run (argv, (const char *const *) envp, 0, NULL);
    g_assert_cmpstr (out, ==, expected);
  }

  /* The GIR, for bindings built against it (Vala, Rust): it names the
   * header and the pkg-config package. */
  gir =
    g_build_filename (destdir, setting ("VB_INSTALL_DATADIR"), "gir-1.0", "Virtbus-1.0.gir", NULL);
  g_assert_true (g_file_get_contents (gir, &gir_text, NULL, NULL));
  g_assert_nonnull (strstr (gir_text, "<package name=\"virtbus-1\"/>"));
  g_assert_nonnull (strstr (gir_text, "<c:include name=\"virtbus/virtbus.h\"/>"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/client-install/installed", test_installed);
  return g_test_run ();
}
