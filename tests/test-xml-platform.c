/* Platform and shares as the project's test guest sees them: a 9p share of
 * model 'virtio-transitional' is the transitional virtio-9p device (PCI
 * id 0x1009), 'virtio-non-transitional' the modern one (0x1049), and the
 * guest mounts and reads both. An emulated TPM whose state swtpm encrypts
 * with a secret's value (<encryption secret>), kept in the directory the
 * XML names (<source type='dir'>): the guest has its TPM, the value is on
 * no command line, and with another value swtpm cannot read the state; in
 * system mode such a directory is QEMU's user's when the service made it,
 * and an existing one of somebody else's is refused, not chowned. The Rust
 * virtiofsd, missing here, refused at Start by name. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define IFACE_SECRET "org.virtbus.Virt1.Secret"
#define TPM_SECRET_UUID "5a0c2f7e-3b1d-4c8e-9f60-1d2e3f4a5b6c"
#define PASSPHRASE "correct horse battery"
#define QEMU_USER "vbtest-qemu" /* tests/setup-test-users.sh makes it */

typedef struct {
  VbTestEnv *env;
  char *path;
  VbTestConsole *console;
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
}

/* System mode: helpers run as QEMU's user. */
static void
set_up_system (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--qemu-user=" QEMU_USER, "--network-driver=test", NULL };

  if (!getpwnam (QEMU_USER))
    g_error ("the user " QEMU_USER " is missing: run tests/setup-test-users.sh as root");
  f->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  vb_test_env_start_system_daemon (f->env, NULL, args);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  if (f->path)
    vb_test_call (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0), NULL);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  g_free (f->path);
}

static void
test_9p_models (Fixture *f, gconstpointer data)
{
  g_autofree char *legacy = g_build_filename (f->env->tmpdir, "legacy", NULL);
  g_autofree char *modern = g_build_filename (f->env->tmpdir, "modern", NULL);
  g_autofree char *legacy_file = g_build_filename (legacy, "which.txt", NULL);
  g_autofree char *modern_file = g_build_filename (modern, "which.txt", NULL);
  g_autofree char *devices = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpint (g_mkdir_with_parents (legacy, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (modern, 0755), ==, 0);
  g_assert_true (g_file_set_contents (legacy_file, "the transitional share\n", -1, NULL));
  g_assert_true (g_file_set_contents (modern_file, "the modern share\n", -1, NULL));
  devices = g_strdup_printf (
    "    <filesystem type='mount' accessmode='passthrough' model='virtio-transitional'>\n"
    "      <source dir='%s'/>\n      <target dir='legacy'/>\n    </filesystem>\n"
    "    <filesystem type='mount' accessmode='passthrough' model='virtio-non-transitional'>\n"
    "      <source dir='%s'/>\n      <target dir='modern'/>\n    </filesystem>\n",
    legacy, modern);
  xml = vb_test_guest_xml ("plat-9p-models", GUEST_MIB, "vb.counter=0", devices);
  f->path = vb_test_boot_guest (f->env, xml, FALSE, BOOT_TIMEOUT_MS);
  f->console = vb_test_console_open (f->env, f->path);

  /* virtio-9p: 0x1009 transitional, 0x1040 + 9 modern. */
  ids = vb_test_console_output (f->console,
                                "for d in /sys/bus/pci/devices/*; do "
                                "echo \"id=$(cat $d/vendor):$(cat $d/device)\"; done; echo end",
                                60000);
  g_test_message ("the guest's PCI ids:\n%s", ids);
  if (!strstr (ids, "id=0x1af4:0x1009") || !strstr (ids, "id=0x1af4:0x1049"))
    g_error ("the guest does not see a transitional and a modern virtio-9p device:\n%s", ids);

  vb_test_console_output (f->console, "mkdir -p /mnt/l /mnt/m", 60000);
  vb_test_console_output (f->console,
                          "mount -t 9p -o trans=virtio,version=9p2000.L legacy /mnt/l && "
                          "mount -t 9p -o trans=virtio,version=9p2000.L modern /mnt/m",
                          60000);
  text = vb_test_console_output (f->console, "cat /mnt/l/which.txt /mnt/m/which.txt", 60000);
  g_assert_nonnull (strstr (text, "the transitional share"));
  g_assert_nonnull (strstr (text, "the modern share"));
}

static void
set_secret (VbTestEnv *env, const char *secret, const char *value)
{
  g_variant_unref (vb_test_call_ok (
    env, secret, IFACE_SECRET, "SetValue",
    g_variant_new ("(@ayu)",
                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, value, strlen (value), 1), 0)));
}

