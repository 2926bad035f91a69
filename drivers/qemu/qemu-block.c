#include "qemu-block.h"

#include <string.h>

#include "qemu-command.h"
#include "qemu-domain-private.h"
#include "qmp-client.h"
#include "vb-error.h"
#include "vb-process.h"

char *
vb_qemu_disk_device_id (VbDomain *domain, const char *target)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (GPtrArray) disks = live ? vb_domain_xml_list_disks (live->xml, NULL) : NULL;

  for (guint i = 0; disks && i < disks->len; i++)
    {
      VbDomainDisk *disk = disks->pdata[i];
      if (g_strcmp0 (disk->target, target) == 0)
        return vb_qemu_disk_id (disk->alias, target);
    }
  return vb_qemu_disk_id (NULL, target);
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
vb_qemu_block_entry (JsonNode *reply, const char *device_id)
{
  JsonArray *blocks = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;

  for (guint i = 0; blocks && i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);

      if (block && is_device (vb_qmp_member_string (block, "qdev"), device_id))
        return block;
    }
  return NULL;
}

JsonObject *
vb_qemu_block_inserted (JsonNode *reply, const char *device_id)
{
  return vb_qmp_member_object (vb_qemu_block_entry (reply, device_id), "inserted");
}

static void
drop_privileges (gpointer user_data)
{
  vb_user_drop_to (user_data);
}

gboolean
vb_qemu_img_run (const char *const *argv, char **out, GError **error)
{
  g_autoptr (VbUser) user = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_autofree char *line = g_strjoinv (" ", (char **) argv);
  g_auto (GStrv) run = g_strdupv ((char **) argv);
  int status;

  /* As QEMU's user, as QEMU itself: qemu-img makes overlays and copies
   * only where QEMU's user may write, they are that user's, and it reads
   * and changes only images QEMU's user could open. */
  if (!vb_qemu_lookup_user (&user, error))
    return FALSE;
  /* Callers name it "qemu-img"; it runs from its fixed path. */
  if (g_strcmp0 (run[0], "qemu-img") == 0)
    {
      g_free (run[0]);
      run[0] = g_strdup (VB_QEMU_IMG_BINARY);
    }
  if (!g_spawn_sync (NULL, run, NULL, G_SPAWN_DEFAULT, user ? drop_privileges : NULL, user,
                     &stdout_text, &stderr_text, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "%s failed: %s", line,
                   g_strstrip (stderr_text));
      return FALSE;
    }
  if (out)
    *out = g_steal_pointer (&stdout_text);
  return TRUE;
}

static void
img_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (vb_qemu_img_run (data, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
vb_qemu_img_async (const char *const *argv, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_task_data (task, g_strdupv ((char **) argv), (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, img_thread);
}

gboolean
vb_qemu_img_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
