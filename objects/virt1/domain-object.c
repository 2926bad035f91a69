#include "domain-object.h"

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "domain-xml-check.h"
#include "property-cache.h"
#include "block-copy-api.h"
#include "device-api.h"
#include "domain-api.h"
#include "domain-stats.h"
#include "fd-associate-api.h"
#include "interface-addresses.h"
#include "media-api.h"
#include "model-generation.h"
#include "migration-api.h"
#include "rename-api.h"
#include "iotune-api.h"
#include "resources-api.h"
#include "send-key-api.h"
#include "snapshot-api.h"
#include "snapshot-object.h"
#include "save-api.h"
#include "vb-error.h"
#include "vb-flags.h"

#include <gio/gunixfdlist.h>

struct _VbDomainObject {
  VbDBusDomainSkeleton parent;
  VbBusContext *context;
  VbDomain *domain;
};

static void domain_iface_init (VbDBusDomainIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbDomainObject, vb_domain_object, VB_DBUS_TYPE_DOMAIN_SKELETON,
                               G_IMPLEMENT_INTERFACE (VB_DBUS_TYPE_DOMAIN, domain_iface_init))

static void
sync_properties (VbDomainObject *self)
{
  VbDBusDomain *iface = VB_DBUS_DOMAIN (self);
  VbResource *resource = VB_RESOURCE (self->domain);
  const VbDomainDef *def = vb_domain_get_live_def (self->domain);

  vb_property_cache_invalidate (G_DBUS_INTERFACE_SKELETON (self));
  if (!def)
    def = vb_domain_get_def (self->domain);
  g_object_freeze_notify (G_OBJECT (self));
  vb_dbus_domain_set_name (iface, vb_resource_get_name (resource));
  vb_dbus_domain_set_uuid (iface, vb_resource_get_uuid (resource));
  vb_dbus_domain_set_id (iface, vb_domain_get_id (self->domain));
  vb_dbus_domain_set_state (iface, vb_domain_state_to_string (vb_domain_get_state (self->domain)));
  vb_dbus_domain_set_state_reason (iface, vb_domain_get_state_reason (self->domain));
  vb_dbus_domain_set_persistent (iface, vb_resource_get_persistent (resource));
  vb_dbus_domain_set_autostart (iface, vb_resource_get_autostart (resource));
  vb_dbus_domain_set_vcpus (iface, def->current_vcpus);
  vb_dbus_domain_set_memory_ki_b (iface, def->memory_kib);
  /* domain actions: what SetVcpus and SetMemory change besides the above */
  vb_dbus_domain_set_max_vcpus (iface, def->vcpus);
  vb_dbus_domain_set_current_memory_ki_b (iface, def->current_memory_kib);
  vb_dbus_domain_set_driver (iface, vb_resource_get_driver (resource));
  vb_dbus_domain_set_block_copy_job (iface, vb_block_copy_api_job_path (self->domain));
  /* save and restore */
  vb_dbus_domain_set_has_managed_save (iface, vb_domain_get_managed_save (self->domain));
  g_object_thaw_notify (G_OBJECT (self));
}

/* The model's signals reach each domain's object through one emission hook
 * per signal, not six handlers per domain: those were 12 MB of the heap with
 * 10,000 domains (a handler and its closure, each). A domain finds its object
 * in its qdata. The hooks run before the handlers connected to the domain;
 * none of those reads the object. */
static GQuark object_quark;

static VbDomainObject *
object_of (const GValue *instance)
{
  GObject *domain = g_value_get_object (instance);

  return domain ? g_object_get_qdata (domain, object_quark) : NULL;
}

static gboolean
domain_changed (GSignalInvocationHint *hint, guint n_values, const GValue *values,
                gpointer user_data)
{
  VbDomainObject *self = object_of (&values[0]);

  if (self)
    sync_properties (self);
  return TRUE;
}

