/* <memtune> and <blkiotune> checks (see domain-limits.h). */
#include "domain-limits.h"

#include "xml-schema.h"

/* One <memtune> value in KiB (0 when absent), written back in KiB. Only a
 * soft limit may be 0 (the cgroup is reclaimed first under pressure); a
 * hard limit of 0 would leave QEMU no memory at all. */
static gboolean
memtune_kib (xmlNode *memtune, const char *name, guint64 *kib, GError **error)
{
  gboolean zero_allowed = g_str_equal (name, "soft_limit");
  xmlNode *node = vb_xml_child (memtune, name);
  g_autofree char *text = NULL;
  guint64 bytes = 0;

  *kib = 0;
  if (!node)
    return TRUE;
  if (!vb_xml_scaled_bytes (node, "KiB", &bytes, error))
    return FALSE;
  *kib = MIN (bytes / 1024, VB_DOMAIN_MEMTUNE_UNLIMITED);
  if (*kib == 0 && !zero_allowed)
    return vb_xml_invalid (error, node, "the limit must be at least 1 KiB");
  text = g_strdup_printf ("%" G_GUINT64_FORMAT, *kib);
  vb_xml_set_text (node, text);
  xmlSetProp (node, BAD_CAST "unit", BAD_CAST "KiB");
  return TRUE;
}

static gboolean
check_memtune (xmlNode *root, GError **error)
{
  xmlNode *memtune = vb_xml_child (root, "memtune");
  guint64 hard, soft, swap;

  if (!memtune)
    return TRUE;
  if (!memtune_kib (memtune, "hard_limit", &hard, error)
      || !memtune_kib (memtune, "soft_limit", &soft, error)
      || !memtune_kib (memtune, "swap_hard_limit", &swap, error))
    return FALSE;
  /* As libvirt: memory plus swap cannot be less than memory alone. */
  if (swap && hard && swap < hard)
    return vb_xml_invalid (error, vb_xml_child (memtune, "swap_hard_limit"),
                           "swap_hard_limit (memory and swap) is less than hard_limit");
  return TRUE;
}

static gboolean
weight_in_range (xmlNode *node, guint64 min, GError **error)
{
  g_autofree char *text = node ? vb_xml_text (node) : NULL;
  guint64 weight = 0;

  if (!node)
    return TRUE;
  /* cgroup v1's blkio weights (libvirt's range). */
  if (!vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &weight) || weight < min || weight > 1000)
    return vb_xml_invalid (error, node, "a weight is between %" G_GUINT64_FORMAT " and 1000", min);
  return TRUE;
}

static gboolean
check_blkiotune (xmlNode *root, GError **error)
{
  xmlNode *blkiotune = vb_xml_child (root, "blkiotune");
  g_autoptr (GHashTable) paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!weight_in_range (vb_xml_child (blkiotune, "weight"), 100, error))
    return FALSE;
  for (xmlNode *device = vb_xml_child (blkiotune, "device"); device;
       device = vb_xml_next (device, "device"))
    {
      xmlNode *path_node = vb_xml_child (device, "path");
      g_autofree char *path = path_node ? vb_xml_text (path_node) : NULL;

      if (!path)
        return vb_xml_invalid (error, device, "missing element <path>");
      if (!g_path_is_absolute (path))
        return vb_xml_invalid (error, path_node, "the path of a host block device is absolute");
      if (!g_hash_table_add (paths, g_steal_pointer (&path)))
        return vb_xml_invalid (error, device, "a second <device> for the same path");
      /* A device weight of 0 takes the device's own weight away. */
      if (!weight_in_range (vb_xml_child (device, "weight"), 0, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
vb_domain_limits_check (xmlNode *root, GError **error)
{
  return check_memtune (root, error) && check_blkiotune (root, error);
}
