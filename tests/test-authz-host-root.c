/* A script the service runs as root (<interface type='ethernet'><script>,
 * <downscript>) and rawio='yes' need org.virtbus.Virt1.domain.host-root on
 * top of the member's own action, on both front ends (docs/authorization.md,
 * "Host root"): vbtest-admin (group virtbus, allowed domain.define and the
 * rest by the group rule, which leaves out host-root) is refused by name;
 * rawio='no' and the same interface without a script are defined; root
 * defines them and reads them back. Run tests/setup-test-users.sh first. */
#include "vb-test-libvirt.h"

#define ACTION_HOST_ROOT "org.virtbus.Virt1.domain.host-root"
#define NOT_AUTHORIZED "org.virtbus.Virt1.Error.NotAuthorized"
#define ADMIN "vbtest-admin"
#define SCRIPT "<script path='/etc/qemu-ifup'/>"
#define DOWNSCRIPT "<downscript path='/etc/qemu-ifdown'/>"

static char *
domain_xml (const char *name, const char *devices)
{
  return g_strdup_printf ("<domain type='test'>\n  <name>%s</name>\n"
                          "  <memory unit='MiB'>64</memory>\n  <devices>\n%s  </devices>\n"
                          "</domain>\n",
                          name, devices);
}

static char *
ethernet (const char *script)
{
  return g_strdup_printf ("    <interface type='ethernet'><mac address='52:54:00:aa:00:01'/>%s"
                          "</interface>\n",
                          script);
}

static char *
lun (const char *rawio)
{
  /* An iSCSI LUN: no host path, so host-files is not asked. */
  return g_strdup_printf ("    <disk type='network' device='lun' rawio='%s'>"
                          "<source protocol='iscsi' name='iqn.2013-07.com.example:pool/1'>"
                          "<host name='example.com'/></source>"
                          "<target dev='sda' bus='scsi'/></disk>\n",
                          rawio);
}

/* NotAuthorized naming the action and @what. */
static void
define_refused (GDBusConnection *bus, const char *xml, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (bus, BUS_NAME, MANAGER, IFACE_MANAGER, "DefineDomain",
                                 g_variant_new ("(su)", xml, 0), NULL, G_DBUS_CALL_FLAGS_NONE,
                                 30000, NULL, &error);
  g_autofree char *name = NULL;

  if (reply)
    g_error ("DefineDomain succeeded; expected NotAuthorized:\n%s", xml);
  name = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (name, ==, NOT_AUTHORIZED);
  if (!strstr (error->message, ACTION_HOST_ROOT) || !strstr (error->message, what))
    g_error ("'%s' does not name %s and %s", error->message, ACTION_HOST_ROOT, what);
}

static void
define_ok (GDBusConnection *bus, const char *xml)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (bus, BUS_NAME, MANAGER, IFACE_MANAGER, "DefineDomain",
                                 g_variant_new ("(su)", xml, 0), NULL, G_DBUS_CALL_FLAGS_NONE,
                                 30000, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

static void
child_admin (void)
{
  g_autoptr (GDBusConnection) bus = lv_connect_as (ADMIN);
  g_autofree char *script = ethernet (SCRIPT);
  g_autofree char *down = ethernet (DOWNSCRIPT);
  g_autofree char *plain = ethernet ("");
  g_autofree char *raw = lun ("yes");
  g_autofree char *no_raw = lun ("no");
  g_autofree char *with_script = domain_xml ("hr-script", script);
  g_autofree char *with_down = domain_xml ("hr-down", down);
  g_autofree char *with_rawio = domain_xml ("hr-rawio", raw);
  g_autofree char *without = domain_xml ("hr-plain", plain);
  g_autofree char *rawio_no = domain_xml ("hr-rawio-no", no_raw);
  g_autofree char *lv_with = domain_xml ("hr-lv", script);

  define_refused (bus, with_script, "<script path='/etc/qemu-ifup'>");
  define_refused (bus, with_down, "<downscript path='/etc/qemu-ifdown'>");
  define_refused (bus, with_rawio, "rawio='yes' on a <disk>");
  define_ok (bus, without);
  define_ok (bus, rawio_no);
  {
    /* An existing domain redefined with a script: the edit path asks too. */
    g_autofree char *again = domain_xml ("hr-plain", script);

    define_refused (bus, again, "<script path='/etc/qemu-ifup'>");
  }
  lv_expect_error_on (bus, LV_TEST, LV_CONNECT, "DomainDefineXML", g_variant_new ("(s)", lv_with),
                      "access denied: Not authorized to " ACTION_HOST_ROOT "...");
}

static void
test_host_root (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_POLKIT);
  static const char *const refused[] = { "hr-script", "hr-down", "hr-rawio", "hr-lv" };
  static const char *const defined[] = { "hr-plain", "hr-rawio-no" };
  g_autofree char *script = ethernet (SCRIPT DOWNSCRIPT);
  g_autofree char *raw = lun ("yes");
  g_autofree char *both = g_strconcat (script, raw, NULL);
  g_autofree char *xml = domain_xml ("hr-root", both);
  g_autofree char *path = NULL;
  g_autofree char *back = NULL;

  lv_handoff_set ("address", env->bus_address);
  vb_test_env_run_child (env, "/authz-host-root/child/admin", 60 * G_USEC_PER_SEC);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) none = vb_test_call (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                                g_variant_new ("(s)", refused[i]), &error);

      g_assert_null (none);
    }
  for (guint i = 0; i < G_N_ELEMENTS (defined); i++)
    {
      g_autofree char *found = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                                  g_variant_new ("(s)", defined[i]));

      g_assert_nonnull (found);
    }
  {
    /* The refused redefinition left hr-plain without its script. */
    g_autofree char *plain = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                                g_variant_new ("(s)", "hr-plain"));
    g_autofree char *plain_xml = vb_test_get_xml (env, plain, IFACE_DOMAIN, 0);

    g_assert_null (strstr (plain_xml, "<script"));
  }
  /* Root (allowed everything by polkitd) defines it and reads it back. */
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  back = vb_test_get_xml (env, path, IFACE_DOMAIN, 0);
  if (!strstr (back, SCRIPT) || !strstr (back, DOWNSCRIPT) || !strstr (back, "rawio='yes'"))
    g_error ("GetXMLDesc lost the script or rawio:\n%s", back);
}

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/authz-host-root/both-front-ends", test_host_root);
  g_test_add_data_func ("/authz-host-root/child/admin", child_admin, vb_test_run_as_child);
  return g_test_run ();
}
