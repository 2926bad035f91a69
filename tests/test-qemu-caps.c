/* QEMU capabilities against the installed QEMU: what the probe finds, that a
 * second ask is answered from the cache, and that a changed binary (a copy
 * whose mtime we move) is probed again. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <utime.h>

#include "qemu-caps.h"
#include "vb-error.h"

typedef struct {
  gboolean done;
  VbQemuCaps *caps;
  GError *error;
} CapsAnswer;

static void
caps_answer_clear (CapsAnswer *answer)
{
  g_clear_pointer (&answer->caps, vb_qemu_caps_unref);
  g_clear_error (&answer->error);
  answer->done = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CapsAnswer, caps_answer_clear)

static void
on_caps (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CapsAnswer *answer = user_data;

  answer->caps = vb_qemu_caps_get_finish (result, &answer->error);
  answer->done = TRUE;
}

static gboolean
on_deadline (gpointer user_data)
{
  g_error ("no capabilities within 40 s");
  return G_SOURCE_REMOVE;
}

static void
get_caps_as (const char *binary, const char *run_as, const char *cache_dir, CapsAnswer *answer)
{
  guint deadline = g_timeout_add_seconds (40, on_deadline, NULL);

  caps_answer_clear (answer);
  vb_qemu_caps_get_async (binary, run_as, cache_dir, NULL, on_caps, answer);
  while (!answer->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
}

static void
get_caps (const char *binary, const char *cache_dir, CapsAnswer *answer)
{
  get_caps_as (binary, NULL, cache_dir, answer);
}

static char *
find_qemu (void)
{
  const char *binary = g_getenv ("VB_QEMU_BINARY");
  char *path;

  if (!binary || !*binary)
    binary = "qemu-system-x86_64";
  path = g_find_program_in_path (binary);
  if (!path)
    g_test_skip_printf ("%s not found", binary);
  return path;
}

static char *
make_tmp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("vb-caps-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, "standard::name,standard::type",
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

static char *
only_cache_file (const char *cache_dir)
{
  g_autoptr (GDir) dir = g_dir_open (cache_dir, 0, NULL);
  const char *name;
  char *found = NULL;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_null (found);
      found = g_build_filename (cache_dir, name, NULL);
    }
  g_assert_nonnull (found);
  return found;
}

static void
test_probe_and_cache (void)
{
  g_autofree char *qemu = find_qemu ();
  g_autofree char *tmp = NULL;
  g_autofree char *cache_dir = NULL;
  g_autofree char *cache_file = NULL;
  g_autofree char *xml = NULL;
  g_auto (CapsAnswer) first = { 0 };
  g_auto (CapsAnswer) second = { 0 };
  const VbQemuMachine *pc;
  const VbQemuMachine *q35;
  GStatBuf st_before, st_after;
  guint probes;

  if (!qemu)
    return;
  tmp = make_tmp_dir ();
  /* A cache dir that does not exist yet: the first probe creates it. */
  cache_dir = g_build_filename (tmp, "cache", "qemu", NULL);

  probes = vb_qemu_caps_get_probe_count ();
  get_caps (qemu, cache_dir, &first);
  g_assert_no_error (first.error);
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes + 1);
  g_assert_false (first.caps->from_cache);

  g_test_message ("QEMU %s (%s), %u machines, KVM %s%s%s", first.caps->version,
                  first.caps->package, first.caps->machines->len,
                  first.caps->kvm_usable ? "usable" : "not usable",
                  first.caps->kvm_why ? ": " : "", first.caps->kvm_why ? first.caps->kvm_why : "");
  g_assert_cmpstr (first.caps->arch, ==, "x86_64");
  g_assert_true (first.caps->version && *first.caps->version);
  g_assert_true (g_path_is_absolute (first.caps->binary));

  pc = vb_qemu_caps_find_machine (first.caps, "pc");
  q35 = vb_qemu_caps_find_machine (first.caps, "q35");
  g_assert_nonnull (pc);
  g_assert_nonnull (q35);
  g_assert_true (g_str_has_prefix (pc->name, "pc-i440fx-"));
  g_assert_true (g_str_has_prefix (q35->name, "pc-q35-"));
  g_assert_cmpint (q35->cpu_max, >, 1);
  g_assert_nonnull (vb_qemu_caps_get_default_machine (first.caps));

  /* CPU models for <cpu mode='custom'>: qemu64 runs under TCG; the host
   * modes' own names are not models. */
  {
    gboolean qemu64_usable = FALSE;

    for (guint i = 0; i < first.caps->cpu_models->len; i++)
      {
        const VbQemuCpuModel *model = first.caps->cpu_models->pdata[i];

        g_assert_cmpstr (model->name, !=, "host");
        g_assert_cmpstr (model->name, !=, "max");
        if (g_str_equal (model->name, "qemu64"))
          qemu64_usable = model->usable;
      }
    g_assert_true (qemu64_usable);
  }

  g_assert_true (vb_qemu_caps_has_migration_cap (first.caps, "postcopy-ram"));
  g_assert_false (vb_qemu_caps_has_migration_cap (first.caps, "vb-no-such-cap"));
  /* QEMU 7.2 has these; older binaries under VB_QEMU_BINARY may not. */
  if (g_str_has_prefix (first.caps->version, "7.2."))
    {
      g_assert_true (vb_qemu_caps_has_migration_cap (first.caps, "postcopy-preempt"));
      g_assert_true (vb_qemu_caps_has_migration_cap (first.caps, "multifd"));
      g_assert_true (first.caps->virtio_net_failover);
    }
  if (first.caps->kvm_usable)
    g_assert_null (first.caps->kvm_why);
  else
    g_assert_true (first.caps->kvm_why && *first.caps->kvm_why);

  xml = vb_qemu_caps_format_xml (first.caps);
  g_test_message ("%s", xml);
  g_assert_true (g_str_has_prefix (xml, "<guest>\n"));
  g_assert_nonnull (strstr (xml, "<arch name='x86_64'>"));
  g_assert_nonnull (strstr (xml, "<domain type='qemu'/>"));
  g_assert_true ((strstr (xml, "<domain type='kvm'/>") != NULL) == first.caps->kvm_usable);
  g_assert_nonnull (strstr (xml, ">pc</machine>"));
  g_assert_nonnull (strstr (xml, ">q35</machine>"));
  g_assert_nonnull (strstr (xml, "<migration-capability name='postcopy-ram'/>"));
  g_assert_null (strstr (xml, ">none</machine>"));

  /* Second ask: from the cache, no QEMU started, file untouched. */
  cache_file = only_cache_file (cache_dir);
  g_assert_cmpint (g_stat (cache_file, &st_before), ==, 0);
  get_caps (qemu, cache_dir, &second);
  g_assert_no_error (second.error);
  g_assert_true (second.caps->from_cache);
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes + 1);
  g_assert_cmpint (g_stat (cache_file, &st_after), ==, 0);
  g_assert_cmpint (st_after.st_mtime, ==, st_before.st_mtime);
  g_assert_cmpint (st_after.st_ino, ==, st_before.st_ino);

  /* ... and it says the same. */
  g_assert_cmpstr (second.caps->version, ==, first.caps->version);
  g_assert_cmpstr (second.caps->binary, ==, first.caps->binary);
  g_assert_cmpuint (second.caps->machines->len, ==, first.caps->machines->len);
  g_assert_cmpuint (second.caps->cpu_models->len, ==, first.caps->cpu_models->len);
  for (guint i = 0; i < first.caps->cpu_models->len; i++)
    {
      const VbQemuCpuModel *a = first.caps->cpu_models->pdata[i];
      const VbQemuCpuModel *b = second.caps->cpu_models->pdata[i];

      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpstr (a->alias_of, ==, b->alias_of);
      g_assert_cmpint (a->usable, ==, b->usable);
      g_assert_cmpint (a->deprecated, ==, b->deprecated);
    }
  g_assert_true (g_strv_equal ((const char *const *) second.caps->migration_caps,
                               (const char *const *) first.caps->migration_caps));
  g_assert_cmpint (second.caps->virtio_net_failover, ==, first.caps->virtio_net_failover);
  g_assert_cmpint (second.caps->kvm_usable, ==, first.caps->kvm_usable);
  g_assert_cmpstr (second.caps->kvm_why, ==, first.caps->kvm_why);
  {
    g_autofree char *xml2 = vb_qemu_caps_format_xml (second.caps);

    g_assert_cmpstr (xml2, ==, xml);
  }

  /* A damaged cache file is probed over, not trusted. */
  g_assert_true (g_file_set_contents (cache_file, "{\"format\": 1, \"key\": [", -1, NULL));
  get_caps (qemu, cache_dir, &second);
  g_assert_no_error (second.error);
  g_assert_false (second.caps->from_cache);
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes + 2);

  remove_tree (tmp);
}

