/* What virt-install writes, through vb_domain_def_parse() (issue #16): a
 * domain whose guest NUMA cells give its memory leaves <memory> out (virt-
 * install --memory hotplugmemorymax=…); an Intel TDX <launchSecurity> and
 * the host socket its quote generation service names. */
#include <string.h>

#include "domain-def.h"
#include "domain-host-paths.h"
#include "vb-error.h"
#include "xml-schema.h"

/* Two vCPUs, two cells of 128 MiB and 64 MiB, @extra after <vcpu>,
 * @devices inside <devices>; no <memory>. */
static char *
domain (const char *extra, const char *devices)
{
  return g_strdup_printf ("<domain type='kvm'><name>n</name><vcpu>2</vcpu>%s"
                          "<cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/>"
                          "<cell id='1' cpus='1' memory='65536'/></numa></cpu>"
                          "<devices>%s</devices></domain>",
                          extra ? extra : "", devices ? devices : "");
}

static VbDomainDef *
accepted (const char *xml)
{
  g_autoptr (GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (xml, &error);

  g_assert_no_error (error);
  g_assert_nonnull (def);
  return def;
}

static void
refused (const char *xml, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  if (!strstr (error->message, words))
    g_error ("expected a refusal saying \"%s\", got: %s", words, error->message);
}

static void
test_memory_from_cells (void)
{
  g_autofree char *bare = domain (NULL, NULL);
  g_autofree char *hotplug =
    domain ("<maxMemory slots='2' unit='MiB'>1024</maxMemory><currentMemory>100000</currentMemory>",
            "<memory model='dimm'><target><size unit='MiB'>256</size><node>0</node></target>"
            "</memory>");
  g_autofree char *ballooned = domain ("<currentMemory unit='MiB'>4096</currentMemory>", NULL);
  g_autoptr (VbDomainDef) def = accepted (bare);
  g_autoptr (VbDomainDef) with_dimm = accepted (hotplug);
  g_autoptr (VbDomainDef) clamped = accepted (ballooned);
  g_autoptr (VbDomainDef) again = NULL;

  /* The cells' 192 MiB, all of it the balloon's. */
  g_assert_cmpuint (def->memory_kib, ==, 196608);
  g_assert_cmpuint (def->current_memory_kib, ==, 196608);
  g_assert_nonnull (strstr (def->xml, "<memory unit='KiB'>196608</memory>"));
  g_assert_nonnull (strstr (def->xml, "<currentMemory unit='KiB'>196608</currentMemory>"));
  /* Stored, it reads back the same. */
  again = accepted (def->xml);
  g_assert_cmpstr (again->xml, ==, def->xml);
  /* With a DIMM: the cells and the DIMM; the balloon's own target kept,
   * <memory> after <maxMemory> as libvirt writes it. */
  g_assert_cmpuint (with_dimm->memory_kib, ==, 196608 + 262144);
  g_assert_cmpuint (with_dimm->current_memory_kib, ==, 100000);
  g_assert_nonnull (
    strstr (with_dimm->xml, "</maxMemory>\n  <memory unit='KiB'>458752</memory>\n"));
  /* A balloon target above the total means all of it. */
  g_assert_cmpuint (clamped->current_memory_kib, ==, 196608);
}

static void
test_memory_needs_cells (void)
{
  refused ("<domain type='kvm'><name>n</name><vcpu>2</vcpu></domain>",
           "missing element <memory> in <domain>");
  refused ("<domain type='kvm'><name>n</name><vcpu>1</vcpu><cpu><numa>"
           "<cell id='0' cpus='0' memory='0'/></numa></cpu></domain>",
           "must be greater than 0");
}

static void
test_tdx_quote_socket_is_host_path (void)
{
  const char *xml = "<domain type='kvm'><name>n</name><memory>1</memory>"
                    "<launchSecurity type='tdx'><quoteGenerationService path='/run/qgs.sock'/>"
                    "</launchSecurity></domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) paths = vb_domain_host_paths (xml, &error);
  g_autoptr (VbDomainDef) def = accepted (xml);
  gboolean found = FALSE;

  g_assert_no_error (error);
  for (guint i = 0; i < paths->len; i++)
    {
      VbHostPath *path = paths->pdata[i];

      if (g_str_equal (path->path, "/run/qgs.sock") && path->role == VB_HOST_PATH_FILE)
        found = TRUE;
    }
  g_assert_true (found);
  g_assert_nonnull (strstr (def->xml, "<quoteGenerationService path='/run/qgs.sock'/>"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/domain-vinst/memory-from-cells", test_memory_from_cells);
  g_test_add_func ("/domain-vinst/memory-needs-cells", test_memory_needs_cells);
  g_test_add_func ("/domain-vinst/tdx-quote-socket", test_tdx_quote_socket_is_host_path);
  return g_test_run ();
}