static gboolean
domain_lifecycle (GSignalInvocationHint *hint, guint n_values, const GValue *values,
                  gpointer user_data)
{
  VbDomainObject *self = object_of (&values[0]);

  if (!self)
    return TRUE;
  /* Clients see the new State before the event that announces it. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self));
  vb_dbus_domain_emit_lifecycle_event (VB_DBUS_DOMAIN (self), g_value_get_string (&values[1]),
                                       g_value_get_string (&values[2]));
  return TRUE;
}

/* domain actions: the guest's device events, as libvirt's */
static gboolean
device_removed (GSignalInvocationHint *hint, guint n_values, const GValue *values,
                gpointer user_data)
{
  VbDomainObject *self = object_of (&values[0]);

  if (self)
    vb_dbus_domain_emit_device_removed (VB_DBUS_DOMAIN (self), g_value_get_string (&values[1]));
  return TRUE;
}

static gboolean
tray_change (GSignalInvocationHint *hint, guint n_values, const GValue *values, gpointer user_data)
{
  VbDomainObject *self = object_of (&values[0]);

  if (self)
    vb_dbus_domain_emit_tray_change (VB_DBUS_DOMAIN (self), g_value_get_string (&values[1]),
                                     g_value_get_int (&values[2]));
  return TRUE;
}

static gboolean
balloon_change (GSignalInvocationHint *hint, guint n_values, const GValue *values,
                gpointer user_data)
{
  VbDomainObject *self = object_of (&values[0]);

  if (self)
    vb_dbus_domain_emit_balloon_change (VB_DBUS_DOMAIN (self), g_value_get_uint64 (&values[1]));
  return TRUE;
}

static gboolean
watchdog (GSignalInvocationHint *hint, guint n_values, const GValue *values, gpointer user_data)
{
  VbDomainObject *self = object_of (&values[0]);

  if (self)
    vb_dbus_domain_emit_watchdog (VB_DBUS_DOMAIN (self), g_value_get_string (&values[1]));
  return TRUE;
}

static void
hook_domain_signals (void)
{
  static const struct {
    const char *name;
    GSignalEmissionHook hook;
  } hooks[] = {
    { "changed", domain_changed },        { "lifecycle", domain_lifecycle },
    { "device-removed", device_removed }, { "tray-change", tray_change },
    { "balloon-change", balloon_change }, { "watchdog", watchdog },
  };
  g_autoptr (GTypeClass) domain_class = g_type_class_ref (VB_TYPE_DOMAIN);

  object_quark = g_quark_from_static_string ("vb-domain-object");
  for (guint i = 0; i < G_N_ELEMENTS (hooks); i++)
    g_signal_add_emission_hook (g_signal_lookup (hooks[i].name, VB_TYPE_DOMAIN), 0, hooks[i].hook,
                                NULL, NULL);
}

static void
op_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_domain_api_op_finish);
}

static gboolean
run_op (VbDBusDomain *iface, GDBusMethodInvocation *invocation, VbDomainOp op, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_domain_api_op_async (self->context->host, self->domain, op, flags, op_done, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_start (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_DOMAIN_OP_START, flags);
}

static gboolean
handle_shutdown (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_DOMAIN_OP_SHUTDOWN, flags);
}

static gboolean
handle_destroy (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_DOMAIN_OP_DESTROY, flags);
}

static gboolean
handle_reboot (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_DOMAIN_OP_REBOOT, flags);
}

static gboolean
handle_suspend (VbDBusDomain *iface, GDBusMethodInvocation *invocation)
{
  return run_op (iface, invocation, VB_DOMAIN_OP_SUSPEND, 0);
}

static gboolean
handle_resume (VbDBusDomain *iface, GDBusMethodInvocation *invocation)
{
  return run_op (iface, invocation, VB_DOMAIN_OP_RESUME, 0);
}

static void
config_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_domain_api_finish);
}

static gboolean
handle_undefine (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_domain_api_undefine_async (self->context->host, self->domain, flags, config_done,
                                invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The graphics passwords (SECURE) let whoever reads them in on the display:
 * as much as OpenGraphics, so the same action on top of read. */
#define CONSOLE_ACTION "org.virtbus.Virt1.domain.console"

static void
reply_xml (VbDomainObject *self, GDBusMethodInvocation *invocation, guint flags)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  g_autofree char *xml = vb_domain_api_get_xml (self->context->host, self->domain, flags, &error);

  if (!xml)
    vb_dbus_return_error (invocation, error);
  else if (flags & VB_DOMAIN_XML_SECURE)
    vb_dbus_domain_complete_get_xmldesc (VB_DBUS_DOMAIN (self), invocation, xml);
  else /* read alone: the same answer for the same call while nothing changes */
    vb_complete_read (self->context, generation, invocation, g_variant_new ("(s)", xml));
}

static void
secure_xml_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  guint flags;

  if (!vb_dispatch_authorize_also_finish (result, &error))
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(u)", &flags);
  reply_xml (VB_DOMAIN_OBJECT (source), invocation, flags);
}