static void
test_changed_binary_is_reprobed (void)
{
  g_autofree char *qemu = find_qemu ();
  g_autofree char *tmp = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *bindir = NULL;
  g_autofree char *real_qemu = NULL;
  g_autofree char *cache_dir = NULL;
  g_autoptr (GFile) src = NULL;
  g_autoptr (GFile) dst = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (CapsAnswer) answer = { 0 };
  struct utimbuf times;
  GStatBuf st;
  guint probes;

  if (!qemu)
    return;
  tmp = make_tmp_dir ();
  bindir = g_build_filename (tmp, "bin", NULL);
  copy = g_build_filename (bindir, "qemu-system-x86_64", NULL);
  cache_dir = g_build_filename (tmp, "cache", NULL);
  g_assert_cmpint (g_mkdir (bindir, 0755), ==, 0);
  src = g_file_new_for_path (qemu);
  dst = g_file_new_for_path (copy);
  g_file_copy (src, dst, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (copy, 0755), ==, 0);

  /* QEMU finds its modules (Debian builds TCG as one) and firmware relative
   * to its own directory, PREFIX/bin/../lib/..., so the copy gets a
   * PREFIX of links to the real one's. */
  real_qemu = realpath (qemu, NULL);
  g_assert_nonnull (real_qemu);
  {
    g_autofree char *real_bindir = g_path_get_dirname (real_qemu);
    g_autofree char *prefix = g_path_get_dirname (real_bindir);
    static const char *const parts[] = { "lib", "lib64", "libexec", "share" };

    for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
      {
        g_autofree char *target = g_build_filename (prefix, parts[i], NULL);
        g_autofree char *link = g_build_filename (tmp, parts[i], NULL);

        if (g_file_test (target, G_FILE_TEST_IS_DIR))
          g_assert_no_errno (symlink (target, link));
      }
  }

  probes = vb_qemu_caps_get_probe_count ();
  get_caps (copy, cache_dir, &answer);
  g_assert_no_error (answer.error);
  g_assert_false (answer.caps->from_cache);
  g_assert_cmpstr (answer.caps->binary, ==, copy);

  get_caps (copy, cache_dir, &answer);
  g_assert_no_error (answer.error);
  g_assert_true (answer.caps->from_cache);
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes + 1);

  /* Same path and size, another mtime: an upgraded binary as far as the
   * cache can tell. */
  g_assert_cmpint (g_stat (copy, &st), ==, 0);
  times.actime = st.st_atime;
  times.modtime = st.st_mtime - 3600;
  g_assert_cmpint (g_utime (copy, &times), ==, 0);
  get_caps (copy, cache_dir, &answer);
  g_assert_no_error (answer.error);
  g_assert_false (answer.caps->from_cache);
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes + 2);

  /* The new entry is the one used from now on. */
  get_caps (copy, cache_dir, &answer);
  g_assert_no_error (answer.error);
  g_assert_true (answer.caps->from_cache);
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes + 2);

  remove_tree (tmp);
}

