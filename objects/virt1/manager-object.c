#include "manager-object.h"

#include <unistd.h>

#include "authorized-dispatch.h"
#include "dbus-error.h"
#include "domain-api.h"
#include "domain-xml-check.h"
#include "host-api.h"
#include "model-generation.h"
#include "network-api.h"
#include "resource-api.h"
#include "save-api.h"
#include "secret-api.h"
#include "storage-api.h"
#include "vb-config.h"

struct _VbManagerObject {
  VbDBusManagerSkeleton parent;
  VbBusContext *context;
};

static void manager_iface_init (VbDBusManagerIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbManagerObject, vb_manager_object, VB_DBUS_TYPE_MANAGER_SKELETON,
                               G_IMPLEMENT_INTERFACE (VB_DBUS_TYPE_MANAGER, manager_iface_init))

static VbDriverHost *
host_of (VbDBusManager *iface)
{
  return VB_MANAGER_OBJECT (iface)->context->host;
}

/* Every New/Define/Create callback has this shape: a finish returning a
 * resource, and the invocation to answer with its path. */
#define RESOURCE_DONE(callback, type, finish)                                     \
  static void callback (GObject *source, GAsyncResult *result, gpointer user_data) \
  {                                                                               \
    GError *error = NULL;                                                         \
    g_autoptr (type) made = finish (result, &error);                              \
    vb_complete_resource_path (user_data, (VbResource *) made, error);            \
  }

RESOURCE_DONE (domain_defined, VbDomain, vb_domain_api_define_finish)
RESOURCE_DONE (domain_created, VbDomain, vb_domain_api_create_finish)
RESOURCE_DONE (network_made, VbNetwork, vb_network_api_new_finish)
RESOURCE_DONE (pool_made, VbPool, vb_pool_api_new_finish)

/* A DefineDomain or CreateDomain whose XML is being checked. */
typedef struct {
  GDBusMethodInvocation *invocation;
  VbDriverHost *host;
  char *xml;
  guint flags;
  gboolean create;
} DomainCall;

static void
domain_call_free (DomainCall *call)
{
  g_free (call->xml);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DomainCall, domain_call_free)

static void
domain_xml_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DomainCall) call = user_data;
  GError *error = NULL;
  g_autofree char *checked = vb_domain_xml_check_finish (result, &error);

  if (!checked)
    vb_dbus_return_error (call->invocation, error);
  else if (call->create)
    vb_domain_api_create_async (call->host, checked, call->flags, domain_created,
                                call->invocation);
  else
    vb_domain_api_define_async (call->host, checked, call->flags, domain_defined,
                                call->invocation);
}

static void
check_domain_xml (VbDBusManager *iface, GDBusMethodInvocation *invocation, const char *xml,
                  guint flags, gboolean create)
{
  DomainCall *call = g_new0 (DomainCall, 1);

  call->invocation = invocation;
  call->host = host_of (iface);
  call->xml = g_strdup (xml);
  call->flags = flags;
  call->create = create;
  vb_domain_xml_check_async (G_DBUS_INTERFACE_SKELETON (iface), invocation, call->host, xml, FALSE,
                             domain_xml_checked, call);
}

