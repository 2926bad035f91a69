/* virtbusctl where a person uses it: in bash in a real terminal (a tmux
 * pane), on the test driver. Completion of a domain name with Tab, and
 * `edit` with an $EDITOR that breaks the XML, sees the service's error and
 * the question, answers it, and fixes the XML. The console on a real guest
 * is test-ctl-console.c's. */
#include <glib/gstdio.h>
#include <string.h>

#include "vb-test-ctl.h"
#include "vb-test-env.h"
#include "vb-test-tmux.h"

#define TIMEOUT_MS 20000

typedef struct {
  VbTestEnv *env;
  VbTmux *tmux;
  char *web;
  char *db;
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *web = vb_test_domain_xml ("webserver1", NULL);
  g_autofree char *db = vb_test_domain_xml ("db1", NULL);

  if (!vb_tmux_available ())
    return;
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->web = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                              g_variant_new ("(su)", web, 0));
  f->db = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                             g_variant_new ("(su)", db, 0));
  f->tmux = vb_tmux_new (f->env->tmpdir);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  if (!f->env)
    return;
  g_clear_pointer (&f->tmux, vb_tmux_free);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_free (f->web);
  g_free (f->db);
  vb_test_env_free (f->env);
}

/* What a person types before the command: the test's bus. */
static char *
command_line (Fixture *f, const char *rest)
{
  return g_strdup_printf ("virtbusctl --address %s %s", f->env->bus_address, rest);
}

static void
test_completion (Fixture *f, gconstpointer data)
{
  g_autofree char *partial = NULL;
  g_autofree char *state = NULL;

  if (!f->env)
    return;
  /* A command, an option, then a live domain name: each Tab completes. */
  vb_tmux_type (f->tmux, "virtbusctl --address ");
  vb_tmux_type (f->tmux, f->env->bus_address);
  vb_tmux_type (f->tmux, " li");
  vb_tmux_keys (f->tmux, "Tab");
  g_free (vb_tmux_wait (f->tmux, " list $", TIMEOUT_MS));
  vb_tmux_type (f->tmux, "--a");
  vb_tmux_keys (f->tmux, "Tab");
  g_free (vb_tmux_wait (f->tmux, " list --all $", TIMEOUT_MS));
  vb_tmux_keys (f->tmux, "C-u");

  partial = command_line (f, "start web");
  vb_tmux_type (f->tmux, partial);
  vb_tmux_keys (f->tmux, "Tab");
  g_free (vb_tmux_wait (f->tmux, " start webserver1 $", TIMEOUT_MS));
  vb_tmux_keys (f->tmux, "Enter");
  g_free (vb_tmux_wait (f->tmux, "^Domain 'webserver1' started$", TIMEOUT_MS));
  state = vb_test_get_string (f->env, f->web, IFACE_DOMAIN, "State");
  g_assert_cmpstr (state, ==, "running");
}

/* A name is anything but '/': Tab puts `a b`, `x;cmd` and `x$(cmd)` on the
 * line as one word each, quoted the way the person began (backslashes,
 * '...', "..."), so that Enter runs virtbusctl on that domain and nothing
 * else; and the words after a quoted name are counted right. */
