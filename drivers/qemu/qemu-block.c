#include "qemu-block.h"

#include <string.h>

#include "qmp-client.h"

char *
vb_qemu_disk_device_id (VbDomain *domain, const char *target)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (GPtrArray) disks = live ? vb_domain_xml_list_disks (live->xml, NULL) : NULL;

  for (guint i = 0; disks && i < disks->len; i++)
    {
      VbDomainDisk *disk = disks->pdata[i];
      if (g_strcmp0 (disk->target, target) == 0 && disk->alias)
        return g_strdup (disk->alias);
    }
  return g_strdup_printf ("disk-%s", target);
}

/* query-block's "qdev" is the device's id when the block backend hangs on it
 * directly (ide-hd), else the path of the device under it
 * ("/machine/peripheral/<id>/virtio-backend"). */
static gboolean
is_device (const char *qdev, const char *id)
{
  g_autofree char *prefix = g_strdup_printf ("/machine/peripheral/%s/", id);
  gsize qdev_len = qdev ? strlen (qdev) : 0;
  gsize id_len = strlen (id);

  return qdev
         && (g_str_equal (qdev, id) || g_str_has_prefix (qdev, prefix)
             || (qdev_len > id_len && g_str_has_suffix (qdev, id)
                 && qdev[qdev_len - id_len - 1] == '/'));
}

JsonObject *
vb_qemu_block_inserted (JsonNode *reply, const char *device_id)
{
  JsonArray *blocks = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;

  for (guint i = 0; blocks && i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);

      if (block && is_device (vb_qmp_member_string (block, "qdev"), device_id))
        return vb_qmp_member_object (block, "inserted");
    }
  return NULL;
}
