/* Devices that need a helper process beside QEMU, and shared directories,
 * with the project's test guest: an emulated TPM (swtpm) the guest uses,
 * whose state survives a Save and Restore and whose swtpm ends with QEMU or
 * with a failed start and is found again after a restart of the service;
 * host directories shared over 9p that the guest mounts and reads. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "vb-test-env.h"
#include "vb-test-tpm.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define SWTPM "/usr/bin/swtpm"
#define VIRTIOFSD "/usr/lib/qemu/virtiofsd"
#define SOME G_MAXUINT          /* for assert_helpers(): at least one */
#define QEMU_USER "vbtest-qemu" /* tests/setup-test-users.sh makes it */

typedef struct {
  VbTestEnv *env;
} Fixture;

/* @data: non-NULL for system mode with polkit (the test starts the daemon). */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (data ? VB_TEST_ENV_POLKIT : VB_TEST_ENV_NONE);
  if (!data)
    vb_test_env_start_daemon (f->env, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
}

/* The pids of the processes running @program with this env's run
 * directory on their command line: its helpers, nobody else's. */
static GArray *
helpers_running (VbTestEnv *env, const char *program)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  const char *entry;

  while ((entry = g_dir_read_name (proc)))
    {
      g_autofree char *exe_link = g_strdup_printf ("/proc/%s/exe", entry);
      g_autofree char *cmdline_path = g_strdup_printf ("/proc/%s/cmdline", entry);
      g_autofree char *exe = g_file_read_link (exe_link, NULL);
      g_autofree char *cmdline = NULL;
      gsize length = 0;
      gboolean ours = FALSE;

      if (!g_ascii_isdigit (entry[0]) || g_strcmp0 (exe, program) != 0
          || !g_file_get_contents (cmdline_path, &cmdline, &length, NULL))
        continue;
      for (gsize i = 0; i < length; i += strlen (cmdline + i) + 1)
        if (strstr (cmdline + i, env->run_dir))
          ours = TRUE;
      if (ours)
        {
          int pid = atoi (entry);
          g_array_append_val (pids, pid);
        }
    }
  return pids;
}

/* Waits until @count helpers run @program; fails the test otherwise. */
static void
assert_helpers (VbTestEnv *env, const char *program, guint count, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autoptr (GArray) pids = helpers_running (env, program);

      if (pids->len == count || (count == SOME && pids->len > 0))
        return;
      if (g_get_monotonic_time () > end)
        g_error ("%u processes run %s for this test, expected %u", pids->len, program, count);
      g_usleep (50000);
    }
}

static int
only_helper (VbTestEnv *env, const char *program)
{
  g_autoptr (GArray) pids = helpers_running (env, program);

  g_assert_cmpuint (pids->len, ==, 1);
  return g_array_index (pids, int, 0);
}

static void
assert_state (VbTestEnv *env, const char *path, const char *state)
{
  g_autofree char *now = NULL;

  g_assert_true (
    vb_test_wait_property (env, path, IFACE_DOMAIN, "State", g_variant_new_string (state), 60000));
  now = vb_test_get_string (env, path, IFACE_DOMAIN, "State");
  g_assert_cmpstr (now, ==, state);
}

/* ---- TPM ---- */

static const char tpm_devices[] = "    <tpm model='tpm-tis'>\n"
                                  "      <backend type='emulator' version='2.0'/>\n"
                                  "    </tpm>\n";

/* The test guest with @devices, booting its compressed kernel: with the
 * ELF one QEMU boots it through PVH, and there SeaBIOS's TPM set-up leaves
 * ACPI tables the kernel cannot read (QEMU 7.2): no ACPI, no TPM found. */