static void
test_missing_binary (void)
{
  g_auto (CapsAnswer) answer = { 0 };
  guint probes = vb_qemu_caps_get_probe_count ();

  get_caps ("vb-no-such-qemu", NULL, &answer);
  g_assert_error (answer.error, VB_ERROR, VB_ERROR_NOT_FOUND);
  get_caps ("/nonexistent/qemu-system-x86_64", NULL, &answer);
  g_assert_error (answer.error, VB_ERROR, VB_ERROR_NOT_FOUND);
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes);
}

static void
test_not_qemu (void)
{
  g_autofree char *tmp = make_tmp_dir ();
  g_autofree char *fake = g_build_filename (tmp, "qemu-system-x86_64", NULL);
  g_auto (CapsAnswer) answer = { 0 };

  /* A binary that exits at once with a complaint: the error quotes it. */
  g_assert_true (g_file_set_contents (fake, "#!/bin/sh\necho 'not really QEMU' >&2\nexit 1\n", -1,
                                      NULL));
  g_assert_cmpint (g_chmod (fake, 0755), ==, 0);
  get_caps (fake, tmp, &answer);
  g_assert_nonnull (answer.error);
  g_assert_null (answer.caps);
  g_assert_nonnull (strstr (answer.error->message, "not really QEMU"));
  remove_tree (tmp);
}

/* The QEMU runs of one probe, as the wrapper of test_run_as_user() recorded
 * them ("UID ARGS..." a line), checked to be all as @uid and sandboxed;
 * the record is emptied for the next probe. */
