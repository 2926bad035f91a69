/* Golden files in libvirt's style, one pair per feature: the domain XML of
 * tests/qemuxml/NAME.xml in, and out
 *   - NAME.args: the QEMU command line the driver builds, one argument a line;
 *   - NAME.stored.xml: what define stores (the canonical form, completed by
 *     the QEMU driver), which must be stored unchanged when defined again;
 * or, for a definition the driver must refuse, NAME.err: the message.
 *
 * VB_GOLDEN_UPDATE=1 writes the outputs instead of comparing them (review the
 * diff before committing). In the XML, @DIR@ stands for a scratch directory
 * of the run: the test of the qemu suite (/qemu-golden/qemu-accepts) creates
 * every file named @DIR@/... there (an image for .img, .raw, .iso,
 * .qcow2, .vmdk, .vdi, .vhdx, .qed and .vhd (vpc), a copy of OVMF's variable template for _VARS.fd, else a directory)
 * and has a real QEMU start (paused) on each
 * command line, unless the input says <!-- golden: no-qemu-run: why -->. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "qemu-command.h"
#include "qemu-complete.h"
#include "qemu-host.h"
#include "vb-error.h"
#include "xml-schema.h"

#define SCRATCH "/tmp/vb-golden"

static const char *const machines[] = { "pc", "q35", "pc-i440fx-7.2", "pc-q35-7.2", "isapc",
                                        "microvm", "pc-i440fx-2.12", "pc-q35-2.12", NULL };

static char *
golden_dir (void)
{
  return g_build_filename (g_getenv ("VB_TEST_SRCDIR"), "qemuxml", NULL);
}

static GPtrArray *
golden_names (void)
{
  g_autofree char *dir = golden_dir ();
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  g_assert_nonnull (listing);
  while ((entry = g_dir_read_name (listing)))
    if (g_str_has_suffix (entry, ".xml") && !g_str_has_suffix (entry, ".stored.xml"))
      g_ptr_array_add (names, g_strndup (entry, strlen (entry) - 4));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

static char *
read_golden (const char *name, const char *suffix)
{
  g_autofree char *dir = golden_dir ();
  g_autofree char *file = g_strconcat (name, suffix, NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static void
compare_or_update (const char *name, const char *suffix, const char *actual)
{
  g_autofree char *expected = read_golden (name, suffix);
  g_autofree char *dir = golden_dir ();
  g_autofree char *file = g_strconcat (name, suffix, NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);

  if (g_getenv ("VB_GOLDEN_UPDATE"))
    {
      g_assert_true (g_file_set_contents (path, actual, -1, NULL));
      return;
    }
  if (expected == NULL)
    g_error ("%s is missing; VB_GOLDEN_UPDATE=1 writes it. It would be:\n%s", path, actual);
  if (!g_str_equal (expected, actual))
    g_error ("%s differs. Expected:\n%s\nbut got:\n%s", path, expected, actual);
}

static VbQemuCommandContext
golden_context (const char *dir, gboolean kvm, gboolean dry_run)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = dir,
    .nvram_dir = dir,
    .swtpm_dir = dir,
    .kvm = kvm,
    .machines = machines,
    .spice = TRUE,
    .virtio_net_failover = TRUE,
    .dry_run = dry_run,
    .now_unix = 1700000000, /* 2023-11-14T22:13:20Z: clocks with an offset */
  };
  return context;
}

