/* Simulated device hotplug: the live definition changes at once, as if the
 * guest took and released every device immediately. */
#include "test-driver.h"

#include "vb-error.h"

static void
change_live (VbDomain *domain, const VbDomainDevice *device, gboolean attach, GTask *task)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  GError *error = NULL;
  VbDomainDef *changed = NULL;

  if (live)
    changed = attach ? vb_domain_def_add_device (live, device, &error)
                     : vb_domain_def_remove_device (live, device, "live", &error);
  else
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is not running",
                         vb_resource_get_name (VB_RESOURCE (domain)));
  if (!changed)
    {
      g_task_return_error (task, error);
      return;
    }
  vb_domain_set_live_def (domain, changed);
  g_task_return_boolean (task, TRUE);
}

void
vb_test_attach_device_async (VbDriverHost *host, VbDomain *domain, const VbDomainDevice *device,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);

  change_live (domain, device, TRUE, task);
}

void
vb_test_detach_device_async (VbDriverHost *host, VbDomain *domain, const VbDomainDevice *device,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);

  change_live (domain, device, FALSE, task);
}

gboolean
vb_test_device_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
