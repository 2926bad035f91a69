/* Domain.SendKey (QMP send-key) and SetMemory LIVE (QMP balloon): one
 * command each. */
#include "qemu-actions.h"

#include "qemu-domain-private.h"
#include "qemu-plug.h"
#include "vb-error.h"
#include "xml-schema.h"

/* ---- keys ---- */

static void
keys_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
vb_qemu_send_key_async (VbDriverHost *host, VbDomain *domain, const guint *qnums, guint n_keys,
                        guint holdtime_ms, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);
  g_autoptr (JsonObject) args = json_object_new ();
  JsonArray *keys = json_array_new ();
  GError *error = NULL;
  QemuDomain *qd = vb_qemu_domain_running (domain, &error);

  g_task_set_source_tag (task, vb_qemu_send_key_async);
  if (!qd)
    {
      json_array_unref (keys);
      g_task_return_error (task, error);
      return;
    }
  /* "number" is the qnum of the key, what libvirt sends too. */
  for (guint i = 0; i < n_keys; i++)
    {
      JsonObject *key = json_object_new ();

      json_object_set_string_member (key, "type", "number");
      json_object_set_int_member (key, "data", qnums[i]);
      json_array_add_object_element (keys, key);
    }
  json_object_set_array_member (args, "keys", keys);
  if (holdtime_ms)
    json_object_set_int_member (args, "hold-time", holdtime_ms);
  vb_qmp_client_execute_async (qd->qmp, "send-key", args, -1, NULL, keys_sent,
                               g_steal_pointer (&task));
}

gboolean
vb_qemu_send_key_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_send_key_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the balloon ---- */

/* Whether @def gives the guest a balloon QEMU can drive (the command line
 * has one only for <memballoon model='virtio'>). */
static gboolean
has_balloon (const VbDomainDef *def)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", NULL);
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;

  return vb_xml_attr_is (vb_xml_child (devices, "memballoon"), "model", "virtio");
}

static void
ballooned (GObject *source, GAsyncResult *result, gpointer user_data)
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
      g_task_return_error (task, error);
      return;
    }
  /* The target is set; the guest gives memory back at its pace (GetStats'
   * balloon.current shows how far it got). */
  vb_qemu_plug_set_live_def (qd, vb_domain_def_copy (changed));
  g_task_return_boolean (task, TRUE);
}

void
vb_qemu_set_memory_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);
  g_autoptr (JsonObject) args = json_object_new ();
  GError *error = NULL;
  QemuDomain *qd = vb_qemu_domain_running (domain, &error);

  g_task_set_source_tag (task, vb_qemu_set_memory_async);
  if (!qd)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!has_balloon (changed))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Cannot change the memory of running domain '%s': it has no "
                               "balloon device (<memballoon model='virtio'/>)",
                               vb_resource_get_name (VB_RESOURCE (domain)));
      return;
    }
  g_task_set_task_data (task, vb_domain_def_copy (changed), (GDestroyNotify) vb_domain_def_free);
  json_object_set_int_member (args, "value", (gint64) changed->current_memory_kib * 1024);
  vb_qmp_client_execute_async (qd->qmp, "balloon", args, -1, NULL, ballooned,
                               g_steal_pointer (&task));
}

gboolean
vb_qemu_set_memory_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_set_memory_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