static char *
argv_lines (VbQemuCommand *command, const char *scratch)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 1; i < command->argv->len && command->argv->pdata[i]; i++)
    {
      g_string_append (out, command->argv->pdata[i]);
      g_string_append_c (out, '\n');
    }
  /* QEMU's environment (qemu-process.c sets it), after it. */
  for (guint e = 0; e < command->env->len; e++)
    g_string_append_printf (out, "# env %s\n", (const char *) command->env->pdata[e]);
  /* The helper processes the service starts before QEMU, after it. */
  for (guint h = 0; h < command->helpers->len; h++)
    {
      VbQemuHelperSpec *spec = command->helpers->pdata[h];

      g_string_append_printf (out, "# helper %s:", spec->id);
      for (guint i = 0; i < spec->argv->len && spec->argv->pdata[i]; i++)
        g_string_append_printf (out, " %s", (const char *) spec->argv->pdata[i]);
      g_string_append_c (out, '\n');
      if (spec->setup_argv)
        {
          g_string_append_printf (out, "# helper %s setup:", spec->id);
          for (guint i = 0; i < spec->setup_argv->len && spec->setup_argv->pdata[i]; i++)
            g_string_append_printf (out, " %s", (const char *) spec->setup_argv->pdata[i]);
          g_string_append_c (out, '\n');
        }
      if (spec->env)
        g_string_append_printf (out, "# helper %s env %s\n", spec->id, spec->env);
    }
  g_string_replace (out, scratch, "@DIR@", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The input with @DIR@ replaced; NULL with the reason in @skip when the
 * golden says it cannot run here. */
static char *
load_input (const char *name, const char *scratch)
{
  g_autofree char *raw = read_golden (name, ".xml");
  g_autoptr (GString) xml = NULL;

  g_assert_nonnull (raw);
  xml = g_string_new (raw);
  g_string_replace (xml, "@DIR@", scratch, 0);
  return g_string_free (g_steal_pointer (&xml), FALSE);
}

static void
check_one (const char *name)
{
  g_autofree char *xml = load_input (name, SCRATCH);
  g_autofree char *want_err = read_golden (name, ".err");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);
  g_autofree char *stored = NULL;
  g_autoptr (VbDomainDef) stored_def = NULL;
  g_autofree char *again = NULL;
  g_autoptr (VbQemuCommand) command = NULL;
  VbQemuCommandContext context;

  if (def)
    {
      context = golden_context (SCRATCH, g_strcmp0 (def->type, "kvm") == 0, TRUE);
      command = vb_qemu_command_build (def, &context, &error);
      /* As the service reports them: lines of the caller's document. */
      if (!command)
        vb_xml_error_map_lines (error, def->source_lines);
    }
  if (def && command)
    stored = vb_qemu_complete_xml (def, NULL, &error);
  if (!stored)
    {
      g_autofree char *message = NULL;

      g_assert_nonnull (error);
      message = g_strconcat (error->message, "\n", NULL);
      if (!want_err && !g_getenv ("VB_GOLDEN_UPDATE"))
        g_error ("%s.xml was refused: %s", name, error->message);
      compare_or_update (name, ".err", message);
      return;
    }
  if (want_err)
    g_error ("%s.xml was accepted, but %s.err expects: %s", name, name, want_err);
  {
    g_autoptr (GString) shown = g_string_new (stored);

    g_string_replace (shown, SCRATCH, "@DIR@", 0);
    compare_or_update (name, ".stored.xml", shown->str);
  }
  {
    g_autofree char *args = argv_lines (command, SCRATCH);

    compare_or_update (name, ".args", args);
  }
  /* What define stored is stored unchanged by a second define, and runs
   * the same command line. */
  stored_def = vb_domain_def_parse (stored, &error);
  g_assert_no_error (error);
  again = vb_qemu_complete_xml (stored_def, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, stored);
}

static void
test_goldens (void)
{
  g_autoptr (GPtrArray) names = golden_names ();

  g_assert_cmpuint (names->len, >, 0);
  for (guint i = 0; i < names->len; i++)
    {
      g_test_message ("golden %s", (const char *) names->pdata[i]);
      check_one (names->pdata[i]);
    }
}

/* Every file the XML names under the scratch directory: an empty 16 MiB
 * raw image, or a qcow2 one when its name says so. */
