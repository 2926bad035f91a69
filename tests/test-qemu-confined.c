/* QEMU in system mode: the service (root, --system on the test bus, polkit
 * deciding) starts real guests, and each QEMU runs as the QEMU user from its
 * first instruction on, under seccomp and no_new_privs, so it opens no file
 * its user could not. Needs the user vbtest-qemu (tests/setup-test-users.sh). */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vb-test-env.h"

#define QEMU_USER "vbtest-qemu"
#define BOOT_TIMEOUT_MS 90000

typedef struct {
  VbTestEnv *env;
  struct passwd user;
  char *user_buffer;
} Fixture;

/* The env, with no daemon yet. */
static void
set_up_env (Fixture *f, gconstpointer data)
{
  struct passwd *found = NULL;

  f->user_buffer = g_malloc (16384);
  if (getpwnam_r (QEMU_USER, &f->user, f->user_buffer, 16384, &found) != 0 || !found)
    g_error ("the user " QEMU_USER " is missing: run tests/setup-test-users.sh as root");
  f->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
}

static void
set_up (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--qemu-user=" QEMU_USER, "--network-driver=test", NULL };

  set_up_env (f, data);
  vb_test_env_start_system_daemon (f->env, NULL, args);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  g_free (f->user_buffer);
}

/* The value of the line "@key:\t..." of /proc/PID/status. */
static char *
proc_status_field (const char *status, const char *key)
{
  g_autofree char *prefix = g_strdup_printf ("\n%s:", key);
  const char *at = strstr (status, prefix);
  const char *end;

  g_assert_nonnull (at);
  at += strlen (prefix);
  end = strchr (at, '\n');
  return g_strstrip (g_strndup (at, end ? (gsize) (end - at) : strlen (at)));
}

