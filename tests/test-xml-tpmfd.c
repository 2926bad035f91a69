/* An emulated TPM's state in one file (<tpm><backend><source type='file'>,
 * issue #16) as the test guest and the host see it: in session mode swtpm
 * makes the state in the file the service opened for it; in system mode,
 * with <active_pcr_banks> (swtpm_setup on a copy, copied back), the file is
 * QEMU's user's with mode 0600, a second start changes the banks of the
 * state in it (swtpm_setup --reconfigure), and an existing file of
 * somebody else's is refused at Start and left as it was, never chowned;
 * across a Save and Restore the guest's TPM goes on where it was (PCR 16);
 * an empty file is a new state, made with the banks asked for.
 * <vsock model='virtio-transitional'> (QEMU's modern-only vhost-vsock-pci)
 * is defined, and refused at Start by name on a host without vhost-vsock.
 * A file disk from an fd group (<source fdgroup>, Domain.FDAssociate): Start
 * refuses it by the group's name until a client hands over a descriptor,
 * FDAssociate refuses a pipe and flags, and with the descriptor of an image
 * the test wrote (its path never given) the guest reads and writes it; a
 * qcow2 image with a backing file is refused at Start (QEMU would open it
 * without). */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-tpm.h"

#define GUEST_MIB 160
#define BOOT_TIMEOUT_MS 120000
#define QEMU_USER "vbtest-qemu" /* tests/setup-test-users.sh makes it */

typedef VbGuestFixture Fixture;

static void
set_up_system (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--qemu-user=" QEMU_USER, "--network-driver=test", NULL };

  if (!getpwnam (QEMU_USER))
    g_error ("the user " QEMU_USER " is missing: run tests/setup-test-users.sh as root");
  f->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  vb_test_env_start_system_daemon (f->env, NULL, args);
}

/* The test guest with a TPM keeping its state in @file; @banks: the
 * <active_pcr_banks> children or NULL. */
static char *
tpm_guest (const char *name, const char *file, const char *banks)
{
  g_autofree char *banks_xml =
    banks ? g_strdup_printf ("        <active_pcr_banks>%s</active_pcr_banks>\n", banks)
          : g_strdup ("");
  g_autofree char *devices = g_strdup_printf ("    <tpm model='tpm-tis'>\n"
                                              "      <backend type='emulator' version='2.0'>\n"
                                              "%s"
                                              "        <source type='file' path='%s'/>\n"
                                              "      </backend>\n"
                                              "    </tpm>\n",
                                              banks_xml, file);
  g_autofree char *guest = vb_test_guest_xml (name, GUEST_MIB, "vb.counter=0", devices);
  g_autoptr (GString) xml = g_string_new (guest);

  /* The compressed kernel: through PVH the ELF one finds no TPM (see
   * test-xml-helpers.c). */
  g_assert_cmpuint (g_string_replace (xml, "/vmlinux</kernel>", "/vmlinuz</kernel>", 1), ==, 1);
  return g_string_free (g_steal_pointer (&xml), FALSE);
}

/* The guest has its TPM 2.0 (the kernel's tpm0, its character device). */
static void
expect_guest_tpm (Fixture *f)
{
  g_autofree char *seen = vb_test_console_output (
    f->console,
    "for i in $(seq 60); do [ -e /sys/class/tpm/tpm0/dev ] && break; sleep 1; done; "
    "echo \"major=$(cat /sys/class/tpm/tpm0/tpm_version_major) dev=$(cat "
    "/sys/class/tpm/tpm0/dev)\"",
    60000);

  g_test_message ("the guest's TPM: %s", seen);
  g_assert_nonnull (strstr (seen, "major=2 dev="));
  g_assert_null (strstr (seen, "dev=\n"));
}

