/* DIMM sizes rounded up to what QEMU can plug: see qemu-complete.h. */
#include "qemu-complete.h"

#include "domain-numa.h"
#include "xml-schema.h"

/* QEMU's x86 alignment of a pc-dimm (qemu-command-memory.c checks it). */
#define DIMM_ALIGN_KIB 2048

static void
add_kib (xmlNode *node, guint64 delta)
{
  g_autofree char *text = node ? vb_xml_text (node) : NULL;
  g_autofree char *sum = NULL;
  guint64 kib = 0;

  if (!text || !vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &kib))
    return;
  sum = g_strdup_printf ("%" G_GUINT64_FORMAT, kib + delta);
  vb_xml_set_text (node, sum);
}

void
vb_qemu_complete_dimm_sizes (xmlNode *root)
{
  xmlNode *memory = vb_xml_child (root, "memory");
  xmlNode *current = vb_xml_child (root, "currentMemory");
  g_autofree char *memory_text = memory ? vb_xml_text (memory) : NULL;
  g_autofree char *current_text = current ? vb_xml_text (current) : NULL;
  gboolean current_is_all = g_strcmp0 (memory_text, current_text) == 0;
  guint64 delta = 0;

  /* Define wrote every size in KiB (domain-numa.c). */
  for (xmlNode *dimm = vb_xml_child (vb_xml_child (root, "devices"), "memory"); dimm;
       dimm = vb_xml_next (dimm, "memory"))
    {
      xmlNode *size = vb_xml_child (vb_xml_child (dimm, "target"), "size");
      guint64 kib = vb_domain_memory_device_kib (dimm);
      guint64 aligned = (kib + DIMM_ALIGN_KIB - 1) / DIMM_ALIGN_KIB * DIMM_ALIGN_KIB;

      if (!vb_xml_attr_is (dimm, "model", "dimm") || !size || kib == 0 || aligned == kib)
        continue;
      add_kib (size, aligned - kib);
      delta += aligned - kib;
    }
  if (delta == 0)
    return;
  add_kib (memory, delta);
  if (current_is_all)
    add_kib (current, delta);
}
