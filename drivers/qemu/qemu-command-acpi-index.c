/* <acpi index='N'/> on a PCI device: QEMU's acpi-index property, which the
 * guest's firmware tables give it so that the guest names the device by it
 * (a NIC becomes "enoN"). pci_address() writes the property; this checks,
 * for the whole domain, what QEMU would otherwise refuse or ignore. */
#include "qemu-command-private.h"

/* QEMU's bounds: 0 means none, and it allows at most 16383. */
#define ACPI_INDEX_MAX 16383

gboolean
vb_qemu_acpi_index_check (Builder *b, GError **error)
{
  g_autoptr (GHashTable) used = g_hash_table_new (NULL, NULL);
  xmlNode *features = vb_xml_child (b->root, "features");

  for (xmlNode *node = b->devices ? b->devices->children : NULL; node; node = node->next)
    {
      xmlNode *acpi = node->type == XML_ELEMENT_NODE ? vb_xml_child (node, "acpi") : NULL;
      g_autofree char *text = acpi ? vb_xml_attr (acpi, "index") : NULL;
      guint64 index;

      if (!acpi)
        continue;
      if (!text || !g_ascii_string_to_unsigned (text, 10, 1, ACPI_INDEX_MAX, &index, NULL))
        return refuse (error, acpi, "the ACPI index is a number from 1 to %d", ACPI_INDEX_MAX);
      /* Without ACPI tables the guest would never see it. */
      if (!vb_xml_child (features, "acpi"))
        return refuse (error, acpi, "an ACPI index needs ACPI: add <features><acpi/></features>");
      /* Only a device on PCI has one; the addresses are assigned by now. */
      if (!vb_xml_attr_is (vb_xml_child (node, "address"), "type", "pci"))
        return refuse (error, acpi, "an ACPI index is for a device on PCI");
      if (g_hash_table_contains (used, GUINT_TO_POINTER (index)))
        return refuse (error, acpi, "ACPI index %" G_GUINT64_FORMAT " is used twice", index);
      g_hash_table_add (used, GUINT_TO_POINTER (index));
    }
  return TRUE;
}