static char *
tpm_guest_xml (const char *name, const char *devices)
{
  g_autofree char *xml = vb_test_guest_xml (name, GUEST_MIB, "vb.counter=0", devices);
  g_autoptr (GString) text = g_string_new (xml);

  g_assert_cmpuint (g_string_replace (text, "/vmlinux</kernel>", "/vmlinuz</kernel>", 1), ==, 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_tpm_save_restore (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = tpm_guest_xml ("tpm1", tpm_devices);
  g_autofree char *path = vb_test_boot_guest (f->env, xml, FALSE, BOOT_TIMEOUT_MS);
  g_autofree char *uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  g_autofree char *image = g_build_filename (f->env->tmpdir, "tpm.save", NULL);
  g_autofree char *state =
    g_build_filename (f->env->state_dir, "qemu", "swtpm", uuid, "tpm2", "tpm2-00.permall", NULL);
  g_autofree char *expected = vb_test_tpm_extended_pcr16 ();
  g_autofree char *job = NULL;
  g_autofree char *version = NULL;
  g_autofree char *pcr = NULL;
  VbTestConsole *console = vb_test_console_open (f->env, path);

  /* The guest found a TPM 2.0 (the kernel's tpm_tis, through ACPI). */
  version = vb_test_console_output (console, "cat /sys/class/tpm/tpm0/tpm_version_major", 60000);
  g_assert_cmpstr (g_strstrip (version), ==, "2");
  assert_helpers (f->env, SWTPM, 1, 1000);
  /* swtpm keeps the TPM's state in the service's state directory. */
  g_assert_true (g_file_test (state, G_FILE_TEST_IS_REGULAR));

  vb_test_tpm_extend_pcr16 (console);
  pcr = vb_test_tpm_read_pcr16 (console);
  g_assert_cmpstr (pcr, ==, expected);
  vb_test_console_free (console);

  /* Saved: QEMU and its swtpm end. */
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "Save", g_variant_new ("(su)", image, 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  assert_helpers (f->env, SWTPM, 0, 10000);

  /* Restored: a new swtpm, and the TPM's volatile state (PCR 16 was
   * extended, a fresh TPM has zeros) came back through QEMU's stream. */
  g_free (job);
  job =
    vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", image, 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  assert_state (f->env, path, "running");
  assert_helpers (f->env, SWTPM, 1, 1000);
  console = vb_test_console_open (f->env, path);
  g_free (pcr);
  pcr = vb_test_tpm_read_pcr16 (console);
  g_assert_cmpstr (pcr, ==, expected);
  vb_test_console_free (console);

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  assert_helpers (f->env, SWTPM, 0, 10000);
}

/* A start that fails after swtpm started, before QEMU connected to it
 * (QEMU cannot open a serial port's log: chardevs come before the TPM),
 * leaves no swtpm behind: swtpm's --terminate cannot help there. */
static void
test_tpm_failed_start (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->env->tmpdir, "missing", "serial.log", NULL);
  g_autofree char *devices = g_strdup_printf ("%s"
                                              "    <serial type='file'>\n"
                                              "      <source path='%s'/>\n"
                                              "      <target port='1'/>\n"
                                              "    </serial>\n",
                                              tpm_devices, missing);
  g_autofree char *xml = vb_test_guest_xml ("tpm2", GUEST_MIB, "vb.counter=0", devices);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *message =
    vb_test_call_error_message (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                ERROR_PREFIX "Failed");

  g_test_message ("the start failed with: %s", message);
  g_assert_nonnull (strstr (message, "serial.log"));
  assert_state (f->env, path, "shutoff");
  assert_helpers (f->env, SWTPM, 0, 10000);
}

/* A live migration to another service: the destination starts its own
 * swtpm (on its own state directory), QEMU's stream brings the TPM's
 * state, the source's swtpm ends with the source's QEMU. */
static void
test_tpm_migrate (Fixture *f, gconstpointer data)
{
  g_autoptr (VbTestEnv) dst = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = tpm_guest_xml ("tpm6", tpm_devices);
  g_autofree char *path = vb_test_boot_guest (f->env, xml, FALSE, BOOT_TIMEOUT_MS);
  g_autofree char *uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  g_autofree char *expected = vb_test_tpm_extended_pcr16 ();
  g_autofree char *pcr = NULL;
  g_autofree char *job = NULL;
  g_autofree char *dst_path = NULL;
  g_autofree char *dst_state = NULL;
  VbTestConsole *console = vb_test_console_open (f->env, path);

  vb_test_env_start_daemon (dst, NULL);
  vb_test_tpm_extend_pcr16 (console);
  vb_test_console_free (console);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "Migrate",
                           g_variant_new ("(s@a{sv}u)", dst->bus_address,
                                          g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0),
                                          1u /* LIVE */));
  vb_test_job_wait_completed (f->env, job, 180000);
  assert_helpers (f->env, SWTPM, 0, 10000);
  assert_helpers (dst, SWTPM, 1, 1000);
  dst_state =
    g_build_filename (dst->state_dir, "qemu", "swtpm", uuid, "tpm2", "tpm2-00.permall", NULL);
  g_assert_true (g_file_test (dst_state, G_FILE_TEST_IS_REGULAR));
  dst_path = vb_test_domain_path (uuid);
  assert_state (dst, dst_path, "running");
  console = vb_test_console_open (dst, dst_path);
  pcr = vb_test_tpm_read_pcr16 (console);
  g_assert_cmpstr (pcr, ==, expected);
  vb_test_console_free (console);
  vb_test_call_void (dst, dst_path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  assert_helpers (dst, SWTPM, 0, 10000);
  g_assert_true (vb_test_env_daemon_alive (dst));
}

/* After a restart of the service (killed), the guest's swtpm is found
 * again in the status file, still the same process, and a Destroy ends it. */
static void
test_tpm_service_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = tpm_guest_xml ("tpm3", tpm_devices);
  g_autofree char *path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  g_autofree char *uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  g_autofree char *status_path = vb_test_env_status_path (f->env, uuid);
  g_autofree char *status = NULL;
  g_autofree char *recorded = NULL;
  g_autofree char *log = NULL;
  int pid = only_helper (f->env, SWTPM);

  /* The status file records it, with its start time. */
  g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
  recorded = g_strdup_printf ("\"pid\" : %d", pid);
  g_assert_nonnull (strstr (status, "\"helpers\""));
  g_assert_nonnull (strstr (status, recorded));

  vb_test_env_stop_daemon (f->env, TRUE);
  vb_test_env_start_daemon (f->env, NULL);
  assert_state (f->env, path, "running");
  g_assert_cmpint (only_helper (f->env, SWTPM), ==, pid);
  log = vb_test_env_daemon_log (f->env);
  g_assert_null (strstr (log, "not taking back helper"));

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  assert_helpers (f->env, SWTPM, 0, 10000);
}

