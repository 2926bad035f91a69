/* The command line of <controller type='pci'>: the root bus, and the
 * bridges, ports and expander buses libvirt writes for x86. Each bus
 * controller of index N is QEMU's bus "pci.N", where devices whose
 * <address bus='N'> names it are plugged. */
#include "qemu-command-private.h"

typedef struct {
  const char *model;   /* libvirt's controller model */
  const char *device;  /* QEMU's device */
  const char *alias;   /* the other name libvirt's <model name> may give it */
  gboolean q35;        /* a PCI Express machine's controller */
  gboolean pc;         /* a conventional PCI machine's controller */
} PciModel;

static const PciModel pci_models[] = {
  { "pcie-root-port", "pcie-root-port", "ioh3420", TRUE, FALSE },
  { "pci-bridge", "pci-bridge", NULL, TRUE, TRUE },
  { "dmi-to-pci-bridge", "i82801b11-bridge", NULL, TRUE, FALSE },
  { "pcie-to-pci-bridge", "pcie-pci-bridge", NULL, TRUE, FALSE },
  { "pcie-switch-upstream-port", "x3130-upstream", NULL, TRUE, FALSE },
  { "pcie-switch-downstream-port", "xio3130-downstream", NULL, TRUE, FALSE },
  { "pci-expander-bus", "pxb", NULL, FALSE, TRUE },
  { "pcie-expander-bus", "pxb-pcie", NULL, TRUE, FALSE },
};

/* The NUMA node of an expander bus: one of the guest's <numa> cells. */
static gboolean
numa_node (Builder *b, xmlNode *target, GString *out, GError **error)
{
  xmlNode *node = vb_xml_child (target, "node");
  g_autofree char *text = node ? vb_xml_text (node) : NULL;
  guint cells = 0;
  guint64 value;

  if (!node)
    return TRUE;
  for (xmlNode *cell = vb_xml_child (vb_xml_child (vb_xml_child (b->root, "cpu"), "numa"), "cell");
       cell; cell = vb_xml_next (cell, "cell"))
    cells++;
  if (!vb_xml_parse_unsigned (text, 10, G_MAXUINT16, &value) || value >= cells)
    return refuse (error, node, "NUMA node %s is not one of the guest's %u <numa> cells", text,
                   cells);
  g_string_append_printf (out, ",numa_node=%" G_GUINT64_FORMAT, value);
  return TRUE;
}

/* <target>'s options of each kind of controller. */
static gboolean
target_options (Builder *b, xmlNode *node, const PciModel *m, const char *device, guint index,
                GString *out, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  gboolean port = g_str_equal (m->model, "pcie-root-port")
                  || g_str_equal (m->model, "pcie-switch-downstream-port");
  gboolean expander = g_str_has_suffix (m->model, "expander-bus");
  g_autofree char *hotplug = target ? vb_xml_attr (target, "hotplug") : NULL;
  g_autofree char *mem_reserve = target ? vb_xml_attr (target, "memReserve") : NULL;
  /* A downstream port's number is its slot on the switch, as libvirt
   * numbers it: the ports of one switch differ. */
  guint default_port = g_str_equal (m->model, "pcie-root-port")
                         ? 0x10 + index - 1
                         : vb_xml_attr_uint (vb_xml_child (node, "address"), "slot", 0);

  if (port)
    g_string_append_printf (out, ",port=0x%x,chassis=%u",
                            vb_xml_attr_uint (target, "port", default_port),
                            vb_xml_attr_uint (target, "chassis", index));
  else if (xmlHasProp (target, BAD_CAST "port") || xmlHasProp (target, BAD_CAST "chassis"))
    return refuse (error, target, "port and chassis are for pcie-root-port and "
                                  "pcie-switch-downstream-port controllers");
  if (g_str_equal (m->model, "pci-bridge"))
    g_string_append_printf (out, ",chassis_nr=%u", vb_xml_attr_uint (target, "chassisNr", index));
  else if (xmlHasProp (target, BAD_CAST "chassisNr"))
    return refuse (error, target, "chassisNr is for pci-bridge controllers");
  if (expander)
    {
      if (!xmlHasProp (target, BAD_CAST "busNr"))
        return refuse (error, node, "a %s needs <target busNr> (its first bus number)",
                       m->model);
      g_string_append_printf (out, ",bus_nr=%u", vb_xml_attr_uint (target, "busNr", 0));
      if (!numa_node (b, target, out, error))
        return FALSE;
    }
  else if (xmlHasProp (target, BAD_CAST "busNr") || vb_xml_child (target, "node"))
    return refuse (error, target, "busNr and <node> are for expander buses");
  if (hotplug)
    {
      if (!port)
        return refuse (error, target, "hotplug is for pcie-root-port and "
                                      "pcie-switch-downstream-port controllers");
      g_string_append_printf (out, ",hotplug=%s", g_str_equal (hotplug, "on") ? "on" : "off");
    }
  if (mem_reserve)
    {
      /* QEMU's generic root port and bridge have it, ioh3420 does not. */
      if (!g_str_equal (device, "pcie-root-port") && !g_str_equal (device, "pci-bridge"))
        return refuse (error, target, "memReserve is for the pcie-root-port and pci-bridge models");
      /* libvirt's KiB, QEMU's bytes. */
      g_string_append_printf (out, ",mem-reserve=%" G_GUINT64_FORMAT,
                              (guint64) vb_xml_attr_uint (target, "memReserve", 0) * 1024);
    }
  return TRUE;
}

