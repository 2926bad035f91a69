/* The checks of service/conf/domain-virtio-mem.c through
 * vb_domain_def_parse() (the test driver's define: no QEMU), and the live
 * <current> a MEMORY_DEVICE_SIZE_CHANGE writes. */
#include <string.h>

#include "domain-virtio-mem.h"
#include "vb-error.h"
#include "xml-schema.h"

/* A test domain with one NUMA cell of 256 MiB, <maxMemory> of 4 GiB and
 * @devices. */
static char *
domain (const char *devices)
{
  return g_strdup_printf ("<domain type='test'><name>n</name>"
                          "<maxMemory unit='GiB'>4</maxMemory>"
                          "<memory unit='MiB'>256</memory><vcpu>1</vcpu>"
                          "<cpu><numa><cell id='0' cpus='0' memory='256' unit='MiB'/></numa></cpu>"
                          "<devices>%s</devices></domain>",
                          devices);
}

static char *
virtio_mem (const char *size, const char *block, const char *requested)
{
  return g_strdup_printf ("<memory model='virtio-mem'><target><size unit='KiB'>%s</size>"
                          "<node>0</node>%s%s%s%s%s%s</target></memory>",
                          size, block ? "<block unit='KiB'>" : "", block ? block : "",
                          block ? "</block>" : "", requested ? "<requested unit='KiB'>" : "",
                          requested ? requested : "", requested ? "</requested>" : "");
}

static void
assert_refused (const char *devices, const char *words)
{
  g_autofree char *xml = domain (devices);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  if (!strstr (error->message, words))
    g_error ("expected a refusal saying \"%s\", got: %s", words, error->message);
}

/* QEMU's alignments: block a power of two of at least 1 MiB, size and
 * requested whole blocks, requested at most the size. */
static void
test_sizes (void)
{
  struct {
    const char *size, *block, *requested, *refusal; /* NULL: accepted */
  } cases[] = {
    { "262144", "2048", "131072", NULL },
    { "262144", "2048", "0", NULL },
    { "262144", "2048", NULL, NULL },
    { "262144", "262144", "262144", NULL },
    { "262144", NULL, "2048", "needs <block>" },
    { "262144", "512", "0", "power of two of at least 1024 KiB" },
    { "262144", "3072", "0", "power of two" },
    { "263168", "2048", "0", "whole number of its 2048 KiB blocks" },
    { "262144", "2048", "3072", "the requested size is a whole number of blocks" },
    { "262144", "2048", "264192", "at most the device's 262144 KiB" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *device = virtio_mem (cases[i].size, cases[i].block, cases[i].requested);

      if (cases[i].refusal)
        assert_refused (device, cases[i].refusal);
      else
        {
          g_autofree char *xml = domain (device);
          g_autoptr (GError) error = NULL;
          g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);

          g_assert_no_error (error);
          /* The cell and the device: the whole device counts in <memory>. */
          g_assert_cmpuint (def->memory_kib, ==, 262144 + 262144);
        }
    }
}

/* Elements of one model on another, and addresses of the wrong kind. */
static void
test_models (void)
{
  assert_refused ("<memory model='dimm'><target><size unit='MiB'>128</size><node>0</node>"
                  "<requested unit='MiB'>2</requested></target></memory>",
                  "are a virtio-mem's");
  assert_refused ("<memory model='virtio-mem'><target><size unit='MiB'>128</size>"
                  "<block unit='MiB'>2</block></target><address type='dimm' slot='0'/></memory>",
                  "has a PCI address, not a DIMM's");
  assert_refused ("<memory model='dimm'><target><size unit='MiB'>128</size></target>"
                  "<address type='pci' bus='0' slot='3'/></memory>",
                  "a DIMM's address is type='dimm'");
  assert_refused ("<memory model='virtio-pmem'><source><path>/tmp/p</path></source>"
                  "<target><size unit='MiB'>128</size><node>0</node></target></memory>",
                  "belongs to no guest NUMA node");
  assert_refused ("<memory model='virtio-mem'><target><size unit='MiB'>128</size>"
                  "<block unit='MiB'>4</block><address base='0x100200000'/></target></memory>",
                  "aligned to its block (4096 KiB)");
}