static void
create_named_files (const char *xml, const char *scratch)
{
  g_autoptr (GRegex) regex = g_regex_new ("@DIR@/[^'\"<]+", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  g_regex_match (regex, xml, 0, &match);
  for (; g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree char *found = g_match_info_fetch (match, 0);
      g_autofree char *path = g_strconcat (scratch, found + strlen ("@DIR@"), NULL);
      g_autofree char *parent = g_path_get_dirname (path);

      g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
      if (g_file_test (path, G_FILE_TEST_EXISTS) || g_str_has_suffix (path, "/"))
        continue;
      /* An NVDIMM's file: QEMU makes it as large as the NVDIMM. A socket a
       * display server listens on: QEMU makes it (SPICE's would fail on
       * anything already there). */
      if (g_str_has_suffix (path, ".nvdimm") || g_str_has_suffix (path, ".socket"))
        continue;
      if (g_str_has_suffix (path, ".qcow2") || g_str_has_suffix (path, ".vmdk")
          || g_str_has_suffix (path, ".vdi") || g_str_has_suffix (path, ".vhdx")
          || g_str_has_suffix (path, ".qed") || g_str_has_suffix (path, ".vhd"))
        {
          /* The image format its extension names (.vhd: QEMU's vpc). */
          g_autofree char *format =
            g_str_has_suffix (path, ".vhd") ? g_strdup ("vpc") : g_strdup (strrchr (path, '.') + 1);
          const char *argv[] = { "qemu-img", "create", "-q", "-f", format, path, "16M", NULL };
          int status = -1;

          g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                       NULL, NULL, &status, NULL));
          g_assert_cmpint (status, ==, 0);
        }
      else if (g_str_has_suffix (path, "_VARS.fd"))
        {
          g_autofree char *vars = NULL;
          gsize size = 0;

          /* A UEFI variable store, as the service makes it from its template. */
          g_assert_true (g_file_get_contents ("/usr/share/OVMF/OVMF_VARS_4M.fd", &vars, &size, NULL));
          g_assert_true (g_file_set_contents (path, vars, size, NULL));
        }
      else if (g_str_has_suffix (path, ".img") || g_str_has_suffix (path, ".iso")
               || g_str_has_suffix (path, ".raw"))
        {
          g_assert_true (g_file_set_contents (path, "", 0, NULL));
          g_assert_cmpint (truncate (path, 16 << 20), ==, 0);
        }
      else if (g_str_has_suffix (path, ".log") || g_str_has_suffix (path, ".out"))
        {
          /* What QEMU writes (a file character device): QEMU makes it. */
        }
      else
        {
          g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
        }
    }
}

/* The helpers of @command (swtpm, virtiofsd), each listening on its socket
 * when this returns, their state directories in @scratch. */
static GPtrArray *
start_helpers (const char *name, VbQemuCommand *command, const char *scratch)
{
  GPtrArray *running = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint h = 0; h < command->helpers->len; h++)
    {
      VbQemuHelperSpec *spec = command->helpers->pdata[h];
      g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *state = g_build_filename (scratch, "state", spec->id, NULL);
      g_autoptr (GError) error = NULL;
      GSubprocess *helper;
      gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

      g_assert_cmpint (g_mkdir_with_parents (state, 0700), ==, 0);
      /* Its setup (swtpm_setup) first, in the state directory. */
      if (spec->setup_argv)
        {
          g_autoptr (GSubprocessLauncher) launcher =
            g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
          g_autoptr (GSubprocess) setup = NULL;

          g_subprocess_launcher_set_cwd (launcher, state);
          setup =
            g_subprocess_launcher_spawnv (launcher, (const char *const *) spec->setup_argv->pdata,
                                          &error);
          g_assert_no_error (error);
          g_subprocess_wait_check (setup, NULL, &error);
          g_assert_no_error (error);
        }
      for (guint i = 0; i < spec->argv->len && spec->argv->pdata[i]; i++)
        {
          g_autoptr (GString) arg = g_string_new (spec->argv->pdata[i]);

          g_autofree char *runas =
            g_strdup_printf ("%u:%u", (guint) geteuid (), (guint) getegid ());

          g_autofree char *state_file = g_build_filename (state, "tpm-state", NULL);

          /* A state file: the one its setup made there (file://tpm-state). */
          g_string_replace (arg, "@STATEDIR@", spec->state_file ? state_file : state, 0);
          g_string_replace (arg, "@RUNAS@", runas, 0);
          g_ptr_array_add (argv, g_string_free (g_steal_pointer (&arg), FALSE));
        }
      g_ptr_array_add (argv, NULL);
      helper =
        g_subprocess_newv ((const char *const *) argv->pdata, G_SUBPROCESS_FLAGS_NONE, &error);
      g_assert_no_error (error);
      g_ptr_array_add (running, helper);
      while (g_get_monotonic_time () < end && g_subprocess_get_identifier (helper)
             && !g_file_test (spec->socket_path, G_FILE_TEST_EXISTS))
        g_usleep (20000);
      if (!g_file_test (spec->socket_path, G_FILE_TEST_EXISTS))
        g_error ("the helper %s of %s does not listen on %s", spec->id, name, spec->socket_path);
    }
  return running;
}

/* The files of /dev/shm a golden's <shmem name='vb-golden-…'> made
 * (ivshmem-plain keeps its memory in a file that outlives QEMU). */
