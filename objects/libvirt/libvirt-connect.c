#include "libvirt-connect.h"

#include <libxml/parser.h>
#include <string.h>
#include <unistd.h>

#include "domain-api.h"
#include "host-api.h"
#include "libvirt-domain-more.h"
#include "libvirt-domain.h"
#include "libvirt-error.h"
#include "libvirt-net-storage.h"
#include "libvirt-netif.h"
#include "libvirt-nodedev.h"
#include "libvirt-numbers.h"
#include "libvirt-xml-check.h"
#include "snapshot-api.h"
#include "vb-error.h"

#define CONNECT_INTERFACE "org.libvirt.Connect"

/* virConnectListAllDomainsFlags beyond what Manager.ListDomains filters
 * (the bits below 256, AUTOSTART and NO_AUTOSTART have the same values). */
#define LV_LIST_MANAGEDSAVE (1u << 8)
#define LV_LIST_NO_MANAGEDSAVE (1u << 9)
#define LV_LIST_HAS_SNAPSHOT (1u << 12)
#define LV_LIST_NO_SNAPSHOT (1u << 13)
#define LV_LIST_HAS_CHECKPOINT (1u << 14)
#define LV_LIST_NO_CHECKPOINT (1u << 15)
#define LV_LIST_OURS                                                                         \
  (LV_LIST_MANAGEDSAVE | LV_LIST_NO_MANAGEDSAVE | LV_LIST_HAS_SNAPSHOT | LV_LIST_NO_SNAPSHOT \
   | LV_LIST_HAS_CHECKPOINT | LV_LIST_NO_CHECKPOINT)

void
vb_lv_connect_domain_event (const VbLvConnect *connect, VbDomain *domain, const char *event,
                            const char *detail)
{
  g_autofree char *path = NULL;
  int event_number, detail_number;

  if (!vb_lv_event_numbers (event, detail, &event_number, &detail_number))
    return;
  path = vb_lv_domain_object_path (connect, domain);
  g_dbus_connection_emit_signal (connect->bus, NULL, connect->path, CONNECT_INTERFACE,
                                 "DomainEvent",
                                 g_variant_new ("(oii)", path, event_number, detail_number), NULL);
}

static guint64
host_memory_kib (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGESIZE);

  return pages > 0 && page_size > 0 ? (guint64) pages * (guint64) page_size / 1024 : 0;
}

/* ---- properties ---- */

static GVariant *
get_encrypted (const VbLvConnect *connect, gpointer object)
{
  /* virConnectIsEncrypted of a local connection. */
  return g_variant_new_boolean (FALSE);
}

static GVariant *
get_hostname (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (g_get_host_name ());
}

static GVariant *
get_lib_version (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_uint64 (VB_LV_LIB_VERSION);
}

static GVariant *
get_secure (const VbLvConnect *connect, gpointer object)
{
  /* virConnectIsSecure: a local socket nobody can snoop on is secure; the
   * real libvirt-dbus answers false for its test:///default connection. */
  return g_variant_new_boolean (strcmp (connect->driver, "test") != 0);
}

static GVariant *
get_version (const VbLvConnect *connect, gpointer object)
{
  /* virConnectGetVersion: the test driver's is 2 in libvirt; the QEMU
   * binary's version is not known to the front end (0, as libvirt answers
   * when it cannot tell). */
  return g_variant_new_uint64 (strcmp (connect->driver, "test") == 0 ? 2 : 0);
}

/* ---- domains ---- */

/* Whether @domain passes the filters virtbus's list does not have. */
static gboolean
passes_our_filters (VbLvCall *call, VbDomain *domain, guint flags)
{
  gboolean saved = vb_domain_get_managed_save (domain);

  if ((flags & (LV_LIST_MANAGEDSAVE | LV_LIST_NO_MANAGEDSAVE))
      && !(flags & (saved ? LV_LIST_MANAGEDSAVE : LV_LIST_NO_MANAGEDSAVE)))
    return FALSE;
  if (flags & (LV_LIST_HAS_SNAPSHOT | LV_LIST_NO_SNAPSHOT))
    {
      guint count = vb_snapshot_registry_count (vb_driver_host_get_snapshots (call->connect->host),
                                                vb_resource_get_uuid (VB_RESOURCE (domain)));

      if (!(flags & (count ? LV_LIST_HAS_SNAPSHOT : LV_LIST_NO_SNAPSHOT)))
        return FALSE;
    }
  /* virtbus has no checkpoints. */
  if ((flags & (LV_LIST_HAS_CHECKPOINT | LV_LIST_NO_CHECKPOINT))
      && !(flags & LV_LIST_NO_CHECKPOINT))
    return FALSE;
  return TRUE;
}

