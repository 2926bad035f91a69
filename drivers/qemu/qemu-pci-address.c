#include "qemu-pci-address.h"

#include <string.h>

#include "qemu-pci-buses.h"
#include "vb-error.h"
#include "xml-schema.h"

#define LAST_SLOT 0x1f
/* q35's ICH9 functions (LPC, SATA, SMBus) sit on this root-bus slot. */
#define Q35_ICH9_SLOT 0x1f
/* i440fx's PIIX3 (ISA bridge, IDE, UHCI) sits on this one. */
#define PC_PIIX3_SLOT 0x01

typedef enum {
  NOT_PCI,
  PCIE,         /* a pcie-root-port on q35, the root bus on pc */
  LEGACY,       /* the root bus on either machine */
  PRIMARY_VIDEO, /* q35: slot 1 of the root bus, as libvirt places it */
  DOWNSTREAM     /* a PCIe switch's downstream port: on its upstream port */
} Placement;

typedef struct {
  xmlNode *devices;
  gboolean q35;
  GHashTable *used;    /* bus << 8 | slot of every PCI address */
  GHashTable *indexes; /* the index of every PCI controller */
  GHashTable *usb_slots; /* USB index → the slot its ich9 USB functions share */
  gboolean piix3_usb;  /* PIIX3's USB function (00:01.2) is taken */
} Alloc;

static gboolean
is_element (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, BAD_CAST name);
}

