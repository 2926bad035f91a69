/* Rules between a domain's devices: see domain-device-rules.h. */
#include "domain-device-rules.h"

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

gboolean
vb_domain_device_rules_check (xmlNode *root, GError **error)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  if (!devices)
    return TRUE;
  return check_usb_ports (devices, error) && check_video_none (devices, error)
         && check_disk_targets (devices, error);
}
