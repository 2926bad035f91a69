/* libvirt's QEMU namespace needs org.virtbus.Virt1.domain.qemu-passthrough on
 * top of the member's own action, on both front ends (docs/authorization.md,
 * "Actions some calls also need"): vbtest-admin (group virtbus, allowed
 * domain.define and the rest by the group rule, which leaves out
 * qemu-passthrough) is refused by name; the same XML without the namespace
 * is defined; root defines it and GetXMLDesc gives it back as written. Run
 * tests/setup-test-users.sh first (it installs the policy and the rule). */
#include "vb-test-libvirt.h"

#define ACTION_PASSTHROUGH "org.virtbus.Virt1.domain.qemu-passthrough"
#define NOT_AUTHORIZED "org.virtbus.Virt1.Error.NotAuthorized"
#define ADMIN "vbtest-admin"
#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"
#define COMMANDLINE                                    \
  "  <ns0:commandline xmlns:ns0='" QEMU_NS "'>\n"      \
  "    <ns0:arg value='-smbios'/>\n"                   \
  "    <ns0:arg value='type=1,serial=VBTEST'/>\n"      \
  "    <ns0:env name='VB_PASSTHROUGH' value='yes'/>\n" \
  "  </ns0:commandline>\n"

static char *
domain_xml (const char *name, gboolean passthrough)
{
  return g_strdup_printf ("<domain type='test'>\n  <name>%s</name>\n"
                          "  <memory unit='MiB'>64</memory>\n%s</domain>\n",
                          name, passthrough ? COMMANDLINE : "");
}

static GVariant *
virt1_call (GDBusConnection *bus, const char *path, const char *iface, const char *method,
            GVariant *args, GError **error)
{
  return g_dbus_connection_call_sync (bus, BUS_NAME, path, iface, method, args, NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 30000, NULL, error);
}

/* NotAuthorized naming the action. */
static void
virt1_refused (GDBusConnection *bus, const char *path, const char *iface, const char *method,
               GVariant *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = virt1_call (bus, path, iface, method, args, &error);
  g_autofree char *name = NULL;

  if (reply)
    g_error ("%s.%s succeeded; expected NotAuthorized", iface, method);
  name = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (name, ==, NOT_AUTHORIZED);
  if (!strstr (error->message, ACTION_PASSTHROUGH))
    g_error ("%s.%s: '%s' does not name %s", iface, method, error->message, ACTION_PASSTHROUGH);
}

static void
child_admin (void)
{
  g_autoptr (GDBusConnection) bus = lv_connect_as (ADMIN);
  g_autofree char *with = domain_xml ("pt-admin", TRUE);
  g_autofree char *without = domain_xml ("pt-admin-plain", FALSE);
  g_autofree char *lv_with = domain_xml ("pt-admin-lv", TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) plain = NULL;

  /* org.virtbus.Virt1: DefineDomain, CreateDomain, and a redefinition of an
   * existing domain (the edit path) all ask. */
  virt1_refused (bus, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", with, 0));
  virt1_refused (bus, MANAGER, IFACE_MANAGER, "CreateDomain", g_variant_new ("(su)", with, 0));
  plain = virt1_call (bus, MANAGER, IFACE_MANAGER, "DefineDomain",
                      g_variant_new ("(su)", without, 0), &error);
  g_assert_no_error (error);
  {
    g_autofree char *again = domain_xml ("pt-admin-plain", TRUE);

    virt1_refused (bus, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", again, 0));
  }
  /* A migration's arriving guest is defined here too. */
  virt1_refused (bus, MANAGER, "org.virtbus.Virt1.MigrationTarget", "Prepare",
                 g_variant_new ("(s@a{sv}u)", with, g_variant_new ("a{sv}", NULL), 0));
  /* org.libvirt: the same action, libvirt's words. */
  lv_expect_error_on (bus, LV_TEST, LV_CONNECT, "DomainDefineXML", g_variant_new ("(s)", lv_with),
                      "access denied: Not authorized to " ACTION_PASSTHROUGH "...");
  lv_expect_error_on (bus, LV_TEST, LV_CONNECT, "DomainCreateXML",
                      g_variant_new ("(su)", lv_with, 0),
                      "access denied: Not authorized to " ACTION_PASSTHROUGH "...");
}

static void
test_passthrough (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_POLKIT);
  g_autofree char *with = domain_xml ("pt-root", TRUE);
  g_autofree char *lv_with = domain_xml ("pt-root-lv", TRUE);
  g_autofree char *path = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *lv_path_ = NULL;
  g_autofree char *lv_xml = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) none = NULL;

  lv_handoff_set ("address", env->bus_address);
  vb_test_env_run_child (env, "/authz-passthrough/child/admin", 60 * G_USEC_PER_SEC);
  /* Nothing the refused calls asked for exists. */
  for (guint i = 0; i < 3; i++)
    {
      static const char *const names[] = { "pt-admin", "pt-admin-lv", "pt-admin-plain" };

      g_clear_error (&error);
      g_clear_pointer (&none, g_variant_unref);
      none = vb_test_call (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                           g_variant_new ("(s)", names[i]), &error);
      if (i < 2)
        g_assert_null (none);
      else
        g_assert_nonnull (none);
    }
  {
    /* The redefinition refused: pt-admin-plain still has no namespace. */
    g_autofree char *plain = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                                g_variant_new ("(s)", "pt-admin-plain"));
    g_autofree char *plain_xml = vb_test_get_xml (env, plain, IFACE_DOMAIN, 0);

    g_assert_null (strstr (plain_xml, QEMU_NS));
  }

  /* Root (allowed everything by polkitd) defines it, on both front ends,
   * and reads it back as written. */
  path = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", with, 0));
  xml = vb_test_get_xml (env, path, IFACE_DOMAIN, 0);
  if (!strstr (xml, COMMANDLINE))
    g_error ("GetXMLDesc lost the commandline:\n%s", xml);
  lv_path_ = lv_path (env, LV_TEST, LV_CONNECT, "DomainDefineXML", g_variant_new ("(s)", lv_with));
  lv_xml = lv_string (env, lv_path_, "org.libvirt.Domain", "GetXMLDesc", g_variant_new ("(u)", 0));
  if (!strstr (lv_xml, COMMANDLINE))
    g_error ("libvirt's GetXMLDesc lost the commandline:\n%s", lv_xml);
}

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/authz-passthrough/both-front-ends", test_passthrough);
  g_test_add_data_func ("/authz-passthrough/child/admin", child_admin, vb_test_run_as_child);
  return g_test_run ();
}
