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

/* The PCR banks the guest's TPM has active, as "sha256,sha512": its
 * answer to TPM2_GetCapability(TPM_CAP_PCRS), asked on the TPM's character
 * device (the test guest has no /dev node for it, no TPM tools, and its
 * kernel lists no pcr-* directories in sysfs):
 * a bank is active when its selection has a PCR in it. */
static char *
guest_pcr_banks (VbTestConsole *console)
{
  static const struct {
    guint alg;
    const char *name;
  } algs[] = {
    { 0x0004, "sha1" }, { 0x000b, "sha256" }, { 0x000c, "sha384" }, { 0x000d, "sha512" }
  };
  g_autofree char *dump = vb_test_console_output (
    console,
    "for i in $(seq 60); do [ -e /sys/class/tpm/tpm0/dev ] && break; sleep 1; done; "
    "rm -f /tmp/vbtpm; mknod /tmp/vbtpm c $(tr : ' ' </sys/class/tpm/tpm0/dev) && "
    "exec 3<>/tmp/vbtpm; "
    "printf '\\200\\001\\000\\000\\000\\026\\000\\000\\001\\172\\000\\000\\000\\005"
    "\\000\\000\\000\\000\\000\\000\\000\\001' >&3; "
    "dd bs=4096 count=1 <&3 2>/dev/null | od -An -tx1 -v; exec 3<&-",
    60000);
  g_auto (GStrv) words = g_strsplit_set (dump, " \r\n", -1);
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_autoptr (GString) out = g_string_new (NULL);
  guint count, at = 19;

  for (guint i = 0; words[i]; i++)
    if (strlen (words[i]) == 2 && g_ascii_isxdigit (words[i][0]) && g_ascii_isxdigit (words[i][1]))
      {
        guint8 byte = (guint8) g_ascii_strtoull (words[i], NULL, 16);

        g_byte_array_append (bytes, &byte, 1);
      }
  g_test_message ("TPM2_GetCapability(PCRS): %s", dump);
  /* Header (tag, size, response code 0), moreData, capability 5, count. */
  if (bytes->len < 19 || bytes->data[6] || bytes->data[7] || bytes->data[8] || bytes->data[9]
      || bytes->data[14] != 5)
    g_error ("the guest's TPM did not answer TPM2_GetCapability: %s", dump);
  count = (guint) bytes->data[15] << 24 | (guint) bytes->data[16] << 16
          | (guint) bytes->data[17] << 8 | bytes->data[18];
  for (guint n = 0; n < count; n++)
    {
      guint alg, size;
      gboolean active = FALSE;

      g_assert_cmpuint (at + 3, <=, bytes->len);
      alg = (guint) bytes->data[at] << 8 | bytes->data[at + 1];
      size = bytes->data[at + 2];
      g_assert_cmpuint (at + 3 + size, <=, bytes->len);
      for (guint k = 0; k < size; k++)
        active |= bytes->data[at + 3 + k] != 0;
      at += 3 + size;
      for (guint a = 0; a < G_N_ELEMENTS (algs) && active; a++)
        if (algs[a].alg == alg)
          g_string_append_printf (out, "%s%s", out->len ? "," : "", algs[a].name);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
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
  first = guest_pcr_banks (f->console);
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
  second = guest_pcr_banks (f->console);
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