static void
test_completion_quoting (Fixture *f, gconstpointer data)
{
  static const char *const names[] = { "a b", "x;cmd", "x$(cmd)" };
  char *paths[G_N_ELEMENTS (names)] = { NULL };
  g_autofree char *saved = NULL;
  g_autofree char *screen = NULL;

  if (!f->env)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *xml = vb_test_domain_xml (names[i], NULL);

      paths[i] = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", xml, 0));
    }

  /* Unquoted: the blank escaped. */
  {
    g_autofree char *line = command_line (f, "start a");

    vb_tmux_type (f->tmux, line);
    vb_tmux_keys (f->tmux, "Tab");
    g_free (vb_tmux_wait (f->tmux, " start a\\\\ b $", TIMEOUT_MS));
    vb_tmux_keys (f->tmux, "Enter");
    g_free (vb_tmux_wait (f->tmux, "^Domain 'a b' started$", TIMEOUT_MS));
  }
  /* An escaped ';' typed, the rest completed escaped too. */
  {
    g_autofree char *line = command_line (f, "start x\\;");

    vb_tmux_type (f->tmux, line);
    vb_tmux_keys (f->tmux, "Tab");
    g_free (vb_tmux_wait (f->tmux, " start x\\\\;cmd $", TIMEOUT_MS));
    vb_tmux_keys (f->tmux, "Enter");
    g_free (vb_tmux_wait (f->tmux, "^Domain 'x;cmd' started$", TIMEOUT_MS));
  }
  /* Inside '...': the name as it is, the quote closed. */
  {
    g_autofree char *line = command_line (f, "start 'x$");

    vb_tmux_type (f->tmux, line);
    vb_tmux_keys (f->tmux, "Tab");
    g_free (vb_tmux_wait (f->tmux, " start 'x\\$\\(cmd\\)' $", TIMEOUT_MS));
    vb_tmux_keys (f->tmux, "Enter");
    g_free (vb_tmux_wait (f->tmux, "^Domain 'x\\$\\(cmd\\)' started$", TIMEOUT_MS));
  }
  /* Inside "...": '$' escaped. */
  {
    g_autofree char *line = command_line (f, "dominfo \"x$");

    vb_tmux_type (f->tmux, line);
    vb_tmux_keys (f->tmux, "Tab");
    g_free (vb_tmux_wait (f->tmux, " dominfo \"x\\\\\\$\\(cmd\\)\" $", TIMEOUT_MS));
    vb_tmux_keys (f->tmux, "C-u");
  }
  /* After a quoted name with a blank, the next argument is save's FILE. */
  saved = g_build_filename (f->env->tmpdir, "saved-state-file", NULL);
  g_assert_true (g_file_set_contents (saved, "", 0, NULL));
  {
    g_autofree char *line = command_line (f, "save 'a b' saved-st");

    vb_tmux_type (f->tmux, line);
    vb_tmux_keys (f->tmux, "Tab");
    g_free (vb_tmux_wait (f->tmux, " save 'a b' saved-state-file $", TIMEOUT_MS));
    vb_tmux_keys (f->tmux, "C-u");
  }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *state = vb_test_get_string (f->env, paths[i], IFACE_DOMAIN, "State");

      g_assert_cmpstr (state, ==, "running");
      g_free (paths[i]);
    }
  /* Nothing ran but virtbusctl. */
  screen = vb_tmux_screen (f->tmux);
  g_assert_null (strstr (screen, "command not found"));
}

static char *
editor (Fixture *f, const char *name, const char *body)
{
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\nset -e\n%s\n", body);
  char *path = g_build_filename (f->env->tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

static void
test_edit (Fixture *f, gconstpointer data)
{
  g_autofree char *count = NULL;
  g_autofree char *body = NULL;
  g_autofree char *fixing = NULL;
  g_autofree char *edit = NULL;
  g_autofree char *line = NULL;

  if (!f->env)
    return;
  /* First run: a typo in the XML. Second run: the typo fixed and the memory
   * doubled, as the person at the editor would after reading the error. */
  count = g_build_filename (f->env->tmpdir, "edits", NULL);
  body = g_strdup_printf (
    "echo x >> '%s'\n"
    "if [ $(wc -l < '%s') = 1 ]; then sed -i 's|</vcpu>|</vcpus>|' \"$1\"; exit 0; fi\n"
    "sed -i 's|</vcpus>|</vcpu>|; s|>131072</memory>|>262144</memory>|' \"$1\"",
    count, count);
  fixing = editor (f, "fixing-editor", body);
  edit = command_line (f, "edit db1");
  line = g_strdup_printf ("EDITOR=%s %s; echo edit-exit=$?", fixing, edit);
  vb_tmux_type (f->tmux, line);
  vb_tmux_keys (f->tmux, "Enter");
  g_free (vb_tmux_wait (f->tmux, "^error: .*vcpu", TIMEOUT_MS));
  g_free (vb_tmux_wait (f->tmux, "^Failed\\. Try again\\? \\[y,n,f,\\?\\]: $", TIMEOUT_MS));
  /* Nothing is defined while the question waits. */
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->db, IFACE_DOMAIN, "MemoryKiB"), ==, 131072);
  vb_tmux_type (f->tmux, "y");
  vb_tmux_keys (f->tmux, "Enter");
  g_free (
    vb_tmux_wait (f->tmux, "^Domain 'db1' XML configuration edited\\.\nedit-exit=0$", TIMEOUT_MS));
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->db, IFACE_DOMAIN, "MemoryKiB"), ==, 262144);
}