static void
handle_list_domains (VbLvCall *call)
{
  guint flags = vb_lv_call_uint_arg (call, 0);
  VbLvListCache *cache = call->connect->all_domains;
  guint64 generation = vb_domain_api_list_generation (call->connect->host);
  GError *error = NULL;
  g_autoptr (GPtrArray) domains = NULL;
  g_autoptr (GPtrArray) paths = NULL;
  GVariant *reply;

  /* Clients list all domains and poll: at a thousand domains, building the
   * list cost twice what sending it does. */
  if (flags == 0 && cache->reply && cache->generation == generation)
    {
      vb_lv_call_return (call, cache->reply);
      return;
    }
  domains = vb_domain_api_list (call->connect->host, flags & ~LV_LIST_OURS, &error);
  if (!domains)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  paths = g_ptr_array_new_full (domains->len + 1, g_free);
  for (guint i = 0; i < domains->len; i++)
    {
      VbDomain *domain = domains->pdata[i];

      if (vb_lv_domain_belongs (call->connect, domain) && passes_our_filters (call, domain, flags))
        g_ptr_array_add (paths, vb_lv_domain_object_path (call->connect, domain));
    }
  reply = g_variant_ref_sink (
    g_variant_new ("(@ao)", g_variant_new_objv ((const char *const *) paths->pdata, paths->len)));
  if (flags == 0)
    {
      g_clear_pointer (&cache->reply, g_variant_unref);
      cache->reply = g_variant_ref (reply);
      cache->generation = generation;
    }
  vb_lv_call_return (call, reply);
  g_variant_unref (reply);
}

static void
handle_domain_lookup_by_name (VbLvCall *call)
{
  const char *name = vb_lv_call_string_arg (call, 0);
  VbDomain *domain = vb_domain_api_lookup_by_name (call->connect->host, name, NULL);

  if (!domain || !vb_lv_domain_belongs (call->connect, domain))
    vb_lv_call_fail (call,
                     vb_lv_error_new ("Domain not found: no domain with matching name '%s'", name));
  else
    vb_lv_call_return_domain (call, g_object_ref (domain), NULL);
}

static void
handle_domain_lookup_by_uuid (VbLvCall *call)
{
  GError *error = NULL;
  VbDomain *domain =
    vb_lv_domain_lookup_uuid (call->connect, vb_lv_call_string_arg (call, 0), &error);

  vb_lv_call_return_domain (call, domain, error);
}

static void
handle_domain_lookup_by_id (VbLvCall *call)
{
  int id;
  g_autoptr (GPtrArray) domains = NULL;

  g_variant_get (call->parameters, "(i)", &id);
  domains = vb_domain_api_list (call->connect->host, 0, NULL);
  for (guint i = 0; id >= 0 && i < domains->len; i++)
    {
      VbDomain *domain = domains->pdata[i];

      if (vb_domain_is_active (domain) && vb_domain_get_id (domain) == id
          && vb_lv_domain_belongs (call->connect, domain))
        {
          vb_lv_call_return_domain (call, g_object_ref (domain), NULL);
          return;
        }
    }
  vb_lv_call_fail (call, vb_lv_error_new ("Domain not found: no domain with matching id %d", id));
}

/* The <domain type=...> of @xml; NULL when it does not parse (the define
 * then says why). */
static char *
domain_type (const char *xml)
{
  xmlDocPtr doc = xmlReadMemory (xml, (int) strlen (xml), NULL, NULL,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  xmlNodePtr root = doc ? xmlDocGetRootElement (doc) : NULL;
  xmlChar *type = root ? xmlGetProp (root, (const xmlChar *) "type") : NULL;
  char *result = type ? g_strdup ((const char *) type) : NULL;

  xmlFree (type);
  if (doc)
    xmlFreeDoc (doc);
  return result;
}

/* A domain of another driver belongs to another Connect: refused before it
 * is defined. */
static gboolean
check_driver (VbLvCall *call, const char *xml, GError **error)
{
  g_autofree char *type = domain_type (xml);
  const VbDomainDriver *driver =
    type ? vb_driver_host_find_domain_driver (call->connect->host, type) : NULL;

  if (!driver || strcmp (driver->name, call->connect->driver) == 0)
    return TRUE;
  g_propagate_error (error, vb_lv_error_new ("unsupported configuration: domain type '%s' is not "
                                             "served by %s",
                                             type, call->connect->path));
  return FALSE;
}

static void
domain_defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbDomain *domain = vb_domain_api_define_finish (result, &error);

  vb_lv_call_return_domain (call, domain, error);
}

static void
define_checked (VbLvCall *call)
{
  vb_domain_api_define_async (call->connect->host, call->xml, 0, domain_defined, call);
}

static void
handle_domain_define_xml (VbLvCall *call)
{
  GError *error = NULL;

  if (!check_driver (call, vb_lv_call_string_arg (call, 0), &error))
    vb_lv_call_fail (call, error);
  else
    vb_lv_xml_check (call, vb_lv_call_string_arg (call, 0), define_checked);
}

static void
domain_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbDomain *domain = vb_domain_api_create_finish (result, &error);

  vb_lv_call_return_domain (call, domain, error);
}

static void
create_checked (VbLvCall *call)
{
  vb_domain_api_create_async (call->connect->host, call->xml, vb_lv_call_uint_arg (call, 1),
                              domain_created, call);
}

static void
handle_domain_create_xml (VbLvCall *call)
{
  GError *error = NULL;

  if (!check_driver (call, vb_lv_call_string_arg (call, 0), &error))
    vb_lv_call_fail (call, error);
  else
    vb_lv_xml_check (call, vb_lv_call_string_arg (call, 0), create_checked);
}

