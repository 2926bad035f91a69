#include "qemu-complete.h"

#include <libxml/tree.h>

#include "qemu-pci-buses.h"
#include "vb-error.h"
#include "xml-schema.h"

static xmlNode *
pci_root (xmlNode *devices)
{
  for (xmlNode *node = vb_xml_child (devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    {
      g_autofree char *type = vb_xml_attr (node, "type");
      g_autofree char *index = vb_xml_attr (node, "index");

      if (g_strcmp0 (type, "pci") == 0 && (!index || g_ascii_strtoull (index, NULL, 0) == 0))
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

/* The controllers the command line adds (qemu-pci-buses.c), on the same
 * slots, and the root bus. */
static void
complete_pci_buses (xmlNode *devices, gboolean q35)
{
  g_autoptr (GArray) implicit = vb_qemu_pci_implicit_buses (devices);

  if (!pci_root (devices))
    add_pci_controller (devices, 0, q35 ? "pcie-root" : "pci-root", 0);
  for (guint i = 0; i < implicit->len; i++)
    {
      const VbQemuImplicitBus *bus = &g_array_index (implicit, VbQemuImplicitBus, i);

      add_pci_controller (devices, bus->index, q35 ? "pcie-root-port" : "pci-bridge", bus->slot);
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
