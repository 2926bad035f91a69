#include "libvirt-domain.h"
#include "libvirt-resource.h"

#include <string.h>

#include "device-api.h"
#include "domain-api.h"
#include "domain-state-codes.h"
#include "domain-stats.h"
#include "interface-addresses.h"
#include "libvirt-domain-more.h"
#include "libvirt-error.h"
#include "libvirt-numbers.h"
#include "libvirt-paths.h"
#include "libvirt-xml-check.h"
#include "media-api.h"
#include "migration-api.h"
#include "rename-api.h"
#include "iotune-api.h"
#include "resources-api.h"
#include "save-api.h"
#include "send-key-api.h"
#include "snapshot-api.h"
#include "vb-error.h"

#define ACTION_CONSOLE "org.virtbus.Virt1.domain.console"

/* libvirt's flags that virtbus has no use for and accepts without effect. */
#define LV_UNDEFINE_NVRAM (1u << 2)    /* virtbus keeps no NVRAM apart from the definition */
#define LV_XML_UPDATE_CPU (1u << 2)    /* the CPU is written as defined */
#define LV_XML_MIGRATABLE (1u << 3)    /* the XML is always migratable */
#define LV_MIGRATE_PEER2PEER (1u << 1) /* virtbus's migrations always are */
#define LV_MIGRATE_NON_SHARED_DISK (1u << 6)

gboolean
vb_lv_domain_belongs (const VbLvConnect *connect, VbDomain *domain)
{
  return g_strcmp0 (vb_resource_get_driver (VB_RESOURCE (domain)), connect->driver) == 0;
}

char *
vb_lv_domain_object_path (const VbLvConnect *connect, VbDomain *domain)
{
  return vb_lv_domain_path (connect->path, vb_resource_get_uuid (VB_RESOURCE (domain)));
}

VbDomain *
vb_lv_domain_lookup_uuid (const VbLvConnect *connect, const char *uuid, GError **error)
{
  VbDomain *domain = vb_domain_api_lookup_by_uuid (connect->host, uuid, NULL);

  if (!domain || !vb_lv_domain_belongs (connect, domain))
    {
      g_propagate_error (
        error, vb_lv_error_new ("Domain not found: no domain with matching uuid '%s'", uuid));
      return NULL;
    }
  return g_object_ref (domain);
}

void
vb_lv_call_return_domain (VbLvCall *call, VbDomain *domain, GError *error)
{
  g_autofree char *path = NULL;

  if (!domain)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  path = vb_lv_domain_object_path (call->connect, domain);
  g_object_unref (domain);
  vb_lv_call_return (call, g_variant_new ("(o)", path));
}

static void
job_completed (VbJob *job, gboolean success, const char *message, gpointer user_data)
{
  VbLvCall *call = user_data;

  g_signal_handlers_disconnect_by_data (job, call);
  if (success)
    vb_lv_call_return (call, NULL);
  else
    vb_lv_call_fail (call,
                     vb_lv_error_new ("operation failed: %s", message ? message : "job failed"));
  g_object_unref (job);
}

void
vb_lv_call_return_after_job (VbLvCall *call, VbJob *job)
{
  if (vb_job_is_finished (job))
    {
      g_autoptr (VbJob) finished = job;

      if (g_strcmp0 (vb_job_get_phase (finished), "completed") == 0)
        vb_lv_call_return (call, NULL);
      else
        vb_lv_call_fail (call, vb_lv_error_new ("operation failed: the job %s",
                                                vb_job_get_phase (finished)));
      return;
    }
  g_signal_connect (job, "completed", G_CALLBACK (job_completed), call);
}

static VbDomain *
domain_of (VbLvCall *call)
{
  return call->object;
}

/* ---- properties ---- */

static GVariant *
get_active (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_boolean (vb_domain_is_active (object));
}

static GVariant *
get_id (const VbLvConnect *connect, gpointer object)
{
  /* libvirt's virDomainGetID: (unsigned) -1 for an inactive domain. */
  return g_variant_new_uint32 ((guint32) vb_domain_get_id (object));
}

static GVariant *
get_os_type (const VbLvConnect *connect, gpointer object)
{
  /* Every virtbus guest is fully virtualized. */
  return g_variant_new_string ("hvm");
}