/* Runs `edit db1` in the pane with @editor; returns once the editor has
 * the temporary file, whose path it wrote to @marker. */
static char *
edit_until_editing (Fixture *f, const char *editor, const char *marker)
{
  g_autofree char *edit = command_line (f, "edit db1");
  g_autofree char *line = g_strdup_printf ("EDITOR=%s %s; echo edit-exit=$?", editor, edit);
  g_autofree char *path = NULL;
  gint64 end = g_get_monotonic_time () + TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  vb_tmux_type (f->tmux, "clear");
  vb_tmux_keys (f->tmux, "Enter");
  vb_tmux_type (f->tmux, line);
  vb_tmux_keys (f->tmux, "Enter");
  while (!g_file_get_contents (marker, &path, NULL, NULL) || !g_str_has_suffix (path, "\n"))
    {
      g_clear_pointer (&path, g_free);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (50 * 1000);
    }
  g_unlink (marker);
  g_strchomp (path);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  return g_steal_pointer (&path);
}

/* The temporary file of edit holds the passwords: it goes whatever happens
 * while the editor runs. Ctrl-C belongs to the editor, as in virsh: one that
 * ignores it (as vi does) goes on and its changes are defined; one that it
 * ends fails the edit. SIGTERM to virtbusctl ends the edit once the editor
 * left, defining nothing. */
static void
test_edit_interrupted (Fixture *f, gconstpointer data)
{
  g_autofree char *marker = NULL;
  g_autofree char *go = NULL;
  g_autofree char *body = NULL;
  g_autofree char *patient = NULL;
  g_autofree char *mortal = NULL;
  g_autofree char *terminating = NULL;
  g_autofree char *file = NULL;

  if (!f->env)
    return;
  marker = g_build_filename (f->env->tmpdir, "editing", NULL);
  go = g_build_filename (f->env->tmpdir, "go", NULL);

  /* Ctrl-C while an editor that ignores it waits. */
  body = g_strdup_printf ("trap '' INT\n"
                          "echo \"$1\" > '%s'\n"
                          "while [ ! -e '%s' ]; do sleep 0.1; done\n"
                          "sed -i 's|>131072</memory>|>262144</memory>|' \"$1\"",
                          marker, go);
  patient = editor (f, "patient-editor", body);
  file = edit_until_editing (f, patient, marker);
  /* The terminal echoes it as ^C. */
  vb_tmux_keys (f->tmux, "C-c");
  g_usleep (200 * 1000);
  g_assert_true (g_file_set_contents (go, "", 0, NULL));
  g_free (vb_tmux_wait (f->tmux, "^(\\^C)?Domain 'db1' XML configuration edited\\.\nedit-exit=0$",
                        TIMEOUT_MS));
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->db, IFACE_DOMAIN, "MemoryKiB"), ==, 262144);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));

  /* Ctrl-C ends the editor: the edit fails, the file goes. */
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&file, g_free);
  body = g_strdup_printf ("echo \"$1\" > '%s'\nsleep 60", marker);
  mortal = editor (f, "mortal-editor", body);
  file = edit_until_editing (f, mortal, marker);
  vb_tmux_keys (f->tmux, "C-c");
  g_free (vb_tmux_wait (f->tmux, "^(\\^C)?error: the editor failed: .*\nedit-exit=1$", TIMEOUT_MS));
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));

  /* SIGTERM to virtbusctl (the editor's parent) while the editor runs: the
   * editor's changes are not defined, the file goes. */
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&file, g_free);
  body = g_strdup_printf ("echo \"$1\" > '%s'\n"
                          "kill -TERM $PPID\n"
                          "sleep 0.5\n"
                          "sed -i 's|>262144</memory>|>524288</memory>|' \"$1\"",
                          marker);
  terminating = editor (f, "terminating-editor", body);
  file = edit_until_editing (f, terminating, marker);
  g_free (vb_tmux_wait (f->tmux,
                        "^error: interrupted \\(Terminated\\): the changes to domain 'db1' were "
                        "not defined\nedit-exit=1$",
                        TIMEOUT_MS));
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->db, IFACE_DOMAIN, "MemoryKiB"), ==, 262144);
}

