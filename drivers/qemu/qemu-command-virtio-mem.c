/* <memory model='virtio-mem'> and 'virtio-pmem': PCI devices in the memory
 * QEMU keeps above the boot memory (up to <maxMemory>), each with a backend
 * object of its own, as libvirt builds them:
 *   virtio-mem:  the backend a DIMM would get (<memoryBacking>, <pagesize>,
 *                <nodemask>, <numatune>), with reserve=off (the guest uses
 *                only what is plugged), and -device virtio-mem-pci,node=,
 *                block-size=,requested-size=[,memaddr=][,prealloc=on]
 *                [,dynamic-memslots=on]; preallocation is the device's,
 *                which allocates what it plugs
 *   virtio-pmem: an NVDIMM's file backend (<source><path>) and -device
 *                virtio-pmem-pci,memdev=[,memaddr=]
 * No DIMM slot, no ACPI needed (the guest's virtio driver finds them on PCI). */
#include "qemu-command-private.h"
#include "domain-numa.h"
#include "domain-virtio-mem.h"

/* The QEMU that has virtio-mem's dynamic-memslots (<target dynamicMemslots='yes'>). */
#define DYNAMIC_MEMSLOTS_QEMU 80200

/* libvirt's device ids: "virtiomem<N>" and "virtiopmem<N>", N counting the
 * devices of the same model before this one. */
static char *
default_id (Builder *b, xmlNode *memory)
{
  gboolean pmem = vb_xml_attr_is (memory, "model", "virtio-pmem");
  guint n = 0;

  for (xmlNode *m = vb_xml_child (b->devices, "memory"); m && m != memory;
       m = vb_xml_next (m, "memory"))
    if (vb_xml_attr_is (m, "model", pmem ? "virtio-pmem" : "virtio-mem"))
      n++;
  return g_strdup_printf (pmem ? "virtiopmem%u" : "virtiomem%u", n);
}

static void
add_object (Builder *b, JsonObject *props)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), props);

  add (b, "-object");
  g_ptr_array_add (b->command->argv, json_to_string (node, FALSE));
}

static void
add_bytes (GString *out, const char *key, guint64 kib)
{
  g_string_append_printf (out, ",%s=%" G_GUINT64_FORMAT, key, kib * 1024);
}

static gboolean
build_virtio_mem (Builder *b, xmlNode *memory, JsonObject *props, GString *out, GError **error)
{
  xmlNode *target = vb_xml_child (memory, "target");
  xmlNode *node = vb_xml_child (target, "node");
  g_autofree char *node_text = node ? vb_xml_text (node) : g_strdup ("0");

  /* The guest touches only what is plugged: no swap or huge pages are
   * reserved for the rest; what the XML wants allocated at start the
   * device allocates as it plugs blocks (QEMU refuses a preallocated
   * backend). */
  json_object_set_boolean_member (props, "reserve", FALSE);
  vb_qemu_opt (out, "node", node_text);
  add_bytes (out, "block-size", vb_domain_virtio_mem_kib (memory, "block"));
  add_bytes (out, "requested-size", vb_domain_virtio_mem_kib (memory, "requested"));
  if (json_object_has_member (props, "prealloc"))
    {
      json_object_remove_member (props, "prealloc");
      g_string_append (out, ",prealloc=on");
    }
  if (vb_xml_attr_is (target, "dynamicMemslots", "yes"))
    {
      if (!vb_qemu_need_qemu (b, target, DYNAMIC_MEMSLOTS_QEMU,
                              "dynamicMemslots='yes' (virtio-mem's dynamic-memslots)", error))
        return FALSE;
      g_string_append (out, ",dynamic-memslots=on");
    }
  return TRUE;
}

gboolean
vb_qemu_build_virtio_memory (Builder *b, xmlNode *memory, GError **error)
{
  gboolean pmem = vb_xml_attr_is (memory, "model", "virtio-pmem");
  g_autofree char *id = device_id (memory, default_id (b, memory));
  g_autoptr (GString) out = g_string_new (pmem ? "virtio-pmem-pci" : "virtio-mem-pci");
  g_autoptr (JsonObject) props = NULL;
  guint64 base = vb_domain_memory_base (memory);

  if (pmem)
    {
      xmlNode *source = vb_xml_child (memory, "source");
      xmlNode *target = vb_xml_child (memory, "target");

      /* libvirt's virtio-pmem is a file and a size. */
      if (vb_xml_child (source, "pmem") || vb_xml_child (source, "alignsize")
          || vb_xml_child (target, "label") || vb_xml_child (target, "readonly"))
        return refuse (error, memory,
                       "<pmem>, <alignsize>, <label> and <readonly> are an NVDIMM's "
                       "(model='nvdimm'), not a virtio-pmem's");
    }
  props = vb_qemu_dimm_backend (b->root, memory, id, b->context, error);
  if (!props)
    return FALSE;
  if (!pmem && !build_virtio_mem (b, memory, props, out, error))
    return FALSE;
  if (base)
    g_string_append_printf (out, ",memaddr=%" G_GUINT64_FORMAT, base);
  g_string_append (out, ",memdev=mem");
  vb_qemu_opt_value (out, id);
  vb_qemu_opt (out, "id", id);
  if (!pci_address (b, memory, out, error))
    return FALSE;
  add_object (b, props);
  add2 (b, "-device", out->str);
  return TRUE;
}