static GVariant *
get_scheduler_type (const VbLvConnect *connect, gpointer object)
{
  /* What libvirt's drivers answer: QEMU's cgroup scheduler with its five
   * parameters, the test driver's "fair" with one. */
  if (strcmp (connect->driver, "test") == 0)
    return g_variant_new ("(si)", "fair", 1);
  return g_variant_new ("(si)", "posix", 5);
}

static GVariant *
get_updated (const VbLvConnect *connect, gpointer object)
{
  /* virDomainIsUpdated: virtbus does not track whether the running guest
   * differs from its definition. */
  return g_variant_new_boolean (FALSE);
}

static void
set_autostart (VbLvCall *call, GVariant *value)
{
  vb_domain_api_set_autostart_async (call->connect->host, domain_of (call),
                                     g_variant_get_boolean (value), vb_lv_void_done,
                                     vb_lv_call_expect (call, vb_domain_api_finish));
}

/* ---- lifecycle ---- */

static void
run_op (VbLvCall *call, VbDomainOp op, guint flags)
{
  vb_domain_api_op_async (call->connect->host, domain_of (call), op, flags, vb_lv_void_done,
                          vb_lv_call_expect (call, vb_domain_api_op_finish));
}

static void
handle_create (VbLvCall *call)
{
  run_op (call, VB_DOMAIN_OP_START, vb_lv_call_uint_arg (call, 0));
}

static void
handle_shutdown (VbLvCall *call)
{
  run_op (call, VB_DOMAIN_OP_SHUTDOWN, vb_lv_call_uint_arg (call, 0));
}

static void
handle_reboot (VbLvCall *call)
{
  run_op (call, VB_DOMAIN_OP_REBOOT, vb_lv_call_uint_arg (call, 0));
}

static void
handle_destroy (VbLvCall *call)
{
  run_op (call, VB_DOMAIN_OP_DESTROY, vb_lv_call_uint_arg (call, 0));
}

static void
handle_suspend (VbLvCall *call)
{
  run_op (call, VB_DOMAIN_OP_SUSPEND, 0);
}

static void
handle_resume (VbLvCall *call)
{
  run_op (call, VB_DOMAIN_OP_RESUME, 0);
}

static void
handle_undefine (VbLvCall *call)
{
  /* Cockpit deletes with MANAGED_SAVE | SNAPSHOTS_METADATA | NVRAM. */
  vb_domain_api_undefine_async (call->connect->host, domain_of (call),
                                vb_lv_call_uint_arg (call, 0) & ~LV_UNDEFINE_NVRAM, vb_lv_void_done,
                                vb_lv_call_expect (call, vb_domain_api_finish));
}

/* ---- reading ---- */

static void
return_xml (VbLvCall *call)
{
  GError *error = NULL;
  guint flags = vb_lv_call_uint_arg (call, 0) & ~(LV_XML_UPDATE_CPU | LV_XML_MIGRATABLE);
  g_autofree char *xml =
    vb_domain_api_get_xml (call->connect->host, domain_of (call), flags, &error);

  if (!xml)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new ("(s)", xml));
}

static void
handle_get_xml_desc (VbLvCall *call)
{
  /* The graphics passwords (SECURE) need the console action too. */
  if (vb_lv_call_uint_arg (call, 0) & VB_DOMAIN_XML_SECURE)
    vb_lv_call_authorize_also (call, ACTION_CONSOLE, return_xml);
  else
    return_xml (call);
}

static void
handle_get_state (VbLvCall *call)
{
  VbDomain *domain = domain_of (call);
  VbDomainState state = vb_domain_get_state (domain);

  if (vb_lv_call_uint_arg (call, 0) != 0)
    {
      vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                          "unsupported flags (0x%x) in function virDomainGetState",
                                          vb_lv_call_uint_arg (call, 0)));
      return;
    }
  vb_lv_call_return (
    call, g_variant_new ("((ii))", vb_domain_state_code (state),
                         vb_domain_reason_code (state, vb_domain_get_state_reason (domain))));
}

static void
handle_get_vcpus (VbLvCall *call)
{
  const VbDomainDef *def = vb_domain_get_live_def (domain_of (call));

  if (!def)
    def = vb_domain_get_def (domain_of (call));
  vb_lv_call_return (call, g_variant_new ("(u)", def->vcpus));
}

static void
handle_has_managed_save_image (VbLvCall *call)
{
  vb_lv_call_return (call, g_variant_new ("(b)", vb_domain_get_managed_save (domain_of (call))));
}

