#include "snapshot-object.h"

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "object-paths.h"
#include "property-cache.h"

struct _VbSnapshotObject {
  VbDBusSnapshotSkeleton parent;
  VbBusContext *context;
  VbSnapshot *snapshot;
};

static void snapshot_iface_init (VbDBusSnapshotIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbSnapshotObject, vb_snapshot_object, VB_DBUS_TYPE_SNAPSHOT_SKELETON,
                               G_IMPLEMENT_INTERFACE (VB_DBUS_TYPE_SNAPSHOT, snapshot_iface_init))

char *
vb_snapshot_object_path (VbSnapshot *snapshot)
{
  return vb_object_path_for_snapshot (vb_snapshot_get_domain_uuid (snapshot),
                                      vb_snapshot_get_name (snapshot));
}

static void
sync_properties (VbSnapshotObject *self)
{
  VbDBusSnapshot *iface = VB_DBUS_SNAPSHOT (self);
  const VbSnapshotDef *def = vb_snapshot_get_def (self->snapshot);
  const char *uuid = vb_snapshot_get_domain_uuid (self->snapshot);
  g_autofree char *domain = vb_object_path_for ("domain", uuid);
  g_autofree char *parent =
    def->parent ? vb_object_path_for_snapshot (uuid, def->parent) : g_strdup ("/");

  vb_property_cache_invalidate (G_DBUS_INTERFACE_SKELETON (self));
  vb_dbus_snapshot_set_name (iface, def->name);
  vb_dbus_snapshot_set_domain (iface, domain);
  vb_dbus_snapshot_set_parent (iface, parent);
  vb_dbus_snapshot_set_creation_time (iface, (guint64) def->creation_time);
  vb_dbus_snapshot_set_state (iface, def->state);
  vb_dbus_snapshot_set_description (iface, def->description ? def->description : "");
  vb_dbus_snapshot_set_location (iface,
                                 vb_snapshot_def_is_external (def) ? "external" : "internal");
  vb_dbus_snapshot_set_has_memory (iface, vb_snapshot_def_has_memory (def));
  vb_dbus_snapshot_set_is_current (iface, vb_snapshot_get_current (self->snapshot));
}

static void
snapshot_changed (VbSnapshot *snapshot, gpointer user_data)
{
  sync_properties (VB_SNAPSHOT_OBJECT (user_data));
}

static gboolean
handle_get_xmldesc (VbDBusSnapshot *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbSnapshotObject *self = VB_SNAPSHOT_OBJECT (iface);
  GError *error = NULL;
  g_autofree char *xml = vb_snapshot_api_get_xml (self->snapshot, flags, &error);

  if (!xml)
    vb_dbus_return_error (invocation, error);
  else
    vb_dbus_snapshot_complete_get_xmldesc (iface, invocation, xml);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_snapshot_api_finish);
}

static gboolean
handle_revert (VbDBusSnapshot *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbSnapshotObject *self = VB_SNAPSHOT_OBJECT (iface);

  vb_snapshot_api_revert_async (self->context->host, self->snapshot, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_delete (VbDBusSnapshot *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbSnapshotObject *self = VB_SNAPSHOT_OBJECT (iface);

  vb_snapshot_api_delete_async (self->context->host, self->snapshot, flags, done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
vb_snapshot_object_dispose (GObject *object)
{
  VbSnapshotObject *self = VB_SNAPSHOT_OBJECT (object);

  if (self->snapshot)
    g_signal_handlers_disconnect_by_data (self->snapshot, self);
  g_clear_object (&self->snapshot);
  G_OBJECT_CLASS (vb_snapshot_object_parent_class)->dispose (object);
}

static void
vb_snapshot_object_class_init (VbSnapshotObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_snapshot_object_dispose;
  vb_property_cache_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass));
  vb_dispatch_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass), NULL);
}

static void
vb_snapshot_object_init (VbSnapshotObject *self)
{
}

static void
snapshot_iface_init (VbDBusSnapshotIface *iface)
{
  iface->handle_get_xmldesc = handle_get_xmldesc;
  iface->handle_revert = handle_revert;
  iface->handle_delete = handle_delete;
}

VbSnapshotObject *
vb_snapshot_object_new (VbBusContext *context, VbSnapshot *snapshot)
{
  VbSnapshotObject *self = g_object_new (VB_TYPE_SNAPSHOT_OBJECT, NULL);

  self->context = context;
  self->snapshot = g_object_ref (snapshot);
  sync_properties (self);
  g_signal_connect (snapshot, "changed", G_CALLBACK (snapshot_changed), self);
  return self;
}