gboolean
vb_qemu_build_pci_controller (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  g_autofree char *model_name = child_attr (node, "model", "name");
  guint index = vb_xml_attr_uint (node, "index", 0);
  xmlNode *address = vb_xml_child (node, "address");
  const PciModel *m = NULL;
  g_autoptr (GString) dev = g_string_new (NULL);
  g_autofree char *id = g_strdup_printf ("pci.%u", index);
  g_autofree char *alias = child_attr (node, "alias", "name");

  if (!model || g_str_equal (model, "pci-root") || g_str_equal (model, "pcie-root"))
    {
      if (g_strcmp0 (model, "pcie-root") == 0 && !b->command->q35)
        return refuse (error, node, "pcie-root needs a q35 machine");
      if (g_strcmp0 (model, "pci-root") == 0 && b->command->q35)
        return refuse (error, node, "a q35 machine's root bus is pcie-root, not pci-root");
      if (index != 0)
        return refuse (error, node, "the PCI root bus has index 0");
      if (!vb_qemu_build_root_bus_target (b, node, error))
        return FALSE;
      /* QEMU names its root bus itself (pci.0, pcie.0), and the devices
       * on it say that name; a user alias is the definition's own name
       * for it, kept in the XML as libvirt keeps it. */
      if (alias && g_str_has_prefix (alias, "ua-"))
        return TRUE;
      return fixed_id (node, b->pci_root, error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (pci_models); i++)
    if (g_str_equal (model, pci_models[i].model))
      m = &pci_models[i];
  if (!m)
    return refuse (error, node, "PCI controller model '%s' is not supported", model);
  if (index == 0)
    return refuse (error, node, "index 0 is the root bus's, not a %s's", model);
  if (!(b->command->q35 ? m->q35 : m->pc))
    return refuse (error, node, "a %s needs a %s machine", model, b->command->q35 ? "pc" : "q35");
  if (model_name && !g_str_equal (model_name, m->device)
      && g_strcmp0 (model_name, m->alias) != 0)
    return refuse (error, vb_xml_child (node, "model"),
                   "a %s controller is QEMU's %s, not '%s'", model, m->device, model_name);
  /* The bus it is plugged into comes first on the command line. */
  if (address && vb_xml_attr_is (address, "type", "pci")
      && vb_xml_attr_uint (address, "bus", 0) >= index)
    return refuse (error, node,
                   "a PCI controller's index must be greater than the bus it is plugged into");
  g_string_append (dev, model_name ? model_name : m->device);
  if (!target_options (b, node, m, model_name ? model_name : m->device, index, dev, error))
    return FALSE;
  vb_qemu_opt (dev, "id", id);
  return add_fixed_pci_device (b, node, id, dev, error);
}