/* Whether a process's command line holds @text (any of its arguments). */
static gboolean
some_cmdline_has (const char *text)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *entry;

  while ((entry = g_dir_read_name (proc)))
    {
      g_autofree char *cmdline_path = g_strdup_printf ("/proc/%s/cmdline", entry);
      g_autofree char *cmdline = NULL;
      gsize length = 0;

      if (!g_ascii_isdigit (entry[0])
          || !g_file_get_contents (cmdline_path, &cmdline, &length, NULL))
        continue;
      for (gsize i = 0; i < length; i += strlen (cmdline + i) + 1)
        if (strstr (cmdline + i, text))
          return TRUE;
    }
  return FALSE;
}

static void
test_tpm_encrypted (Fixture *f, gconstpointer data)
{
  g_autofree char *state_dir = g_build_filename (f->env->tmpdir, "tpm state", NULL);
  g_autofree char *state_file = g_build_filename (state_dir, "tpm2-00.permall", NULL);
  g_autofree char *devices = NULL;
  g_autofree char *guest = NULL;
  g_autoptr (GString) xml = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *version = NULL;
  g_autofree char *state = NULL;
  gsize state_len = 0;

  secret = vb_test_call_path (
    f->env, MANAGER, IFACE_MANAGER, "DefineSecret",
    g_variant_new ("(su)",
                   "<secret ephemeral='yes' private='yes'>\n"
                   "  <uuid>" TPM_SECRET_UUID "</uuid>\n"
                   "  <usage type='vtpm'><name>plat-tpm</name></usage>\n</secret>\n",
                   0));
  set_secret (f->env, secret, PASSPHRASE);
  devices = g_strdup_printf ("    <tpm model='tpm-tis'>\n"
                             "      <backend type='emulator' version='2.0'>\n"
                             "        <encryption secret='" TPM_SECRET_UUID "'/>\n"
                             "        <source type='dir' path='%s'/>\n"
                             "      </backend>\n"
                             "    </tpm>\n",
                             state_dir);
  guest = vb_test_guest_xml ("plat-tpm-enc", GUEST_MIB, "vb.counter=0", devices);
  /* The compressed kernel: through PVH the ELF one finds no TPM (see
   * test-xml-helpers.c). */
  xml = g_string_new (guest);
  g_assert_cmpuint (g_string_replace (xml, "/vmlinux</kernel>", "/vmlinuz</kernel>", 1), ==, 1);
  f->path = vb_test_boot_guest (f->env, xml->str, TRUE, BOOT_TIMEOUT_MS);
  f->console = vb_test_console_open (f->env, f->path);
  version = vb_test_console_output (f->console, "cat /sys/class/tpm/tpm0/tpm_version_major", 60000);
  g_assert_cmpstr (g_strstrip (version), ==, "2");
  /* swtpm keeps the state where the XML says, and got the passphrase on a
   * pipe: no process has it on its command line, no log has it. */
  g_assert_true (g_file_get_contents (state_file, &state, &state_len, NULL));
  g_assert_cmpuint (state_len, >, 0);
  g_assert_false (some_cmdline_has (PASSPHRASE));
  {
    g_autofree char *command =
      g_strdup_printf ("grep -r -l '%s' '%s' '%s'", PASSPHRASE, f->env->run_dir, f->env->state_dir);
    int status = 0;

    g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, NULL));
    g_assert_false (g_spawn_check_wait_status (status, NULL));
  }
  g_clear_pointer (&f->console, vb_test_console_free);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));

  /* Another value: swtpm cannot decrypt the state, and the start fails. */
  set_secret (f->env, secret, "a wrong passphrase");
  {
    g_autofree char *message =
      vb_test_call_error_message (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                  "org.virtbus.Virt1.Error.Failed");

    g_test_message ("a start with the wrong passphrase: %s", message);
    g_assert_nonnull (strstr (message, "CMD_INIT"));
  }
  /* The right one again: the same TPM. */
  set_secret (f->env, secret, PASSPHRASE);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  f->console = vb_test_console_open (f->env, f->path);
  g_free (vb_test_console_expect (f->console, 0, "VIRTBUS-GUEST-READY", BOOT_TIMEOUT_MS));
  g_free (version);
  version =
    vb_test_console_output (f->console, "cat /sys/class/tpm/tpm0/tpm_version_major", 120000);
  g_assert_cmpstr (g_strstrip (version), ==, "2");
}

/* The Rust virtiofsd, asked for by path or by an <idmap>: define takes
 * it, and a start on this host (Debian 12, without it) is refused by name
 * and starts nothing. */
