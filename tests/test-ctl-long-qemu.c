/* virtbusctl's long operations on the project's test guest under QEMU:
 * save and restore, managedsave, blockcopy (--pivot, --finish, a job left
 * running and cancelled), migrate between two services, and in tmux a
 * migration whose bar moves, then Ctrl-C cancelling it. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "vb-test-ctl.h"
#include "vb-test-env.h"
#include "vb-test-pane.h"

#define BOOT_TIMEOUT_MS 60000

typedef struct {
  VbTestEnv *env;
  VbTestEnv *dst; /* the migration's destination, when the test has one */
  char *disk;
  char *path;
} Fixture;

#define CTL_RUN(env, ...) vb_ctl_run ((env), NULL, (const char *[]){ __VA_ARGS__, NULL })

static void
set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  if (data)
    {
      f->dst = vb_test_env_new (VB_TEST_ENV_NONE);
      vb_test_env_start_daemon (f->dst, NULL);
    }
  f->disk = g_build_filename (f->env->tmpdir, "disk.img", NULL);
  vb_test_sparse_file (f->disk, 8 << 20);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  if (f->dst)
    {
      g_assert_true (vb_test_env_daemon_alive (f->dst));
      vb_test_env_free (f->dst);
    }
  vb_test_env_free (f->env);
  g_free (f->disk);
  g_free (f->path);
}

/* Boots the guest "g" with its disk; persistent. */
static void
boot (Fixture *f)
{
  g_autofree char *disk = vb_test_disk_xml (f->disk, "raw", "vda");
  g_autofree char *xml = vb_test_guest_xml ("g", 160, NULL, disk);

  f->path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
}

static void
assert_ok (VbCtlRun *run, const char *out)
{
  if (run->status != 0)
    g_error ("virtbusctl exited with %d:\n%s%s", run->status, run->out, run->err);
  if (out)
    g_assert_cmpstr (run->out, ==, out);
}

static char *
state (VbTestEnv *env, const char *path)
{
  return vb_test_get_string (env, path, IFACE_DOMAIN, "State");
}

static JsonObject *
parse_object (const char *text, JsonParser *parser)
{
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_save_restore (Fixture *f, gconstpointer data)
{
  g_autofree char *image = g_build_filename (f->env->tmpdir, "g.save", NULL);
  g_autofree char *said = g_strdup_printf ("Domain 'g' saved to %s\n", image);
  g_autofree char *restored = g_strdup_printf ("Domain 'g' restored from %s\n", image);
  g_autoptr (VbCtlRun) save = NULL, again = NULL, restore = NULL, managed = NULL, start = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *st = NULL, *reason = NULL;
  JsonObject *job;

  boot (f);
  /* A relative FILE is the caller's: virtbusctl makes it absolute. */
  {
    g_autofree char *cwd = g_get_current_dir ();

    g_assert_cmpint (g_chdir (f->env->tmpdir), ==, 0);
    save = CTL_RUN (f->env, "save", "g", "g.save");
    g_assert_cmpint (g_chdir (cwd), ==, 0);
  }
  assert_ok (save, said);
  g_assert_nonnull (strstr (save->err, "Save: 100%"));
  g_assert_nonnull (strstr (save->err, "(completed)"));
  st = state (f->env, f->path);
  reason = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "StateReason");
  g_assert_cmpstr (st, ==, "shutoff");
  g_assert_cmpstr (reason, ==, "saved");
  g_assert_true (g_file_test (image, G_FILE_TEST_IS_REGULAR));
  /* A save never replaces a file: the service's error, exit 1. */
  again = CTL_RUN (f->env, "save", "g", image);
  g_assert_cmpint (again->status, ==, 1);

  restore = CTL_RUN (f->env, "--json", "restore", image, "--paused");
  assert_ok (restore, NULL);
  job = parse_object (restore->out, parser);
  g_assert_cmpstr (json_object_get_string_member (job, "operation"), ==, "restore");
  g_assert_cmpstr (json_object_get_string_member (job, "phase"), ==, "completed");
  g_assert_cmpstr (json_object_get_string_member (job, "object"), ==, f->path);
  g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("paused"), 10000));
  {
    g_autoptr (VbCtlRun) plain = CTL_RUN (f->env, "resume", "g");

    assert_ok (plain, "Domain 'g' resumed\n");
  }

  managed = CTL_RUN (f->env, "managedsave", "g");
  assert_ok (managed, "Domain 'g' state saved by virtbus\n");
  g_assert_nonnull (strstr (managed->err, "Managed save: 100%"));
  g_assert_true (vb_test_get_bool (f->env, f->path, IFACE_DOMAIN, "HasManagedSave"));
  start = CTL_RUN (f->env, "start", "g");
  assert_ok (start, "Domain 'g' started\n");
  g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 10000));
  g_assert_false (vb_test_get_bool (f->env, f->path, IFACE_DOMAIN, "HasManagedSave"));
  {
    g_autoptr (VbCtlRun) usage = CTL_RUN (f->env, "managedsave", "g", "--running", "--paused");

    g_assert_cmpint (usage->status, ==, 2);
  }
}