static void
stats_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) stats = vb_domain_api_get_stats_finish (result, &error);

  if (!stats)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new ("(@a{sv})", vb_lv_double_wrap (stats)));
}

/* Domain.GetStats takes libvirt's groups and, in its top bits, the flags of
 * virConnectGetAllDomainStats that concern one domain (ENFORCE, NOWAIT,
 * BACKING); the list filters below them are for listing, which one domain
 * passes or not. */
#define LV_STATS_DOMAIN_FLAGS 0xE0000000u

static void
handle_get_stats (VbLvCall *call)
{
  guint groups, flags;

  g_variant_get (call->parameters, "(uu)", &groups, &flags);
  vb_domain_api_get_stats_async (call->connect->host, domain_of (call),
                                 groups | (flags & LV_STATS_DOMAIN_FLAGS), stats_ready, call);
}

static void
addresses_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) addresses = vb_domain_api_interface_addresses_finish (result, &error);

  if (!addresses)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new_tuple (&addresses, 1));
}

/* libvirt's sources (0 lease, 1 agent, 2 arp) are virtbus's numbers. */
static void
handle_interface_addresses (VbLvCall *call)
{
  guint source, flags;

  g_variant_get (call->parameters, "(uu)", &source, &flags);
  vb_domain_api_interface_addresses_async (call->connect->host, domain_of (call), source, flags,
                                           addresses_ready, call);
}

/* ---- save ---- */

static void
managed_save_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbJob *job = vb_save_api_save_finish (result, &error);

  if (!job)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return_after_job (call, job);
}

static void
handle_managed_save (VbLvCall *call)
{
  vb_save_api_save_async (call->connect->host, domain_of (call), NULL,
                          vb_lv_call_uint_arg (call, 0), managed_save_started, call);
}

static void
handle_managed_save_remove (VbLvCall *call)
{
  vb_save_api_managed_save_remove_async (call->connect->host, domain_of (call),
                                         vb_lv_call_uint_arg (call, 0), vb_lv_void_done,
                                         vb_lv_call_expect (call, vb_save_api_finish));
}

/* ---- devices ---- */

static void
attach_checked (VbLvCall *call)
{
  vb_device_api_attach_async (call->connect->host, domain_of (call), call->xml,
                              vb_lv_call_uint_arg (call, 1), vb_lv_void_done,
                              vb_lv_call_expect (call, vb_device_api_finish));
}

static void
handle_attach_device (VbLvCall *call)
{
  vb_lv_xml_check (call, vb_lv_call_string_arg (call, 0), attach_checked);
}

static void
handle_detach_device (VbLvCall *call)
{
  vb_device_api_detach_async (call->connect->host, domain_of (call),
                              vb_lv_call_string_arg (call, 0), vb_lv_call_uint_arg (call, 1),
                              vb_lv_void_done, vb_lv_call_expect (call, vb_device_api_finish));
}

/* ---- domain actions ---- */

static void
handle_reset (VbLvCall *call)
{
  run_op (call, VB_DOMAIN_OP_RESET, vb_lv_call_uint_arg (call, 0));
}

static void
handle_inject_nmi (VbLvCall *call)
{
  run_op (call, VB_DOMAIN_OP_INJECT_NMI, vb_lv_call_uint_arg (call, 0));
}

static void
handle_pm_wakeup (VbLvCall *call)
{
  run_op (call, VB_DOMAIN_OP_PM_WAKEUP, vb_lv_call_uint_arg (call, 0));
}

static void
handle_send_key (VbLvCall *call)
{
  guint codeset, holdtime, flags;
  g_autoptr (GVariant) keys = NULL;
  gsize n_keys = 0;
  const guint32 *codes;

  g_variant_get (call->parameters, "(uu@auu)", &codeset, &holdtime, &keys, &flags);
  codes = g_variant_get_fixed_array (keys, &n_keys, sizeof (guint32));
  vb_send_key_api_send_async (call->connect->host, domain_of (call), codeset, holdtime, codes,
                              n_keys, flags, vb_lv_void_done,
                              vb_lv_call_expect (call, vb_send_key_api_send_finish));
}

static void
handle_rename (VbLvCall *call)
{
  vb_rename_api_rename_async (call->connect->host, domain_of (call),
                              vb_lv_call_string_arg (call, 0), vb_lv_call_uint_arg (call, 1),
                              vb_lv_void_done,
                              vb_lv_call_expect (call, vb_rename_api_rename_finish));
}