/* <backend type='external'>: a swtpm the test runs itself; the guest gets
 * its TPM through QEMU, the service starts no swtpm of its own. */
static void
test_tpm_external (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->env->tmpdir, "ext-tpm", NULL);
  g_autofree char *socket_path = g_build_filename (dir, "swtpm.sock", NULL);
  g_autofree char *ctrl = g_strdup_printf ("type=unixio,path=%s", socket_path);
  g_autofree char *state = g_strdup_printf ("dir=%s", dir);
  const char *argv[] = { SWTPM, "socket", "--ctrl",      ctrl, "--tpmstate",
                         state, "--tpm2", "--terminate", NULL };
  g_autofree char *devices = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *version = NULL;
  g_autoptr (GSubprocess) swtpm = NULL;
  g_autoptr (GError) error = NULL;
  VbTestConsole *console;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  swtpm = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 200 && !g_file_test (socket_path, G_FILE_TEST_EXISTS); i++)
    g_usleep (20000);
  devices = g_strdup_printf ("    <tpm model='tpm-crb'>\n"
                             "      <backend type='external'>\n"
                             "        <source type='unix' mode='connect' path='%s'/>\n"
                             "      </backend>\n"
                             "    </tpm>\n",
                             socket_path);
  xml = tpm_guest_xml ("tpm4", devices);
  path = vb_test_boot_guest (f->env, xml, FALSE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (f->env, path);
  version = vb_test_console_output (console, "cat /sys/class/tpm/tpm0/tpm_version_major", 60000);
  g_assert_cmpstr (g_strstrip (version), ==, "2");
  /* The test's swtpm is the only one. */
  assert_helpers (f->env, SWTPM, 0, 0);
  vb_test_console_free (console);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  /* --terminate: it ends with QEMU's connection. */
  g_assert_true (g_subprocess_wait (swtpm, NULL, NULL));
}

/* In system mode (the service root, QEMU as QEMU_USER): swtpm runs as
 * QEMU's user too, with no_new_privs, its state directory is that user's
 * while the directories above it stay closed to it, and the guest has its
 * TPM. virtiofsd, which runs only as root, is refused by name. */
