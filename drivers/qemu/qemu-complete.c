#include "qemu-complete.h"

#include <libxml/tree.h>

#include "vb-error.h"
#include "xml-schema.h"

/* The first root-bus slot the command line gives a bus controller the XML
 * does not have (build_pci_controllers in qemu-command.c). */
#define FIRST_BRIDGE_SLOT 0x0a

static guint
number_attr (xmlNode *node, const char *name, guint fallback)
{
  g_autofree char *text = node ? vb_xml_attr (node, name) : NULL;
  char *end = NULL;
  guint64 value;

  if (!text || !*text)
    return fallback;
  value = g_ascii_strtoull (text, &end, 0);
  return *end || value > G_MAXUINT ? fallback : (guint) value;
}

static gboolean
is_pci_address (xmlNode *node)
{
  g_autofree char *type = NULL;

  if (node->type != XML_ELEMENT_NODE || !xmlStrEqual (node->name, BAD_CAST "address"))
    return FALSE;
  type = vb_xml_attr (node, "type");
  return g_strcmp0 (type, "pci") == 0;
}

/* The buses the devices' PCI addresses name, and the root-bus slots taken. */
static void
collect_buses (xmlNode *node, GHashTable *buses, GHashTable *root_slots)
{
  for (xmlNode *child = node ? node->children : NULL; child; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (is_pci_address (child))
        {
          guint bus = number_attr (child, "bus", 0);

          g_hash_table_add (buses, GUINT_TO_POINTER (bus));
          if (bus == 0)
            g_hash_table_add (root_slots, GUINT_TO_POINTER (number_attr (child, "slot", 0)));
        }
      collect_buses (child, buses, root_slots);
    }
}

static xmlNode *
pci_controller (xmlNode *devices, guint index)
{
  for (xmlNode *node = vb_xml_child (devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    {
      g_autofree char *type = vb_xml_attr (node, "type");

      if (g_strcmp0 (type, "pci") == 0 && number_attr (node, "index", 0) == index)
        return node;
    }
  return NULL;
}

static void
add_pci_controller (xmlNode *devices, guint index, const char *model, guint slot)
{
  xmlNode *controller = xmlNewChild (devices, NULL, BAD_CAST "controller", NULL);
  g_autofree char *index_text = g_strdup_printf ("%u", index);

  xmlNewProp (controller, BAD_CAST "type", BAD_CAST "pci");
  xmlNewProp (controller, BAD_CAST "index", BAD_CAST index_text);
  xmlNewProp (controller, BAD_CAST "model", BAD_CAST model);
  if (index > 0)
    {
      xmlNode *address = xmlNewChild (controller, NULL, BAD_CAST "address", NULL);
      g_autofree char *slot_text = g_strdup_printf ("0x%02x", slot);

      xmlNewProp (address, BAD_CAST "type", BAD_CAST "pci");
      xmlNewProp (address, BAD_CAST "domain", BAD_CAST "0x0000");
      xmlNewProp (address, BAD_CAST "bus", BAD_CAST "0x00");
      xmlNewProp (address, BAD_CAST "slot", BAD_CAST slot_text);
      xmlNewProp (address, BAD_CAST "function", BAD_CAST "0x0");
    }
}

/* Same order and slots as the command line: bus by bus, the first free
 * root slot from FIRST_BRIDGE_SLOT on. */
static void
complete_pci_buses (xmlNode *devices, gboolean q35)
{
  g_autoptr (GHashTable) buses = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) root_slots = g_hash_table_new (NULL, NULL);
  guint max_bus = 0;
  guint slot = FIRST_BRIDGE_SLOT;
  GHashTableIter iter;
  gpointer key;

  collect_buses (devices, buses, root_slots);
  g_hash_table_iter_init (&iter, buses);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    max_bus = MAX (max_bus, GPOINTER_TO_UINT (key));
  if (!pci_controller (devices, 0))
    add_pci_controller (devices, 0, q35 ? "pcie-root" : "pci-root", 0);
  for (guint index = 1; index <= max_bus; index++)
    {
      if (!g_hash_table_contains (buses, GUINT_TO_POINTER (index)) || pci_controller (devices, index))
        continue;
      while (g_hash_table_contains (root_slots, GUINT_TO_POINTER (slot)))
        slot++;
      g_hash_table_add (root_slots, GUINT_TO_POINTER (slot));
      add_pci_controller (devices, index, q35 ? "pcie-root-port" : "pci-bridge", slot);
    }
}

/* QEMU's own name for @machine, an alias such as "pc" or "q35" resolved. */
static const char *
canonical_machine (const VbQemuCaps *caps, const char *machine)
{
  for (guint i = 0; caps && i < caps->machines->len; i++)
    {
      const VbQemuMachine *known = caps->machines->pdata[i];

      if (g_strcmp0 (known->alias, machine) == 0)
        return known->name;
    }
  return machine;
}

char *
vb_qemu_complete_xml (const VbDomainDef *def, const VbQemuCaps *caps, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  xmlNode *root, *os, *type, *devices;
  g_autofree char *machine = NULL;
  g_autofree char *arch = NULL;

  if (!doc)
    return NULL;
  root = xmlDocGetRootElement (doc);
  os = vb_xml_child (root, "os");
  if (!os)
    os = vb_xml_insert_after (root, vb_xml_child (root, "vcpu"), "os", NULL);
  type = vb_xml_child (os, "type");
  if (!type)
    type = vb_xml_insert_after (os, NULL, "type", "hvm");
  arch = vb_xml_attr (type, "arch");
  if (!arch)
    xmlSetProp (type, BAD_CAST "arch", BAD_CAST "x86_64");
  machine = vb_xml_attr (type, "machine");
  xmlSetProp (type, BAD_CAST "machine", BAD_CAST canonical_machine (caps, machine ? machine : "pc"));
  g_free (machine);
  machine = vb_xml_attr (type, "machine");

  devices = vb_xml_child (root, "devices");
  if (!devices)
    devices = xmlNewChild (root, NULL, BAD_CAST "devices", NULL);
  if (!vb_xml_child (devices, "emulator") && caps && caps->binary)
    vb_xml_insert_after (devices, NULL, "emulator", caps->binary);
  complete_pci_buses (devices, strstr (machine, "q35") != NULL);
  return vb_xml_format (doc);
}
