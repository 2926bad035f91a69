/* The checks of service/conf/domain-numa.c through vb_domain_def_parse():
 * CPU and node sets, NUMA cells that make <memory>, distances,
 * <numatune> cells, page nodesets, <maxMemory> slots, and memory devices
 * as AttachDevice takes them (their size counted in <memory>). */
#include <string.h>

#include "domain-device.h"
#include "domain-numa.h"
#include "vb-error.h"
#include "xml-schema.h"

/* A domain with <vcpu>4</vcpu>, @memory_mib MiB and @extra after <vcpu>,
 * @cpu inside <cpu>, @devices inside <devices>. */
static char *
domain (guint memory_mib, const char *extra, const char *cpu, const char *devices)
{
  return g_strdup_printf ("<domain type='test'><name>n</name>"
                          "<memory unit='MiB'>%u</memory><vcpu>4</vcpu>%s"
                          "<cpu>%s</cpu><devices>%s</devices></domain>",
                          memory_mib, extra ? extra : "", cpu ? cpu : "", devices ? devices : "");
}

#define TWO_CELLS                                           \
  "<numa><cell id='0' cpus='0-1' memory='128' unit='MiB'/>" \
  "<cell id='1' cpus='2-3' memory='128' unit='MiB'/></numa>"

static void
assert_refused (const char *xml, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  if (!strstr (error->message, words))
    g_error ("expected a refusal saying \"%s\", got: %s", words, error->message);
}

static VbDomainDef *
assert_accepted (const char *xml)
{
  g_autoptr (GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (xml, &error);

  g_assert_no_error (error);
  return def;
}

static void
test_sets (void)
{
  struct {
    const char *text;
    const char *members; /* NULL: refused */
  } cases[] = {
    { "0", "0" },   { "0-3,^2", "0 1 3" }, { "5,1-2", "1 2 5" }, { " 1 , 3 ", "1 3" },
    { "", NULL },   { "a", NULL },         { "3-1", NULL },      { "0-", NULL },
    { "^1", NULL }, { "0,^0", NULL },      { "8", NULL },        { "1-2-3", NULL },
    { "-1", NULL },
  };
  xmlNode *node = xmlNewNode (NULL, BAD_CAST "cell");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) set = vb_domain_numa_parse_set (node, "cpus", cases[i].text, 8, &error);
      g_autoptr (GString) members = g_string_new (NULL);

      g_test_message ("set '%s'", cases[i].text);
      if (!cases[i].members)
        {
          g_assert_null (set);
          g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
          continue;
        }
      g_assert_no_error (error);
      for (guint j = 0; j < set->len; j++)
        g_string_append_printf (members, "%s%u", j ? " " : "", g_array_index (set, guint, j));
      g_assert_cmpstr (members->str, ==, cases[i].members);
    }
  xmlFreeNode (node);
}

static void
test_cells (void)
{
  g_autofree char *good = domain (256, NULL, TWO_CELLS, NULL);
  g_autofree char *sum = domain (512, NULL, TWO_CELLS, NULL);
  g_autofree char *beyond =
    domain (128, NULL, "<numa><cell id='0' cpus='0-4' memory='128' unit='MiB'/></numa>", NULL);
  g_autofree char *twice = domain (256, NULL,
                                   "<numa><cell id='0' cpus='0-1' memory='128' unit='MiB'/>"
                                   "<cell id='1' cpus='1-3' memory='128' unit='MiB'/></numa>",
                                   NULL);
  g_autofree char *gap = domain (256, NULL,
                                 "<numa><cell id='0' memory='128' unit='MiB'/>"
                                 "<cell id='2' memory='128' unit='MiB'/></numa>",
                                 NULL);
  g_autofree char *no_ids =
    domain (3, NULL, "<numa><cell memory='1' unit='MiB'/><cell memory='2048' unit='KiB'/></numa>",
            NULL);
  g_autoptr (VbDomainDef) def = assert_accepted (good);
  g_autoptr (VbDomainDef) numbered = assert_accepted (no_ids);

  g_assert_nonnull (strstr (def->xml, "memory='131072' unit='KiB'"));
  /* Ids given to cells without one, their places. */
  g_assert_nonnull (strstr (numbered->xml, "memory='1024' unit='KiB' id='0'"));
  g_assert_nonnull (strstr (numbered->xml, "memory='2048' unit='KiB' id='1'"));
  /* As libvirt: <memory> becomes what the cells add up to. */
  {
    g_autoptr (VbDomainDef) summed = assert_accepted (sum);

    g_assert_cmpuint (summed->memory_kib, ==, 262144);
    g_assert_nonnull (strstr (summed->xml, "<memory unit='KiB'>262144</memory>"));
    g_assert_nonnull (strstr (summed->xml, "<currentMemory unit='KiB'>262144</currentMemory>"));
  }
  assert_refused (beyond, "cpus names vCPU 4, but the domain has 4");
  assert_refused (twice, "vCPU 1 is already in another cell");
  assert_refused (gap, "cell ids are 0 to 1");
}

