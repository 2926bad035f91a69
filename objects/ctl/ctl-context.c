#include "ctl-context.h"

#include <stdio.h>

#include "ctl-error.h"
#include "ctl-output.h"

#define OBJECT_WAIT_MS 10000

GPtrArray *
ctl_client_list (VirtbusClient *client, gpointer (*get) (VirtbusObject *object),
                 GCompareFunc compare)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);
  g_autolist (GDBusObject) objects =
    g_dbus_object_manager_get_objects (virtbus_client_get_object_manager (client));

  for (GList *l = objects; l; l = l->next)
    {
      gpointer iface = get (VIRTBUS_OBJECT (l->data));

      if (iface)
        g_ptr_array_add (found, iface);
    }
  g_ptr_array_sort (found, compare);
  return found;
}

void
ctl_context_clear (CtlContext *ctx)
{
  g_clear_object (&ctx->client);
  g_clear_pointer (&ctx->address, g_free);
}

VirtbusClient *
ctl_context_client (CtlContext *ctx, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *message = NULL;

  if (ctx->client)
    return ctx->client;
  ctx->client = ctx->address ? virtbus_client_new_for_address_sync (ctx->address, NULL, &local)
                             : virtbus_client_new_for_bus_sync (ctx->bus_type, NULL, &local);
  if (ctx->client)
    return ctx->client;
  /* Whatever went wrong, nothing was done: say where we looked. */
  message = virtbus_error_get_message (local);
  if (g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN))
    g_set_error_literal (error, CTL_ERROR, CTL_ERROR_UNREACHABLE, message);
  else if (ctx->address)
    g_set_error (error, CTL_ERROR, CTL_ERROR_UNREACHABLE, "cannot reach the bus at %s: %s",
                 ctx->address, message);
  else
    g_set_error (error, CTL_ERROR, CTL_ERROR_UNREACHABLE, "cannot reach the %s bus: %s",
                 ctx->bus_type == G_BUS_TYPE_SESSION ? "session" : "system", message);
  return NULL;
}

VirtbusDomain *
ctl_context_domain (CtlContext *ctx, const char *name_or_uuid, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);

  return client ? virtbus_client_lookup_domain (client, name_or_uuid, error) : NULL;
}

static gboolean
wait_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

VirtbusObject *
ctl_context_wait_object (CtlContext *ctx, const char *path, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  VirtbusObject *object = NULL;
  gboolean timed_out = FALSE;
  guint timeout;

  if (!client)
    return NULL;
  /* InterfacesAdded came before the reply; its handler runs in this
   * (the default) main context. */
  timeout = g_timeout_add (OBJECT_WAIT_MS, wait_timeout, &timed_out);
  while (!(object = virtbus_client_get_object (client, path)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  if (!object)
    g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, "the service did not announce %s", path);
  return object;
}

void
ctl_say (CtlContext *ctx, const char *format, ...)
{
  g_autofree char *line = NULL;
  g_autofree char *shown = NULL;
  va_list ap;

  if (ctx->quiet || ctx->json)
    return;
  va_start (ap, format);
  line = g_strdup_vprintf (format, ap);
  va_end (ap);
  /* The names and files in it come from the service or the command line. */
  shown = ctl_terminal_text (stdout, line, TRUE);
  puts (shown);
}
