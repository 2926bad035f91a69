#include "bus-context.h"

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "object-paths.h"

void
vb_complete_void (GDBusMethodInvocation *invocation, GAsyncResult *result, VbFinishFunc finish)
{
  GError *error = NULL;

  if (finish (result, &error))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    vb_dbus_return_error (invocation, error);
}

char *
vb_resource_object_path (VbResource *resource)
{
  return vb_object_path_for (vb_resource_get_kind (resource), vb_resource_get_uuid (resource));
}

void
vb_complete_resource_path (GDBusMethodInvocation *invocation, VbResource *resource,
                           GError *error)
{
  g_autofree char *path = NULL;

  if (!resource)
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  path = vb_resource_object_path (resource);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

void
vb_complete_job_path (GDBusMethodInvocation *invocation, VbJob *job, GError *error)
{
  g_autofree char *path = NULL;

  if (!job)
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  path = vb_object_path_for_job (vb_job_get_id (job));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

void
vb_complete_paths (GDBusMethodInvocation *invocation, GPtrArray *items, VbPathFunc path_of,
                   GError *error)
{
  GVariantBuilder builder;

  if (!items)
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < items->len; i++)
    {
      g_autofree char *path = path_of (items->pdata[i]);
      g_variant_builder_add (&builder, "o", path);
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ao)", &builder));
}

static char *
resource_path (gpointer resource)
{
  return vb_resource_object_path (resource);
}

void
vb_complete_read (VbBusContext *context, guint64 generation, GDBusMethodInvocation *invocation,
                  GVariant *reply)
{
  g_autoptr (GVariant) held = g_variant_ref_sink (reply);
  const GDBusMethodInfo *method = g_dbus_method_invocation_get_method_info (invocation);
  const char *action =
    method ? g_dbus_annotation_info_lookup (method->annotations, VB_AUTHORIZATION_ANNOTATION)
           : NULL;

  /* The dispatch checked @action already; only a decision that lasts as
   * long as the caller's connection lets its later calls skip the check. */
  if (context->replies && action && vb_dispatch_caller_allowed_now (invocation, action))
    vb_reply_cache_store (context->replies, generation, invocation, held, action);
  g_dbus_method_invocation_return_value (invocation, held);
}

void
vb_complete_read_path (VbBusContext *context, guint64 generation, GDBusMethodInvocation *invocation,
                       VbResource *resource, GError *error)
{
  g_autofree char *path = NULL;

  if (!resource)
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  path = vb_resource_object_path (resource);
  vb_complete_read (context, generation, invocation, g_variant_new ("(o)", path));
}

void
vb_complete_read_paths (VbBusContext *context, guint64 generation,
                        GDBusMethodInvocation *invocation, GPtrArray *resources, GError *error)
{
  GVariantBuilder builder;

  if (!resources)
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < resources->len; i++)
    {
      g_autofree char *path = vb_resource_object_path (resources->pdata[i]);

      g_variant_builder_add (&builder, "o", path);
    }
  vb_complete_read (context, generation, invocation, g_variant_new ("(ao)", &builder));
}

void
vb_complete_resource_paths (GDBusMethodInvocation *invocation, GPtrArray *resources, GError *error)
{
  vb_complete_paths (invocation, resources, resource_path, error);
}