static void
test_blockcopy (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "copy.img", NULL);
  g_autofree char *second = g_build_filename (f->env->tmpdir, "second.img", NULL);
  g_autofree char *third = g_build_filename (f->env->tmpdir, "third.qcow2", NULL);
  g_autofree char *pivoted =
    g_strdup_printf ("Successfully pivoted: the domain's vda is now %s\n", copy);
  g_autoptr (VbCtlRun) pivot = NULL, started = NULL, list = NULL, cancel = NULL, finish = NULL;
  g_autoptr (VbCtlRun) busy = NULL;
  g_autofree char *xml = NULL, *job = NULL, *phase = NULL, *source = NULL;

  boot (f);
  pivot = CTL_RUN (f->env, "blockcopy", "g", "vda", copy, "--pivot");
  assert_ok (pivot, pivoted);
  g_assert_nonnull (strstr (pivot->err, "Block copy: "));
  g_assert_nonnull (strstr (pivot->err, "(ready)"));
  g_assert_nonnull (strstr (pivot->err, "(completed)"));
  xml = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  source = g_strdup_printf ("<source file='%s'", copy);
  g_assert_nonnull (strstr (xml, source));

  /* Without --wait: it starts and returns; job-list shows it, job-cancel ends it. */
  started = CTL_RUN (f->env, "blockcopy", "g", "vda", second);
  assert_ok (started, NULL);
  g_assert_true (
    g_str_has_prefix (started->out, "Block copy started: job /org/virtbus/Virt1/job/"));
  job = g_strndup (started->out + strlen ("Block copy started: job "),
                   strcspn (started->out + strlen ("Block copy started: job "), "\n"));
  list = CTL_RUN (f->env, "job-list");
  assert_ok (list, NULL);
  g_assert_nonnull (strstr (list->out, "block-copy   g "));
  /* Another copy of the disk is the service's to refuse. */
  busy = CTL_RUN (f->env, "blockcopy", "g", "vda", third, "--wait");
  g_assert_cmpint (busy->status, ==, 1);
  g_free (phase);
  phase = vb_test_job_wait_phase (f->env, job, "ready|completed|failed", 60000);
  g_assert_cmpstr (phase, ==, "ready");
  cancel = CTL_RUN (f->env, "job-cancel", job);
  assert_ok (cancel, NULL);
  g_free (phase);
  phase = vb_test_job_wait_phase (f->env, job, "cancelled|completed|failed", 30000);
  g_assert_cmpstr (phase, ==, "cancelled");

  /* --finish: copied, then ended, the guest keeps its disk. */
  finish = CTL_RUN (f->env, "blockcopy", "g", "vda", third, "--format", "qcow2", "--finish");
  assert_ok (finish, "Successfully copied; the domain keeps its disk vda\n");
  g_free (xml);
  xml = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (xml, source));
  g_assert_true (g_file_test (third, G_FILE_TEST_IS_REGULAR));
}