static gboolean
handle_define_domain (VbDBusManager *iface, GDBusMethodInvocation *invocation, const char *xml,
                      guint flags)
{
  check_domain_xml (iface, invocation, xml, flags, FALSE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_create_domain (VbDBusManager *iface, GDBusMethodInvocation *invocation, const char *xml,
                      guint flags)
{
  check_domain_xml (iface, invocation, xml, flags, TRUE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_domain_by_name (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                              const char *name)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  VbDomain *domain = vb_domain_api_lookup_by_name (host_of (iface), name, &error);

  vb_complete_read_path (VB_MANAGER_OBJECT (iface)->context, generation, invocation,
                         (VbResource *) domain, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_domain_by_uuid (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                              const char *uuid)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  VbDomain *domain = vb_domain_api_lookup_by_uuid (host_of (iface), uuid, &error);

  vb_complete_read_path (VB_MANAGER_OBJECT (iface)->context, generation, invocation,
                         (VbResource *) domain, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_domains (VbDBusManager *iface, GDBusMethodInvocation *invocation, guint flags)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  g_autoptr (GPtrArray) domains = vb_domain_api_list (host_of (iface), flags, &error);

  vb_complete_read_paths (VB_MANAGER_OBJECT (iface)->context, generation, invocation, domains,
                          error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The same values as the domain's properties (domain-object.c). */
static void
add_summary (GVariantBuilder *builder, VbDomain *domain)
{
  VbResource *resource = VB_RESOURCE (domain);
  const VbDomainDef *def = vb_domain_get_live_def (domain);
  g_autofree char *path = vb_resource_object_path (resource);

  if (!def)
    def = vb_domain_get_def (domain);
  g_variant_builder_add (builder, "(ossutb)", path, vb_resource_get_name (resource),
                         vb_domain_state_to_string (vb_domain_get_state (domain)),
                         def->current_vcpus, def->memory_kib, vb_resource_get_autostart (resource));
}

static gboolean
handle_list_domain_summaries (VbDBusManager *iface, GDBusMethodInvocation *invocation, guint flags)
{
  VbManagerObject *self = VB_MANAGER_OBJECT (iface);
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  g_autoptr (GPtrArray) domains = vb_domain_api_list (host_of (iface), flags, &error);
  GVariantBuilder builder;

  if (!domains)
    {
      vb_dbus_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ossutb)"));
  for (guint i = 0; i < domains->len; i++)
    add_summary (&builder, domains->pdata[i]);
  vb_complete_read (self->context, generation, invocation, g_variant_new ("(a(ossutb))", &builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- networks ---- */

static gboolean
handle_define_network (VbDBusManager *iface, GDBusMethodInvocation *invocation, const char *xml,
                       guint flags)
{
  vb_network_api_define_async (host_of (iface), xml, flags, network_made, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_create_network (VbDBusManager *iface, GDBusMethodInvocation *invocation, const char *xml,
                       guint flags)
{
  vb_network_api_create_async (host_of (iface), xml, flags, network_made, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_network_by_name (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                               const char *name)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  VbNetwork *network = vb_network_api_lookup_by_name (host_of (iface), name, &error);

  vb_complete_read_path (VB_MANAGER_OBJECT (iface)->context, generation, invocation,
                         (VbResource *) network, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_network_by_uuid (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                               const char *uuid)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  VbNetwork *network = vb_network_api_lookup_by_uuid (host_of (iface), uuid, &error);

  vb_complete_read_path (VB_MANAGER_OBJECT (iface)->context, generation, invocation,
                         (VbResource *) network, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_networks (VbDBusManager *iface, GDBusMethodInvocation *invocation, guint flags)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  g_autoptr (GPtrArray) networks = vb_network_api_list (host_of (iface), flags, &error);

  vb_complete_read_paths (VB_MANAGER_OBJECT (iface)->context, generation, invocation, networks,
                          error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- secrets ---- */

static char *
secret_path (gpointer secret)
{
  return vb_secret_api_path (secret);
}

static void
complete_secret (GDBusMethodInvocation *invocation, VbSecret *secret, GError *error)
{
  g_autofree char *path = NULL;

  if (!secret)
    {
      vb_dbus_return_error (invocation, error);
      return;
    }
  path = vb_secret_api_path (secret);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));
}

static void
secret_defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (VbSecret) secret = vb_secret_api_define_finish (result, &error);

  complete_secret (user_data, secret, error);
}

static gboolean
handle_define_secret (VbDBusManager *iface, GDBusMethodInvocation *invocation, const char *xml,
                      guint flags)
{
  vb_secret_api_define_async (host_of (iface), xml, flags, secret_defined, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_secrets (VbDBusManager *iface, GDBusMethodInvocation *invocation, guint flags)
{
  GError *error = NULL;
  g_autoptr (GPtrArray) secrets = vb_secret_api_list (host_of (iface), flags, &error);

  vb_complete_paths (invocation, secrets, secret_path, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_secret_by_uuid (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                              const char *uuid)
{
  GError *error = NULL;
  VbSecret *secret = vb_secret_api_lookup_by_uuid (host_of (iface), uuid, &error);

  complete_secret (invocation, secret, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_secret_by_usage (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                               const char *usage_type, const char *usage_id)
{
  GError *error = NULL;
  VbSecret *secret = vb_secret_api_lookup_by_usage (host_of (iface), usage_type, usage_id, &error);

  complete_secret (invocation, secret, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- storage pools ---- */

static gboolean
handle_define_storage_pool (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                            const char *xml, guint flags)
{
  vb_pool_api_define_async (host_of (iface), xml, flags, pool_made, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_create_storage_pool (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                            const char *xml, guint flags)
{
  vb_pool_api_create_async (host_of (iface), xml, flags, pool_made, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_storage_pool_by_name (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                                    const char *name)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  VbPool *pool = vb_pool_api_lookup_by_name (host_of (iface), name, &error);

  vb_complete_read_path (VB_MANAGER_OBJECT (iface)->context, generation, invocation,
                         (VbResource *) pool, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_lookup_storage_pool_by_uuid (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                                    const char *uuid)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  VbPool *pool = vb_pool_api_lookup_by_uuid (host_of (iface), uuid, &error);

  vb_complete_read_path (VB_MANAGER_OBJECT (iface)->context, generation, invocation,
                         (VbResource *) pool, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_storage_pools (VbDBusManager *iface, GDBusMethodInvocation *invocation, guint flags)
{
  guint64 generation = vb_model_generation ();
  GError *error = NULL;
  g_autoptr (GPtrArray) pools = vb_pool_api_list (host_of (iface), flags, &error);

  vb_complete_read_paths (VB_MANAGER_OBJECT (iface)->context, generation, invocation, pools, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- save and restore ---- */

static void
restore_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (VbJob) job = vb_save_api_restore_finish (result, &error);

  vb_complete_job_path (user_data, job, error);
}

/* A Restore between opening its image and restoring it. */
typedef struct {
  GDBusMethodInvocation *invocation;
  VbDBusManager *iface;
  VbRestoreImage *image;
} RestoreCall;

static void
restore_call_free (RestoreCall *call)
{
  vb_restore_image_free (call->image);
  g_object_unref (call->iface);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RestoreCall, restore_call_free)

static void
restore_image_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (RestoreCall) call = user_data;
  GError *error = NULL;
  g_autofree char *checked = vb_domain_xml_check_finish (result, &error);

  /* The image's XML is restored as written; the start-time check of the
   * chains covers a later Start. */
  if (!checked)
    {
      g_prefix_error (&error, "the save image was not written by this service, so its domain XML "
                              "needs what DefineDomain needs: ");
      vb_dbus_return_error (call->invocation, error);
      return;
    }
  vb_save_api_restore_async (host_of (call->iface), g_steal_pointer (&call->image),
                             restore_started, call->invocation);
}

/* An image this service wrote holds a definition that was checked when its
 * domain was defined; any other holds the caller's XML, which needs what
 * DefineDomain needs. */
static void
restore_image_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (RestoreCall) call = user_data;
  RestoreCall *checking;
  GError *error = NULL;

  call->image = vb_save_api_restore_open_finish (result, &error);
  if (!call->image)
    {
      vb_dbus_return_error (call->invocation, error);
      return;
    }
  if (vb_restore_image_is_authenticated (call->image))
    {
      vb_save_api_restore_async (host_of (call->iface), g_steal_pointer (&call->image),
                                 restore_started, call->invocation);
      return;
    }
  checking = g_steal_pointer (&call);
  vb_domain_xml_check_async (G_DBUS_INTERFACE_SKELETON (checking->iface), checking->invocation,
                             host_of (checking->iface), vb_restore_image_get_xml (checking->image),
                             TRUE, restore_image_checked, checking);
}

static gboolean
handle_restore (VbDBusManager *iface, GDBusMethodInvocation *invocation, const char *path,
                guint flags)
{
  RestoreCall *call = g_new0 (RestoreCall, 1);

  call->invocation = invocation;
  call->iface = g_object_ref (iface);
  vb_save_api_restore_open_async (host_of (iface), path, flags, restore_image_opened, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the host ---- */

static void
capabilities_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  GError *error = NULL;
  g_autofree char *xml = vb_domain_api_capabilities_finish (result, &error);

  if (!xml)
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", xml));
}

static gboolean
handle_get_capabilities (VbDBusManager *iface, GDBusMethodInvocation *invocation)
{
  vb_domain_api_capabilities_async (host_of (iface), vb_dbus_manager_get_host_cpus (iface),
                                    vb_dbus_manager_get_host_memory_ki_b (iface),
                                    capabilities_ready, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static guint64
host_memory_kib (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGESIZE);

  return pages > 0 && page_size > 0 ? (guint64) pages * (guint64) page_size / 1024 : 0;
}

/* ---- host facts and domain capabilities ---- */

/* Answers @invocation with the one value of its reply, or the error. */
static void
return_one (GDBusMethodInvocation *invocation, GVariant *value, GError *error)
{
  if (!value)
    vb_dbus_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&value, 1));
}

static void
domain_capabilities_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autofree char *xml = vb_domain_api_domain_capabilities_finish (result, &error);

  return_one (user_data, xml ? g_variant_new_string (xml) : NULL, error);
}

static gboolean
handle_get_domain_capabilities (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                                const char *emulator, const char *arch, const char *machine,
                                const char *virttype, guint flags)
{
  vb_domain_api_domain_capabilities_async (host_of (iface), emulator, arch, machine, virttype,
                                           flags, domain_capabilities_ready, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
node_info_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (GVariant) info = vb_host_api_node_info_finish (result, &error);

  return_one (user_data, info, error);
}

static gboolean
handle_get_node_info (VbDBusManager *iface, GDBusMethodInvocation *invocation)
{
  vb_host_api_node_info_async (host_of (iface), node_info_ready, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
memory_stats_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (GVariant) stats = vb_host_api_memory_stats_finish (result, &error);

  return_one (user_data, stats, error);
}

static gboolean
handle_get_node_memory_stats (VbDBusManager *iface, GDBusMethodInvocation *invocation, int cell,
                              guint flags)
{
  vb_host_api_memory_stats_async (host_of (iface), cell, flags, memory_stats_ready, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
names_ready (GDBusMethodInvocation *invocation, GStrv names, GError *error)
{
  return_one (invocation, names ? g_variant_new_strv ((const char *const *) names, -1) : NULL,
              error);
  g_strfreev (names);
}

static void
host_interfaces_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  GStrv names = vb_host_api_list_interfaces_finish (result, &error);

  names_ready (user_data, names, error);
}

static gboolean
handle_list_host_interfaces (VbDBusManager *iface, GDBusMethodInvocation *invocation, guint flags)
{
  vb_host_api_list_interfaces_async (host_of (iface), flags, host_interfaces_listed, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
host_interface_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (VbHostNetif) netif = vb_host_api_interface_finish (result, &error);

  return_one (user_data, netif ? vb_host_netif_to_variant (netif) : NULL, error);
}

static gboolean
handle_get_host_interface (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                           const char *name)
{
  vb_host_api_interface_async (host_of (iface), name, 0, host_interface_read, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
host_interface_xml_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autoptr (VbHostNetif) netif = vb_host_api_interface_finish (result, &error);
  g_autofree char *xml = netif ? vb_host_netif_format_xml (netif) : NULL;

  return_one (user_data, xml ? g_variant_new_string (xml) : NULL, error);
}

static gboolean
handle_get_host_interface_xml (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                               const char *name, guint flags)
{
  vb_host_api_interface_async (host_of (iface), name, flags, host_interface_xml_read, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
node_devices_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  GStrv names = vb_host_api_list_node_devices_finish (result, &error);

  names_ready (user_data, names, error);
}

static gboolean
handle_list_node_devices (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                          const char *capability, guint flags)
{
  vb_host_api_list_node_devices_async (host_of (iface), capability, flags, node_devices_listed,
                                       invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
node_device_xml_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError *error = NULL;
  g_autofree char *xml = vb_host_api_node_device_xml_finish (result, &error);

  return_one (user_data, xml ? g_variant_new_string (xml) : NULL, error);
}

static gboolean
handle_get_node_device_xml (VbDBusManager *iface, GDBusMethodInvocation *invocation,
                            const char *name, guint flags)
{
  vb_host_api_node_device_xml_async (host_of (iface), name, flags, node_device_xml_read,
                                     invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the state directory ---- */

static void
update_rejected_configs (gpointer user_data)
{
  VbManagerObject *self = user_data;
  GPtrArray *rejected = vb_resource_api_get_rejected (self->context->host);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sss)"));
  for (guint i = 0; i < rejected->len; i++)
    {
      VbRejectedConfig *config = rejected->pdata[i];

      g_variant_builder_add (&builder, "(sss)", config->kind, config->path, config->reason);
    }
  /* A change the reply cache must see, like the model's (virt1-replies.c
   * answers Properties reads of the Manager again while it stays). */
  vb_model_generation_advance ();
  /* The skeleton sends PropertiesChanged once exported. */
  vb_dbus_manager_set_rejected_configs (VB_DBUS_MANAGER (self), g_variant_builder_end (&builder));
}

static void
vb_manager_object_dispose (GObject *object)
{
  VbManagerObject *self = VB_MANAGER_OBJECT (object);

  if (self->context)
    vb_resource_api_watch_rejected (self->context->host, NULL, NULL);
  self->context = NULL;
  G_OBJECT_CLASS (vb_manager_object_parent_class)->dispose (object);
}

static void
vb_manager_object_class_init (VbManagerObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = vb_manager_object_dispose;
  vb_dispatch_class_init (G_DBUS_INTERFACE_SKELETON_CLASS (klass), NULL);
}

static void
vb_manager_object_init (VbManagerObject *self)
{
}

static void
manager_iface_init (VbDBusManagerIface *iface)
{
  iface->handle_define_domain = handle_define_domain;
  iface->handle_create_domain = handle_create_domain;
  iface->handle_lookup_domain_by_name = handle_lookup_domain_by_name;
  iface->handle_lookup_domain_by_uuid = handle_lookup_domain_by_uuid;
  iface->handle_list_domains = handle_list_domains;
  iface->handle_list_domain_summaries = handle_list_domain_summaries;
  iface->handle_define_network = handle_define_network;
  iface->handle_create_network = handle_create_network;
  iface->handle_lookup_network_by_name = handle_lookup_network_by_name;
  iface->handle_lookup_network_by_uuid = handle_lookup_network_by_uuid;
  iface->handle_list_networks = handle_list_networks;
  iface->handle_define_secret = handle_define_secret;
  iface->handle_list_secrets = handle_list_secrets;
  iface->handle_lookup_secret_by_uuid = handle_lookup_secret_by_uuid;
  iface->handle_lookup_secret_by_usage = handle_lookup_secret_by_usage;
  iface->handle_define_storage_pool = handle_define_storage_pool;
  iface->handle_create_storage_pool = handle_create_storage_pool;
  iface->handle_lookup_storage_pool_by_name = handle_lookup_storage_pool_by_name;
  iface->handle_lookup_storage_pool_by_uuid = handle_lookup_storage_pool_by_uuid;
  iface->handle_list_storage_pools = handle_list_storage_pools;
  iface->handle_get_capabilities = handle_get_capabilities;
  iface->handle_restore = handle_restore;
  iface->handle_get_domain_capabilities = handle_get_domain_capabilities;
  iface->handle_get_node_info = handle_get_node_info;
  iface->handle_get_node_memory_stats = handle_get_node_memory_stats;
  iface->handle_list_host_interfaces = handle_list_host_interfaces;
  iface->handle_get_host_interface = handle_get_host_interface;
  iface->handle_get_host_interface_xml = handle_get_host_interface_xml;
  iface->handle_list_node_devices = handle_list_node_devices;
  iface->handle_get_node_device_xml = handle_get_node_device_xml;
}

VbManagerObject *
vb_manager_object_new (VbBusContext *context)
{
  VbManagerObject *self = g_object_new (VB_TYPE_MANAGER_OBJECT, NULL);
  VbDBusManager *iface = VB_DBUS_MANAGER (self);
  g_auto (GStrv) drivers = vb_driver_host_list_driver_names (context->host);

  self->context = context;
  vb_dbus_manager_set_version (iface, VB_VERSION);
  vb_dbus_manager_set_hostname (iface, g_get_host_name ());
  vb_dbus_manager_set_drivers (iface, (const char *const *) drivers);
  vb_dbus_manager_set_host_memory_ki_b (iface, host_memory_kib ());
  vb_dbus_manager_set_host_cpus (iface, (guint) g_get_num_processors ());
  /* Most are found at start-up, before this object exists; snapshot metadata
   * of a domain defined later is read (and may be rejected) later. */
  update_rejected_configs (self);
  vb_resource_api_watch_rejected (context->host, update_rejected_configs, self);
  return self;
}
