/* Platform features that depend on the host, as a client of the service
 * sees them (issue #16): Hyper-V's VP index in a type='qemu' domain is
 * defined (another QEMU takes it under TCG) and refused by name at Start
 * by QEMU 7.2. */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define GUEST_MIB 160

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-nplatform/hyperv-vpindex-tcg", Fixture, NULL, vb_guest_fixture_set_up,
              test_hyperv_vpindex_tcg, vb_guest_fixture_tear_down);
  return g_test_run ();
}
