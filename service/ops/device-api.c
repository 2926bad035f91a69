#include "device-api.h"

#include "domain-kind.h"
#include "resource-api.h"
#include "vb-error.h"
#include "vb-log.h"

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  char *xml;
  gboolean attach;
  gboolean live;
  gboolean config;
  VbDomainDef *config_def; /* the persistent definition, then the changed one */
  VbDomainDef *live_def;   /* a copy of the live definition, for the checks */
  VbDomainDevice *device;
  gboolean locked;
} DeviceData;

static void
device_data_free (DeviceData *data)
{
  g_clear_object (&data->domain);
  g_free (data->xml);
  vb_domain_def_free (data->config_def);
  vb_domain_def_free (data->live_def);
  vb_domain_device_free (data->device);
  g_free (data);
}

static const VbDomainDriver *
driver_of (DeviceData *data)
{
  return vb_domain_api_driver (data->host, data->domain);
}

/* Ends the call: releases the lock and answers. */
static void
finish (GTask *task, GError *error)
{
  DeviceData *data = g_task_get_task_data (task);

  if (data->locked)
    vb_resource_api_release (data->host, vb_domain_api_kind (), VB_RESOURCE (data->domain));
  data->locked = FALSE;
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* ---- checks, off the main loop: a domain's XML may be large ---- */

static void
check_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DeviceData *data = task_data;
  GError *error = NULL;

  data->device = data->attach ? vb_domain_device_parse (data->xml, &error)
                              : vb_domain_device_parse_match (data->xml, &error);
  if (!data->device)
    {
      g_task_return_error (task, error);
      return;
    }
  /* A disk named by its alias: its target, for the block-copy check. */
  if (!data->attach && data->device->kind == VB_DEVICE_DISK && !data->device->target)
    {
      const VbDomainDef *def = data->live ? data->live_def : data->config_def;
      g_autoptr (VbDomainDevice) found = def ? vb_domain_def_find_device (def, data->device) : NULL;

      if (found)
        data->device->target = g_strdup (found->target);
    }
  if (data->live)
    {
      g_autoptr (VbDomainDef) changed = NULL;

      /* The same edit the driver makes, to refuse a clash or a missing
       * device before the guest is touched. */
      changed = data->attach
                  ? vb_domain_def_add_device (data->live_def, data->device, &error)
                  : vb_domain_def_remove_device (data->live_def, data->device, "live", &error);
      if (!changed)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  if (data->config)
    {
      VbDomainDef *changed =
        data->attach
          ? vb_domain_def_add_device (data->config_def, data->device, &error)
          : vb_domain_def_remove_device (data->config_def, data->device, "persistent", &error);

      if (!changed)
        {
          g_task_return_error (task, error);
          return;
        }
      vb_domain_def_free (data->config_def);
      data->config_def = changed;
    }
  g_task_return_boolean (task, TRUE);
}

/* ---- the persistent definition ---- */

static void
config_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DeviceData *data = g_task_get_task_data (task);
  const VbResourceKind *kind = vb_domain_api_kind ();
  GError *error = NULL;
  g_autofree char *described = vb_domain_device_describe (data->device);

  if (!vb_config_store_finish (vb_driver_host_get_store (data->host), result, &error))
    {
      finish (task, error);
      return;
    }
  kind->set_def (VB_RESOURCE (data->domain), g_steal_pointer (&data->config_def));
  vb_log_info (vb_resource_get_log_name (VB_RESOURCE (data->domain)), "%s %s the definition",
               described, data->attach ? "added to" : "removed from");
  kind->defined (VB_RESOURCE (data->domain), FALSE);
  finish (task, NULL);
}

static void
change_config (GTask *task)
{
  DeviceData *data = g_task_get_task_data (task);
  const VbResourceKind *kind = vb_domain_api_kind ();

  if (!data->config)
    {
      finish (task, NULL);
      return;
    }
  vb_config_store_save_async (vb_driver_host_get_store (data->host), kind->store_kind,
                              vb_resource_get_uuid (VB_RESOURCE (data->domain)),
                              data->config_def->xml, config_saved, task);
}

/* ---- the running guest ---- */

static void
live_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DeviceData *data = g_task_get_task_data (task);
  const VbDomainDriver *driver = driver_of (data);
  GError *error = NULL;
  gboolean ok = data->attach ? driver->attach_device_finish (data->domain, result, &error)
                             : driver->detach_device_finish (data->domain, result, &error);

  if (!ok)
    {
      finish (task, error);
      return;
    }
  change_config (task);
}