/* Text of the service or of a definition may hold what a terminal acts on
 * (escape sequences, carriage returns, C1 controls) or shows as something
 * else (bidi overrides): on a terminal virtbusctl shows it escaped, in its
 * tables, lines and error messages; through a pipe the bytes stay. */
static void
test_escapes (Fixture *f, gconstpointer data)
{
  static const char xml[] =
    "<domain type='test'>\n  <name>esc</name>\n  <memory unit='MiB'>128</memory>\n"
    "  <vcpu>1</vcpu>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <source file='/images/ok&#13;fake&#x9b;2J&#x202e;gpj.img'/>\n"
    "      <target dev='vda' bus='virtio'/>\n    </disk>\n  </devices>\n</domain>\n";
  static const char raw_path[] = "/images/ok\rfake\302\233"
                                 "2J\342\200\256gpj.img";
  const char *const stats[] = { "domstats", "esc", NULL };
  g_autoptr (VbCtlRun) piped = NULL;
  g_autofree char *path = NULL;
  g_autofree char *line = NULL;

  if (!f->env)
    return;
  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));

  /* A table's cell: the disk's path. */
  line = command_line (f, "domstats esc");
  vb_tmux_type (f->tmux, line);
  vb_tmux_keys (f->tmux, "Enter");
  g_free (vb_tmux_wait (f->tmux,
                        "^  block\\.0\\.path=/images/ok\\\\x0dfake\\\\u009b2J\\\\u202egpj\\.img$",
                        TIMEOUT_MS));

  /* An error message: the name as typed, ESC and all. */
  g_free (line);
  line = command_line (f, "dominfo $'\\e[2J\\e[31mnope'; echo dominfo-exit=$?");
  vb_tmux_type (f->tmux, line);
  vb_tmux_keys (f->tmux, "Enter");
  g_free (vb_tmux_wait (f->tmux, "^error: .*\\\\x1b\\[2J\\\\x1b\\[31mnope.*\ndominfo-exit=3$",
                        TIMEOUT_MS));

  /* No terminal: what the service said, byte for byte. */
  piped = vb_ctl_run (f->env, NULL, stats);
  g_assert_cmpint (piped->status, ==, 0);
  g_assert_nonnull (strstr (piped->out, raw_path));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/ctl-terminal/completion", Fixture, NULL, set_up, test_completion, tear_down);
  g_test_add ("/ctl-terminal/completion-quoting", Fixture, NULL, set_up, test_completion_quoting,
              tear_down);
  g_test_add ("/ctl-terminal/escapes", Fixture, NULL, set_up, test_escapes, tear_down);
  g_test_add ("/ctl-terminal/edit", Fixture, NULL, set_up, test_edit, tear_down);
  g_test_add ("/ctl-terminal/edit-interrupted", Fixture, NULL, set_up, test_edit_interrupted,
              tear_down);
  return g_test_run ();
}
