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

static void
set_up (Fixture *f, gconstpointer data)
{
  struct passwd *found = NULL;
  const char *args[] = { "--qemu-user=" QEMU_USER, "--network-driver=test", NULL };

  f->user_buffer = g_malloc (16384);
  if (getpwnam_r (QEMU_USER, &f->user, f->user_buffer, 16384, &found) != 0 || !found)
    g_error ("the user " QEMU_USER " is missing: run tests/setup-test-users.sh as root");
  f->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  vb_test_env_start_system_daemon (f->env, NULL, args);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  g_free (f->user_buffer);
}

static int
qemu_pid (VbTestEnv *env, const char *path)
{
  g_autofree char *uuid = vb_test_get_string (env, path, IFACE_DOMAIN, "UUID");
  g_autofree char *status = vb_test_env_status_path (env, uuid);
  g_autofree char *text = NULL;
  const char *pid;

  g_assert_true (g_file_get_contents (status, &text, NULL, NULL));
  pid = strstr (text, "\"pid\"");
  g_assert_nonnull (pid);
  return atoi (strchr (pid, ':') + 1);
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
  int pid = qemu_pid (f->env, path);
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
  g_test_add ("/qemu-confined/emulator-not-listed", Fixture, NULL, set_up, test_emulator_not_listed,
              tear_down);
  return g_test_run ();
}
