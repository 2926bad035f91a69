/* <iotune> on the block backend of a disk's device: QEMU's legacy
 * throttling, which block_set_io_throttle sets and query-block shows (what
 * libvirt does with -blockdev too); a group_name puts disks in one
 * throttle group that shares the limits. */
#include "qemu-iotune.h"

#include "qemu-block.h"
#include "qemu-command.h"
#include "qemu-domain-private.h"
#include "qemu-plug.h"
#include "vb-error.h"
#include "xml-schema.h"

char *
vb_qemu_iotune_device (xmlNode *disk, const char *id)
{
  xmlNode *target = vb_xml_child (disk, "target");
  g_autofree char *bus = vb_xml_attr (target, "bus");
  g_autofree char *dev = vb_xml_attr (target, "dev");

  if (g_strcmp0 (bus, "virtio") == 0 || (!bus && g_str_has_prefix (dev, "vd")))
    return g_strdup_printf ("/machine/peripheral/%s/virtio-backend", id);
  return g_strdup (id);
}

JsonObject *
vb_qemu_iotune_args (const char *device_id, const VbDiskIoTune *tune)
{
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, "id", device_id);
  /* The six rates are required; the others only when set (a burst length
   * of 0 is an error to QEMU). */
  for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
    if (i <= VB_IOTUNE_WRITE_IOPS_SEC || tune->values[i])
      json_object_set_int_member (args, vb_iotune_qmp_names[i], (gint64) tune->values[i]);
  if (tune->group_name)
    json_object_set_string_member (args, "group", tune->group_name);
  return args;
}

void
vb_qemu_iotune_from_inserted (JsonObject *inserted, VbDiskIoTune *tune)
{
  const char *group = vb_qmp_member_string (inserted, "group");

  memset (tune, 0, sizeof *tune);
  for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
    tune->values[i] = (guint64) MAX (vb_qmp_member_int (inserted, vb_iotune_qmp_names[i], 0), 0);
  /* QEMU reports a burst length of 1 (its default) for every maximum. */
  for (guint i = VB_IOTUNE_TOTAL_BYTES_SEC_MAX_LENGTH; i < VB_IOTUNE_N_VALUES; i++)
    if (!tune->values[i - VB_IOTUNE_TOTAL_BYTES_SEC_MAX_LENGTH + VB_IOTUNE_TOTAL_BYTES_SEC_MAX])
      tune->values[i] = 0;
  tune->group_name = group && vb_disk_iotune_limits (tune) ? g_strdup (group) : NULL;
}


static void
throttled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VbDomain *domain = g_task_get_source_object (task);
  const VbDomainDef *changed = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  QemuDomain *qd = reply ? vb_qemu_domain_running (domain, &error) : NULL;

  if (!qd)
    {
      g_prefix_error (&error, "QEMU refused the I/O limits: ");
      g_task_return_error (task, error);
      return;
    }
  vb_qemu_plug_set_live_def (qd, vb_domain_def_copy (changed));
  g_task_return_boolean (task, TRUE);
}

void
vb_qemu_set_block_iotune_async (VbDriverHost *host, VbDomain *domain, const char *target,
                                const VbDomainDef *changed, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);
  g_autoptr (JsonObject) args = NULL;
  g_autofree char *id = NULL;
  VbDiskIoTune tune = { 0 };
  GError *error = NULL;
  QemuDomain *qd = vb_qemu_domain_running (domain, &error);

  g_task_set_source_tag (task, vb_qemu_set_block_iotune_async);
  if (!qd || !vb_domain_def_iotune (changed, target, &tune, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, vb_domain_def_copy (changed), (GDestroyNotify) vb_domain_def_free);
  id = vb_qemu_disk_device_id (domain, target);
  {
    g_autoptr (xmlDoc) doc = vb_xml_parse (changed->xml, "domain", NULL);
    xmlNode *disk = doc ? vb_disk_iotune_find_disk (xmlDocGetRootElement (doc), target) : NULL;
    g_autofree char *device = disk ? vb_qemu_iotune_device (disk, id) : g_strdup (id);

    args = vb_qemu_iotune_args (device, &tune);
  }
  vb_disk_iotune_clear (&tune);
  vb_qmp_client_execute_async (qd->qmp, "block_set_io_throttle", args, -1, NULL, throttled,
                               g_steal_pointer (&task));
}

gboolean
vb_qemu_set_block_iotune_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_set_block_iotune_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
tune_free (VbDiskIoTune *tune)
{
  vb_disk_iotune_clear (tune);
  g_free (tune);
}

static void
got_blocks (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const char *id = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  JsonObject *inserted;
  VbDiskIoTune *tune;

  if (!reply)
    {
      g_task_return_error (task, error);
      return;
    }
  /* A drive without a medium has no limits. */
  inserted = vb_qemu_block_inserted (reply, id);
  tune = g_new0 (VbDiskIoTune, 1);
  if (inserted)
    vb_qemu_iotune_from_inserted (inserted, tune);
  g_task_return_pointer (task, tune, (GDestroyNotify) tune_free);
}

void
vb_qemu_get_block_iotune_async (VbDriverHost *host, VbDomain *domain, const char *target,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);
  GError *error = NULL;
  QemuDomain *qd = vb_qemu_domain_running (domain, &error);

  g_task_set_source_tag (task, vb_qemu_get_block_iotune_async);
  if (!qd)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, vb_qemu_disk_device_id (domain, target), g_free);
  vb_qmp_client_execute_async (qd->qmp, "query-block", NULL, -1, NULL, got_blocks,
                               g_steal_pointer (&task));
}

gboolean
vb_qemu_get_block_iotune_finish (VbDomain *domain, GAsyncResult *result, VbDiskIoTune *tune,
                                 GError **error)
{
  VbDiskIoTune *got;

  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_get_block_iotune_async), FALSE);
  got = g_task_propagate_pointer (G_TASK (result), error);
  if (!got)
    return FALSE;
  *tune = *got;
  g_free (got);
  return TRUE;
}
