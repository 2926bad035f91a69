/* An emulated TPM's state in one file (<tpm><backend><source type='file'>,
 * issue #16) as the test guest and the host see it: in session mode swtpm
 * makes the state in the file the service opened for it; in system mode,
 * with <active_pcr_banks> (swtpm_setup on a copy, copied back), the file is
 * QEMU's user's with mode 0600, a second start changes the banks of the
 * state in it (swtpm_setup --reconfigure), and an existing file of
 * somebody else's is refused at Start and left as it was, never chowned.
 * <vsock model='virtio-transitional'> (QEMU's modern-only vhost-vsock-pci)
 * is defined, and refused at Start by name on a host without vhost-vsock. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-tpmfd/tpm-state-file", Fixture, NULL, vb_guest_fixture_set_up,
              test_state_file_session, vb_guest_fixture_tear_down);
  g_test_add ("/xml-tpmfd/tpm-state-file-system", Fixture, NULL, set_up_system,
              test_state_file_system, vb_guest_fixture_tear_down);
  g_test_add ("/xml-tpmfd/vsock-transitional", Fixture, NULL, vb_guest_fixture_set_up,
              test_vsock_transitional, vb_guest_fixture_tear_down);
  return g_test_run ();
}
