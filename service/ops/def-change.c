/* The shared sequence of SetMemory, SetVcpus and UpdateDevice: flags, lock,
 * checks, new definitions in a worker thread, the running guest, then the
 * stored definition, as AttachDevice does it (device-api.c). */
#include "def-change.h"

#include "domain-kind.h"
#include "vb-error.h"
#include "vb-log.h"

struct _VbDefChange {
  const VbDefChangeClass *klass;
  VbDriverHost *host;
  VbDomain *domain;
  guint flags;
  gpointer args;
  GDestroyNotify free_args;
  gboolean live;
  gboolean config;
  VbDomainDef *live_def; /* copies as the lock was taken */
  VbDomainDef *config_def;
  VbDomainDef *new_live; /* made in the worker thread */
  VbDomainDef *new_config;
};

static void
change_free (VbDefChange *change)
{
  g_clear_object (&change->domain);
  if (change->free_args)
    change->free_args (change->args);
  vb_domain_def_free (change->live_def);
  vb_domain_def_free (change->config_def);
  vb_domain_def_free (change->new_live);
  vb_domain_def_free (change->new_config);
  g_free (change);
}

VbDriverHost *
vb_def_change_host (VbDefChange *change)
{
  return change->host;
}

VbDomain *
vb_def_change_domain (VbDefChange *change)
{
  return change->domain;
}

const VbDomainDriver *
vb_def_change_driver (VbDefChange *change)
{
  return vb_domain_api_driver (change->host, change->domain);
}

gpointer
vb_def_change_args (VbDefChange *change)
{
  return change->args;
}

guint
vb_def_change_flags (VbDefChange *change)
{
  return change->flags;
}

gboolean
vb_def_change_live (VbDefChange *change)
{
  return change->live;
}

gboolean
vb_def_change_config (VbDefChange *change)
{
  return change->config;
}

const VbDomainDef *
vb_def_change_live_def (VbDefChange *change)
{
  return change->live_def;
}

const VbDomainDef *
vb_def_change_config_def (VbDefChange *change)
{
  return change->config_def;
}

static void
finish (GTask *task, GError *error)
{
  VbDefChange *change = g_task_get_task_data (task);

  vb_resource_api_release (change->host, vb_domain_api_kind (), VB_RESOURCE (change->domain));
  if (error)
    {
      g_task_return_error (task, error);
    }
  else
    {
      g_autofree char *described = change->klass->describe (change);

      vb_log_info (vb_resource_get_log_name (VB_RESOURCE (change->domain)), "%s%s%s", described,
                   change->live ? " (live)" : "", change->config ? " (config)" : "");
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

static void
config_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  VbDefChange *change = g_task_get_task_data (task);
  const VbResourceKind *kind = vb_domain_api_kind ();
  GError *error = NULL;

  if (!vb_config_store_finish (vb_driver_host_get_store (change->host), result, &error))
    {
      finish (task, error);
      return;
    }
  kind->set_def (VB_RESOURCE (change->domain), g_steal_pointer (&change->new_config));
  kind->defined (VB_RESOURCE (change->domain), FALSE);
  finish (task, NULL);
}

static void
change_config (GTask *task)
{
  VbDefChange *change = g_task_get_task_data (task);

  if (!change->config)
    {
      finish (task, NULL);
      return;
    }
  vb_config_store_save_async (vb_driver_host_get_store (change->host),
                              vb_domain_api_kind ()->store_kind,
                              vb_resource_get_uuid (VB_RESOURCE (change->domain)),
                              change->new_config->xml, config_saved, task);
}

static void
live_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  VbDefChange *change = g_task_get_task_data (task);
  GError *error = NULL;

  if (!change->klass->live_finish (change, result, &error))
    {
      finish (task, error);
      return;
    }
  change_config (task);
}

static void
edited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  VbDefChange *change = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      finish (task, error);
      return;
    }
  /* What the driver would refuse at the next start is refused now, as a define does. */
  if (change->config
      && !vb_domain_api_kind ()->select_driver (change->host, change->new_config, &error))
    {
      finish (task, error);
      return;
    }
  if (!change->live)
    {
      change_config (task);
      return;
    }
  /* The guest may have stopped while the definitions were made. */
  if (!vb_domain_api_require_active (change->domain, change->klass->action, &error))
    {
      finish (task, error);
      return;
    }
  change->klass->live_async (change, change->new_live, live_done, task);
}

static void
edit_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VbDefChange *change = task_data;
  GError *error = NULL;

  if (change->live
      && !(change->new_live = change->klass->edit (change, change->live_def, TRUE, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  if (change->config
      && !(change->new_config = change->klass->edit (change, change->config_def, FALSE, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
locked (GTask *task, VbResource *resource)
{
  VbDefChange *change = g_task_get_task_data (task);
  const VbDomainDriver *driver = vb_def_change_driver (change);
  GError *error = NULL;
  g_autoptr (GTask) edit = NULL;

  if (!vb_domain_api_affected (change->domain, change->flags, change->klass->action, &change->live,
                               &change->config, &error))
    {
      finish (task, error);
      return;
    }
  if (change->live && !change->klass->driver_can (driver))
    {
      finish (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                 "The %s driver cannot %s a running domain", driver->name,
                                 change->klass->action));
      return;
    }
  if (change->live)
    change->live_def = vb_domain_def_copy (vb_domain_get_live_def (change->domain));
  if (change->config)
    change->config_def = vb_domain_def_copy (vb_domain_get_def (change->domain));
  if (change->klass->check && !change->klass->check (change, &error))
    {
      finish (task, error);
      return;
    }
  edit = g_task_new (NULL, NULL, edited, task);
  g_task_set_task_data (edit, change, NULL);
  g_task_run_in_thread (edit, edit_in_thread);
}

void
vb_def_change_run (const VbDefChangeClass *klass, VbDriverHost *host, VbDomain *domain, guint flags,
                   gpointer args, GDestroyNotify free_args, GAsyncReadyCallback callback,
                   gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  VbDefChange *change = g_new0 (VbDefChange, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, vb_def_change_run);
  change->klass = klass;
  change->host = host;
  change->domain = g_object_ref (domain);
  change->flags = flags;
  change->args = args;
  change->free_args = free_args;
  g_task_set_task_data (task, change, (GDestroyNotify) change_free);
  vb_resource_api_lock_or_refuse (
    task, VB_RESOURCE (domain), klass->what,
    vb_check_flags (flags, VB_DEVICE_AFFECT_LIVE | VB_DEVICE_AFFECT_CONFIG | klass->flags, &error),
    &error, locked);
}

gboolean
vb_def_change_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_def_change_run), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
