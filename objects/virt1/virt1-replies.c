/* The Virt1 front end's reply cache: see virt1-replies.h. */
#include "virt1-replies.h"

#include <string.h>

#include "model-generation.h"
#include "object-paths.h"
#include "vanished-calls.h"

#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

static const VbReplyGeneration model_generation = {
  vb_model_generation,
  vb_model_generation_hold,
  vb_model_generation_release,
};

/* Every property of these follows the model: each change advances the
 * model's generation before the skeleton's value changes, on the main loop.
 * Not Job (progress is no model change), Secret or Snapshot (not measured
 * reads; left to the main loop). */
static const char *const open_interfaces[] = {
  "org.virtbus.Virt1.Domain",      "org.virtbus.Virt1.Manager",       "org.virtbus.Virt1.Network",
  "org.virtbus.Virt1.StoragePool", "org.virtbus.Virt1.StorageVolume", NULL,
};

/* Reading properties is open (docs/authorization.md), so their answers are
 * the same for every caller. */
static gboolean
open_read (GDBusMessage *call, gpointer user_data)
{
  const char *path = g_dbus_message_get_path (call);
  const char *member = g_dbus_message_get_member (call);
  GVariant *body = g_dbus_message_get_body (call);
  const char *interface;

  if (!path || !member || !body || !g_str_has_prefix (path, VB_MANAGER_PATH)
      || g_strcmp0 (g_dbus_message_get_interface (call), PROPERTIES_INTERFACE) != 0)
    return FALSE;
  if (!(strcmp (member, "Get") == 0 && g_variant_is_of_type (body, G_VARIANT_TYPE ("(ss)")))
      && !(strcmp (member, "GetAll") == 0 && g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)"))))
    return FALSE;
  g_variant_get_child (body, 0, "&s", &interface);
  return g_strv_contains (open_interfaces, interface);
}

static GDBusMessage *
on_reply (GDBusMessage *call, GDBusMessage *reply, gpointer user_data)
{
  return vb_vanished_calls_rewrite (user_data, call, reply);
}

static const VbReplyHooks hooks = { open_read, on_reply };

VbReplyCache *
vb_virt1_replies_new (GDBusConnection *bus, VbObjectTable *objects)
{
  return vb_reply_cache_new_with_hooks (bus, &model_generation, &hooks, objects);
}
