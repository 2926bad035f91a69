/* Domain.Rename. The name is claimed in the inventory before the new
 * definition is written, as a define claims it, so a define of that name
 * meanwhile sees the clash; a failed write gives the old name back. */
#include "rename-api.h"

#include "domain-def-edit.h"
#include "domain-kind.h"
#include "vb-error.h"
#include "vb-log.h"

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  char *new_name;
  char *old_name;
  VbDomainDef *old_def; /* a copy, to give back when the write fails */
  VbDomainDef *new_def;
} Rename;

static void
rename_free (Rename *r)
{
  g_clear_object (&r->domain);
  g_free (r->new_name);
  g_free (r->old_name);
  vb_domain_def_free (r->old_def);
  vb_domain_def_free (r->new_def);
  g_free (r);
}

static void
finish (GTask *task, GError *error)
{
  Rename *r = g_task_get_task_data (task);

  vb_resource_api_release (r->host, vb_domain_api_kind (), VB_RESOURCE (r->domain));
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* libvirt's checks and messages (virDomainObjListRename, qemuDomainRename). */
static gboolean
check_renamable (Rename *r, GError **error)
{
  VbResource *resource = VB_RESOURCE (r->domain);
  VbResource *holder =
    vb_inventory_lookup_name (vb_driver_host_get_inventory (r->host), VB_TYPE_DOMAIN, r->new_name);

  if (!vb_resource_get_persistent (resource))
    g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                 "Cannot rename domain '%s': it is transient", vb_resource_get_name (resource));
  else if (vb_domain_is_active (r->domain))
    g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                 "Cannot rename domain '%s': it is active (state %s); only a shut-off domain "
                 "can be renamed",
                 vb_resource_get_name (resource),
                 vb_domain_state_to_string (vb_domain_get_state (r->domain)));
  else if (g_strcmp0 (vb_resource_get_name (resource), r->new_name) == 0)
    g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                 "Cannot rename domain '%s' to its own name", r->new_name);
  else if (holder)
    g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                 "domain with name '%s' already exists (UUID %s)", r->new_name,
                 vb_resource_get_uuid (holder));
  else
    return TRUE;
  return FALSE;
}

static void
saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Rename *r = g_task_get_task_data (task);
  VbInventory *inventory = vb_driver_host_get_inventory (r->host);
  VbResource *resource = VB_RESOURCE (r->domain);
  GError *error = NULL;

  if (!vb_config_store_finish (vb_driver_host_get_store (r->host), result, &error))
    {
      /* The file still has the old name: so has the domain again, unless a
       * define took that name meanwhile (then the next start sorts it out). */
      if (!vb_inventory_lookup_name (inventory, VB_TYPE_DOMAIN, r->old_name))
        {
          vb_domain_set_def (r->domain, g_steal_pointer (&r->old_def));
          vb_inventory_rename (inventory, resource, r->new_name);
        }
      finish (task, error);
      return;
    }
  vb_log_info (vb_resource_get_log_name (resource), "renamed from '%s'", r->old_name);
  /* As libvirt: the old name goes, the new one comes. */
  vb_domain_emit_lifecycle (r->domain, "undefined", "renamed");
  vb_domain_emit_lifecycle (r->domain, "defined", "renamed");
  finish (task, NULL);
}

static void
parsed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Rename *r = g_task_get_task_data (task);
  VbResource *resource = VB_RESOURCE (r->domain);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)
      /* The inventory may have changed while the definition was parsed. */
      || !check_renamable (r, &error))
    {
      finish (task, error);
      return;
    }
  r->old_name = g_strdup (vb_resource_get_name (resource));
  vb_domain_set_def (r->domain, g_steal_pointer (&r->new_def));
  vb_inventory_rename (vb_driver_host_get_inventory (r->host), resource, r->old_name);
  vb_config_store_save_async (vb_driver_host_get_store (r->host), vb_domain_api_kind ()->store_kind,
                              vb_resource_get_uuid (resource), vb_domain_get_def (r->domain)->xml,
                              saved, task);
}

static void
parse_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Rename *r = task_data;
  GError *error = NULL;

  r->new_def = vb_domain_def_with_name (r->old_def, r->new_name, FALSE, &error);
  if (!r->new_def)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
locked (GTask *task, VbResource *resource)
{
  Rename *r = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GTask) parse = NULL;

  if (!check_renamable (r, &error))
    {
      finish (task, error);
      return;
    }
  r->old_def = vb_domain_def_copy (vb_domain_get_def (r->domain));
  parse = g_task_new (NULL, NULL, parsed, task);
  g_task_set_task_data (parse, r, NULL);
  g_task_run_in_thread (parse, parse_in_thread);
}

void
vb_rename_api_rename_async (VbDriverHost *host, VbDomain *domain, const char *new_name, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  Rename *r = g_new0 (Rename, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, vb_rename_api_rename_async);
  r->host = host;
  r->domain = g_object_ref (domain);
  r->new_name = g_strdup (new_name);
  g_task_set_task_data (task, r, (GDestroyNotify) rename_free);
  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (domain), "rename",
                                  vb_check_flags (flags, 0, &error), &error, locked);
}

gboolean
vb_rename_api_rename_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_rename_api_rename_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