static void
handle_set_memory (VbLvCall *call)
{
  guint64 kib;
  guint flags;

  g_variant_get (call->parameters, "(tu)", &kib, &flags);
  vb_resources_api_set_memory_async (call->connect->host, domain_of (call), kib, flags,
                                     vb_lv_void_done,
                                     vb_lv_call_expect (call, vb_resources_api_finish));
}

/* libvirt's disk argument may also be the image's path; virtbus takes the
 * target ("vda"), which every libvirt client can give. */
static void
handle_set_block_io_tune (VbLvCall *call)
{
  const char *disk;
  g_autoptr (GVariant) params = NULL;
  guint flags;

  g_variant_get (call->parameters, "(&s@a{sv}u)", &disk, &params, &flags);
  vb_iotune_api_set_async (call->connect->host, domain_of (call), disk, params, flags,
                           vb_lv_void_done, vb_lv_call_expect (call, vb_iotune_api_set_finish));
}

static void
iotune_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) params = vb_iotune_api_get_finish (result, &error);

  /* Typed parameters, wrapped as libvirt-dbus wraps GetStats'. */
  if (!params)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new ("(@a{sv})", vb_lv_double_wrap (params)));
}

static void
handle_get_block_io_tune (VbLvCall *call)
{
  vb_iotune_api_get_async (call->connect->host, domain_of (call), vb_lv_call_string_arg (call, 0),
                           vb_lv_call_uint_arg (call, 1), iotune_ready, call);
}

static void
handle_set_vcpus (VbLvCall *call)
{
  vb_resources_api_set_vcpus_async (call->connect->host, domain_of (call),
                                    vb_lv_call_uint_arg (call, 0), vb_lv_call_uint_arg (call, 1),
                                    vb_lv_void_done,
                                    vb_lv_call_expect (call, vb_resources_api_finish));
}

static void
update_checked (VbLvCall *call)
{
  vb_media_api_update_async (call->connect->host, domain_of (call), call->xml,
                             vb_lv_call_uint_arg (call, 1), vb_lv_void_done,
                             vb_lv_call_expect (call, vb_media_api_update_finish));
}

static void
handle_update_device (VbLvCall *call)
{
  vb_lv_xml_check (call, vb_lv_call_string_arg (call, 0), update_checked);
}

/* ---- migration ---- */

/* virtbus's destination for libvirt's URI: qemu+ssh://[user@]host[:port]/system
 * becomes ssh://[user@]host[:port] (virtbusd --stdio-bridge over ssh); a
 * virtbus address (unix:path=..., tcp:...) is taken as it is. NULL for any
 * other URI. */
static char *
destination_of (const char *uri)
{
  const char *rest;
  const char *slash;

  if (g_str_has_prefix (uri, "unix:") || g_str_has_prefix (uri, "tcp:"))
    return g_strdup (uri);
  if (!g_str_has_prefix (uri, "qemu+ssh://"))
    return NULL;
  rest = uri + strlen ("qemu+ssh://");
  slash = strchr (rest, '/');
  if (!slash || slash == rest || (strcmp (slash, "/system") != 0 && strcmp (slash, "/") != 0))
    return NULL;
  return g_strdup_printf ("ssh://%.*s", (int) (slash - rest), rest);
}

static void
migration_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbJob *job = vb_migration_api_migrate_finish (result, &error);

  if (!job)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return_after_job (call, job);
}

static void
handle_migrate_to_uri3 (VbLvCall *call)
{
  const char *uri;
  g_autoptr (GVariant) params = NULL;
  guint flags;
  g_autofree char *destination = NULL;

  g_variant_get (call->parameters, "(&s@a{sv}u)", &uri, &params, &flags);
  destination = destination_of (uri);
  if (!destination)
    {
      vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                          "migration URI '%s': virtbus migrates to "
                                          "qemu+ssh://[user@]host[:port]/system or a virtbus "
                                          "D-Bus address",
                                          uri));
      return;
    }
  if (flags & LV_MIGRATE_NON_SHARED_DISK)
    {
      vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                          "virtbus does not copy non-shared disks during a "
                                          "migration"));
      return;
    }
  /* libvirt's call returns when the migration is done: wait for the Job. */
  vb_migration_api_migrate_async (call->connect->host, domain_of (call), destination, params,
                                  flags & ~LV_MIGRATE_PEER2PEER, migration_started, call);
}