static void
test_state_file_session (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->env->tmpdir, "tpm, state", "vtpm.bin", NULL);
  g_autofree char *xml = tpm_guest ("tpmfd-file", file, NULL);
  struct stat st;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  expect_guest_tpm (f);
  /* swtpm wrote its state through the descriptor the service opened. */
  g_assert_cmpint (lstat (file, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (st.st_size, >, 0);
}

static void
test_state_file_empty (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->env->tmpdir, "empty-tpm.bin", NULL);
  g_autofree char *xml = tpm_guest ("tpmfd-empty", file, "<sha384/>");
  g_autofree char *banks = NULL;
  struct stat st;

  /* Taken for an existing state when the command is built (swtpm_setup
   * --reconfigure), with nothing in it to copy: swtpm_setup makes a new
   * state with these banks. */
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  banks = vb_test_guest_pcr_banks (f->console);
  g_assert_cmpstr (banks, ==, "sha384");
  g_assert_cmpint (lstat (file, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);
}

static void
test_state_file_save_restore (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->env->tmpdir, "saved-tpm.bin", NULL);
  g_autofree char *image = g_build_filename (f->env->tmpdir, "tpm.save", NULL);
  g_autofree char *xml = tpm_guest ("tpmfd-save", file, NULL);
  g_autofree char *expected = vb_test_tpm_extended_pcr16 ();
  g_autofree char *pcr = NULL;
  g_autofree char *job = NULL;
  g_autofree char *state = NULL;
  struct stat st;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  expect_guest_tpm (f);
  vb_test_tpm_extend_pcr16 (f->console);
  pcr = vb_test_tpm_read_pcr16 (f->console);
  g_assert_cmpstr (pcr, ==, expected);
  g_clear_pointer (&f->console, vb_test_console_free);

  job = vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "Save", g_variant_new ("(su)", image, 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  g_free (job);
  job =
    vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", image, 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 60000));
  state = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "State");
  g_assert_cmpstr (state, ==, "running");
  /* A new swtpm on the same file, the volatile state from QEMU's stream. */
  f->console = vb_test_console_open (f->env, f->path);
  g_free (pcr);
  pcr = vb_test_tpm_read_pcr16 (f->console);
  g_assert_cmpstr (pcr, ==, expected);
  g_assert_cmpint (lstat (file, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 0);
}

static void
test_state_file_system (Fixture *f, gconstpointer data)
{
  struct passwd *user = getpwnam (QEMU_USER);
  g_autofree char *file = g_build_filename (f->env->tmpdir, "tpm-made", "vtpm.bin", NULL);
  g_autofree char *theirs = g_build_filename (f->env->tmpdir, "tpm-theirs.bin", NULL);
  g_autofree char *refused = tpm_guest ("tpmfd-theirs", theirs, NULL);
  g_autofree char *xml = tpm_guest ("tpmfd-sys", file, "<sha256/>");
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *banks = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *uuid_element = NULL;
  g_autoptr (GString) changed = NULL;
  gsize first_length = 0, second_length = 0;
  struct stat st;

  /* Somebody else's file: refused, not chowned, not changed. */
  g_assert_true (g_file_set_contents (theirs, "not a TPM\n", -1, NULL));
  g_assert_cmpint (chmod (theirs, 0644), ==, 0);
  vb_test_expect_start_refused (f->env, refused, "is not QEMU's user's (" QEMU_USER ")");
  g_assert_cmpint (lstat (theirs, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0644);
  g_assert_cmpint (st.st_size, ==, strlen ("not a TPM\n"));

  /* Made by swtpm_setup (as QEMU's user) on a copy, copied into the file. */
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  expect_guest_tpm (f);
  banks = vb_test_guest_pcr_banks (f->console);
  g_assert_cmpstr (banks, ==, "sha256");
  g_assert_cmpint (lstat (file, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpuint (st.st_uid, ==, user->pw_uid);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (st.st_size, >, 0);
  g_assert_true (g_file_get_contents (file, &first, &first_length, NULL));

  /* Other banks on the same state: swtpm_setup --reconfigure on a copy of
   * what the file holds (a missing copy would fail the start). */
  uuid = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "UUID");
  uuid_element = g_strdup_printf ("<name>tpmfd-sys</name>\n  <uuid>%s</uuid>", uuid);
  changed = g_string_new (xml);
  g_assert_cmpuint (g_string_replace (changed, "<name>tpmfd-sys</name>", uuid_element, 1), ==, 1);
  g_assert_cmpuint (g_string_replace (changed, "<sha256/>", "<sha1/><sha384/>", 1), ==, 1);
  g_clear_pointer (&f->console, vb_test_console_free);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_clear_pointer (&f->path, g_free);
  vb_guest_fixture_boot (f, changed->str, BOOT_TIMEOUT_MS);
  expect_guest_tpm (f);
  g_clear_pointer (&banks, g_free);
  banks = vb_test_guest_pcr_banks (f->console);
  g_assert_cmpstr (banks, ==, "sha1,sha384");
  g_assert_true (g_file_get_contents (file, &second, &second_length, NULL));
  g_assert_true (first_length != second_length || memcmp (first, second, first_length) != 0);
  g_assert_cmpint (lstat (file, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, user->pw_uid);
}

static void
test_vsock_transitional (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "tpmfd-vsock", GUEST_MIB, "q35", TRUE, NULL,
    "    <vsock model='virtio-transitional'>\n      <cid auto='yes'/>\n    </vsock>\n");

  if (g_file_test ("/dev/vhost-vsock", G_FILE_TEST_EXISTS))
    {
      g_autofree char *ids = NULL;

      /* virtio-vsock's modern PCI id: 0x1040 + 19. */
      vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
      ids = vb_test_guest_pci_ids (f->console);
      g_assert_nonnull (strstr (ids, "id=0x1af4:0x1053"));
      return;
    }
  vb_test_expect_start_refused (f->env, xml,
                                "the host has no /dev/vhost-vsock (modprobe vhost_vsock)");
}

#define IMAGE_TEXT "VB-FDGROUP-CONTENT-42"

/* Domain.FDAssociate (@name, @fd, @flags); the error's D-Bus name or NULL. */
static char *
fd_associate (Fixture *f, const char *path, const char *name, int fd, guint flags, char **message)
{
  g_autoptr (GUnixFDList) list = g_unix_fd_list_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  int index = g_unix_fd_list_append (list, fd, &error);

  g_assert_no_error (error);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    f->env->client, BUS_NAME, path, IFACE_DOMAIN, "FDAssociate",
    g_variant_new_parsed ("(%s, [%h], %u)", name, index, flags), NULL, G_DBUS_CALL_FLAGS_NONE,
    60000, list, NULL, NULL, &error);
  if (reply)
    return NULL;
  if (message)
    *message = g_strdup (error->message);
  return g_dbus_error_get_remote_error (error);
}

static void
test_fdgroup_disk (Fixture *f, gconstpointer data)
{
  g_autofree char *image = g_build_filename (f->env->tmpdir, "handed-over.img", NULL);
  g_autofree char *named = g_build_filename (f->env->tmpdir, "never-opened.img", NULL);
  g_autofree char *devices = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                                              "      <driver name='qemu' type='raw'/>\n"
                                              "      <source file='%s' fdgroup='data, one'/>\n"
                                              "      <target dev='vda' bus='virtio'/>\n"
                                              "    </disk>\n",
                                              named);
  g_autofree char *xml = vb_test_guest_xml ("tpmfd-fdgroup", GUEST_MIB, "vb.counter=0", devices);
  g_autofree char *path = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *message = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *block = g_malloc0 (1024 * 1024);
  gsize length = 0;
  int pipe_fds[2];
  int fd;

  memcpy (block, IMAGE_TEXT "\n", strlen (IMAGE_TEXT) + 1);
  g_assert_true (g_file_set_contents (image, block, 1024 * 1024, NULL));
  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));

  /* No descriptors yet: Start names the group. */
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "no descriptors are associated with the group 'data, one'");

  /* A pipe is no disk image; flags are refused. */
  g_assert_cmpint (pipe (pipe_fds), ==, 0);
  remote = fd_associate (f, path, "data, one", pipe_fds[0], 0, &message);
  g_assert_cmpstr (remote, ==, "org.virtbus.Virt1.Error.InvalidArgument");
  g_assert_nonnull (strstr (message, "not a regular file or a block device"));
  close (pipe_fds[0]);
  close (pipe_fds[1]);
  fd = open (image, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_clear_pointer (&remote, g_free);
  g_clear_pointer (&message, g_free);
  remote = fd_associate (f, path, "data, one", fd, 2, &message);
  g_assert_cmpstr (remote, ==, "org.virtbus.Virt1.Error.InvalidArgument");

  /* The image's descriptor: the guest's disk, read and written through it. */
  g_clear_pointer (&remote, g_free);
  remote = fd_associate (f, path, "data, one", fd, 0, NULL);
  g_assert_null (remote);
  close (fd);
  f->path = g_steal_pointer (&path);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  f->console = vb_test_console_open (f->env, f->path);
  g_free (vb_test_console_expect (f->console, 0, "VIRTBUS-GUEST-READY", BOOT_TIMEOUT_MS));
  seen = vb_test_console_output (f->console,
                                 "head -n 1 /dev/vda; "
                                 "echo WRITTEN-BY-THE-GUEST | dd of=/dev/vda bs=512 "
                                 "seek=8 conv=fsync 2>/dev/null; echo done",
                                 60000);
  g_assert_nonnull (strstr (seen, IMAGE_TEXT));
  g_assert_false (g_file_test (named, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (image, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, 1024 * 1024);
  g_assert_true (g_str_has_prefix (contents + 4096, "WRITTEN-BY-THE-GUEST"));
}

static void
test_fdgroup_qcow2_backing (Fixture *f, gconstpointer data)
{
  g_autofree char *base = g_build_filename (f->env->tmpdir, "base.raw", NULL);
  g_autofree char *top = g_build_filename (f->env->tmpdir, "top.qcow2", NULL);
  g_autofree char *devices = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                                              "      <driver name='qemu' type='qcow2'/>\n"
                                              "      <source file='%s' fdgroup='top'/>\n"
                                              "      <target dev='vda' bus='virtio'/>\n"
                                              "    </disk>\n",
                                              top);
  g_autofree char *xml = vb_test_guest_xml ("tpmfd-qcow2", GUEST_MIB, "vb.counter=0", devices);
  const char *argv[] = { "qemu-img", "create", "-q",  "-f", "qcow2", "-b",
                         base,       "-F",     "raw", top,  NULL };
  g_autofree char *path = NULL;
  g_autofree char *remote = NULL;
  g_autoptr (GError) error = NULL;
  int status = -1;
  int fd;

  g_assert_true (g_file_set_contents (base, "base", -1, NULL));
  g_assert_cmpint (truncate (base, 1024 * 1024), ==, 0);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
  fd = open (top, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  remote = fd_associate (f, path, "top", fd, 0, NULL);
  g_assert_null (remote);
  close (fd);
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "is a qcow2 image with a backing file");
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-tpmfd/tpm-state-file", Fixture, NULL, vb_guest_fixture_set_up,
              test_state_file_session, vb_guest_fixture_tear_down);
  g_test_add ("/xml-tpmfd/tpm-state-file-empty", Fixture, NULL, vb_guest_fixture_set_up,
              test_state_file_empty, vb_guest_fixture_tear_down);
  g_test_add ("/xml-tpmfd/tpm-state-file-save-restore", Fixture, NULL, vb_guest_fixture_set_up,
              test_state_file_save_restore, vb_guest_fixture_tear_down);
  g_test_add ("/xml-tpmfd/tpm-state-file-system", Fixture, NULL, set_up_system,
              test_state_file_system, vb_guest_fixture_tear_down);
  g_test_add ("/xml-tpmfd/vsock-transitional", Fixture, NULL, vb_guest_fixture_set_up,
              test_vsock_transitional, vb_guest_fixture_tear_down);
  g_test_add ("/xml-tpmfd/fdgroup-disk", Fixture, NULL, vb_guest_fixture_set_up, test_fdgroup_disk,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-tpmfd/fdgroup-qcow2-backing", Fixture, NULL, vb_guest_fixture_set_up,
              test_fdgroup_qcow2_backing, vb_guest_fixture_tear_down);
  return g_test_run ();
}
