/* libvirt's QEMU namespace at define (service/conf/domain-passthrough.c and
 * the schema's namespace handling): <qemu:commandline> with <qemu:arg> and
 * <qemu:env> under any prefix is accepted and kept as written; the rest of
 * the namespace, misplaced elements, bad or reserved environment names are
 * refused by name; vb_domain_passthrough_in() finds it for the extra polkit
 * action. */
#include <string.h>

#include <glib.h>

#include "domain-def.h"
#include "domain-passthrough.h"
#include "vb-error.h"
#include "xml-schema.h"
#include "xml-def-asserts.h"

#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"
#define HEAD "<domain type='kvm'>\n  <name>t</name>\n  <memory>1024</memory>\n"

static VbDomainDef *
accepted (const char *xml)
{
  g_autoptr (GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (xml, &error);

  g_assert_no_error (error);
  return def;
}

static void
test_prefixes (void)
{
  /* The prefix is the caller's: qemu:, ns0:, one declared on the element
   * itself, a default namespace, and an unused declaration of the same
   * prefix for another URI on <domain> (libvirt's own test inputs). */
  const char *const spellings[] = {
    "<domain type='kvm' xmlns:qemu='" QEMU_NS "'>\n  <name>t</name>\n  <memory>1024</memory>\n"
    "  <qemu:commandline>\n    <qemu:arg value='-s'/>\n  </qemu:commandline>\n</domain>\n",
    HEAD "  <ns0:commandline xmlns:ns0='" QEMU_NS "'>\n"
         "    <ns1:arg xmlns:ns1='" QEMU_NS "' value='-s'/>\n  </ns0:commandline>\n</domain>\n",
    HEAD "  <commandline xmlns='" QEMU_NS "'>\n    <arg value='-s'/>\n"
         "    <env name='BAR'/>\n  </commandline>\n</domain>\n",
    "<domain type='kvm' xmlns:qemu='urn:dummy'>\n  <name>t</name>\n  <memory>1024</memory>\n"
    "  <qemu:commandline xmlns:qemu='" QEMU_NS "'>\n    <qemu:arg value='-s'/>\n"
    "  </qemu:commandline>\n</domain>\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (spellings); i++)
    {
      g_autoptr (VbDomainDef) def = accepted (spellings[i]);
      g_autoptr (VbDomainDef) again = accepted (def->xml);
      g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", NULL);
      xmlNode *commandline = vb_domain_passthrough (xmlDocGetRootElement (doc));
      xmlNode *arg;

      /* Kept as written, and the same after a second round. */
      g_assert_cmpstr (again->xml, ==, def->xml);
      g_assert_nonnull (commandline);
      arg = vb_domain_passthrough_next (commandline, NULL, "arg");
      g_assert_nonnull (arg);
      g_assert_cmpstr ((const char *) arg->name, ==, "arg");
      g_assert_null (vb_domain_passthrough_next (commandline, arg, "arg"));
      g_assert_true (vb_domain_passthrough_in (def->xml));
    }
}

static void
test_values_kept (void)
{
  g_autoptr (VbDomainDef) def =
    accepted (HEAD "  <qemu:commandline xmlns:qemu='" QEMU_NS "'>\n"
                   "    <qemu:arg value='a b; $(id) &quot;q&quot; &amp; &lt;'/>\n"
                   "    <qemu:env name='_X9' value='='/>\n  </qemu:commandline>\n</domain>\n");

  g_assert_nonnull (strstr (def->xml, "<qemu:arg value='a b; $(id) &quot;q&quot; &amp; &lt;'/>"));
  g_assert_nonnull (strstr (def->xml, "<qemu:env name='_X9' value='='/>"));
}

static void
test_refused (void)
{
  assert_invalid_xml (KIND_DOMAIN, HEAD "  <qemu:override xmlns:qemu='" QEMU_NS "'/>\n</domain>",
                      "unsupported element <qemu:override> at line 4 (domain/qemu:override): of "
                      "libvirt's QEMU namespace (" QEMU_NS ") only <commandline> with <arg> and "
                      "<env> is supported");
  assert_invalid_xml (
    KIND_DOMAIN, HEAD "  <ns0:capabilities xmlns:ns0='" QEMU_NS "'/>\n</domain>",
    "unsupported element <ns0:capabilities> at line 4 (domain/qemu:capabilities)");
  assert_invalid_xml (KIND_DOMAIN,
                      HEAD "  <qemu:deprecation xmlns:qemu='" QEMU_NS
                           "' behavior='crash'/>\n</domain>",
                      "unsupported element <qemu:deprecation> at line 4");
  /* Only under <domain>. */
  assert_invalid_xml (KIND_DOMAIN,
                      HEAD "  <devices>\n    <qemu:commandline xmlns:qemu='" QEMU_NS "'/>\n"
                           "  </devices>\n</domain>",
                      "unsupported element <qemu:commandline> at line 5 "
                      "(domain/devices/qemu:commandline)");
  assert_invalid_xml (
    KIND_DOMAIN,
    HEAD "  <qemu:commandline xmlns:qemu='" QEMU_NS "'>\n    <qemu:other/>\n"
         "  </qemu:commandline>\n</domain>",
    "unsupported element <qemu:other> at line 5 (domain/qemu:commandline/qemu:other)");
  /* An element of no namespace inside it is not one of libvirt's. */
  assert_invalid_xml (KIND_DOMAIN,
                      HEAD "  <qemu:commandline xmlns:qemu='" QEMU_NS "'>\n    <arg value='-s'/>\n"
                           "  </qemu:commandline>\n</domain>",
                      "unsupported element <arg> at line 5 (domain/qemu:commandline/arg)");
  /* A prefix nobody declared is no namespace: never taken for libvirt's. */
  assert_invalid_xml (KIND_DOMAIN,
                      HEAD "  <qemu:commandline>\n    <qemu:arg value='-s'/>\n"
                           "  </qemu:commandline>\n</domain>",
                      "malformed XML at line 4: Namespace prefix qemu on commandline is not "
                      "defined");
  /* Once, whatever the prefixes. */
  assert_invalid_xml (KIND_DOMAIN,
                      HEAD "  <a:commandline xmlns:a='" QEMU_NS "'/>\n"
                           "  <b:commandline xmlns:b='" QEMU_NS "'/>\n</domain>",
                      "element <commandline> at line 5 (domain/qemu:commandline) may appear only "
                      "once");
  assert_invalid_xml (KIND_DOMAIN,
                      HEAD "  <qemu:commandline xmlns:qemu='" QEMU_NS "'>\n    <qemu:arg/>\n"
                           "  </qemu:commandline>\n</domain>",
                      "value");
  assert_invalid_xml (KIND_DOMAIN,
                      HEAD "  <qemu:commandline xmlns:qemu='" QEMU_NS "'>\n"
                           "    <qemu:arg qemu:value='-s'/>\n  </qemu:commandline>\n</domain>",
                      "qemu:value");
}

static void
assert_env_refused (const char *name, const char *why)
{
  g_autofree char *xml = g_strdup_printf (HEAD "  <qemu:commandline xmlns:qemu='" QEMU_NS "'>\n"
                                               "    <qemu:env name='%s' value='x'/>\n"
                                               "  </qemu:commandline>\n</domain>",
                                          name);
  g_autofree char *expected =
    g_strdup_printf ("<env> at line 5: name='%s' is refused: %s", name, why);

  assert_invalid_xml (KIND_DOMAIN, xml, expected);
}

static void
test_env_names (void)
{
  g_autoptr (VbDomainDef) def = NULL;

  assert_env_refused ("", "an environment name begins with a letter or '_'");
  assert_env_refused ("1A", "an environment name begins with a letter or '_'");
  assert_env_refused ("A=B", "an environment name has only letters, digits and '_'");
  assert_env_refused ("A B", "an environment name has only letters, digits and '_'");
  assert_env_refused ("LD_PRELOAD", "it changes how the dynamic loader starts QEMU");
  assert_env_refused ("LD_LIBRARY_PATH", "it changes how the dynamic loader starts QEMU");
  assert_env_refused ("GLIBC_TUNABLES", "it changes how the dynamic loader starts QEMU");
  assert_env_refused ("DISPLAY", "the QEMU driver sets it itself");
  assert_env_refused ("SDL_AUDIODRIVER", "the QEMU driver sets it itself");
  assert_env_refused ("DBUS_SESSION_BUS_ADDRESS", "the QEMU driver sets it itself");
  def =
    accepted (HEAD "  <qemu:commandline xmlns:qemu='" QEMU_NS "'>\n"
                   "    <qemu:env name='_a1_LD' value=''/>\n  </qemu:commandline>\n</domain>\n");
  g_assert_nonnull (def);
}

static void
test_detection (void)
{
  g_assert_false (vb_domain_passthrough_in (HEAD "</domain>"));
  g_assert_false (vb_domain_passthrough_in ("<disk type='file'/>"));
  g_assert_false (vb_domain_passthrough_in ("not xml"));
  /* In <metadata>, where any namespace may be, it passes nothing to QEMU;
   * counted anyway: the check errs on the side of asking. */
  g_assert_true (vb_domain_passthrough_in (HEAD "  <metadata><q:x xmlns:q='" QEMU_NS
                                                "'/></metadata>\n</domain>"));
  g_assert_true (
    vb_domain_passthrough_in ("<disk type='file'><q:commandline xmlns:q='" QEMU_NS "'/></disk>"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/domain-passthrough/prefixes", test_prefixes);
  g_test_add_func ("/domain-passthrough/values-kept", test_values_kept);
  g_test_add_func ("/domain-passthrough/refused", test_refused);
  g_test_add_func ("/domain-passthrough/env-names", test_env_names);
  g_test_add_func ("/domain-passthrough/detection", test_detection);
  return g_test_run ();
}
