#include "qemu-pci-buses.h"

#include "xml-schema.h"

/* The first root-bus slot a bus controller the XML lacks gets. */
#define FIRST_BRIDGE_SLOT 0x0a

/* The buses the devices' PCI addresses name, and the root-bus slots taken. */
static void
collect_buses (xmlNode *node, GHashTable *buses, GHashTable *root_slots)
{
  for (xmlNode *child = node ? node->children : NULL; child; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (xmlStrEqual (child->name, BAD_CAST "address") && vb_xml_attr_is (child, "type", "pci"))
        {
          guint bus = vb_xml_attr_uint (child, "bus", 0);

          g_hash_table_add (buses, GUINT_TO_POINTER (bus));
          if (bus == 0)
            g_hash_table_add (root_slots, GUINT_TO_POINTER (vb_xml_attr_uint (child, "slot", 0)));
        }
      /* An address under <source> is the host's (a passed-through device's), not
       * a bus of the guest. */
      if (!xmlStrEqual (child->name, BAD_CAST "source"))
        collect_buses (child, buses, root_slots);
    }
}

static gboolean
has_controller (xmlNode *devices, guint index)
{
  for (xmlNode *node = vb_xml_child (devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    if (vb_xml_attr_is (node, "type", "pci") && vb_xml_attr_uint (node, "index", 0) == index)
      return TRUE;
  return FALSE;
}

GArray *
vb_qemu_pci_implicit_buses (xmlNode *devices)
{
  g_autoptr (GHashTable) buses = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) root_slots = g_hash_table_new (NULL, NULL);
  GArray *implicit = g_array_new (FALSE, FALSE, sizeof (VbQemuImplicitBus));
  guint max_bus = 0;
  guint slot = FIRST_BRIDGE_SLOT;
  GHashTableIter iter;
  gpointer key;

  collect_buses (devices, buses, root_slots);
  g_hash_table_iter_init (&iter, buses);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    max_bus = MAX (max_bus, GPOINTER_TO_UINT (key));
  for (guint index = 1; index <= max_bus; index++)
    {
      VbQemuImplicitBus bus = { index, 0 };

      if (!g_hash_table_contains (buses, GUINT_TO_POINTER (index)) || has_controller (devices, index))
        continue;
      /* An explicit slot, so QEMU's own choice cannot take one the XML names. */
      while (g_hash_table_contains (root_slots, GUINT_TO_POINTER (slot)))
        slot++;
      g_hash_table_add (root_slots, GUINT_TO_POINTER (slot));
      bus.slot = slot;
      g_array_append_val (implicit, bus);
    }
  return implicit;
}
