/* Simulated domain actions: the keyboard takes any key, the balloon and the
 * vCPUs follow at once, a drive's medium changes at once; each live change
 * makes the new live definition the domain's, as a guest that complied, and
 * the guest's events follow as QEMU's would: the balloon's new size, the
 * tray opening and closing (named by the drive's target: simulated drives
 * have no QEMU id). */
#include "test-driver.h"

void
vb_test_send_key_async (VbDriverHost *host, VbDomain *domain, const guint *qnums, guint n_keys,
                        guint holdtime_ms, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);

  g_task_set_source_tag (task, vb_test_send_key_async);
  g_task_return_boolean (task, TRUE);
}

gboolean
vb_test_send_key_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_test_send_key_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Every live change of the simulated guest: it takes the definition at once. */
static void
apply_live (VbDomain *domain, const VbDomainDef *changed, gpointer tag,
            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);

  g_task_set_source_tag (task, tag);
  vb_domain_set_live_def (domain, vb_domain_def_copy (changed));
  g_task_return_boolean (task, TRUE);
}

void
vb_test_set_memory_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  apply_live (domain, changed, vb_test_set_memory_async, callback, user_data);
  vb_domain_emit_balloon_change (domain, changed->current_memory_kib);
}

gboolean
vb_test_set_memory_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_test_set_memory_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_test_set_vcpus_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  apply_live (domain, changed, vb_test_set_vcpus_async, callback, user_data);
}

gboolean
vb_test_set_vcpus_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_test_set_vcpus_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_test_change_media_async (VbDriverHost *host, VbDomain *domain, const char *target,
                            const VbDomainDef *changed, gboolean force,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  apply_live (domain, changed, vb_test_change_media_async, callback, user_data);
  vb_domain_emit_tray_change (domain, target, 0);
  vb_domain_emit_tray_change (domain, target, 1);
}

gboolean
vb_test_change_media_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_test_change_media_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The simulated guest's disks take their limits at once; GetBlockIoTune
 * then reads them from the live definition. */
void
vb_test_set_block_iotune_async (VbDriverHost *host, VbDomain *domain, const char *target,
                                const VbDomainDef *changed, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  apply_live (domain, changed, vb_test_set_block_iotune_async, callback, user_data);
}

gboolean
vb_test_set_block_iotune_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_test_set_block_iotune_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