static void
control_migration (VbLvCall *call, const char *what, guint64 value, guint flags)
{
  GError *error = NULL;

  if (!vb_migration_api_control (call->connect->host, domain_of (call), what, value, flags, &error))
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, NULL);
}

static void
handle_migrate_start_post_copy (VbLvCall *call)
{
  control_migration (call, "start-postcopy", 0, vb_lv_call_uint_arg (call, 0));
}

static void
handle_migrate_set_max_speed (VbLvCall *call)
{
  guint64 bandwidth;
  guint flags;
  GError *error = NULL;

  g_variant_get (call->parameters, "(tu)", &bandwidth, &flags);
  /* MiB/s, as libvirt counts it; its largest, QEMU_DOMAIN_MIG_BANDWIDTH_MAX, is virtbus's. */
  if (!vb_migration_api_set_max_speed (call->connect->host, domain_of (call), bandwidth, flags,
                                       &error))
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, NULL);
}

static void
handle_migrate_get_max_speed (VbLvCall *call)
{
  guint flags = vb_lv_call_uint_arg (call, 0);
  GError *error = NULL;
  guint64 bandwidth;

  if (!vb_migration_api_get_max_speed (call->connect->host, domain_of (call), flags, &bandwidth,
                                       &error))
    {
      vb_lv_call_fail (call, error);
      return;
    }
  /* No limit is libvirt's largest speed, what it answers until one is set. */
  vb_lv_call_return (call, g_variant_new ("(t)", bandwidth ? bandwidth : VB_MIGRATE_MAX_SPEED_MIB));
}

static void
handle_migrate_set_max_downtime (VbLvCall *call)
{
  guint64 downtime;
  guint flags;

  g_variant_get (call->parameters, "(tu)", &downtime, &flags);
  control_migration (call, "max-downtime", downtime, flags);
}

/* ---- snapshots ---- */

static void
return_snapshot (VbLvCall *call, VbSnapshot *snapshot)
{
  g_autofree char *path =
    vb_lv_snapshot_path (call->connect->path, vb_resource_get_uuid (VB_RESOURCE (domain_of (call))),
                         vb_snapshot_get_name (snapshot));

  vb_lv_call_return (call, g_variant_new ("(o)", path));
}

static void
handle_list_domain_snapshots (VbLvCall *call)
{
  GError *error = NULL;
  g_autoptr (GPtrArray) snapshots = vb_snapshot_api_list (call->connect->host, domain_of (call),
                                                          vb_lv_call_uint_arg (call, 0), &error);
  GVariantBuilder builder;

  if (!snapshots)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < snapshots->len; i++)
    {
      g_autofree char *path =
        vb_lv_snapshot_path (call->connect->path,
                             vb_resource_get_uuid (VB_RESOURCE (domain_of (call))),
                             vb_snapshot_get_name (snapshots->pdata[i]));

      g_variant_builder_add (&builder, "o", path);
    }
  vb_lv_call_return (call, g_variant_new ("(ao)", &builder));
}

static void
handle_snapshot_lookup_by_name (VbLvCall *call)
{
  const char *name = vb_lv_call_string_arg (call, 0);
  g_autoptr (VbSnapshot) snapshot = NULL;

  if (vb_lv_call_uint_arg (call, 1) == 0)
    snapshot = vb_snapshot_api_lookup (call->connect->host, domain_of (call), name, NULL);
  if (!snapshot)
    {
      vb_lv_call_fail (
        call,
        vb_lv_error_new ("Domain snapshot not found: no domain snapshot with matching name '%s'",
                         name));
      return;
    }
  return_snapshot (call, snapshot);
}

static void
handle_snapshot_current (VbLvCall *call)
{
  VbSnapshot *current =
    vb_snapshot_registry_get_current (vb_driver_host_get_snapshots (call->connect->host),
                                      vb_resource_get_uuid (VB_RESOURCE (domain_of (call))));

  if (!current)
    {
      vb_lv_call_fail (call, vb_lv_error_new ("Domain snapshot not found: the domain does not "
                                              "have a current snapshot"));
      return;
    }
  return_snapshot (call, current);
}

static void
snapshot_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (VbSnapshot) snapshot = vb_snapshot_api_create_finish (result, &error);

  if (!snapshot)
    vb_lv_call_fail (call, error);
  else
    return_snapshot (call, snapshot);
}