/* <current> is the running guest's: dropped from a stored definition, kept
 * in a live one, and set there from QEMU's event. */
static void
test_current (void)
{
  g_autofree char *xml = domain ("<memory model='virtio-mem'><target><size unit='MiB'>128</size>"
                                 "<block unit='MiB'>2</block><requested unit='MiB'>64</requested>"
                                 "<current unit='MiB'>32</current></target>"
                                 "<alias name='virtiomem0'/></memory>");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) stored = vb_domain_def_parse (xml, &error);
  g_autoptr (VbDomainDef) live = NULL;
  g_autoptr (VbDomainDef) changed = NULL;
  g_autoptr (VbDomainDef) missing = NULL;

  g_assert_no_error (error);
  g_assert_null (strstr (stored->xml, "<current unit"));
  live = vb_domain_def_parse_live (xml, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (live->xml, "<current unit='KiB'>32768</current>"));
  changed = vb_domain_def_with_virtio_mem_current (live, "virtiomem0", 65536, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (changed->xml, "<requested unit='KiB'>65536</requested>\n"
                                          "        <current unit='KiB'>65536</current>"));
  missing = vb_domain_def_with_virtio_mem_current (live, "virtiomem7", 0, &error);
  g_assert_null (missing);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);
}

/* UpdateDevice's edit: the device by alias or by size, node and block;
 * only <requested> changes, and it passes define's checks. */
static void
test_change (void)
{
  g_autofree char *xml = domain ("<memory model='virtio-mem'><target><size unit='MiB'>128</size>"
                                 "<node>0</node><block unit='MiB'>2</block>"
                                 "<requested unit='MiB'>64</requested></target>"
                                 "<alias name='virtiomem0'/></memory>");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) live = vb_domain_def_parse_live (xml, &error);
  g_autoptr (VbDomainDef) by_size = NULL;
  g_autoptr (VbDomainDef) by_alias = NULL;
  g_autofree char *alias = NULL;
  VbDomainDef *refused;

  g_assert_no_error (error);
  by_size = vb_domain_def_change_virtio_mem (
    live,
    "<memory model='virtio-mem'><target><size unit='KiB'>131072</size><node>0</node>"
    "<block unit='KiB'>2048</block><requested unit='KiB'>98304</requested></target></memory>",
    "live", TRUE, &alias, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (alias, ==, "virtiomem0");
  g_assert_nonnull (strstr (by_size->xml, "<requested unit='KiB'>98304</requested>"));
  by_alias = vb_domain_def_change_virtio_mem (
    live,
    "<memory model='virtio-mem'><target><size unit='KiB'>131072</size><node>0</node>"
    "<block unit='KiB'>2048</block><requested unit='KiB'>0</requested></target>"
    "<alias name='virtiomem0'/></memory>",
    "live", TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (by_alias->xml, "<requested unit='KiB'>0</requested>"));
  /* Another block: no such device, or (named by alias) not changeable. */
  refused = vb_domain_def_change_virtio_mem (
    live,
    "<memory model='virtio-mem'><target><size unit='KiB'>131072</size><node>0</node>"
    "<block unit='KiB'>4096</block><requested unit='KiB'>0</requested></target></memory>",
    "live", TRUE, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  refused = vb_domain_def_change_virtio_mem (
    live,
    "<memory model='virtio-mem'><target><size unit='KiB'>131072</size><node>0</node>"
    "<block unit='KiB'>4096</block><requested unit='KiB'>0</requested></target>"
    "<alias name='virtiomem0'/></memory>",
    "live", TRUE, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "<block> of a virtio-mem device cannot change"));
  g_clear_error (&error);
  /* More than the device: refused as define refuses it. */
  refused = vb_domain_def_change_virtio_mem (
    live,
    "<memory model='virtio-mem'><target><size unit='KiB'>131072</size><node>0</node>"
    "<block unit='KiB'>2048</block><requested unit='KiB'>262144</requested></target></memory>",
    "live", TRUE, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/domain-virtio-mem/sizes", test_sizes);
  g_test_add_func ("/domain-virtio-mem/models", test_models);
  g_test_add_func ("/domain-virtio-mem/current", test_current);
  g_test_add_func ("/domain-virtio-mem/change", test_change);
  return g_test_run ();
}