static void
test_confined (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--qemu-user=" QEMU_USER, "--network-driver=test", NULL };
  struct passwd *user = getpwnam (QEMU_USER);
  g_autofree char *xml = tpm_guest_xml ("tpm5", tpm_devices);
  g_autofree char *path = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *state = NULL;
  g_autofree char *proc = NULL;
  g_autofree char *status = NULL;
  g_autofree char *version = NULL;
  g_autofree char *uid_line = NULL;
  g_autofree char *share = g_build_filename (f->env->tmpdir, "share", NULL);
  g_autofree char *fs_devices = NULL;
  g_autofree char *fs_xml = NULL;
  g_autofree char *fs_path = NULL;
  struct stat st;
  VbTestConsole *console;

  if (!user)
    g_error ("the user " QEMU_USER " is missing: run tests/setup-test-users.sh as root");
  vb_test_env_start_system_daemon (f->env, NULL, args);
  path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  proc = g_strdup_printf ("/proc/%d/status", only_helper (f->env, SWTPM));
  g_assert_true (g_file_get_contents (proc, &status, NULL, NULL));
  uid_line = g_strdup_printf ("\nUid:\t%u\t%u\t%u\t%u\n", user->pw_uid, user->pw_uid, user->pw_uid,
                              user->pw_uid);
  g_assert_nonnull (strstr (status, uid_line));
  g_assert_nonnull (strstr (status, "\nNoNewPrivs:\t1\n"));
  state = g_build_filename (f->env->state_dir, "qemu", "swtpm", uuid, "tpm2", NULL);
  g_assert_cmpint (lstat (state, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, user->pw_uid);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);
  {
    g_autofree char *above = g_path_get_dirname (state);

    g_assert_cmpint (lstat (above, &st), ==, 0);
    g_assert_cmpuint (st.st_uid, ==, 0);
    g_assert_cmpuint (st.st_mode & 0077, ==, 0);
  }
  console = vb_test_console_open (f->env, path);
  version = vb_test_console_output (console, "cat /sys/class/tpm/tpm0/tpm_version_major", 60000);
  g_assert_cmpstr (g_strstrip (version), ==, "2");
  vb_test_console_free (console);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  assert_helpers (f->env, SWTPM, 0, 10000);

  g_assert_cmpint (g_mkdir_with_parents (share, 0755), ==, 0);
  fs_devices = g_strdup_printf ("    <filesystem type='mount'>\n"
                                "      <driver type='virtiofs'/>\n"
                                "      <source dir='%s'/>\n"
                                "      <target dir='share'/>\n"
                                "    </filesystem>\n",
                                share);
  fs_xml = vb_test_guest_xml ("vfs2", GUEST_MIB, "vb.counter=0", fs_devices);
  {
    g_autoptr (GString) text = g_string_new (fs_xml);

    g_string_replace (
      text, "<vcpu>",
      "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>\n"
      "  <vcpu>",
      1);
    fs_path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                 g_variant_new ("(su)", text->str, 0));
  }
  vb_test_call_expect_error_saying (f->env, fs_path, IFACE_DOMAIN, "Start",
                                    g_variant_new ("(u)", 0), ERROR_PREFIX "NotSupported",
                                    "virtiofsd runs only as root");
  assert_helpers (f->env, VIRTIOFSD, 0, 0);
}

/* ---- shared directories over 9p ---- */

