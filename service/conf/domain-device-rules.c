/* Rules between a domain's devices: see domain-device-rules.h. */
#include "domain-device-rules.h"

#include <stdio.h>
#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

/* The letters after a disk target's prefix count in base 26 ("sdaa" is the
 * 27th disk); libvirt refuses names whose number overflows, and seven
 * letters are well past any bus. */
#define DISK_TARGET_LETTERS_MAX 7

/* Each USB port holds one device: the hub or device a <address type='usb'
 * bus port> names. */
static gboolean
check_usb_ports (xmlNode *devices, GError **error)
{
  g_autoptr (GHashTable) ports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (xmlNode *node = devices->children; node; node = node->next)
    {
      xmlNode *address = node->type == XML_ELEMENT_NODE ? vb_xml_child (node, "address") : NULL;
      g_autofree char *bus = NULL;
      g_autofree char *port = NULL;
      char *key;

      if (!address || !vb_xml_attr_is (address, "type", "usb"))
        continue;
      port = vb_xml_attr (address, "port");
      if (!port)
        continue;
      bus = vb_xml_attr (address, "bus");
      key = g_strdup_printf ("%s:%s", bus ? bus : "0", port);
      if (!g_hash_table_add (ports, key))
        return vb_xml_invalid (error, address,
                               "USB port %s of bus %s is already taken by another device", port,
                               bus ? bus : "0");
    }
  return TRUE;
}

/* <model type='none'> says the guest has no video device: it cannot stand
 * beside one. */
static gboolean
check_video_none (xmlNode *devices, GError **error)
{
  guint videos = 0;
  xmlNode *none = NULL;

  for (xmlNode *video = vb_xml_child (devices, "video"); video;
       video = vb_xml_next (video, "video"))
    {
      videos++;
      if (vb_xml_attr_is (vb_xml_child (video, "model"), "type", "none"))
        none = video;
    }
  if (none && videos > 1)
    return vb_xml_invalid (error, none,
                           "a video of model 'none' (no video device) must be the only <video>");
  return TRUE;
}