static void
snapshot_checked (VbLvCall *call)
{
  vb_snapshot_api_create_async (call->connect->host, domain_of (call), call->xml,
                                vb_lv_call_uint_arg (call, 1), snapshot_created, call);
}

static void
handle_snapshot_create_xml (VbLvCall *call)
{
  vb_lv_xml_check (call, vb_lv_call_string_arg (call, 0), snapshot_checked);
}

/* ---- the interface ---- */

static gpointer
resolve (const VbLvConnect *connect, const char *path, GError **error)
{
  g_autofree char *uuid = vb_lv_domain_uuid_from_path (connect->path, path);

  if (!uuid)
    {
      g_propagate_error (error, vb_lv_error_new ("Domain not found: no domain at %s", path));
      return NULL;
    }
  return vb_lv_domain_lookup_uuid (connect, uuid, error);
}

static const VbLvMethod methods[] = {
  { "AbortJob", vb_lv_domain_abort_job },
  { "AttachDevice", handle_attach_device },
  { "BlockCopy", vb_lv_domain_block_copy },
  { "BlockJobAbort", vb_lv_domain_block_job_abort },
  { "BlockJobSetSpeed", vb_lv_domain_block_job_set_speed },
  { "Create", handle_create },
  { "Destroy", handle_destroy },
  { "DetachDevice", handle_detach_device },
  { "GetBlockIOTune", handle_get_block_io_tune },
  { "GetBlockJobInfo", vb_lv_domain_get_block_job_info },
  { "GetControlInfo", vb_lv_domain_get_control_info },
  { "GetJobInfo", vb_lv_domain_get_job_info },
  { "GetJobStats", vb_lv_domain_get_job_stats },
  { "GetState", handle_get_state, TRUE },
  { "GetStats", handle_get_stats },
  { "GetVcpus", handle_get_vcpus },
  { "GetXMLDesc", handle_get_xml_desc, TRUE },
  { "HasManagedSaveImage", handle_has_managed_save_image },
  { "InjectNMI", handle_inject_nmi },
  { "PMWakeup", handle_pm_wakeup },
  { "InterfaceAddresses", handle_interface_addresses },
  { "ListDomainSnapshots", handle_list_domain_snapshots },
  { "ManagedSave", handle_managed_save },
  { "ManagedSaveRemove", handle_managed_save_remove },
  { "MemoryStats", vb_lv_domain_memory_stats },
  { "MigrateGetMaxSpeed", handle_migrate_get_max_speed },
  { "MigrateSetMaxDowntime", handle_migrate_set_max_downtime },
  { "MigrateSetMaxSpeed", handle_migrate_set_max_speed },
  { "MigrateStartPostCopy", handle_migrate_start_post_copy },
  { "MigrateToURI3", handle_migrate_to_uri3 },
  { "OpenGraphicsFD", vb_lv_domain_open_graphics_fd },
  { "Reboot", handle_reboot },
  { "Rename", handle_rename },
  { "Reset", handle_reset },
  { "Resume", handle_resume },
  { "Save", vb_lv_domain_save },
  { "SendKey", handle_send_key },
  { "SetBlockIOTune", handle_set_block_io_tune },
  { "SetMemory", handle_set_memory },
  { "SetVcpus", handle_set_vcpus },
  { "Shutdown", handle_shutdown },
  { "SnapshotCreateXML", handle_snapshot_create_xml },
  { "SnapshotCurrent", handle_snapshot_current },
  { "SnapshotLookupByName", handle_snapshot_lookup_by_name },
  { "Suspend", handle_suspend },
  { "Undefine", handle_undefine },
  { "UpdateDevice", handle_update_device },
  { NULL },
};

static const VbLvProperty properties[] = {
  { "Active", get_active },
  { "Autostart", vb_lv_resource_get_autostart, set_autostart },
  { "Id", get_id },
  { "Name", vb_lv_resource_get_name },
  { "OSType", get_os_type },
  { "Persistent", vb_lv_resource_get_persistent },
  { "SchedulerType", get_scheduler_type },
  { "Updated", get_updated },
  { "UUID", vb_lv_resource_get_uuid },
  { NULL },
};

const VbLvInterface vb_lv_domain_interface = {
  .name = "org.libvirt.Domain",
  .not_found = "Domain not found",
  .methods = methods,
  .properties = properties,
  .cacheable_properties = TRUE,
  .resolve = resolve,
};