static void
assert_probe_ran_as (const char *record, guint uid)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *prefix = g_strdup_printf ("%u ", uid);
  gboolean machine_none = FALSE;
  gboolean kvm_payload = FALSE;

  g_assert_true (g_file_get_contents (record, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (!*lines[i])
        continue;
      g_test_message ("QEMU ran: %s", lines[i]);
      g_assert_true (g_str_has_prefix (lines[i], prefix));
      g_assert_nonnull (strstr (lines[i], " -sandbox on,obsolete=deny,elevateprivileges=deny,"
                                          "spawn=deny,resourcecontrol=deny"));
      machine_none |= strstr (lines[i], " -machine none ") != NULL;
      kvm_payload |= strstr (lines[i], " -accel kvm ") != NULL;
    }
  g_assert_true (machine_none);
  /* The KVM guest runs once /dev/kvm exists and speaks our API. */
  if (g_file_test ("/dev/kvm", G_FILE_TEST_EXISTS))
    g_assert_true (kvm_payload);
  /* In place: a new file would not be writable by the next user. */
  g_assert_no_errno (truncate (record, 0));
}

/* With a user to run as, both probes run QEMU as that user, and its answer
 * is cached apart from the service's own user's: either may see a KVM the
 * other cannot. */
static void
test_run_as_user (void)
{
  g_autofree char *qemu = find_qemu ();
  g_autofree char *tmp = NULL;
  g_autofree char *record = NULL;
  g_autofree char *wrapper = NULL;
  g_autofree char *script = NULL;
  g_autofree char *cache_dir = NULL;
  g_autofree char *own_file = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GDir) dir = NULL;
  g_auto (CapsAnswer) answer = { 0 };
  struct passwd *nobody;
  const char *name;
  guint n_files = 0;
  guint probes;

  if (!qemu)
    return;
  if (getuid () != 0)
    {
      g_test_skip ("needs root to run QEMU as another user");
      return;
    }
  nobody = getpwnam ("nobody");
  if (!nobody)
    {
      g_test_skip ("no user nobody");
      return;
    }
  tmp = make_tmp_dir ();
  g_assert_cmpint (g_chmod (tmp, 0755), ==, 0);
  record = g_build_filename (tmp, "record", NULL);
  wrapper = g_build_filename (tmp, "qemu-wrapper", NULL);
  cache_dir = g_build_filename (tmp, "cache", NULL);
  g_assert_true (g_file_set_contents (record, "", 0, NULL));
  g_assert_cmpint (g_chmod (record, 0666), ==, 0);
  script =
    g_strdup_printf ("#!/bin/sh\necho \"$(id -u) $*\" >>'%s'\nexec '%s' \"$@\"\n", record, qemu);
  g_assert_true (g_file_set_contents (wrapper, script, -1, NULL));
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);

  probes = vb_qemu_caps_get_probe_count ();
  get_caps (wrapper, cache_dir, &answer);
  g_assert_no_error (answer.error);
  g_assert_false (answer.caps->from_cache);
  assert_probe_ran_as (record, getuid ());
  own_file = only_cache_file (cache_dir);

  /* The same binary as another user: probed again, as that user. */
  get_caps_as (wrapper, "nobody", cache_dir, &answer);
  g_assert_no_error (answer.error);
  g_assert_false (answer.caps->from_cache);
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes + 2);
  assert_probe_ran_as (record, nobody->pw_uid);
  g_test_message ("KVM as nobody: %s", answer.caps->kvm_usable ? "usable" : answer.caps->kvm_why);

  /* Two entries now, the first one untouched, the new one naming the user. */
  dir = g_dir_open (cache_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (cache_dir, name, NULL);

      n_files++;
      if (g_str_equal (file, own_file))
        continue;
      g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
      g_assert_nonnull (strstr (text, "\"run_as\" : \"nobody uid="));
    }
  g_assert_cmpuint (n_files, ==, 2);
  g_assert_nonnull (text);

  /* Each user gets its own entry back, with no QEMU started. */
  get_caps_as (wrapper, "nobody", cache_dir, &answer);
  g_assert_no_error (answer.error);
  g_assert_true (answer.caps->from_cache);
  get_caps (wrapper, cache_dir, &answer);
  g_assert_no_error (answer.error);
  g_assert_true (answer.caps->from_cache);
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes + 2);

  /* A user that does not exist: no probe, an error naming it. */
  get_caps_as (wrapper, "vb-no-such-user", cache_dir, &answer);
  g_assert_error (answer.error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_nonnull (strstr (answer.error->message, "'vb-no-such-user'"));
  g_assert_cmpuint (vb_qemu_caps_get_probe_count (), ==, probes + 2);

  remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qemu-caps/probe-and-cache", test_probe_and_cache);
  g_test_add_func ("/qemu-caps/changed-binary-is-reprobed", test_changed_binary_is_reprobed);
  g_test_add_func ("/qemu-caps/missing-binary", test_missing_binary);
  g_test_add_func ("/qemu-caps/not-qemu", test_not_qemu);
  g_test_add_func ("/qemu-caps/run-as-user", test_run_as_user);

  return g_test_run ();
}