static void
test_distances (void)
{
  const char *cases[][2] = {
    { "<sibling id='0' value='10'/><sibling id='1' value='21'/>", NULL },
    { "<sibling id='0' value='11'/>", "the distance of a cell to itself is 10" },
    { "<sibling id='1' value='10'/>", "the distance between two cells is more than 10" },
    { "<sibling id='1' value='256'/>", "between 10 and 255" },
    { "<sibling id='2' value='20'/>", "cell 2 does not exist" },
    { "<sibling id='1' value='20'/><sibling id='1' value='20'/>", "a second distance" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *cpu = g_strdup_printf (
        "<numa><cell id='0' memory='128' unit='MiB'><distances>%s</distances></cell>"
        "<cell id='1' memory='128' unit='MiB'/></numa>",
        cases[i][0]);
      g_autofree char *xml = domain (256, NULL, cpu, NULL);

      if (cases[i][1])
        assert_refused (xml, cases[i][1]);
      else
        vb_domain_def_free (assert_accepted (xml));
    }
}

static void
test_numatune_and_pages (void)
{
  g_autofree char *memnode =
    domain (256, "<numatune><memnode cellid='1' mode='strict' nodeset='0-1'/></numatune>",
            TWO_CELLS, NULL);
  g_autofree char *no_cell =
    domain (256, "<numatune><memnode cellid='2' mode='strict' nodeset='0'/></numatune>", TWO_CELLS,
            NULL);
  g_autofree char *bad_set =
    domain (128, "<numatune><memory mode='strict' nodeset='0-'/></numatune>", NULL, NULL);
  g_autofree char *auto_set =
    domain (128, "<numatune><memory placement='auto' nodeset='0'/></numatune>", NULL, NULL);
  g_autofree char *pages = domain (256,
                                   "<memoryBacking><hugepages><page size='1' unit='G' nodeset='0'/>"
                                   "<page size='2048'/></hugepages></memoryBacking>",
                                   TWO_CELLS, NULL);
  g_autofree char *page_cell =
    domain (256,
            "<memoryBacking><hugepages><page size='2048' nodeset='2'/></hugepages></memoryBacking>",
            TWO_CELLS, NULL);
  g_autofree char *page_size =
    domain (128, "<memoryBacking><hugepages><page size='3000'/></hugepages></memoryBacking>", NULL,
            NULL);
  g_autoptr (VbDomainDef) paged = assert_accepted (pages);

  vb_domain_def_free (assert_accepted (memnode));
  g_assert_nonnull (strstr (paged->xml, "<page size='1048576' unit='KiB' nodeset='0'/>"));
  assert_refused (no_cell, "cellid 2 names no <cell>");
  assert_refused (bad_set, "nodeset '0-' is not a list");
  assert_refused (auto_set, "placement='auto' lets numad choose the nodes: a nodeset with it "
                            "would be ignored");
  assert_refused (page_cell, "guest NUMA cell 2, which does not exist");
  assert_refused (page_size, "a power of two");
}

#define DIMM(mib, node)                                                                 \
  "<memory model='dimm'><target><size unit='MiB'>" #mib "</size><node>" #node "</node>" \
  "</target></memory>"

static void
test_memory_devices (void)
{
  const char *max = "<maxMemory slots='2' unit='GiB'>1</maxMemory>";
  g_autofree char *good = domain (384, max, TWO_CELLS, DIMM (128, 1));
  g_autofree char *uncounted = domain (256, max, TWO_CELLS, DIMM (128, 1));
  g_autofree char *no_max = domain (384, NULL, TWO_CELLS, DIMM (128, 1));
  g_autofree char *no_numa = domain (128, max, NULL, NULL);
  g_autofree char *slots = domain (640, max, TWO_CELLS, DIMM (128, 0) DIMM (128, 0) DIMM (128, 1));
  g_autofree char *node = domain (384, max, TWO_CELLS, DIMM (128, 2));
  g_autofree char *small =
    domain (256, "<maxMemory slots='2' unit='MiB'>128</maxMemory>", TWO_CELLS, NULL);
  g_autoptr (VbDomainDef) def = assert_accepted (good);

  g_assert_nonnull (strstr (def->xml, "<maxMemory slots='2' unit='KiB'>1048576</maxMemory>"));
  g_assert_nonnull (strstr (def->xml, "<size unit='KiB'>131072</size>"));
  {
    g_autoptr (VbDomainDef) counted = assert_accepted (uncounted);

    /* The DIMM counts in <memory>, as libvirt counts it. */
    g_assert_cmpuint (counted->memory_kib, ==, 393216);
  }
  assert_refused (no_max, "a memory device needs <maxMemory");
  assert_refused (no_numa, "memory hotplug needs at least one guest NUMA cell");
  assert_refused (slots, "3 memory devices but only 2 slots");
  assert_refused (node, "node 2 is no guest NUMA cell");
  assert_refused (small, "is less than <memory>");
}

/* AttachDevice's and DetachDevice's view: one <memory> element, its size
 * counted in <memory> and <currentMemory> when added, and taken off again. */
static void
test_attach_detach (void)
{
  g_autofree char *xml =
    domain (256, "<maxMemory slots='2' unit='GiB'>1</maxMemory>", TWO_CELLS, NULL);
  g_autoptr (VbDomainDef) def = assert_accepted (xml);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDevice) device = vb_domain_device_parse (DIMM (64, 1), &error);
  g_autoptr (VbDomainDevice) bad = NULL;
  g_autoptr (VbDomainDevice) match = NULL;
  g_autoptr (VbDomainDef) added = NULL;
  g_autoptr (VbDomainDef) removed = NULL;
  g_autofree char *described = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (device->kind, ==, VB_DEVICE_MEMORY);
  g_assert_cmpuint (device->memory_kib, ==, 65536);
  g_assert_cmpuint (device->memory_node, ==, 1);
  added = vb_domain_def_add_device (def, device, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (added->memory_kib, ==, 327680);
  g_assert_cmpuint (added->current_memory_kib, ==, 327680);
  match = vb_domain_device_parse_match (DIMM (64, 1), &error);
  g_assert_no_error (error);
  described = vb_domain_device_describe (match);
  g_assert_cmpstr (described, ==, "memory device of 65536 KiB on node 1");
  removed = vb_domain_def_remove_device (added, match, "live", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed->memory_kib, ==, 262144);
  bad = vb_domain_device_parse ("<memory model='dimm'><target><size>0</size></target></memory>",
                                &error);
  g_assert_null (bad);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/domain-numa/sets", test_sets);
  g_test_add_func ("/domain-numa/cells", test_cells);
  g_test_add_func ("/domain-numa/distances", test_distances);
  g_test_add_func ("/domain-numa/numatune-and-pages", test_numatune_and_pages);
  g_test_add_func ("/domain-numa/memory-devices", test_memory_devices);
  g_test_add_func ("/domain-numa/attach-detach", test_attach_detach);
  return g_test_run ();
}