static void
test_9p (Fixture *f, gconstpointer data)
{
  g_autofree char *share = g_build_filename (f->env->tmpdir, "share", NULL);
  g_autofree char *ro = g_build_filename (f->env->tmpdir, "ro", NULL);
  g_autofree char *hello = g_build_filename (share, "hello.txt", NULL);
  g_autofree char *ro_file = g_build_filename (ro, "fixed.txt", NULL);
  g_autofree char *from_guest = g_build_filename (share, "from-guest.txt", NULL);
  g_autofree char *devices = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *written = NULL;
  VbTestConsole *console;

  g_assert_cmpint (g_mkdir_with_parents (share, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (ro, 0755), ==, 0);
  g_assert_true (g_file_set_contents (hello, "written by the host\n", -1, NULL));
  g_assert_true (g_file_set_contents (ro_file, "read only\n", -1, NULL));
  devices = g_strdup_printf ("    <filesystem type='mount' accessmode='passthrough'>\n"
                             "      <source dir='%s'/>\n"
                             "      <target dir='hostshare'/>\n"
                             "    </filesystem>\n"
                             "    <filesystem type='mount' accessmode='mapped'>\n"
                             "      <driver type='path'/>\n"
                             "      <source dir='%s'/>\n"
                             "      <target dir='readonly'/>\n"
                             "      <readonly/>\n"
                             "    </filesystem>\n",
                             share, ro);
  xml = vb_test_guest_xml ("fs9p", GUEST_MIB, "vb.counter=0", devices);
  path = vb_test_boot_guest (f->env, xml, FALSE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (f->env, path);

  vb_test_console_output (console, "mkdir -p /mnt/a /mnt/b", 60000);
  vb_test_console_output (console, "mount -t 9p -o trans=virtio,version=9p2000.L hostshare /mnt/a",
                          60000);
  text = vb_test_console_output (console, "cat /mnt/a/hello.txt", 60000);
  g_assert_nonnull (strstr (text, "written by the host"));
  /* Both ways: what the guest writes is on the host. */
  vb_test_console_output (console, "echo written by the guest > /mnt/a/from-guest.txt && sync",
                          60000);
  g_assert_true (g_file_get_contents (from_guest, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, "written by the guest\n");

  vb_test_console_output (console, "mount -t 9p -o trans=virtio,version=9p2000.L readonly /mnt/b",
                          60000);
  g_free (text);
  text = vb_test_console_output (console, "cat /mnt/b/fixed.txt", 60000);
  g_assert_nonnull (strstr (text, "read only"));
  /* <readonly/>: QEMU refuses the guest's writes. */
  g_assert_cmpint (vb_test_console_run (console, "echo x > /mnt/b/new.txt", 60000), !=, 0);
  {
    g_autofree char *new_file = g_build_filename (ro, "new.txt", NULL);
    g_assert_false (g_file_test (new_file, G_FILE_TEST_EXISTS));
  }
  vb_test_console_free (console);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* ---- shared directories over virtiofs ---- */

static void
test_virtiofs (Fixture *f, gconstpointer data)
{
  g_autofree char *share = g_build_filename (f->env->tmpdir, "vshare", NULL);
  g_autofree char *hello = g_build_filename (share, "hello.txt", NULL);
  g_autofree char *from_guest = g_build_filename (share, "from-guest.txt", NULL);
  g_autofree char *devices =
    g_strdup_printf ("    <filesystem type='mount' accessmode='passthrough'>\n"
                     "      <driver type='virtiofs' queue='1024'/>\n"
                     "      <binary path='" VIRTIOFSD "'/>\n"
                     "      <source dir='%s'/>\n"
                     "      <target dir='hostshare'/>\n"
                     "    </filesystem>\n",
                     share);
  g_autofree char *plain = vb_test_guest_xml ("virtiofs", GUEST_MIB, "vb.counter=0", devices);
  g_autoptr (GString) xml = g_string_new (plain);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *written = NULL;
  VbTestConsole *console;

  g_assert_cmpint (g_mkdir_with_parents (share, 0755), ==, 0);
  g_assert_true (g_file_set_contents (hello, "written by the host\n", -1, NULL));
  /* vhost-user: virtiofsd maps the guest's memory. */
  g_assert_cmpuint (g_string_replace (xml, "<vcpu>",
                                      "<memoryBacking><source type='memfd'/>"
                                      "<access mode='shared'/></memoryBacking>\n  <vcpu>",
                                      1),
                    ==, 1);
  path = vb_test_boot_guest (f->env, xml->str, FALSE, BOOT_TIMEOUT_MS);
  assert_helpers (f->env, VIRTIOFSD, SOME, 1000);
  console = vb_test_console_open (f->env, path);
  vb_test_console_output (console, "mkdir -p /mnt/v && mount -t virtiofs hostshare /mnt/v", 60000);
  text = vb_test_console_output (console, "cat /mnt/v/hello.txt", 60000);
  g_assert_nonnull (strstr (text, "written by the host"));
  vb_test_console_output (console, "echo written by the guest > /mnt/v/from-guest.txt && sync",
                          60000);
  g_assert_true (g_file_get_contents (from_guest, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, "written by the guest\n");
  vb_test_console_free (console);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  assert_helpers (f->env, VIRTIOFSD, 0, 10000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!g_file_test (SWTPM, G_FILE_TEST_IS_EXECUTABLE))
    g_test_message ("%s is missing (Debian package swtpm): the TPM tests fail", SWTPM);
  g_test_add ("/xml-helpers/tpm/save-restore", Fixture, NULL, fixture_set_up, test_tpm_save_restore,
              fixture_tear_down);
  g_test_add ("/xml-helpers/tpm/failed-start", Fixture, NULL, fixture_set_up, test_tpm_failed_start,
              fixture_tear_down);
  g_test_add ("/xml-helpers/tpm/service-restart", Fixture, NULL, fixture_set_up,
              test_tpm_service_restart, fixture_tear_down);
  g_test_add ("/xml-helpers/tpm/migrate", Fixture, NULL, fixture_set_up, test_tpm_migrate,
              fixture_tear_down);
  g_test_add ("/xml-helpers/tpm/external", Fixture, NULL, fixture_set_up, test_tpm_external,
              fixture_tear_down);
  g_test_add ("/xml-helpers/confined", Fixture, GINT_TO_POINTER (1), fixture_set_up, test_confined,
              fixture_tear_down);
  g_test_add ("/xml-helpers/9p", Fixture, NULL, fixture_set_up, test_9p, fixture_tear_down);
  g_test_add ("/xml-helpers/virtiofs", Fixture, NULL, fixture_set_up, test_virtiofs,
              fixture_tear_down);
  return g_test_run ();
}