static gboolean
check_disk_targets (xmlNode *devices, GError **error)
{
  static const char *const prefixes[] = { "xvd", "ubd", "hd", "sd", "vd", "fd" };

  for (xmlNode *disk = vb_xml_child (devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    {
      xmlNode *target = vb_xml_child (disk, "target");
      g_autofree char *dev = target ? vb_xml_attr (target, "dev") : NULL;

      if (!dev)
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
        if (g_str_has_prefix (dev, prefixes[i]))
          {
            const char *letters = dev + strlen (prefixes[i]);
            gsize count = 0;

            while (g_ascii_islower (letters[count]))
              count++;
            if (count > DISK_TARGET_LETTERS_MAX)
              return vb_xml_invalid (
                error, target, "disk target '%s' names no disk: more than %d letters after '%s'",
                dev, DISK_TARGET_LETTERS_MAX, prefixes[i]);
            break;
          }
    }
  return TRUE;
}

/* A reconnecting socket tries again every timeout seconds: 0 would spin. */
static gboolean
check_reconnect_timeouts (xmlNode *node, GError **error)
{
  for (xmlNode *child = node->children; child; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (g_str_equal ((const char *) child->name, "reconnect")
          && vb_xml_attr_is (child, "enabled", "yes") && vb_xml_attr_is (child, "timeout", "0"))
        return vb_xml_invalid (error, child, "a reconnect timeout is at least 1 second");
      if (!check_reconnect_timeouts (child, error))
        return FALSE;
    }
  return TRUE;
}

/* <ps2 state='off'> removes the i8042 controller: no PS/2 input (an x86
 * mouse or keyboard without bus= is PS/2) and no vmport, which is part of
 * it. */
static gboolean
check_ps2_off (xmlNode *root, xmlNode *devices, GError **error)
{
  xmlNode *features = vb_xml_child (root, "features");
  xmlNode *ps2 = vb_xml_child (features, "ps2");
  xmlNode *vmport = vb_xml_child (features, "vmport");

  if (!vb_xml_attr_is (ps2, "state", "off"))
    return TRUE;
  if (vb_xml_attr_is (vmport, "state", "on"))
    return vb_xml_invalid (error, vmport,
                           "vmport is part of the i8042 controller that <ps2 state='off'> removes");
  for (xmlNode *input = vb_xml_child (devices, "input"); input; input = vb_xml_next (input, "input"))
    {
      g_autofree char *bus = vb_xml_attr (input, "bus");
      gboolean pointer_or_keyboard =
        vb_xml_attr_is (input, "type", "mouse") || vb_xml_attr_is (input, "type", "keyboard");

      if (pointer_or_keyboard && (!bus || g_str_equal (bus, "ps2")))
        return vb_xml_invalid (error, input,
                               "a PS/2 input needs the i8042 controller that <ps2 state='off'> "
                               "removes");
    }
  return TRUE;
}

/* The root of the PCI tree is the machine's own: it has no address. */
static gboolean
check_pci_root (xmlNode *devices, GError **error)
{
  for (xmlNode *node = vb_xml_child (devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    if (vb_xml_attr_is (node, "type", "pci")
        && (vb_xml_attr_is (node, "model", "pci-root") || vb_xml_attr_is (node, "model", "pcie-root"))
        && vb_xml_child (node, "address"))
      return vb_xml_invalid (error, vb_xml_child (node, "address"),
                             "the PCI root bus is the machine's own: it has no <address>");
  return TRUE;
}

/* One mediated device (by its UUID) is given to one <hostdev>. */
static gboolean
check_mdev_once (xmlNode *devices, GError **error)
{
  g_autoptr (GHashTable) uuids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (xmlNode *node = vb_xml_child (devices, "hostdev"); node; node = vb_xml_next (node, "hostdev"))
    {
      xmlNode *address = vb_xml_child (vb_xml_child (node, "source"), "address");
      char *uuid = vb_xml_attr_is (node, "type", "mdev") ? vb_xml_attr (address, "uuid") : NULL;

      if (uuid && !g_hash_table_add (uuids, g_ascii_strdown (uuid, -1)))
        {
          g_autofree char *named = uuid;

          return vb_xml_invalid (error, address, "mediated device %s is given to two <hostdev>s",
                                 named);
        }
      g_free (uuid);
    }
  return TRUE;
}

/* SMBIOS's BIOS release date is mm/dd/yy or mm/dd/yyyy. */
static gboolean
check_smbios_date (xmlNode *root, GError **error)
{
  for (xmlNode *sysinfo = vb_xml_child (root, "sysinfo"); sysinfo;
       sysinfo = vb_xml_next (sysinfo, "sysinfo"))
    for (xmlNode *entry = vb_xml_child (vb_xml_child (sysinfo, "bios"), "entry"); entry;
         entry = vb_xml_next (entry, "entry"))
      {
        g_autofree char *date = vb_xml_attr_is (entry, "name", "date") ? vb_xml_text (entry) : NULL;
        guint month = 0, day = 0, year = 0;
        int used = 0;

        if (!date)
          continue;
        if (sscanf (date, "%2u/%2u/%4u%n", &month, &day, &year, &used) != 3
            || (size_t) used != strlen (date) || month < 1 || month > 12 || day < 1 || day > 31
            || (strlen (date) != 8 && strlen (date) != 10))
          return vb_xml_invalid (error, entry,
                                 "the BIOS date '%s' is not mm/dd/yy or mm/dd/yyyy", date);
      }
  return TRUE;
}

gboolean
vb_domain_device_rules_check (xmlNode *root, GError **error)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  if (!check_smbios_date (root, error) || !check_ps2_off (root, devices, error))
    return FALSE;
  if (!devices)
    return TRUE;
  return check_usb_ports (devices, error) && check_video_none (devices, error)
         && check_disk_targets (devices, error) && check_reconnect_timeouts (devices, error)
         && check_pci_root (devices, error) && check_mdev_once (devices, error);
}