static void
test_rust_virtiofsd_missing (Fixture *f, gconstpointer data)
{
  const char *binary = data;
  g_autofree char *share = g_build_filename (f->env->tmpdir, "rshare", NULL);
  g_autofree char *devices =
    g_strdup_printf ("    <filesystem type='mount' accessmode='passthrough'>\n"
                     "      <driver type='virtiofs'/>\n%s"
                     "      <source dir='%s'/>\n      <target dir='rshare'/>\n    </filesystem>\n",
                     binary, share);
  g_autofree char *plain = vb_test_guest_xml ("plat-rust-virtiofsd", GUEST_MIB, NULL, devices);
  g_autoptr (GString) xml = g_string_new (plain);
  g_autofree char *message = NULL;
  g_autofree char *state = NULL;

  if (g_file_test ("/usr/libexec/virtiofsd", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this host has the Rust virtiofsd");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (share, 0755), ==, 0);
  g_assert_cmpuint (g_string_replace (xml, "<vcpu>",
                                      "<memoryBacking><source type='memfd'/>"
                                      "<access mode='shared'/></memoryBacking>\n  <vcpu>",
                                      1),
                    ==, 1);
  f->path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                               g_variant_new ("(su)", xml->str, 0));
  message =
    vb_test_call_error_message (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                "org.virtbus.Virt1.Error.NotSupported");
  g_assert_nonnull (
    strstr (message, "virtiofsd /usr/libexec/virtiofsd is missing (Debian package virtiofsd)"));
  state = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "State");
  g_assert_cmpstr (state, ==, "shutoff");
}

/* The TPM's state in a directory the XML names, in system mode: one the
 * service makes is QEMU's user's (mode 0700); an existing one that is not
 * QEMU's user's is refused at Start and left as it was, never chowned. */
static void
test_tpm_named_dir (Fixture *f, gconstpointer data)
{
  struct passwd *user = getpwnam (QEMU_USER);
  g_autofree char *made = g_build_filename (f->env->tmpdir, "tpm-made", "state", NULL);
  g_autofree char *theirs = g_build_filename (f->env->tmpdir, "tpm-theirs", NULL);
  g_autofree char *made_file = g_build_filename (made, "tpm2-00.permall", NULL);
  const char *dirs[] = { made, theirs };
  g_autofree char *message = NULL;
  g_autofree char *version = NULL;
  char *paths[2] = { NULL, NULL };
  struct stat st;

  g_assert_cmpint (g_mkdir_with_parents (theirs, 0755), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *devices = g_strdup_printf ("    <tpm model='tpm-tis'>\n"
                                                  "      <backend type='emulator'>\n"
                                                  "        <source type='dir' path='%s'/>\n"
                                                  "      </backend>\n"
                                                  "    </tpm>\n",
                                                  dirs[i]);
      g_autofree char *name = g_strdup_printf ("plat-tpm-dir%u", i);
      g_autofree char *guest = vb_test_guest_xml (name, GUEST_MIB, "vb.counter=0", devices);
      g_autoptr (GString) xml = g_string_new (guest);

      g_assert_cmpuint (g_string_replace (xml, "/vmlinux</kernel>", "/vmlinuz</kernel>", 1), ==, 1);
      paths[i] = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", xml->str, 0));
    }
  message =
    vb_test_call_error_message (f->env, paths[1], IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                "org.virtbus.Virt1.Error.NotSupported");
  g_assert_nonnull (strstr (message, "is not QEMU's user's (" QEMU_USER ")"));
  g_assert_cmpint (lstat (theirs, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0755);

  f->path = paths[0];
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  f->console = vb_test_console_open (f->env, f->path);
  g_free (vb_test_console_expect (f->console, 0, "VIRTBUS-GUEST-READY", BOOT_TIMEOUT_MS));
  version = vb_test_console_output (f->console, "cat /sys/class/tpm/tpm0/tpm_version_major", 60000);
  g_assert_cmpstr (g_strstrip (version), ==, "2");
  g_assert_cmpint (lstat (made, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, user->pw_uid);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);
  g_assert_true (g_file_test (made_file, G_FILE_TEST_IS_REGULAR));
  g_free (paths[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-platform/9p-models", Fixture, NULL, set_up, test_9p_models, tear_down);
  g_test_add ("/xml-platform/rust-virtiofsd-missing/binary", Fixture,
              "      <binary path='/usr/libexec/virtiofsd'/>\n", set_up,
              test_rust_virtiofsd_missing, tear_down);
  g_test_add ("/xml-platform/rust-virtiofsd-missing/idmap", Fixture,
              "      <idmap><uid start='0' target='100000' count='65536'/></idmap>\n", set_up,
              test_rust_virtiofsd_missing, tear_down);
  g_test_add ("/xml-platform/tpm-named-dir", Fixture, NULL, set_up_system, test_tpm_named_dir,
              tear_down);
  g_test_add ("/xml-platform/tpm-encrypted", Fixture, NULL, set_up, test_tpm_encrypted, tear_down);
  return g_test_run ();
}