static void
checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DeviceData *data = g_task_get_task_data (task);
  const VbDomainDriver *driver = driver_of (data);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      finish (task, error);
      return;
    }
  if (!data->attach && data->device->kind == VB_DEVICE_DISK
      && !vb_domain_refuse_if_block_copy (data->domain, "Detaching disk", data->device->target,
                                          &error))
    {
      finish (task, error);
      return;
    }
  /* What the driver would refuse at the next start is refused now, as a define does. */
  if (data->config && !vb_domain_api_kind ()->select_driver (data->host, data->config_def, &error))
    {
      finish (task, error);
      return;
    }
  /* The stored definition is what runs, as after a define: an added device
   * gets its address (and what it needs, e.g. a controller) there too. */
  if (data->config && data->attach)
    {
      data->config_def =
        vb_domain_api_complete (data->host, g_steal_pointer (&data->config_def), &error);
      if (!data->config_def)
        {
          finish (task, error);
          return;
        }
    }
  if (!data->live)
    {
      change_config (task);
      return;
    }
  if (data->attach)
    driver->attach_device_async (data->host, data->domain, data->device, live_done, task);
  else
    driver->detach_device_async (data->host, data->domain, data->device, live_done, task);
}

/* Which definitions the flags mean for this domain, as libvirt decides. */
static gboolean
resolve_flags (DeviceData *data, guint flags, GError **error)
{
  VbResource *resource = VB_RESOURCE (data->domain);
  const VbDomainDriver *driver = driver_of (data);
  gboolean active = vb_domain_is_active (data->domain);

  data->live = (flags & VB_DEVICE_AFFECT_LIVE) != 0;
  data->config = (flags & VB_DEVICE_AFFECT_CONFIG) != 0;
  if (flags == VB_DEVICE_AFFECT_CURRENT)
    {
      data->live = active;
      data->config = !active;
    }
  if (data->live && (!active || !vb_domain_get_live_def (data->domain)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Domain '%s' is not running: a live device change (flag LIVE) needs a running "
                   "domain",
                   vb_resource_get_name (resource));
      return FALSE;
    }
  if (data->config && !vb_resource_get_persistent (resource))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Domain '%s' is transient: it has no persistent definition to change (flag "
                   "CONFIG)",
                   vb_resource_get_name (resource));
      return FALSE;
    }
  if (data->live && (!driver || !driver->attach_device_async || !driver->detach_device_async))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "The %s driver cannot change the devices of a running domain",
                   vb_resource_get_driver (resource));
      return FALSE;
    }
  return TRUE;
}

static void
locked (GTask *task, VbResource *resource)
{
  DeviceData *data = g_task_get_task_data (task);
  guint flags = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "vb-flags"));
  GError *error = NULL;
  g_autoptr (GTask) check = NULL;

  data->locked = TRUE;
  if (!resolve_flags (data, flags, &error))
    {
      finish (task, error);
      return;
    }
  if (data->config)
    data->config_def = vb_domain_def_copy (vb_domain_get_def (data->domain));
  if (data->live)
    data->live_def = vb_domain_def_copy (vb_domain_get_live_def (data->domain));
  check = g_task_new (NULL, NULL, checked, task);
  g_task_set_task_data (check, data, NULL);
  g_task_run_in_thread (check, check_in_thread);
}

static void
change_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags, gboolean attach,
              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  DeviceData *data = g_new0 (DeviceData, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, change_async);
  data->host = host;
  data->domain = g_object_ref (domain);
  data->xml = g_strdup (xml);
  data->attach = attach;
  g_task_set_task_data (task, data, (GDestroyNotify) device_data_free);
  g_object_set_data (G_OBJECT (task), "vb-flags", GUINT_TO_POINTER (flags));
  vb_resource_api_lock_or_refuse (
    task, VB_RESOURCE (domain), attach ? "attach device" : "detach device",
    vb_check_flags (flags, VB_DEVICE_AFFECT_LIVE | VB_DEVICE_AFFECT_CONFIG, &error), &error,
    locked);
}

void
vb_device_api_attach_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  change_async (host, domain, xml, flags, TRUE, callback, user_data);
}

void
vb_device_api_detach_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  change_async (host, domain, xml, flags, FALSE, callback, user_data);
}

gboolean
vb_device_api_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