static void
remove_golden_shm (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/dev/shm", 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, "vb-golden-"))
      {
        g_autofree char *path = g_build_filename ("/dev/shm", name, NULL);

        g_unlink (path);
      }
}

static void
assert_qemu_starts (const char *name, VbQemuCommand *command)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) qemu = NULL;
  g_autoptr (GSubprocessLauncher) launcher
    = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *log = NULL;
  gint64 end;

  g_subprocess_launcher_set_stdout_file_path (launcher, command->log_path);
  for (guint e = 0; e < command->env->len; e++)
    {
      g_auto (GStrv) pair = g_strsplit (command->env->pdata[e], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  qemu = g_subprocess_launcher_spawnv (launcher, (const char *const *) command->argv->pdata,
                                       &error);
  g_assert_no_error (error);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && g_subprocess_get_identifier (qemu)
         && !g_file_test (command->monitor_path, G_FILE_TEST_EXISTS))
    g_usleep (20000);
  /* QEMU creates the monitor early: give the rest of its set-up a moment. */
  g_usleep (300000);
  g_file_get_contents (command->log_path, &log, NULL, NULL);
  if (!g_subprocess_get_identifier (qemu)
      || !g_file_test (command->monitor_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *line = vb_qemu_command_to_string (command);

      g_error ("QEMU refused the command line of %s:\n%s\nits log:\n%s", name, line, log);
    }
  g_subprocess_force_exit (qemu);
  g_subprocess_wait (qemu, NULL, NULL);
}

static void
test_qemu_accepts (void)
{
  g_autoptr (GPtrArray) names = golden_names ();
  g_autofree char *qemu = g_find_program_in_path ("qemu-system-x86_64");
  guint ran = 0;

  if (!qemu)
    {
      g_test_skip ("no qemu-system-x86_64");
      return;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *raw = read_golden (name, ".xml");
      g_autofree char *err = read_golden (name, ".err");
      g_autofree char *scratch = NULL;
      g_autofree char *xml = NULL;
      g_autofree char *rm = NULL;
      g_autoptr (VbDomainDef) def = NULL;
      g_autoptr (VbQemuCommand) command = NULL;
      g_autoptr (GError) error = NULL;
      VbQemuCommandContext context;

      if (err || strstr (raw, "<!-- golden: no-qemu-run"))
        continue;
      scratch = g_dir_make_tmp ("vb-golden-XXXXXX", &error);
      g_assert_no_error (error);
      xml = load_input (name, scratch);
      create_named_files (raw, scratch);
      def = vb_domain_def_parse (xml, &error);
      g_assert_no_error (error);
      /* Under TCG whatever the type says: KVM may not work here. */
      context = golden_context (scratch, FALSE, FALSE);
      context.qemu_binary = qemu;
      /* Ports others may hold (a guest of another test): the first free one. */
      context.free_tcp_port = vb_qemu_host_free_tcp_port;
      /* placement='auto': numad's advice, as a start would have it. */
      context.numad_nodes = "0";
      command = vb_qemu_command_build (def, &context, &error);
      g_assert_no_error (error);
      g_free (command->argv->pdata[0]);
      command->argv->pdata[0] = g_strdup (qemu);
      g_test_message ("starting QEMU for %s", name);
      {
        g_autoptr (GPtrArray) helpers = start_helpers (name, command, scratch);

        assert_qemu_starts (name, command);
        for (guint h = 0; h < helpers->len; h++)
          {
            g_subprocess_force_exit (helpers->pdata[h]);
            g_subprocess_wait (helpers->pdata[h], NULL, NULL);
          }
      }
      ran++;
      rm = g_strdup_printf ("rm -rf %s", scratch);
      g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
      remove_golden_shm ();
    }
  g_assert_cmpuint (ran, >, 0);
}

int
main (int argc, char **argv)
{
  gboolean qemu = argc > 1 && g_str_equal (argv[1], "--qemu");

  if (qemu)
    argv[1] = argv[0], argv++, argc--;
  g_test_init (&argc, &argv, NULL);
  if (qemu)
    g_test_add_func ("/qemu-golden/qemu-accepts", test_qemu_accepts);
  else
    g_test_add_func ("/qemu-golden/goldens", test_goldens);
  return g_test_run ();
}
