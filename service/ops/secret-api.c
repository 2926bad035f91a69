#include "secret-api.h"

#include "object-paths.h"
#include "vb-error.h"

#define LIST_EPHEMERAL 1u
#define LIST_NO_EPHEMERAL 2u
#define LIST_PRIVATE 4u
#define LIST_NO_PRIVATE 8u

static gboolean
no_flags (guint flags, GError **error)
{
  if (flags == 0)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "Unsupported flags 0x%x", flags);
  return FALSE;
}

static void
defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  VbSecret *secret = vb_secret_store_define_finish (VB_SECRET_STORE (source), result, &error);

  if (!secret)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, secret, g_object_unref);
}

void
vb_secret_api_define_async (VbDriverHost *host, const char *xml, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, vb_secret_api_define_async);
  if (!no_flags (flags, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  vb_secret_store_define_async (vb_driver_host_get_secrets (host), xml, defined,
                                g_steal_pointer (&task));
}

VbSecret *
vb_secret_api_define_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_secret_api_define_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!vb_secret_store_finish (VB_SECRET_STORE (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
vb_secret_api_set_value_async (VbDriverHost *host, VbSecret *secret, GBytes *value, guint flags,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, vb_secret_api_finish);
  if (!no_flags (flags, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  vb_secret_store_set_value_async (vb_driver_host_get_secrets (host), secret, value, stored,
                                   g_steal_pointer (&task));
}

void
vb_secret_api_undefine_async (VbDriverHost *host, VbSecret *secret, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, vb_secret_api_finish);
  vb_secret_store_undefine_async (vb_driver_host_get_secrets (host), secret, stored, task);
}

gboolean
vb_secret_api_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_secret_api_finish, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

char *
vb_secret_api_get_xml (VbSecret *secret, guint flags, GError **error)
{
  if (!no_flags (flags, error))
    return NULL;
  return g_strdup (vb_secret_get_def (secret)->xml);
}

VbSecret *
vb_secret_api_lookup_by_uuid (VbDriverHost *host, const char *uuid, GError **error)
{
  g_autofree char *normal = vb_uuid_normalize (uuid);
  VbSecret *secret;

  if (!normal)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a UUID (expected 8-4-4-4-12 hexadecimal digits)", uuid);
      return NULL;
    }
  secret = vb_secret_store_lookup_uuid (vb_driver_host_get_secrets (host), normal);
  if (!secret)
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No secret with UUID %s", normal);
  return secret;
}

VbSecret *
vb_secret_api_lookup_by_usage (VbDriverHost *host, const char *usage_type, const char *usage_id,
                               GError **error)
{
  static const char *const types[] = { "volume", "iscsi", "ceph", "tls", "vtpm", NULL };
  VbSecret *secret;

  if (!g_strv_contains (types, usage_type))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Unknown usage type '%s' (volume, iscsi, ceph, tls or vtpm)", usage_type);
      return NULL;
    }
  secret = vb_secret_store_lookup_usage (vb_driver_host_get_secrets (host), usage_type, usage_id);
  if (!secret)
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No secret with usage %s '%s'", usage_type,
                 usage_id);
  return secret;
}

GPtrArray *
vb_secret_api_list (VbDriverHost *host, guint flags, GError **error)
{
  GPtrArray *all;

  if (flags & ~(LIST_EPHEMERAL | LIST_NO_EPHEMERAL | LIST_PRIVATE | LIST_NO_PRIVATE))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "Unsupported flags 0x%x", flags);
      return NULL;
    }
  all = vb_secret_store_list (vb_driver_host_get_secrets (host));
  for (guint i = all->len; i-- > 0;)
    {
      const VbSecretDef *def = vb_secret_get_def (all->pdata[i]);
      gboolean keep = TRUE;

      /* Like libvirt: a pair of opposite flags selects both. */
      if ((flags & (LIST_EPHEMERAL | LIST_NO_EPHEMERAL))
          && (flags & (LIST_EPHEMERAL | LIST_NO_EPHEMERAL)) != (LIST_EPHEMERAL | LIST_NO_EPHEMERAL))
        keep = keep && (def->ephemeral == !!(flags & LIST_EPHEMERAL));
      if ((flags & (LIST_PRIVATE | LIST_NO_PRIVATE))
          && (flags & (LIST_PRIVATE | LIST_NO_PRIVATE)) != (LIST_PRIVATE | LIST_NO_PRIVATE))
        keep = keep && (def->private == !!(flags & LIST_PRIVATE));
      if (!keep)
        g_ptr_array_remove_index (all, i);
    }
  return all;
}

GStrv
vb_secret_api_named_in (const char *xml)
{
  return vb_secrets_named_in (xml);
}

char *
vb_secret_api_path (VbSecret *secret)
{
  return vb_object_path_for ("secret", vb_secret_get_def (secret)->uuid);
}
