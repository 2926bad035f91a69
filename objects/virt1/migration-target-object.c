#include "migration-target-object.h"

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "domain-xml-check.h"
#include "migration-api.h"

struct _VbMigrationTargetObject {
  VbDBusMigrationTargetSkeleton parent;
  VbBusContext *context;
};

static void target_iface_init (VbDBusMigrationTargetIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbMigrationTargetObject, vb_migration_target_object,
                               VB_DBUS_TYPE_MIGRATION_TARGET_SKELETON,
                               G_IMPLEMENT_INTERFACE (VB_DBUS_TYPE_MIGRATION_TARGET,
                                                      target_iface_init))

static void
prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) answer = vb_migration_api_prepare_finish (result, &error);

  if (!answer)
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})", answer));
}

/* A Prepare whose XML is being checked. */
typedef struct {
  GDBusMethodInvocation *invocation;
  VbMigrationTargetObject *self;
  char *xml;
  GVariant *parameters;
  guint flags;
} PrepareCall;

static void
prepare_call_free (PrepareCall *call)
{
  g_object_unref (call->self);
  g_free (call->xml);
  g_variant_unref (call->parameters);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PrepareCall, prepare_call_free)

static void
prepare_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PrepareCall) call = user_data;
  GError *error = NULL;
  g_autofree char *checked = vb_domain_xml_check_finish (result, &error);

  if (!checked)
    {
      vb_dbus_return_error (call->invocation, error);
      return;
    }
  vb_migration_api_prepare_async (call->self->context->host,
                                  g_dbus_method_invocation_get_connection (call->invocation),
                                  g_dbus_method_invocation_get_sender (call->invocation),
                                  checked, call->parameters, call->flags, prepared,
                                  call->invocation);
}

/* The XML defines a domain here: it needs what DefineDomain needs. */
static gboolean
handle_prepare (VbDBusMigrationTarget *iface, GDBusMethodInvocation *invocation, const char *xml,
                GVariant *parameters, guint flags)
{
  VbMigrationTargetObject *self = VB_MIGRATION_TARGET_OBJECT (iface);
  PrepareCall *call = g_new0 (PrepareCall, 1);

  call->invocation = invocation;
  call->self = g_object_ref (self);
  call->xml = g_strdup (xml);
  call->parameters = g_variant_ref (parameters);
  call->flags = flags;
  vb_domain_xml_check_async (G_DBUS_INTERFACE_SKELETON (iface), invocation, self->context->host,
                             xml, TRUE, prepare_checked, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_migration_api_finish_finish);
}

static gboolean
handle_finish (VbDBusMigrationTarget *iface, GDBusMethodInvocation *invocation, const char *uuid,
               gboolean success, guint flags)
{
  VbMigrationTargetObject *self = VB_MIGRATION_TARGET_OBJECT (iface);

  vb_migration_api_finish_async (self->context->host,
                                 g_dbus_method_invocation_get_sender (invocation), uuid, success,
                                 flags, finished, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
vb_migration_target_object_class_init (VbMigrationTargetObjectClass *klass)
{
  vb_dispatch_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass), NULL);
}

static void
vb_migration_target_object_init (VbMigrationTargetObject *self)
{
}

static void
target_iface_init (VbDBusMigrationTargetIface *iface)
{
  iface->handle_prepare = handle_prepare;
  iface->handle_finish = handle_finish;
}

VbMigrationTargetObject *
vb_migration_target_object_new (VbBusContext *context)
{
  VbMigrationTargetObject *self = g_object_new (VB_TYPE_MIGRATION_TARGET_OBJECT, NULL);

  self->context = context;
  return self;
}
