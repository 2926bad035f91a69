/* The command line of <controller type='usb'>: one bus per index (QEMU's
 * "usb.0" for index 0, "usbN.0" for index N, as libvirt names them), and
 * ICH9's UHCI companions, which have no bus of their own: they serve the
 * slow devices of their index's EHCI bus (masterbus=, firstport=). A
 * companion is built after its EHCI, whatever the XML's order, since QEMU
 * needs the master bus to exist; a device's <address type='usb' bus='N'>
 * goes on bus N, which must exist. A user alias ("ua-…") on a controller
 * is its QEMU id, as in libvirt, and its bus is then "ua-….0". */
#include "qemu-command-private.h"

/* 1-6 for ich9-uhci1 … ich9-uhci6, 0 for any other model. */
guint
vb_qemu_usb_companion (xmlNode *controller)
{
  g_autofree char *model = vb_xml_attr (controller, "model");

  if (!model || !g_str_has_prefix (model, "ich9-uhci") || strlen (model) != strlen ("ich9-uhci1")
      || !strchr ("123456", model[9]))
    return 0;
  return (guint) (model[9] - '0');
}

/* The controller of @index that has a bus (not a companion, not 'none'). */
static xmlNode *
bus_controller (Builder *b, guint index)
{
  for (xmlNode *c = vb_xml_child (b->devices, "controller"); c; c = vb_xml_next (c, "controller"))
    if (vb_xml_attr_is (c, "type", "usb") && vb_xml_attr_uint (c, "index", 0) == index
        && !vb_qemu_usb_companion (c) && !vb_xml_attr_is (c, "model", "none"))
      return c;
  return NULL;
}

gboolean
vb_qemu_usb_bus_high_speed (Builder *b, guint index)
{
  xmlNode *controller = bus_controller (b, index);
  g_autofree char *model = controller ? vb_xml_attr (controller, "model") : NULL;

  if (!controller)
    return FALSE;
  /* Without a model, the one vb_qemu_usb_controller() picks. */
  if (!model)
    return b->command->q35;
  return g_str_has_suffix (model, "xhci") || g_str_equal (model, "ehci")
         || g_str_equal (model, "ich9-ehci1");
}

char *
vb_qemu_usb_bus_id (guint index)
{
  return index == 0 ? g_strdup ("usb") : g_strdup_printf ("usb%u", index);
}

/* A controller's user alias, NULL when it has none. */
static char *
user_alias (xmlNode *controller)
{
  g_autofree char *alias = controller ? child_attr (controller, "alias", "name") : NULL;

  return alias && g_str_has_prefix (alias, "ua-") ? g_steal_pointer (&alias) : NULL;
}

char *
vb_qemu_usb_bus_name (xmlNode *node, guint index)
{
  xmlNode *devices = node;
  char *alias = NULL;

  while (devices
         && !(devices->type == XML_ELEMENT_NODE
              && g_str_equal ((const char *) devices->name, "devices")))
    devices = devices->parent;
  for (xmlNode *c = devices ? vb_xml_child (devices, "controller") : NULL; c && !alias;
       c = vb_xml_next (c, "controller"))
    if (vb_xml_attr_is (c, "type", "usb") && vb_xml_attr_uint (c, "index", 0) == index
        && !vb_qemu_usb_companion (c) && !vb_xml_attr_is (c, "model", "none"))
      alias = user_alias (c);
  return alias ? alias : vb_qemu_usb_bus_id (index);
}

gboolean
vb_qemu_usb_controller (Builder *b, xmlNode *node, GString *dev, char **id, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  guint index = vb_xml_attr_uint (node, "index", 0);
  guint companion = vb_qemu_usb_companion (node);
  const char *qemu_model;

  if (companion)
    {
      xmlNode *master = bus_controller (b, index);
      g_autofree char *master_id = vb_qemu_usb_bus_name (node, index);
      g_autofree char *master_model = master ? vb_xml_attr (master, "model") : NULL;
      xmlNode *start = vb_xml_child (node, "master");
      /* Two ports each, after one another on the EHCI's six (libvirt's
       * defaults when <master> is not given). */
      guint first = start ? vb_xml_attr_uint (start, "startport", 0) : (companion - 1) % 3 * 2;

      if (g_strcmp0 (master_model, "ich9-ehci1") != 0 && g_strcmp0 (master_model, "ehci") != 0)
        return refuse (error, node,
                       "a UHCI companion (%s) needs an EHCI controller (ich9-ehci1) with index %u",
                       model, index);
      g_string_append_printf (dev, "ich9-usb-uhci%u", companion);
      {
        g_autofree char *masterbus = g_strdup_printf ("%s.0", master_id);

        vb_qemu_opt (dev, "masterbus", masterbus);
      }
      g_string_append_printf (dev, ",firstport=%u", first);
      /* A companion has no bus: only a user alias gives it an id. */
      *id = user_alias (node);
      if (*id)
        vb_qemu_opt (dev, "id", *id);
      return TRUE;
    }
  if (vb_xml_child (node, "master"))
    return refuse (error, vb_xml_child (node, "master"), "<master> is for a UHCI companion");
  if (bus_controller (b, index) != node)
    return refuse (error, node, "a second USB controller with index %u", index);
  qemu_model = !model ? (b->command->q35 ? "qemu-xhci" : "piix3-usb-uhci")
               : g_str_equal (model, "qemu-xhci")  ? "qemu-xhci"
               : g_str_equal (model, "nec-xhci")   ? "nec-usb-xhci"
               : g_str_equal (model, "piix3-uhci") ? "piix3-usb-uhci"
               : g_str_equal (model, "piix4-uhci") ? "piix4-usb-uhci"
               : g_str_equal (model, "ehci")       ? "usb-ehci"
               : g_str_equal (model, "ich9-ehci1") ? "ich9-usb-ehci1"
                                                   : NULL;
  if (!qemu_model)
    return refuse (error, node, "USB controller model '%s' is not supported", model);
  *id = vb_qemu_usb_bus_name (node, index);
  g_string_append (dev, qemu_model);
  vb_qemu_opt (dev, "id", *id);
  if (g_str_has_suffix (qemu_model, "xhci"))
    {
      guint ports = vb_xml_attr_uint (node, "ports", 0);

      if (ports)
        g_string_append_printf (dev, ",p2=%u,p3=%u", ports, ports);
    }
  else if (xmlHasProp (node, BAD_CAST "ports"))
    return refuse (error, node, "ports= is for xHCI controllers only");
  if (index == 0)
    b->usb = TRUE;
  return TRUE;
}

gboolean
vb_qemu_usb_buses_exist (Builder *b, GError **error)
{
  for (xmlNode *device = b->devices ? b->devices->children : NULL; device; device = device->next)
    {
      xmlNode *address = device->type == XML_ELEMENT_NODE ? vb_xml_child (device, "address") : NULL;
      guint bus;

      if (!address || !vb_xml_attr_is (address, "type", "usb"))
        continue;
      bus = vb_xml_attr_uint (address, "bus", 0);
      /* Bus 0 without a controller: the device's own check says so. */
      if (bus != 0 && !bus_controller (b, bus))
        return refuse (error, address, "USB bus %u: the domain has no USB controller with index %u",
                       bus, bus);
    }
  return TRUE;
}