static gboolean
handle_get_xmldesc (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  if (flags & VB_DOMAIN_XML_SECURE)
    vb_dispatch_authorize_also_async (G_DBUS_INTERFACE_SKELETON (self), invocation, CONSOLE_ACTION,
                                      NULL, secure_xml_authorized, invocation);
  else
    reply_xml (self, invocation, flags);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_open_console (VbDBusDomain *iface, GDBusMethodInvocation *invocation,
                     GUnixFDList *fd_list, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  GError *error = NULL;
  int fd = vb_domain_api_open_console (self->context->host, self->domain, flags, &error);
  g_autoptr (GUnixFDList) out = NULL;

  if (fd < 0)
    {
      vb_dbus_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  out = g_unix_fd_list_new_from_array (&fd, 1); /* takes fd */
  vb_dbus_domain_complete_open_console (iface, invocation, out, g_variant_new_handle (0));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
graphics_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  int fd = vb_domain_api_open_graphics_finish (result, &error);
  g_autoptr (GUnixFDList) out = NULL;

  if (fd < 0)
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  out = g_unix_fd_list_new_from_array (&fd, 1); /* takes fd */
  g_dbus_method_invocation_return_value_with_unix_fd_list (invocation, g_variant_new ("(h)", 0),
                                                           out);
}

static gboolean
handle_open_graphics (VbDBusDomain *iface, GDBusMethodInvocation *invocation, GUnixFDList *fd_list,
                      guint index, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_domain_api_open_graphics_async (self->context->host, self->domain, index, flags,
                                     graphics_opened, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_fdassociate (VbDBusDomain *iface, GDBusMethodInvocation *invocation, GUnixFDList *fd_list,
                    const char *name, GVariant *handles, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  GError *error = NULL;
  GVariantIter iter;
  gint32 index;

  g_variant_iter_init (&iter, handles);
  while (g_variant_iter_next (&iter, "h", &index))
    {
      int fd = -1;

      /* A duplicate: ours, closed with the group (or on failure). */
      if (fd_list && index >= 0 && index < g_unix_fd_list_get_length (fd_list))
        fd = g_unix_fd_list_get (fd_list, index, NULL);
      if (fd < 0)
        {
          for (guint i = 0; i < fds->len; i++)
            close (g_array_index (fds, int, i));
          vb_dbus_return_error (
            invocation, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                     "Handle %d names no descriptor of the message", index));
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      g_array_append_val (fds, fd);
    }
  if (!vb_domain_api_fd_associate (self->domain, name, g_steal_pointer (&fds), flags, &error))
    vb_dbus_return_error (invocation, error);
  else
    vb_dbus_domain_complete_fdassociate (iface, invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
stats_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) stats = vb_domain_api_get_stats_finish (result, &error);

  if (!stats)
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})", stats));
}

static gboolean
handle_get_stats (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_domain_api_get_stats_async (self->context->host, self->domain, flags, stats_ready,
                                 invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- interface addresses ---- */

static void
addresses_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) addresses = vb_domain_api_interface_addresses_finish (result, &error);

  if (!addresses)
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a(ssa(isu)))", addresses));
}

static gboolean
handle_interface_addresses (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint source,
                            guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_domain_api_interface_addresses_async (self->context->host, self->domain, source, flags,
                                           addresses_ready, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
migration_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (VbJob) job = vb_migration_api_migrate_finish (result, &error);

  vb_complete_job_path (user_data, job, error);
}

static gboolean
handle_migrate (VbDBusDomain *iface, GDBusMethodInvocation *invocation, const char *destination,
                GVariant *parameters, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_migration_api_migrate_async (self->context->host, self->domain, destination, parameters,
                                  flags, migration_started, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
control_migration (VbDBusDomain *iface, GDBusMethodInvocation *invocation, const char *what,
                   guint64 value, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  GError *error = NULL;

  if (!vb_migration_api_control (self->context->host, self->domain, what, value, flags, &error))
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_migrate_start_post_copy (VbDBusDomain *iface, GDBusMethodInvocation *invocation,
                                guint flags)
{
  return control_migration (iface, invocation, "start-postcopy", 0, flags);
}

static gboolean
handle_migrate_set_max_speed (VbDBusDomain *iface, GDBusMethodInvocation *invocation,
                              guint64 bandwidth, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  GError *error = NULL;

  /* MiB/s, as virsh migrate-setspeed. */
  if (!vb_migration_api_set_max_speed (self->context->host, self->domain, bandwidth, flags, &error))
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_migrate_set_max_downtime (VbDBusDomain *iface, GDBusMethodInvocation *invocation,
                                 guint64 downtime, guint flags)
{
  return control_migration (iface, invocation, "max-downtime", downtime, flags);
}

static gboolean
handle_migrate_get_max_speed (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  GError *error = NULL;
  guint64 bandwidth;

  if (!vb_migration_api_get_max_speed (self->context->host, self->domain, flags, &bandwidth,
                                       &error))
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(t)", bandwidth));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- save and restore ---- */

static void
save_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (VbJob) job = vb_save_api_save_finish (result, &error);

  vb_complete_job_path (user_data, job, error);
}

static gboolean
handle_managed_save (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_save_api_save_async (self->context->host, self->domain, NULL, flags, save_started,
                          invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* A Save whose file is being checked. */
typedef struct {
  GDBusMethodInvocation *invocation;
  VbDomainObject *self;
  char *path;
  guint flags;
} SaveCall;

static void
save_call_free (SaveCall *call)
{
  g_object_unref (call->self);
  g_free (call->path);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveCall, save_call_free)

static void
save_file_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SaveCall) call = user_data;
  GError *error = NULL;

  if (!vb_domain_file_check_finish (result, &error))
    vb_dbus_return_error (call->invocation, error);
  else
    vb_save_api_save_async (call->self->context->host, call->self->domain, call->path,
                            call->flags, save_started, call->invocation);
}

/* The service creates the image as root, where the caller says: outside the
 * pools (/etc/cron.d) that needs domain.host-files. */
static gboolean
handle_save (VbDBusDomain *iface, GDBusMethodInvocation *invocation, const char *path,
             guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  SaveCall *call = g_new0 (SaveCall, 1);

  call->invocation = invocation;
  call->self = g_object_ref (self);
  call->path = g_strdup (path);
  call->flags = flags;
  vb_domain_file_check_async (G_DBUS_INTERFACE_SKELETON (iface), invocation, self->context->host,
                              path, save_file_checked, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
managed_save_removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_save_api_finish);
}

static gboolean
handle_managed_save_remove (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_save_api_managed_save_remove_async (self->context->host, self->domain, flags,
                                         managed_save_removed, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- block copy ---- */

static void
block_copy_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (VbJob) job = vb_block_copy_api_start_finish (result, &error);

  vb_complete_job_path (user_data, job, error);
}

/* A BlockCopy whose destination is being checked. */
typedef struct {
  GDBusMethodInvocation *invocation;
  VbDomainObject *self;
  char *disk;
  char *destination_xml;
  GVariant *parameters;
  guint flags;
} BlockCopyCall;

static void
block_copy_call_free (BlockCopyCall *call)
{
  g_object_unref (call->self);
  g_free (call->disk);
  g_free (call->destination_xml);
  g_variant_unref (call->parameters);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlockCopyCall, block_copy_call_free)

static void
block_copy_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (BlockCopyCall) call = user_data;
  GError *error = NULL;
  g_autofree char *checked = vb_domain_xml_check_finish (result, &error);

  /* The copy is made with "backing": null: the destination's own chain is
   * checked, not recorded (the start-time check compares it again). */
  if (!checked)
    vb_dbus_return_error (call->invocation, error);
  else
    vb_block_copy_api_start_async (call->self->context->host, call->self->domain, call->disk,
                                   call->destination_xml, call->parameters, call->flags,
                                   block_copy_started, call->invocation);
}

static gboolean
handle_block_copy (VbDBusDomain *iface, GDBusMethodInvocation *invocation, const char *disk,
                   const char *destination_xml, GVariant *parameters, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  BlockCopyCall *call = g_new0 (BlockCopyCall, 1);

  call->invocation = invocation;
  call->self = g_object_ref (self);
  call->disk = g_strdup (disk);
  call->destination_xml = g_strdup (destination_xml);
  call->parameters = g_variant_ref (parameters);
  call->flags = flags;
  vb_domain_xml_check_async (G_DBUS_INTERFACE_SKELETON (iface), invocation, self->context->host,
                             destination_xml, FALSE, block_copy_checked, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- snapshots ---- */

static void
sync_current_snapshot (VbDomainObject *self)
{
  const char *uuid = vb_resource_get_uuid (VB_RESOURCE (self->domain));
  VbSnapshot *current =
    vb_snapshot_registry_get_current (vb_driver_host_get_snapshots (self->context->host), uuid);
  g_autofree char *path = current ? vb_snapshot_object_path (current) : g_strdup ("/");

  vb_property_cache_invalidate (G_DBUS_INTERFACE_SKELETON (self));
  vb_dbus_domain_set_current_snapshot (VB_DBUS_DOMAIN (self), path);
}

void
vb_domain_object_current_snapshot_changed (VbDomainObject *self)
{
  sync_current_snapshot (self);
}

static char *
snapshot_path (gpointer snapshot)
{
  return vb_snapshot_object_path (snapshot);
}

static void
complete_snapshot_path (GDBusMethodInvocation *invocation, VbSnapshot *snapshot, GError *error)
{
  g_autofree char *path = NULL;

  if (!snapshot)
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  path = vb_snapshot_object_path (snapshot);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

static void
snapshot_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (VbSnapshot) snapshot = vb_snapshot_api_create_finish (result, &error);

  complete_snapshot_path (user_data, snapshot, error);
}

/* A CreateSnapshot whose XML is being checked. */
typedef struct {
  GDBusMethodInvocation *invocation;
  VbDomainObject *self;
  char *xml;
  guint flags;
} SnapshotCall;

static void
snapshot_call_free (SnapshotCall *call)
{
  g_object_unref (call->self);
  g_free (call->xml);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SnapshotCall, snapshot_call_free)

static void
snapshot_xml_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SnapshotCall) call = user_data;
  GError *error = NULL;
  g_autofree char *checked = vb_domain_xml_check_finish (result, &error);

  if (!checked)
    vb_dbus_return_error (call->invocation, error);
  else
    vb_snapshot_api_create_async (call->self->context->host, call->self->domain, call->xml,
                                  call->flags, snapshot_created, call->invocation);
}

/* External snapshot files are created by QEMU as root where the XML says. */
static gboolean
handle_create_snapshot (VbDBusDomain *iface, GDBusMethodInvocation *invocation, const char *xml,
                        guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  SnapshotCall *call = g_new0 (SnapshotCall, 1);

  call->invocation = invocation;
  call->self = g_object_ref (self);
  call->xml = g_strdup (xml);
  call->flags = flags;
  vb_domain_xml_check_async (G_DBUS_INTERFACE_SKELETON (iface), invocation, self->context->host,
                             xml, FALSE, snapshot_xml_checked, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_snapshots (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  GError *error = NULL;
  g_autoptr (GPtrArray) snapshots =
    vb_snapshot_api_list (self->context->host, self->domain, flags, &error);

  vb_complete_paths (invocation, snapshots, snapshot_path, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_snapshot_by_name (VbDBusDomain *iface, GDBusMethodInvocation *invocation,
                                const char *name)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  GError *error = NULL;
  g_autoptr (VbSnapshot) snapshot =
    vb_snapshot_api_lookup (self->context->host, self->domain, name, &error);

  complete_snapshot_path (invocation, snapshot, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- device hotplug ---- */

static void
device_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_device_api_finish);
}

/* An AttachDevice whose XML is being checked. */
typedef struct {
  GDBusMethodInvocation *invocation;
  VbDomainObject *self;
  char *xml;
  guint flags;
} AttachCall;

static void
attach_call_free (AttachCall *call)
{
  g_object_unref (call->self);
  g_free (call->xml);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AttachCall, attach_call_free)

static void
attach_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (AttachCall) call = user_data;
  GError *error = NULL;
  g_autofree char *checked = vb_domain_xml_check_finish (result, &error);

  if (!checked)
    vb_dbus_return_error (call->invocation, error);
  else
    vb_device_api_attach_async (call->self->context->host, call->self->domain, checked,
                                call->flags, device_done, call->invocation);
}

static gboolean
handle_attach_device (VbDBusDomain *iface, GDBusMethodInvocation *invocation, const char *xml,
                      guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  AttachCall *call = g_new0 (AttachCall, 1);

  call->invocation = invocation;
  call->self = g_object_ref (self);
  call->xml = g_strdup (xml);
  call->flags = flags;
  vb_domain_xml_check_async (G_DBUS_INTERFACE_SKELETON (iface), invocation, self->context->host,
                             xml, FALSE, attach_checked, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_detach_device (VbDBusDomain *iface, GDBusMethodInvocation *invocation, const char *xml,
                      guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_device_api_detach_async (self->context->host, self->domain, xml, flags, device_done,
                              invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- domain actions ---- */

static gboolean
handle_reset (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_DOMAIN_OP_RESET, flags);
}

static gboolean
handle_inject_nmi (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_DOMAIN_OP_INJECT_NMI, flags);
}

static gboolean
handle_pmwakeup (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint flags)
{
  return run_op (iface, invocation, VB_DOMAIN_OP_PM_WAKEUP, flags);
}

static void
key_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_send_key_api_send_finish);
}

static gboolean
handle_send_key (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint codeset,
                 guint holdtime, GVariant *keycodes, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  gsize n = 0;
  const guint32 *codes = g_variant_get_fixed_array (keycodes, &n, sizeof (guint32));

  vb_send_key_api_send_async (self->context->host, self->domain, codeset, holdtime, codes, n, flags,
                              key_sent, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
renamed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_rename_api_rename_finish);
}

static gboolean
handle_rename (VbDBusDomain *iface, GDBusMethodInvocation *invocation, const char *new_name,
               guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_rename_api_rename_async (self->context->host, self->domain, new_name, flags, renamed,
                              invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
resources_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_resources_api_finish);
}

static gboolean
handle_set_memory (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint64 kib, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_resources_api_set_memory_async (self->context->host, self->domain, kib, flags, resources_set,
                                     invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
iotune_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_iotune_api_set_finish);
}

static gboolean
handle_set_block_io_tune (VbDBusDomain *iface, GDBusMethodInvocation *invocation,
                          const char *disk, GVariant *params, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_iotune_api_set_async (self->context->host, self->domain, disk, params, flags, iotune_set,
                           invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
iotune_got (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) params = vb_iotune_api_get_finish (result, &error);

  if (!params)
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})", params));
}

static gboolean
handle_get_block_io_tune (VbDBusDomain *iface, GDBusMethodInvocation *invocation,
                          const char *disk, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_iotune_api_get_async (self->context->host, self->domain, disk, flags, iotune_got,
                           invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_vcpus (VbDBusDomain *iface, GDBusMethodInvocation *invocation, guint count, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);

  vb_resources_api_set_vcpus_async (self->context->host, self->domain, count, flags, resources_set,
                                    invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
media_updated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  vb_complete_void (user_data, result, vb_media_api_update_finish);
}

static void
update_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (AttachCall) call = user_data;
  GError *error = NULL;
  g_autofree char *checked = vb_domain_xml_check_finish (result, &error);

  if (!checked)
    vb_dbus_return_error (call->invocation, error);
  else
    vb_media_api_update_async (call->self->context->host, call->self->domain, checked, call->flags,
                               media_updated, call->invocation);
}

/* The new medium is a host file QEMU opens as root: checked as an attached
 * disk is (domain.host-files outside the pools). */
static gboolean
handle_update_device (VbDBusDomain *iface, GDBusMethodInvocation *invocation,
                      const char *device_xml, guint flags)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (iface);
  AttachCall *call = g_new0 (AttachCall, 1);

  call->invocation = invocation;
  call->self = g_object_ref (self);
  call->xml = g_strdup (device_xml);
  call->flags = flags;
  vb_domain_xml_check_async (G_DBUS_INTERFACE_SKELETON (iface), invocation, self->context->host,
                             device_xml, FALSE, update_checked, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
set_property (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
              const char *property, GVariant *value)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (skeleton);

  /* Autostart is the one writable property. */
  g_assert (g_str_equal (property, "Autostart"));
  vb_domain_api_set_autostart_async (self->context->host, self->domain,
                                     g_variant_get_boolean (value), config_done, invocation);
}

static void
vb_domain_object_dispose (GObject *object)
{
  VbDomainObject *self = VB_DOMAIN_OBJECT (object);

  /* A newer object of the same domain may have taken its place. */
  if (self->domain && g_object_get_qdata (G_OBJECT (self->domain), object_quark) == self)
    g_object_set_qdata (G_OBJECT (self->domain), object_quark, NULL);
  g_clear_object (&self->domain);
  G_OBJECT_CLASS (vb_domain_object_parent_class)->dispose (object);
}

static void
vb_domain_object_class_init (VbDomainObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_domain_object_dispose;
  vb_property_cache_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass));
  vb_dispatch_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass), set_property);
  /* The generated notify handler only sends what a registered skeleton
   * queued; this one is served through a subtree (object-signals.c sends
   * its changes) and nothing listens to its notify: without a handler,
   * GObject skips the notify queue, a third of making 10,000 of them. */
  G_OBJECT_CLASS (klass)->notify = NULL;
  hook_domain_signals ();
}

static void
vb_domain_object_init (VbDomainObject *self)
{
}

static void
domain_iface_init (VbDBusDomainIface *iface)
{
  iface->handle_start = handle_start;
  iface->handle_shutdown = handle_shutdown;
  iface->handle_destroy = handle_destroy;
  iface->handle_reboot = handle_reboot;
  iface->handle_suspend = handle_suspend;
  iface->handle_resume = handle_resume;
  iface->handle_undefine = handle_undefine;
  iface->handle_get_xmldesc = handle_get_xmldesc;
  iface->handle_open_console = handle_open_console;
  iface->handle_open_graphics = handle_open_graphics;
  iface->handle_fdassociate = handle_fdassociate;
  iface->handle_get_stats = handle_get_stats;
  iface->handle_migrate = handle_migrate;
  iface->handle_migrate_start_post_copy = handle_migrate_start_post_copy;
  iface->handle_migrate_set_max_speed = handle_migrate_set_max_speed;
  iface->handle_migrate_set_max_downtime = handle_migrate_set_max_downtime;
  iface->handle_migrate_get_max_speed = handle_migrate_get_max_speed;
  /* save and restore */
  iface->handle_managed_save = handle_managed_save;
  iface->handle_managed_save_remove = handle_managed_save_remove;
  iface->handle_save = handle_save;

  /* block copy */
  iface->handle_block_copy = handle_block_copy;

  /* snapshots */
  iface->handle_create_snapshot = handle_create_snapshot;
  iface->handle_list_snapshots = handle_list_snapshots;
  iface->handle_lookup_snapshot_by_name = handle_lookup_snapshot_by_name;

  /* device hotplug */
  iface->handle_attach_device = handle_attach_device;
  iface->handle_detach_device = handle_detach_device;

  /* interface addresses */
  iface->handle_interface_addresses = handle_interface_addresses;
  /* domain actions */
  iface->handle_reset = handle_reset;
  iface->handle_inject_nmi = handle_inject_nmi;
  iface->handle_pmwakeup = handle_pmwakeup;
  iface->handle_send_key = handle_send_key;
  iface->handle_rename = handle_rename;
  iface->handle_set_memory = handle_set_memory;
  iface->handle_set_block_io_tune = handle_set_block_io_tune;
  iface->handle_get_block_io_tune = handle_get_block_io_tune;
  iface->handle_set_vcpus = handle_set_vcpus;
  iface->handle_update_device = handle_update_device;
}

VbDomainObject *
vb_domain_object_new (VbBusContext *context, VbDomain *domain)
{
  VbDomainObject *self = g_object_new (VB_TYPE_DOMAIN_OBJECT, NULL);

  self->context = context;
  self->domain = g_object_ref (domain);
  sync_properties (self);
  /* From now on the hooks (hook_domain_signals()) find it. */
  g_object_set_qdata (G_OBJECT (domain), object_quark, self);
  /* Later changes come from the exporter: one handler for all domains. */
  sync_current_snapshot (self);
  return self;
}
