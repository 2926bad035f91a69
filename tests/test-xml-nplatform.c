/* Platform features that depend on the host, as a client of the service
 * sees them (issue #16): Hyper-V's VP index in a type='qemu' domain is
 * defined (another QEMU takes it under TCG) and refused by name at Start
 * by QEMU 7.2. An emulated TPM's <active_pcr_banks> are the banks the guest
 * finds active, on the first start and after a change (swtpm_setup
 * --reconfigure), in session and in system mode (as QEMU's user); a
 * <profile> is refused at Start by this swtpm 0.7.1. */
#include <gio/gio.h>
#include <pwd.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"
#include "vb-test-tpm.h"

#define GUEST_MIB 160
#define QEMU_USER "vbtest-qemu" /* tests/setup-test-users.sh makes it */

typedef VbGuestFixture Fixture;

/* The test guest's XML with @features in place of its <features>. */
static char *
guest_with_features (const char *name, const char *features, const char *devices)
{
  g_autofree char *xml = vb_test_guest_xml_on (name, GUEST_MIB, "pc", TRUE, NULL, devices);
  g_autoptr (GString) out = g_string_new (xml);

  g_assert_cmpuint (g_string_replace (out, "<features>\n    <acpi/>\n  </features>", features, 1),
                    ==, 1);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_hyperv_vpindex_tcg (Fixture *f, gconstpointer data)
{
  g_autofree char *refused =
    guest_with_features ("plat-hv-vpindex",
                         "<features>\n    <acpi/>\n    <hyperv>\n"
                         "      <relaxed state='on'/>\n      <vpindex state='on'/>\n"
                         "      <synic state='on'/>\n    </hyperv>\n  </features>",
                         NULL);
  g_autofree char *off =
    guest_with_features ("plat-hv-vpindex-off",
                         "<features>\n    <acpi/>\n    <hyperv>\n"
                         "      <relaxed state='on'/>\n      <vpindex state='off'/>\n"
                         "      <vendor_id state='on' value='KVM Hv'/>\n"
                         "    </hyperv>\n  </features>",
                         NULL);
  g_autofree char *uname = NULL;

  /* Defined (the dry run builds hv-vpindex=on), refused when it starts. */
  vb_test_expect_start_refused (f->env, refused,
                                "hv-vpindex under TCG (this domain is type='qemu') needs "
                                "QEMU 8.2; this one is 7.2");
  /* Without the VP index the other enlightenments start and the guest runs. */
  vb_guest_fixture_boot (f, off, 120000);
  uname = vb_test_console_output (f->console, "uname -s", 60000);
  g_assert_nonnull (strstr (uname, "Linux"));
}

static void
test_tpm_pcr_banks (Fixture *f, gconstpointer data)
{
  const char *devices = "    <tpm model='tpm-tis'>\n"
                        "      <backend type='emulator' version='2.0'>\n"
                        "        <active_pcr_banks>\n          <sha256/>\n          <sha512/>\n"
                        "        </active_pcr_banks>\n"
                        "      </backend>\n    </tpm>\n";
  g_autofree char *guest = vb_test_guest_xml ("plat-tpm-banks", GUEST_MIB, "vb.counter=0", devices);
  g_autoptr (GString) xml = g_string_new (guest);
  g_autoptr (GString) changed = NULL;
  g_autofree char *first = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *uuid_element = NULL;
  g_autofree char *second = NULL;

  /* The compressed kernel: through PVH the ELF one finds no TPM (see
   * test-xml-helpers.c). */
  g_assert_cmpuint (g_string_replace (xml, "/vmlinux</kernel>", "/vmlinuz</kernel>", 1), ==, 1);
  changed = g_string_new (xml->str);
  vb_guest_fixture_boot (f, xml->str, 120000);
  first = vb_test_guest_pcr_banks (f->console);
  g_assert_cmpstr (first, ==, "sha256,sha512");

  /* Other banks on the same state: the next start reconfigures it. */
  uuid = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "UUID");
  uuid_element = g_strdup_printf ("<name>plat-tpm-banks</name>\n  <uuid>%s</uuid>", uuid);
  g_assert_cmpuint (g_string_replace (changed, "<name>plat-tpm-banks</name>", uuid_element, 1), ==,
                    1);
  g_clear_pointer (&f->console, vb_test_console_free);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_clear_pointer (&f->path, g_free);
  g_assert_cmpuint (g_string_replace (changed, "<sha256/>\n          <sha512/>",
                                      "<sha1/>\n          <sha384/>", 1),
                    ==, 1);
  vb_guest_fixture_boot (f, changed->str, 120000);
  second = vb_test_guest_pcr_banks (f->console);
  g_assert_cmpstr (second, ==, "sha1,sha384");
}

static void
test_tpm_profile_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "plat-tpm-profile", GUEST_MIB, "q35", TRUE, NULL,
    "    <tpm model='tpm-crb'>\n      <backend type='emulator' version='2.0'>\n"
    "        <profile source='local:restricted' removeDisabled='check'/>\n"
    "      </backend>\n    </tpm>\n");

  vb_test_expect_start_refused (f->env, xml, "a TPM profile needs swtpm 0.10 or later");
}

/* System mode: swtpm_setup runs as QEMU's user, as swtpm does. */
static void
set_up_system (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--qemu-user=" QEMU_USER, "--network-driver=test", NULL };

  if (!getpwnam (QEMU_USER))
    g_error ("the user " QEMU_USER " is missing: run tests/setup-test-users.sh as root");
  f->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  vb_test_env_start_system_daemon (f->env, NULL, args);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-nplatform/hyperv-vpindex-tcg", Fixture, NULL, vb_guest_fixture_set_up,
              test_hyperv_vpindex_tcg, vb_guest_fixture_tear_down);
  g_test_add ("/xml-nplatform/tpm-pcr-banks", Fixture, NULL, vb_guest_fixture_set_up,
              test_tpm_pcr_banks, vb_guest_fixture_tear_down);
  g_test_add ("/xml-nplatform/tpm-pcr-banks-system", Fixture, NULL, set_up_system,
              test_tpm_pcr_banks, vb_guest_fixture_tear_down);
  g_test_add ("/xml-nplatform/tpm-profile-refused", Fixture, NULL, vb_guest_fixture_set_up,
              test_tpm_profile_refused, vb_guest_fixture_tear_down);
  return g_test_run ();
}