/* Real, effective, saved and file-system id all @id. */
static void
assert_ids (const char *status, const char *key, guint id)
{
  g_autofree char *value = proc_status_field (status, key);
  g_auto (GStrv) ids = g_regex_split_simple ("\\s+", value, 0, 0);

  g_test_message ("%s: %s", key, value);
  g_assert_cmpuint (g_strv_length (ids), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint ((guint) atoi (ids[i]), ==, id);
}

/* A file in the env's directory that only @user (or root, with @uid 0) may use. */
static char *
make_file (Fixture *f, const char *name, uid_t uid, gid_t gid, const char *contents)
{
  char *path = g_build_filename (f->env->tmpdir, name, NULL);
  g_autofree char *padded = g_malloc0 (1024 * 1024);

  memcpy (padded, contents, strlen (contents));
  g_assert_true (g_file_set_contents (path, padded, 1024 * 1024, NULL));
  g_assert_cmpint (chown (path, uid, gid), ==, 0);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  return path;
}

static void
test_runs_as_qemu_user (Fixture *f, gconstpointer data)
{
  g_autofree char *disk = make_file (f, "own.img", f->user.pw_uid, f->user.pw_gid, "own disk");
  g_autofree char *disk_xml = vb_test_disk_xml (disk, "raw", "vdb");
  g_autofree char *xml = vb_test_guest_xml ("confined", 192, NULL, disk_xml);
  g_autofree char *path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  int pid = vb_test_qemu_pid (f->env, path);
  g_autofree char *proc = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  g_autofree char *groups = NULL;
  g_autofree char *no_new_privs = NULL;
  g_autofree char *seccomp = NULL;
  g_autofree char *fullproc = NULL;

  g_assert_true (g_file_get_contents (proc, &status, NULL, NULL));
  /* proc_status_field looks for "\nKey:": the first line has none before it. */
  fullproc = g_strconcat ("\n", status, NULL);
  assert_ids (fullproc, "Uid", f->user.pw_uid);
  assert_ids (fullproc, "Gid", f->user.pw_gid);
  groups = proc_status_field (fullproc, "Groups");
  g_test_message ("Groups: %s", groups);
  {
    g_auto (GStrv) list = g_regex_split_simple ("\\s+", groups, 0, 0);
    for (guint i = 0; list[i]; i++)
      if (*list[i])
        g_assert_cmpint (atoi (list[i]), !=, 0);
  }
  no_new_privs = proc_status_field (fullproc, "NoNewPrivs");
  seccomp = proc_status_field (fullproc, "Seccomp");
  g_assert_cmpstr (no_new_privs, ==, "1");
  /* 2: a seccomp filter, QEMU's -sandbox. */
  g_assert_cmpstr (seccomp, ==, "2");
  g_variant_unref (
    vb_test_call_ok (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
}

/* A disk the QEMU user may not open is not opened: QEMU never holds root. */
static void
test_root_only_disk (Fixture *f, gconstpointer data)
{
  g_autofree char *secret = make_file (f, "secret.img", 0, 0, "VBTEST-ROOT-ONLY");
  g_autofree char *disk_xml = vb_test_disk_xml (secret, "raw", "vdb");
  g_autofree char *xml = vb_test_guest_xml ("rootonly", 192, NULL, disk_xml);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *message =
    vb_test_call_error_message (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                ERROR_PREFIX "Failed");

  g_test_message ("Start with a root-only disk: %s", message);
  g_assert_nonnull (strstr (message, secret));
  g_assert_nonnull (strstr (message, "Permission denied"));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 5000));
}

/* The UEFI variable store: made from its template as a new file of QEMU's
 * user, handed to QEMU as an fd (its directory is the service's); a
 * template QEMU's user could not read is refused. */
static void
test_nvram (Fixture *f, gconstpointer data)
{
  g_autofree char *secret = make_file (f, "secret-vars.fd", 0, 0, "VBTEST-ROOT-ONLY");
  g_autofree char *store =
    g_build_filename (f->env->state_dir, "qemu", "nvram", "uefi_VARS.fd", NULL);
  g_autofree char *elsewhere = g_build_filename (f->env->tmpdir, "stolen_VARS.fd", NULL);
  const char *os =
    "    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>\n";
  struct stat st;

  if (!g_file_test ("/usr/share/OVMF/OVMF_CODE_4M.fd", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no OVMF (Debian package ovmf)");
      return;
    }
  {
    g_autofree char *nvram =
      g_strdup_printf ("%s    <nvram template='%s'>%s</nvram>\n", os, secret, elsewhere);
    g_autofree char *xml = vb_test_guest_xml ("stolen", 192, NULL, NULL);
    g_autofree char *uefi = NULL;
    g_autofree char *path = NULL;
    g_autofree char *message = NULL;
    char *at = strstr (xml, "  </os>");

    uefi = g_strdup_printf ("%.*s%s%s", (int) (at - xml), xml, nvram, at);
    path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                              g_variant_new ("(su)", uefi, 0));
    message = vb_test_call_error_message (f->env, path, IFACE_DOMAIN, "Start",
                                          g_variant_new ("(u)", 0), ERROR_PREFIX "NotSupported");
    g_test_message ("Start with a root-only template: %s", message);
    g_assert_nonnull (strstr (message, "not readable by QEMU's user"));
    g_assert_false (g_file_test (elsewhere, G_FILE_TEST_EXISTS));
  }
  {
    g_autofree char *xml = vb_test_guest_xml ("uefi", 192, NULL, NULL);
    g_autofree char *uefi = NULL;
    g_autofree char *path = NULL;
    char *at = strstr (xml, "  </os>");

    uefi = g_strdup_printf ("%.*s%s%s", (int) (at - xml), xml, os, at);
    path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                              g_variant_new ("(su)", uefi, 0));
    /* Start returns once QEMU runs: it opened the store it was handed. */
    g_variant_unref (
      vb_test_call_ok (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
    g_assert_cmpint (lstat (store, &st), ==, 0);
    g_assert_true (S_ISREG (st.st_mode));
    g_assert_cmpuint (st.st_uid, ==, f->user.pw_uid);
    g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
    g_variant_unref (
      vb_test_call_ok (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  }
}

/* A volume the service creates in a dir pool is QEMU's user's: the guest
 * can use it. */
static void
test_volume_owner (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->env->tmpdir, "pool", NULL);
  g_autofree char *file = g_build_filename (dir, "disk.img", NULL);
  g_autofree char *pool_xml =
    g_strdup_printf ("<pool type='dir'>\n  <name>confined</name>\n  <target>\n    <path>%s</path>\n"
                     "  </target>\n</pool>\n",
                     dir);
  const char *vol_xml = "<volume>\n  <name>disk.img</name>\n"
                        "  <capacity unit='MiB'>4</capacity>\n"
                        "  <target>\n    <format type='raw'/>\n  </target>\n</volume>\n";
  g_autofree char *pool = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                                             g_variant_new ("(su)", pool_xml, 0));
  g_autofree char *volume = NULL;
  struct stat st;

  g_variant_unref (vb_test_call_ok (f->env, pool, IFACE_POOL, "Build", g_variant_new ("(u)", 0)));
  g_variant_unref (vb_test_call_ok (f->env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0)));
  volume = vb_test_call_path (f->env, pool, IFACE_POOL, "CreateVolume",
                              g_variant_new ("(su)", vol_xml, 0));
  g_assert_cmpint (lstat (file, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, f->user.pw_uid);
  g_assert_cmpuint (st.st_gid, ==, f->user.pw_gid);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
}

static void
test_emulator_not_listed (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    vb_test_guest_xml ("otheremu", 192, NULL, "    <emulator>/bin/sh</emulator>\n");

  vb_test_call_expect_error_saying (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", xml, 0), ERROR_PREFIX "NotSupported",
                                    "<emulator> /bin/sh is not one of the QEMU binaries");
}

/* An empty --qemu-user would leave QEMU root: the service refuses to start. */
static void
test_empty_qemu_user (void)
{
  const char *argv[] = { g_getenv ("VB_DAEMON"), "--system", "--qemu-user=", NULL };
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, "--qemu-user must name a user"));
}