static void
test_migrate (Fixture *f, gconstpointer data)
{
  g_autofree char *said = g_strdup_printf ("Domain 'g' migrated to %s\n", f->dst->bus_address);
  g_autoptr (VbCtlRun) migrate = NULL, src_list = NULL, dst_info = NULL;

  boot (f);
  migrate = CTL_RUN (f->env, "migrate", "g", f->dst->bus_address, "--live", "--persistent",
                     "--undefinesource", "--tls");
  assert_ok (migrate, said);
  g_assert_nonnull (strstr (migrate->err, "Migration: "));
  g_assert_nonnull (strstr (migrate->err, "(completed)"));
  src_list = CTL_RUN (f->env, "list", "--all", "--name");
  assert_ok (src_list, "");
  dst_info = CTL_RUN (f->dst, "--json", "dominfo", "g");
  assert_ok (dst_info, NULL);
  g_assert_nonnull (strstr (dst_info->out, "\"state\" : \"running\""));
  g_assert_nonnull (strstr (dst_info->out, "\"persistent\" : true"));
  {
    g_autoptr (VbCtlRun) unknown = CTL_RUN (f->env, "migrate", "g", f->dst->bus_address);

    g_assert_cmpint (unknown->status, ==, 3);
  }
}

static int
percent_of (const char *line)
{
  const char *percent = strchr (line, '%');
  const char *start = percent;

  g_assert_nonnull (percent);
  while (start > line && g_ascii_isdigit (start[-1]))
    start--;
  return atoi (start);
}

static guint
count (const char *text, const char *needle)
{
  guint n = 0;

  for (const char *at = strstr (text, needle); at; at = strstr (at + 1, needle))
    n++;
  return n;
}

/* A migration slowed to 1 MiB/s in a terminal: its bar moves, then Ctrl-C
 * cancels it and the guest goes on running here. */
static void
test_terminal_migrate (Fixture *f, gconstpointer data)
{
  g_autofree char *command = NULL, *first = NULL, *second = NULL, *screen = NULL;
  g_autofree char *st = NULL;
  g_autoptr (VbPane) tmux = NULL;
  g_autoptr (VbCtlRun) dst_list = NULL;

  boot (f);
  command = g_strdup_printf ("%s --address %s migrate g %s --bandwidth 1", vb_ctl_path (),
                             f->env->bus_address, f->dst->bus_address);
  tmux = vb_pane_new (f->env->tmpdir, command, 150);
  g_assert_true (vb_pane_wait_text (tmux, "precopy", 60000));
  g_usleep (1000 * 1000);
  first = vb_pane_line_with (tmux, "Migration [");
  g_usleep (2000 * 1000);
  second = vb_pane_line_with (tmux, "Migration [");
  g_test_message ("%s\n%s", first, second);
  g_assert_nonnull (first);
  g_assert_cmpstr (first, !=, second);
  g_assert_cmpint (percent_of (second), >=, percent_of (first));
  g_assert_nonnull (strstr (second, "MiB of "));
  g_assert_nonnull (strstr (second, "/s"));
  vb_pane_send_keys (tmux, "C-c");
  g_assert_true (vb_pane_wait_text (tmux, "[exit 1]", 60000));
  screen = vb_pane_capture (tmux);
  g_assert_nonnull (strstr (screen, "Cancelling the job..."));
  g_assert_nonnull (strstr (screen, "error: The migrate job was cancelled"));
  /* Redrawn in place: the bar as it was at Ctrl-C, and as it ended. */
  g_assert_cmpuint (count (screen, "Migration ["), ==, 2);
  g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 20000));
  st = state (f->env, f->path);
  g_assert_cmpstr (st, ==, "running");
  dst_list = CTL_RUN (f->dst, "list", "--all", "--name");
  assert_ok (dst_list, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/ctl-long-qemu/save-restore", Fixture, NULL, set_up, test_save_restore, tear_down);
  g_test_add ("/ctl-long-qemu/blockcopy", Fixture, NULL, set_up, test_blockcopy, tear_down);
  g_test_add ("/ctl-long-qemu/migrate", Fixture, "two", set_up, test_migrate, tear_down);
  g_test_add ("/ctl-long-qemu/terminal-migrate", Fixture, "two", set_up, test_terminal_migrate,
              tear_down);
  return g_test_run ();
}