static xmlNode *
find_controller (xmlNode *devices, const char *type, guint index)
{
  for (xmlNode *node = vb_xml_child (devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    if (vb_xml_attr_is (node, "type", type) && vb_xml_attr_uint (node, "index", 0) == index)
      return node;
  return NULL;
}

static xmlNode *
add_controller (xmlNode *devices, const char *type, guint index, const char *model)
{
  xmlNode *controller = xmlNewChild (devices, NULL, BAD_CAST "controller", NULL);
  g_autofree char *index_text = g_strdup_printf ("%u", index);

  xmlNewProp (controller, BAD_CAST "type", BAD_CAST type);
  xmlNewProp (controller, BAD_CAST "index", BAD_CAST index_text);
  if (model)
    xmlNewProp (controller, BAD_CAST "model", BAD_CAST model);
  return controller;
}

static void
set_address (xmlNode *device, guint bus, guint slot, guint function, gboolean multifunction)
{
  xmlNode *address = xmlNewChild (device, NULL, BAD_CAST "address", NULL);
  g_autofree char *bus_text = g_strdup_printf ("0x%02x", bus);
  g_autofree char *slot_text = g_strdup_printf ("0x%02x", slot);
  g_autofree char *function_text = g_strdup_printf ("0x%x", function);

  xmlNewProp (address, BAD_CAST "type", BAD_CAST "pci");
  xmlNewProp (address, BAD_CAST "domain", BAD_CAST "0x0000");
  xmlNewProp (address, BAD_CAST "bus", BAD_CAST bus_text);
  xmlNewProp (address, BAD_CAST "slot", BAD_CAST slot_text);
  xmlNewProp (address, BAD_CAST "function", BAD_CAST function_text);
  if (multifunction)
    xmlNewProp (address, BAD_CAST "multifunction", BAD_CAST "on");
}

/* ---- the controllers the command line has ---- */

static const char *
disk_bus (xmlNode *disk)
{
  xmlNode *target = vb_xml_child (disk, "target");
  g_autofree char *bus = vb_xml_attr (target, "bus");
  g_autofree char *dev = vb_xml_attr (target, "dev");

  /* As the disk's builder reads it (qemu-command-disk.c). */
  if (bus)
    return g_str_equal (bus, "virtio") ? "virtio"
           : g_str_equal (bus, "sata") ? "sata"
           : g_str_equal (bus, "ide")  ? "ide"
           : g_str_equal (bus, "scsi") ? "scsi"
           : g_str_equal (bus, "usb")  ? "usb"
           : g_str_equal (bus, "nvme") ? "nvme"
                                       : "other";
  return g_str_has_prefix (dev, "vd")   ? "virtio"
         : g_str_has_prefix (dev, "hd") ? "ide"
         : g_str_has_prefix (dev, "fd") ? "fdc"
                                        : "sata";
}

/* A <serial>'s device, by its <target type> or <target><model name>. */
static gboolean
serial_is (xmlNode *node, const char *model)
{
  xmlNode *target = vb_xml_child (node, "target");

  return is_element (node, "serial")
         && (vb_xml_attr_is (target, "type", model)
             || vb_xml_attr_is (vb_xml_child (target, "model"), "name", model));
}

static gboolean
needs_usb (xmlNode *node)
{
  if (is_element (node, "disk"))
    return g_str_equal (disk_bus (node), "usb");
  if (is_element (node, "redirdev") || is_element (node, "hub") || is_element (node, "smartcard")
      || serial_is (node, "usb-serial")
      || (is_element (node, "hostdev") && vb_xml_attr_is (node, "type", "usb")))
    return TRUE;
  if (is_element (node, "sound"))
    return vb_xml_attr_is (node, "model", "usb");
  /* <filesystem><driver type='mtp'>: usb-mtp. */
  if (is_element (node, "filesystem"))
    return vb_xml_attr_is (vb_xml_child (node, "driver"), "type", "mtp");
  if (is_element (node, "interface"))
    return vb_xml_attr_is (vb_xml_child (node, "model"), "type", "usb-net");
  if (is_element (node, "input"))
    {
      g_autofree char *bus = vb_xml_attr (node, "bus");

      return bus ? g_str_equal (bus, "usb") : vb_xml_attr_is (node, "type", "tablet");
    }
  return FALSE;
}

static gboolean
needs_virtio_serial (xmlNode *node)
{
  xmlNode *target = vb_xml_child (node, "target");

  return (is_element (node, "channel") && vb_xml_attr_is (target, "type", "virtio"))
         || (is_element (node, "console") && vb_xml_attr_is (target, "type", "virtio"));
}

static void
add_pci_buses (xmlNode *devices, gboolean q35)
{
  g_autoptr (GArray) implicit = vb_qemu_pci_implicit_buses (devices);
  xmlNode *root = NULL;

  for (xmlNode *node = vb_xml_child (devices, "controller"); node && !root;
       node = vb_xml_next (node, "controller"))
    if (vb_xml_attr_is (node, "type", "pci")
        && vb_xml_attr_uint (node, "index", 0) == 0
        && (!xmlHasProp (node, BAD_CAST "model") || vb_xml_attr_is (node, "model", "pci-root")
            || vb_xml_attr_is (node, "model", "pcie-root")))
      root = node;
  if (!root)
    add_controller (devices, "pci", 0, q35 ? "pcie-root" : "pci-root");
  for (guint i = 0; i < implicit->len; i++)
    {
      const VbQemuImplicitBus *bus = &g_array_index (implicit, VbQemuImplicitBus, i);
      xmlNode *controller =
        add_controller (devices, "pci", bus->index, q35 ? "pcie-root-port" : "pci-bridge");

      set_address (controller, 0, bus->slot, 0, FALSE);
    }
}

/* The unit a device on controller 0, target 0 has: its <address>'s, or for
 * a disk without one the index of its target name (sda: 0), as the disk's
 * builder places it; -1 for any other device. */
static int
unit_taken (xmlNode *device)
{
  xmlNode *address = vb_xml_child (device, "address");
  g_autofree char *dev = NULL;
  int index = 0;

  if (address)
    return vb_xml_attr_is (address, "type", "drive")
               && vb_xml_attr_uint (address, "controller", 0) == 0
               && vb_xml_attr_uint (address, "target", 0) == 0
             ? (int) vb_xml_attr_uint (address, "unit", 0)
             : -1;
  if (!xmlStrEqual (device->name, BAD_CAST "disk")
      || !vb_xml_attr_is (vb_xml_child (device, "target"), "bus", "scsi"))
    return -1;
  dev = vb_xml_attr (vb_xml_child (device, "target"), "dev");
  if (!dev || strlen (dev) < 3)
    return -1;
  for (const char *p = dev + 2; *p; p++)
    {
      if (!g_ascii_islower (*p))
        return -1;
      index = index * 26 + (*p - 'a' + 1);
    }
  return index - 1;
}

/* A hostdev written without an <address> gets the first free unit of
 * controller 0, recorded in the XML as libvirt does, so the next start
 * (and the next device) finds it there. */
static void
assign_scsi_hostdev_address (xmlNode *devices, xmlNode *hostdev)
{
  g_autoptr (GHashTable) taken = g_hash_table_new (NULL, NULL);
  xmlNode *address;
  g_autofree char *unit_text = NULL;
  guint unit = 0;

  for (xmlNode *node = devices->children; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE && unit_taken (node) >= 0)
      g_hash_table_add (taken, GINT_TO_POINTER (unit_taken (node) + 1));
  while (g_hash_table_contains (taken, GINT_TO_POINTER ((int) unit + 1)))
    unit++;
  unit_text = g_strdup_printf ("%u", unit);
  address = xmlNewChild (hostdev, NULL, BAD_CAST "address", NULL);
  xmlSetProp (address, BAD_CAST "type", BAD_CAST "drive");
  xmlSetProp (address, BAD_CAST "controller", BAD_CAST "0");
  xmlSetProp (address, BAD_CAST "bus", BAD_CAST "0");
  xmlSetProp (address, BAD_CAST "target", BAD_CAST "0");
  xmlSetProp (address, BAD_CAST "unit", BAD_CAST unit_text);
}

/* The NVMe controller of a disk on bus 'nvme': its <address type='drive'
 * controller>, else C of its name nvmeCnN (qemu-command-disk-nvme.c
 * refuses another name). */
static guint
nvme_disk_controller (xmlNode *disk)
{
  xmlNode *address = vb_xml_child (disk, "address");
  g_autofree char *dev = vb_xml_attr (vb_xml_child (disk, "target"), "dev");

  if (vb_xml_attr_is (address, "type", "drive"))
    return vb_xml_attr_uint (address, "controller", 0);
  if (dev && g_str_has_prefix (dev, "nvme"))
    return (guint) MIN (g_ascii_strtoull (dev + 4, NULL, 10), G_MAXUINT16);
  return 0;
}

/* The others, as the command line adds them when the XML lacks them. */
static void
add_implicit_controllers (xmlNode *devices, gboolean q35)
{
  gboolean usb = FALSE, virtio_serial = FALSE, sata = FALSE;
  g_autoptr (GArray) scsi = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) nvme = g_array_new (FALSE, FALSE, sizeof (guint));

  for (xmlNode *node = devices->children; node; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (is_element (node, "disk") && g_str_equal (disk_bus (node), "nvme"))
        {
          guint controller = nvme_disk_controller (node);

          g_array_append_val (nvme, controller);
        }
      usb |= needs_usb (node);
      virtio_serial |= needs_virtio_serial (node);
      if (is_element (node, "disk") && g_str_equal (disk_bus (node), "sata"))
        sata = TRUE;
      if ((is_element (node, "disk") && g_str_equal (disk_bus (node), "scsi"))
          || (is_element (node, "hostdev") && vb_xml_attr_is (node, "type", "scsi")))
        {
          guint controller = vb_xml_attr_uint (vb_xml_child (node, "address"), "controller", 0);

          g_array_append_val (scsi, controller);
        }
    }
  if (usb)
    {
      gboolean any = FALSE;

      /* Any USB controller, also model='none' (the builder refuses the
       * device then, as libvirt does). */
      for (xmlNode *node = vb_xml_child (devices, "controller"); node;
           node = vb_xml_next (node, "controller"))
        any |= vb_xml_attr_is (node, "type", "usb");
      if (!any)
        add_controller (devices, "usb", 0, q35 ? "qemu-xhci" : "piix3-uhci");
    }
  if (virtio_serial && !find_controller (devices, "virtio-serial", 0))
    add_controller (devices, "virtio-serial", 0, NULL);
  for (xmlNode *node = vb_xml_child (devices, "hostdev"); node; node = vb_xml_next (node, "hostdev"))
    if (vb_xml_attr_is (node, "type", "scsi") && !vb_xml_child (node, "address"))
      assign_scsi_hostdev_address (devices, node);
  for (guint i = 0; i < scsi->len; i++)
    if (!find_controller (devices, "scsi", g_array_index (scsi, guint, i)))
      add_controller (devices, "scsi", g_array_index (scsi, guint, i), "virtio-scsi");
  for (guint i = 0; i < nvme->len; i++)
    if (!find_controller (devices, "nvme", g_array_index (nvme, guint, i)))
      add_controller (devices, "nvme", g_array_index (nvme, guint, i), NULL);
  /* model='auto' is the model libvirt picks for an x86 QEMU that has the
   * LSI controller: lsilogic; stored, so what runs is what the XML says. */
  for (xmlNode *node = vb_xml_child (devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    if (vb_xml_attr_is (node, "type", "scsi") && vb_xml_attr_is (node, "model", "auto"))
      xmlSetProp (node, BAD_CAST "model", BAD_CAST "lsilogic");
  /* Built into the machine: q35's AHCI at 00:1f.2, pc's IDE at 00:01.1. */
  if (q35 && !find_controller (devices, "sata", 0))
    set_address (add_controller (devices, "sata", 0, NULL), 0, Q35_ICH9_SLOT, 2, FALSE);
  else if (!q35 && sata && !find_controller (devices, "sata", 0))
    add_controller (devices, "sata", 0, NULL);
  if (!q35 && !find_controller (devices, "ide", 0))
    set_address (add_controller (devices, "ide", 0, NULL), 0, PC_PIIX3_SLOT, 1, FALSE);
}

/* libvirt numbers PCI controllers written without an index itself. */
static void
number_pci_controllers (Alloc *a)
{
  for (xmlNode *node = vb_xml_child (a->devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    if (vb_xml_attr_is (node, "type", "pci"))
      {
        g_autofree char *index = vb_xml_attr (node, "index");

        if (index)
          g_hash_table_add (a->indexes, GUINT_TO_POINTER (vb_xml_attr_uint (node, "index", 0)));
      }
  for (xmlNode *node = vb_xml_child (a->devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    if (vb_xml_attr_is (node, "type", "pci") && !xmlHasProp (node, BAD_CAST "index"))
      {
        g_autofree char *text = NULL;
        /* The root bus is index 0, as libvirt numbers it. */
        guint index = vb_xml_attr_is (node, "model", "pci-root")
                          || vb_xml_attr_is (node, "model", "pcie-root")
                        ? 0
                        : 1;

        while (g_hash_table_contains (a->indexes, GUINT_TO_POINTER (index)))
          index++;
        g_hash_table_add (a->indexes, GUINT_TO_POINTER (index));
        text = g_strdup_printf ("%u", index);
        xmlSetProp (node, BAD_CAST "index", BAD_CAST text);
      }
}

/* An expander bus without <target busNr> gets the one below the lowest
 * other expander's (the first 254), as libvirt numbers them down from 255:
 * the guest's buses behind the root's count up from 0. */
static void
number_expander_buses (xmlNode *devices)
{
  guint lowest = 255;

  for (xmlNode *node = vb_xml_child (devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    {
      xmlNode *target = vb_xml_child (node, "target");

      if (vb_xml_attr_is (node, "type", "pci") && target && xmlHasProp (target, BAD_CAST "busNr"))
        lowest = MIN (lowest, vb_xml_attr_uint (target, "busNr", 255));
    }
  for (xmlNode *node = vb_xml_child (devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    {
      xmlNode *target = vb_xml_child (node, "target");
      g_autofree char *text = NULL;

      if (!vb_xml_attr_is (node, "type", "pci")
          || !(vb_xml_attr_is (node, "model", "pci-expander-bus")
               || vb_xml_attr_is (node, "model", "pcie-expander-bus"))
          || (target && xmlHasProp (target, BAD_CAST "busNr")) || lowest <= 1)
        continue;
      if (!target)
        target = xmlNewChild (node, NULL, BAD_CAST "target", NULL);
      lowest--;
      text = g_strdup_printf ("%u", lowest);
      xmlSetProp (target, BAD_CAST "busNr", BAD_CAST text);
    }
}

/* ---- slots ---- */

static guint
key (guint bus, guint slot)
{
  return bus << 8 | slot;
}

static void
collect_used (Alloc *a)
{
  g_hash_table_add (a->used, GUINT_TO_POINTER (key (0, 0)));
  g_hash_table_add (a->used, GUINT_TO_POINTER (key (0, a->q35 ? Q35_ICH9_SLOT : PC_PIIX3_SLOT)));
  for (xmlNode *node = a->devices ? a->devices->children : NULL; node; node = node->next)
    {
      xmlNode *address = node->type == XML_ELEMENT_NODE ? vb_xml_child (node, "address") : NULL;

      if (address && vb_xml_attr_is (address, "type", "pci"))
        g_hash_table_add (a->used, GUINT_TO_POINTER (key (vb_xml_attr_uint (address, "bus", 0),
                                                          vb_xml_attr_uint (address, "slot", 0))));
    }
}

static gboolean
root_slot (Alloc *a, guint from, guint *slot, GError **error)
{
  for (guint s = from; s <= LAST_SLOT; s++)
    if (!g_hash_table_contains (a->used, GUINT_TO_POINTER (key (0, s))))
      {
        g_hash_table_add (a->used, GUINT_TO_POINTER (key (0, s)));
        *slot = s;
        return TRUE;
      }
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
               "no free slot is left on the PCI root bus for the devices without an <address>");
  return FALSE;
}

/* A free slot on a PCI bridge or expander bus (from @first: a pci-bridge's
 * slot 0 is left alone, as libvirt does), for a conventional device the root
 * bus has no room for. */
static gboolean
bridge_slot (Alloc *a, const char *model, guint first, guint *bus, guint *slot)
{
  for (xmlNode *node = vb_xml_child (a->devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    {
      guint n = vb_xml_attr_uint (node, "index", 0);

      if (!vb_xml_attr_is (node, "type", "pci") || !vb_xml_attr_is (node, "model", model) || n == 0)
        continue;
      for (guint s = first; s <= LAST_SLOT; s++)
        if (!g_hash_table_contains (a->used, GUINT_TO_POINTER (key (n, s))))
          {
            g_hash_table_add (a->used, GUINT_TO_POINTER (key (n, s)));
            *bus = n;
            *slot = s;
            return TRUE;
          }
    }
  return FALSE;
}

/* A pcie-root-port no address names as its bus, in index order; with
 * @downstream also a switch's pcie-switch-downstream-port (one slot too),
 * where libvirt places a device as it does on a root port. */
static gboolean
empty_pcie_port (xmlNode *devices, GHashTable *used, guint below, gboolean downstream,
                 guint *index)
{
  guint best = G_MAXUINT;

  for (xmlNode *node = vb_xml_child (devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    {
      guint n = vb_xml_attr_uint (node, "index", 0);
      gboolean taken = FALSE;

      if (!vb_xml_attr_is (node, "type", "pci")
          || !(vb_xml_attr_is (node, "model", "pcie-root-port")
               || (downstream && vb_xml_attr_is (node, "model", "pcie-switch-downstream-port")))
          || n == 0 || n >= below)
        continue;
      for (guint slot = 0; slot <= LAST_SLOT && !taken; slot++)
        taken = g_hash_table_contains (used, GUINT_TO_POINTER (key (n, slot)));
      if (!taken && n < best)
        best = n;
    }
  *index = best;
  return best != G_MAXUINT;
}

static gboolean
place_on_root_port (Alloc *a, xmlNode *device, GError **error)
{
  guint index;
  /* A controller is plugged into a bus of a lower index (QEMU creates the
   * buses in index order): an existing port, never one made for it. */
  guint below = is_element (device, "controller") && vb_xml_attr_is (device, "type", "pci")
                  ? vb_xml_attr_uint (device, "index", 0)
                  : G_MAXUINT;

  if (!empty_pcie_port (a->devices, a->used, below, TRUE, &index))
    {
      xmlNode *port;
      guint slot;

      if (below != G_MAXUINT)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "a PCI controller of index %u without an <address> needs an empty "
                       "pcie-root-port or pcie-switch-downstream-port of a lower index",
                       below);
          return FALSE;
        }

      index = 1;
      while (g_hash_table_contains (a->indexes, GUINT_TO_POINTER (index)))
        index++;
      if (!root_slot (a, 2, &slot, error))
        return FALSE;
      g_hash_table_add (a->indexes, GUINT_TO_POINTER (index));
      port = add_controller (a->devices, "pci", index, "pcie-root-port");
      set_address (port, 0, slot, 0, FALSE);
    }
  g_hash_table_add (a->used, GUINT_TO_POINTER (key (index, 0)));
  set_address (device, index, 0, 0, FALSE);
  return TRUE;
}

/* ---- which devices are PCI devices ---- */

static Placement
controller_placement (xmlNode *node, gboolean q35)
{
  g_autofree char *type = vb_xml_attr (node, "type");
  g_autofree char *model = vb_xml_attr (node, "model");

  if (g_str_equal (type, "pci"))
    {
      /* Under a root port: what only PCI Express buses take. */
      if (g_strcmp0 (model, "pcie-to-pci-bridge") == 0
          || g_strcmp0 (model, "pcie-switch-upstream-port") == 0)
        return PCIE;
      if (g_strcmp0 (model, "pcie-switch-downstream-port") == 0)
        return DOWNSTREAM;
      return !model || g_str_equal (model, "pci-root") || g_str_equal (model, "pcie-root")
               ? NOT_PCI
               : LEGACY;
    }
  if (g_str_equal (type, "usb"))
    {
      if (g_strcmp0 (model, "none") == 0)
        return NOT_PCI;
      if (!model)
        return q35 ? PCIE : LEGACY;
      return g_str_has_suffix (model, "xhci") ? PCIE : LEGACY;
    }
  if (g_str_equal (type, "sata"))
    return q35 && vb_xml_attr_uint (node, "index", 0) == 0 ? NOT_PCI : LEGACY;
  if (g_str_equal (type, "scsi") || g_str_equal (type, "virtio-serial")
      || g_str_equal (type, "nvme"))
    return PCIE;
  return NOT_PCI; /* ide is built in; the builder refuses the rest */
}

static Placement
placement (xmlNode *node, gboolean q35, gboolean *video_seen)
{
  if (node->type != XML_ELEMENT_NODE)
    return NOT_PCI;
  if (is_element (node, "controller"))
    return controller_placement (node, q35);
  if (is_element (node, "disk"))
    return g_str_equal (disk_bus (node), "virtio") ? PCIE : NOT_PCI;
  if (is_element (node, "interface"))
    {
      xmlNode *model = vb_xml_child (node, "model");

      if (vb_xml_attr_is (model, "type", "usb-net"))
        return NOT_PCI;
      return !model || vb_xml_attr_is (model, "type", "virtio")
                 || vb_xml_attr_is (model, "type", "virtio-non-transitional")
                 || vb_xml_attr_is (model, "type", "e1000e")
               ? PCIE
               : LEGACY;
    }
  if (is_element (node, "hostdev"))
    /* A SCSI one sits on a SCSI controller. */
    return vb_xml_attr_is (node, "type", "usb") || vb_xml_attr_is (node, "type", "scsi") ? NOT_PCI
                                                                                         : PCIE;
  if (is_element (node, "filesystem"))
    return vb_xml_attr_is (vb_xml_child (node, "driver"), "type", "mtp") ? NOT_PCI : PCIE;
  if (is_element (node, "rng") || is_element (node, "pstore") || is_element (node, "vsock")
      || is_element (node, "crypto"))
    return PCIE;
  /* virtio-mem and virtio-pmem; DIMMs sit in slots of their own. */
  if (is_element (node, "memory"))
    return vb_xml_attr_is (node, "model", "virtio-mem")
               || vb_xml_attr_is (node, "model", "virtio-pmem")
             ? PCIE
             : NOT_PCI;
  if (is_element (node, "input"))
    return vb_xml_attr_is (node, "bus", "virtio")
               || (vb_xml_attr_is (node, "type", "passthrough")
                   && !xmlHasProp (node, BAD_CAST "bus"))
             ? PCIE
             : NOT_PCI;
  if (is_element (node, "memballoon"))
    {
      g_autofree char *model = vb_xml_attr (node, "model");

      return model && g_str_has_prefix (model, "virtio") ? PCIE : NOT_PCI;
    }
  if (is_element (node, "sound"))
    return vb_xml_attr_is (node, "model", "sb16") || vb_xml_attr_is (node, "model", "pcspk")
               || vb_xml_attr_is (node, "model", "usb")
             ? NOT_PCI
             : LEGACY;
  if (is_element (node, "shmem") || serial_is (node, "pci-serial"))
    return LEGACY;
  if (is_element (node, "iommu"))
    return vb_xml_attr_is (node, "model", "virtio") ? LEGACY : NOT_PCI;
  if (is_element (node, "watchdog"))
    return vb_xml_attr_is (node, "model", "i6300esb") ? LEGACY : NOT_PCI;
  if (is_element (node, "panic"))
    return vb_xml_attr_is (node, "model", "pvpanic") ? LEGACY : NOT_PCI;
  if (is_element (node, "video"))
    {
      xmlNode *model = vb_xml_child (node, "model");
      gboolean primary;

      if (vb_xml_attr_is (model, "type", "none") || vb_xml_attr_is (model, "type", "ramfb"))
        return NOT_PCI;
      /* As the video builder decides: the first card, or the one marked. */
      primary = !*video_seen || vb_xml_attr_is (model, "primary", "yes");
      *video_seen = TRUE;
      if (primary)
        return PRIMARY_VIDEO;
      return vb_xml_attr_is (model, "type", "virtio") ? PCIE : LEGACY;
    }
  return NOT_PCI;
}

/* ICH9's EHCI and its UHCI companions are functions of one slot: EHCI on
 * 7, UHCI n on n - 1, the first with multifunction on. */
static gboolean
place_ich9_usb (Alloc *a, xmlNode *node, const char *model, GError **error)
{
  gpointer index = GUINT_TO_POINTER (vb_xml_attr_uint (node, "index", 0));
  guint slot = GPOINTER_TO_UINT (g_hash_table_lookup (a->usb_slots, index));
  guint function;

  /* One slot for each index's EHCI and its companions. */
  if (!slot)
    {
      guint from = a->q35 && !g_hash_table_size (a->usb_slots) ? 0x1d : 2;

      if (!root_slot (a, from, &slot, error))
        return FALSE;
      g_hash_table_insert (a->usb_slots, index, GUINT_TO_POINTER (slot));
    }
  function = g_str_equal (model, "ich9-ehci1") ? 7 : (guint) (model[strlen (model) - 1] - '1');
  set_address (node, 0, slot, function, function == 0);
  return TRUE;
}

static gboolean
place (Alloc *a, xmlNode *node, Placement where, GError **error)
{
  guint slot;

  if (is_element (node, "controller") && vb_xml_attr_is (node, "type", "usb"))
    {
      g_autofree char *model = vb_xml_attr (node, "model");

      if (model && g_str_has_prefix (model, "ich9-") && strlen (model) == strlen ("ich9-uhci1"))
        return place_ich9_usb (a, node, model, error);
      if (!a->q35 && (!model || g_str_equal (model, "piix3-uhci")) && !a->piix3_usb)
        {
          /* PIIX3's own USB function, where libvirt puts it. */
          a->piix3_usb = TRUE;
          set_address (node, 0, PC_PIIX3_SLOT, 2, FALSE);
          return TRUE;
        }
    }
  if (where == PCIE && a->q35)
    return place_on_root_port (a, node, error);
  if (where == DOWNSTREAM)
    {
      guint bus;

      if (!bridge_slot (a, "pcie-switch-upstream-port", 0, &bus, &slot)
          || bus >= vb_xml_attr_uint (node, "index", 0))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "a pcie-switch-downstream-port without an <address> needs a "
                       "pcie-switch-upstream-port with a free slot");
          return FALSE;
        }
      set_address (node, bus, slot, 0, FALSE);
      return TRUE;
    }
  if (where == PRIMARY_VIDEO)
    {
      guint wanted = a->q35 ? 1 : 2;

      if (!g_hash_table_contains (a->used, GUINT_TO_POINTER (key (0, wanted))))
        {
          g_hash_table_add (a->used, GUINT_TO_POINTER (key (0, wanted)));
          set_address (node, 0, wanted, 0, FALSE);
          return TRUE;
        }
    }
  if (!root_slot (a, 2, &slot, NULL))
    {
      guint bus;

      /* A device (not a bus controller: those go on the root bus) on a bridge. */
      if (!(is_element (node, "controller") && vb_xml_attr_is (node, "type", "pci"))
          && (bridge_slot (a, "pci-bridge", 1, &bus, &slot)
              || bridge_slot (a, "pcie-to-pci-bridge", 0, &bus, &slot)
              || bridge_slot (a, "pci-expander-bus", 0, &bus, &slot)))
        {
          set_address (node, bus, slot, 0, FALSE);
          return TRUE;
        }
      return root_slot (a, 2, &slot, error);
    }
  set_address (node, 0, slot, 0, FALSE);
  return TRUE;
}

/* Slots a pci-bridge gives devices: 1 to 31 (slot 0 is left alone, as
 * libvirt does). */
#define BRIDGE_SLOTS 31

/* On pc, when the root bus has no room for every device without an
 * address, libvirt adds pci-bridges (on root-bus slots) for the rest: so
 * does this, as few as fit them, each stored in the XML with its address.
 * Only where the XML has no bridge of its own (then it chose where its
 * devices go). */
static void
add_bridges_when_full (Alloc *a, GPtrArray *order)
{
  guint free_slots = 0, root_only = 0, others = 0, bridges = 0;

  if (a->q35)
    return;
  for (xmlNode *node = vb_xml_child (a->devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    if (vb_xml_attr_is (node, "type", "pci")
        && (vb_xml_attr_is (node, "model", "pci-bridge")
            || vb_xml_attr_is (node, "model", "pci-expander-bus")))
      return;
  for (guint s = 2; s <= LAST_SLOT; s++)
    free_slots += !g_hash_table_contains (a->used, GUINT_TO_POINTER (key (0, s)));
  for (guint i = 0; i < order->len; i++)
    {
      xmlNode *node = order->pdata[i];

      /* USB controllers may share PIIX3's slot or each other's. */
      if (is_element (node, "controller") && vb_xml_attr_is (node, "type", "usb"))
        continue;
      if (is_element (node, "controller") && vb_xml_attr_is (node, "type", "pci"))
        root_only++;
      else
        others++;
    }
  if (root_only + others <= free_slots)
    return;
  /* Each bridge takes a root slot and gives BRIDGE_SLOTS. */
  while (root_only + bridges > free_slots
         || others > free_slots - root_only - bridges + bridges * BRIDGE_SLOTS)
    {
      guint index = 1, slot;
      xmlNode *bridge;

      if (!root_slot (a, 2, &slot, NULL))
        return; /* place() says which device found no slot */
      while (g_hash_table_contains (a->indexes, GUINT_TO_POINTER (index)))
        index++;
      g_hash_table_add (a->indexes, GUINT_TO_POINTER (index));
      bridge = add_controller (a->devices, "pci", index, "pci-bridge");
      set_address (bridge, 0, slot, 0, FALSE);
      bridges++;
      if (root_only + bridges > free_slots)
        return;
    }
}

gboolean
vb_qemu_assign_addresses (xmlNode *devices, gboolean q35, GError **error)
{
  g_autoptr (GHashTable) used = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) indexes = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) usb_slots = g_hash_table_new (NULL, NULL);
  Alloc a = { devices, q35, used, indexes, usb_slots, FALSE };
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  g_autoptr (GArray) where = g_array_new (FALSE, FALSE, sizeof (Placement));
  g_autoptr (GPtrArray) nodes = g_ptr_array_new ();
  g_autoptr (GArray) kinds = g_array_new (FALSE, FALSE, sizeof (Placement));
  gboolean video_seen = FALSE;
  xmlNode *os_type =
    vb_xml_child (vb_xml_child (xmlDocGetRootElement (devices->doc), "os"), "type");
  g_autofree char *machine = os_type ? vb_xml_attr (os_type, "machine") : NULL;
  gboolean isapc = machine && g_str_has_prefix (machine, "isapc");

  /* Controllers written without an index are numbered before the buses
   * the devices' addresses name are looked for (one of them may be it);
   * then again, to know the indexes of those made for the others. */
  number_pci_controllers (&a);
  add_pci_buses (devices, q35);
  add_implicit_controllers (devices, q35);
  number_pci_controllers (&a);
  number_expander_buses (devices);
  collect_used (&a);
  /* The primary video first (its slot is fixed), then the controllers,
   * then the devices in the order of the XML: the same XML always gets the
   * same addresses. */
  for (xmlNode *node = devices->children; node; node = node->next)
    {
      Placement p = placement (node, q35, &video_seen);
      xmlNode *address = p != NOT_PCI ? vb_xml_child (node, "address") : NULL;

      /* On pc in the order the command line had them when QEMU chose the
       * slots (from 2 on, the video where the XML has it), so that a guest
       * saved or migrating from then finds its devices where they were. */
      if (p == PRIMARY_VIDEO && !q35)
        p = LEGACY;
      /* libvirt binds such a device to vfio-pci for as long as the guest
       * runs and gives it to QEMU nowhere: what is left here is nothing. */
      if (is_element (node, "hostdev")
          && vb_xml_attr_is (vb_xml_child (node, "address"), "type", "unassigned"))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "<address> at line %ld: type='unassigned' keeps a host device from the "
                       "host without giving it to the guest, and virtbus rebinds no host device: "
                       "it would do nothing here (bind the device to vfio-pci on the host, and "
                       "leave it out of the domain)",
                       vb_xml_line (vb_xml_child (node, "address")));
          return FALSE;
        }
      /* A PCI device takes a PCI address: another type would name a place
       * the device cannot be, and QEMU would choose one of its own. */
      if (address && !vb_xml_attr_is (address, "type", "pci"))
        {
          g_autofree char *type = vb_xml_attr (address, "type");

          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "<address> at line %ld: <%s> is a PCI device: it takes <address "
                       "type='pci'>, not type='%s'",
                       vb_xml_line (address), (const char *) node->name, type);
          return FALSE;
        }

      /* A disk on a controller's bus is addressed on that bus. */
      if (p == NOT_PCI && is_element (node, "disk")
          && vb_xml_attr_is (vb_xml_child (node, "address"), "type", "pci"))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "<address> at line %ld: a disk on bus '%s' is not a PCI device: it takes "
                       "<address type='%s'>",
                       vb_xml_line (vb_xml_child (node, "address")), disk_bus (node),
                       g_str_equal (disk_bus (node), "usb") ? "usb" : "drive");
          return FALSE;
        }
      /* isapc has no PCI bus at all. */
      if (p != NOT_PCI && isapc)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "<%s> at line %ld: this is a PCI device, and machine 'isapc' has no PCI bus",
                       (const char *) node->name, vb_xml_line (node));
          return FALSE;
        }
      g_ptr_array_add (nodes, node);
      g_array_append_val (kinds, p);
    }
  for (int pass = 0; pass < 3; pass++)
    for (guint i = 0; i < nodes->len; i++)
      {
        xmlNode *node = nodes->pdata[i];
        Placement p = g_array_index (kinds, Placement, i);
        guint group = p == PRIMARY_VIDEO ? 0 : is_element (node, "controller") ? 1 : 2;

        if (p != NOT_PCI && group == (guint) pass && !vb_xml_child (node, "address"))
          {
            g_ptr_array_add (order, node);
            g_array_append_val (where, p);
          }
      }
  add_bridges_when_full (&a, order);
  for (guint i = 0; i < order->len; i++)
    if (!place (&a, order->pdata[i], g_array_index (where, Placement, i), error))
      return FALSE;
  return TRUE;
}

gboolean
vb_qemu_plug_address (xmlNode *devices, gboolean q35, guint *bus, guint *slot, GError **error)
{
  g_autoptr (GHashTable) used = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) indexes = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) usb_slots = g_hash_table_new (NULL, NULL);
  Alloc a = { devices, q35, used, indexes, usb_slots, FALSE };
  guint index;

  collect_used (&a);
  if (q35)
    {
      if (!empty_pcie_port (devices, used, G_MAXUINT, FALSE, &index))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "no free pcie-root-port to plug the device into: a q35 guest needs one "
                       "per plugged device (define <controller type='pci' "
                       "model='pcie-root-port'/> spares)");
          return FALSE;
        }
      *bus = index;
      *slot = 0;
      return TRUE;
    }
  *bus = 0;
  if (!root_slot (&a, 2, slot, NULL))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "no free slot on PCI bus pci.0 to plug the device into");
      return FALSE;
    }
  return TRUE;
}