/* The QEMU runs the wrapper of test_probes_as_qemu_user() recorded since
 * last asked ("UID ARGS..." a line): checks that there was a probe (a
 * -machine none, and the KVM guest when /dev/kvm is there) and that every
 * run was as @uid; empties the record. */
static void
assert_probe_ran_as (const char *record, uid_t uid)
{
  g_autofree char *text = NULL;
  g_autofree char *prefix = g_strdup_printf ("%u ", (guint) uid);
  g_auto (GStrv) lines = NULL;
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
      machine_none |= strstr (lines[i], " -machine none ") != NULL;
      kvm_payload |= strstr (lines[i], " isa-debug-exit,") != NULL;
    }
  g_assert_true (machine_none);
  if (g_file_test ("/dev/kvm", G_FILE_TEST_EXISTS))
    g_assert_true (kvm_payload);
  /* In place: the file stays QEMU's user's. */
  g_assert_no_errno (truncate (record, 0));
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The names in the capability cache, sorted. */
static GStrv
cache_files (const char *cache_dir)
{
  g_autofree char *dir_path = g_build_filename (cache_dir, "qemu-caps", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static void
get_capabilities (VbTestEnv *env)
{
  /* Answered once the probe ended. */
  g_variant_unref (vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "GetCapabilities", NULL));
}

/* The capability and KVM probes run QEMU as the QEMU user too, and what they
 * find is cached apart from what a probe as root finds: root may open a
 * /dev/kvm the QEMU user may not. The --qemu-binary is a wrapper that
 * records who runs it. */
static void
test_probes_as_qemu_user (Fixture *f, gconstpointer data)
{
  g_autofree char *qemu = g_find_program_in_path ("qemu-system-x86_64");
  g_autofree char *record = g_build_filename (f->env->tmpdir, "qemu-runs", NULL);
  g_autofree char *wrapper = g_build_filename (f->env->tmpdir, "qemu-wrapper", NULL);
  g_autofree char *cache_dir = g_build_filename (f->env->tmpdir, "cache", NULL);
  g_autofree char *script = NULL;
  g_autofree char *binary_arg = g_strdup_printf ("--qemu-binary=%s", wrapper);
  g_autofree char *cache_arg = g_strdup_printf ("--cache-dir=%s", cache_dir);
  const char *system_args[] = { "--qemu-user=" QEMU_USER, "--network-driver=test", binary_arg,
                                cache_arg, NULL };
  const char *session_args[] = { binary_arg, cache_arg, NULL };
  g_auto (GStrv) system_files = NULL;
  g_auto (GStrv) both_files = NULL;
  g_auto (GStrv) again_files = NULL;
  g_autofree char *system_file = NULL;

  g_assert_nonnull (qemu);
  g_assert_true (g_file_set_contents (record, "", 0, NULL));
  g_assert_no_errno (chown (record, f->user.pw_uid, f->user.pw_gid));
  g_assert_no_errno (g_chmod (record, 0600));
  script =
    g_strdup_printf ("#!/bin/sh\necho \"$(id -u) $*\" >>'%s'\nexec '%s' \"$@\"\n", record, qemu);
  g_assert_true (g_file_set_contents (wrapper, script, -1, NULL));
  g_assert_no_errno (g_chmod (wrapper, 0755));

  /* System mode, empty cache: probed as the QEMU user. */
  vb_test_env_start_system_daemon (f->env, NULL, system_args);
  get_capabilities (f->env);
  assert_probe_ran_as (record, f->user.pw_uid);
  system_files = cache_files (cache_dir);
  g_assert_cmpuint (g_strv_length (system_files), ==, 1);
  system_file = g_build_filename (cache_dir, "qemu-caps", system_files[0], NULL);
  vb_test_env_stop_daemon (f->env, FALSE);

  /* Session mode (as root) with that cache: probed again, as root, into an
   * entry of its own. */
  vb_test_env_start_daemon (f->env, session_args);
  get_capabilities (f->env);
  assert_probe_ran_as (record, 0);
  both_files = cache_files (cache_dir);
  g_assert_cmpuint (g_strv_length (both_files), ==, 2);
  g_assert_true (g_strv_contains ((const char *const *) both_files, system_files[0]));
  vb_test_env_stop_daemon (f->env, FALSE);

  /* System mode again, its own entry gone, root's there: root's answer is
   * not taken, the QEMU user probes again. */
  g_assert_no_errno (g_unlink (system_file));
  vb_test_env_start_system_daemon (f->env, NULL, system_args);
  get_capabilities (f->env);
  assert_probe_ran_as (record, f->user.pw_uid);
  again_files = cache_files (cache_dir);
  g_assert_true (
    g_strv_equal ((const char *const *) again_files, (const char *const *) both_files));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-confined/empty-qemu-user", test_empty_qemu_user);
  g_test_add ("/qemu-confined/runs-as-qemu-user", Fixture, NULL, set_up, test_runs_as_qemu_user,
              tear_down);
  g_test_add ("/qemu-confined/root-only-disk", Fixture, NULL, set_up, test_root_only_disk,
              tear_down);
  g_test_add ("/qemu-confined/nvram", Fixture, NULL, set_up, test_nvram, tear_down);
  g_test_add ("/qemu-confined/volume-owner", Fixture, NULL, set_up, test_volume_owner, tear_down);
  g_test_add ("/qemu-confined/probes-as-qemu-user", Fixture, NULL, set_up_env,
              test_probes_as_qemu_user, tear_down);
  g_test_add ("/qemu-confined/emulator-not-listed", Fixture, NULL, set_up, test_emulator_not_listed,
              tear_down);
  return g_test_run ();
}