/* ---- the host ---- */

static void
capabilities_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autofree char *xml = vb_domain_api_capabilities_finish (result, &error);

  if (!xml)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new ("(s)", xml));
}

static void
handle_get_capabilities (VbLvCall *call)
{
  vb_domain_api_capabilities_async (call->connect->host, (guint) g_get_num_processors (),
                                    host_memory_kib (), capabilities_ready, call);
}

static void
domain_capabilities_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autofree char *xml = vb_domain_api_domain_capabilities_finish (result, &error);

  if (!xml)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new ("(s)", xml));
}

static void
handle_get_domain_capabilities (VbLvCall *call)
{
  const char *emulator, *arch, *machine, *virttype;
  guint flags;

  /* "" is libvirt-dbus's NULL, as it is the operation layer's. */
  g_variant_get (call->parameters, "(&s&s&s&su)", &emulator, &arch, &machine, &virttype, &flags);
  /* No virttype: this connection's driver answers, as libvirt's would (the
   * operation layer's default is the QEMU driver, with kvm when it can). */
  if (!*virttype && strcmp (call->connect->driver, "qemu") != 0)
    virttype = call->connect->driver;
  vb_domain_api_domain_capabilities_async (call->connect->host, emulator, arch, machine, virttype,
                                           flags, domain_capabilities_ready, call);
}

static void
memory_stats_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) stats = vb_host_api_memory_stats_finish (result, &error);

  if (!stats)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new_tuple (&stats, 1));
}

static void
handle_node_get_memory_stats (VbLvCall *call)
{
  int cell;
  guint flags;

  /* libvirt's keys (total, free, buffers, cached) in KiB; cell -1 is the host. */
  g_variant_get (call->parameters, "(iu)", &cell, &flags);
  vb_host_api_memory_stats_async (call->connect->host, cell, flags, memory_stats_ready, call);
}

static const VbLvMethod methods[] = {
  /* Networks and storage (libvirt-connect-network.c, libvirt-connect-storage.c). */
  { "ListNetworks", vb_lv_connect_list_networks, TRUE },
  { "ListStoragePools", vb_lv_connect_list_storage_pools, TRUE },
  { "NetworkCreateXML", vb_lv_connect_network_create_xml },
  { "NetworkDefineXML", vb_lv_connect_network_define_xml },
  { "NetworkLookupByName", vb_lv_connect_network_lookup_by_name },
  { "NetworkLookupByUUID", vb_lv_connect_network_lookup_by_uuid },
  { "StoragePoolCreateXML", vb_lv_connect_storage_pool_create_xml },
  { "StoragePoolDefineXML", vb_lv_connect_storage_pool_define_xml },
  { "StoragePoolLookupByName", vb_lv_connect_storage_pool_lookup_by_name },
  { "StoragePoolLookupByUUID", vb_lv_connect_storage_pool_lookup_by_uuid },
  { "StorageVolLookupByKey", vb_lv_connect_storage_vol_lookup_by_key },
  { "StorageVolLookupByPath", vb_lv_connect_storage_vol_lookup_by_path },
  /* Domains and the host. */
  { "DomainCreateXML", handle_domain_create_xml },
  { "DomainDefineXML", handle_domain_define_xml },
  { "DomainLookupByID", handle_domain_lookup_by_id },
  { "DomainLookupByName", handle_domain_lookup_by_name, TRUE },
  { "DomainLookupByUUID", handle_domain_lookup_by_uuid, TRUE },
  { "DomainRestore", vb_lv_connect_domain_restore },
  { "GetAllDomainStats", vb_lv_connect_get_all_domain_stats },
  { "GetCapabilities", handle_get_capabilities },
  { "ListDomains", handle_list_domains, TRUE },
  { "NodeGetCPUMap", vb_lv_connect_node_get_cpu_map },
  { "NodeGetFreeMemory", vb_lv_connect_node_get_free_memory },
  { "NodeGetMemoryStats", handle_node_get_memory_stats },
  /* The host: domain capabilities, interfaces, node devices. */
  { "GetDomainCapabilities", handle_get_domain_capabilities },
  { "InterfaceLookupByMAC", vb_lv_connect_interface_lookup_by_mac },
  { "InterfaceLookupByName", vb_lv_connect_interface_lookup_by_name },
  { "ListInterfaces", vb_lv_connect_list_interfaces },
  { "ListNodeDevices", vb_lv_connect_list_node_devices },
  { "NodeDeviceLookupByName", vb_lv_connect_node_device_lookup_by_name },
  { NULL },
};

static const VbLvProperty properties[] = {
  { "Encrypted", get_encrypted }, { "Hostname", get_hostname }, { "LibVersion", get_lib_version },
  { "Secure", get_secure },       { "Version", get_version },   { NULL },
};

const VbLvInterface vb_lv_connect_interface = {
  .name = CONNECT_INTERFACE,
  .not_found = "Domain not found",
  .methods = methods,
  .properties = properties,
  .resolve = NULL,
};
