/* org.libvirt.Network on Network's checked operations (network-api.h). */
#include <string.h>

#include "libvirt-error.h"
#include "libvirt-resource.h"
#include "libvirt-net-storage.h"
#include "network-api.h"
#include "vb-error.h"

static VbNetwork *
network_of (VbLvCall *call)
{
  return call->object;
}

static gpointer
resolve (const VbLvConnect *connect, const char *path, GError **error)
{
  g_autofree char *uuid = vb_lv_uuid_from_object_path (connect->path, VB_LV_NETWORK_NODE, path);
  VbNetwork *network = uuid ? vb_network_api_lookup_by_uuid (connect->host, uuid, NULL) : NULL;

  if (!network)
    {
      g_propagate_error (error,
                         vb_lv_error_new ("Network not found: no network with matching uuid '%s'",
                                          uuid ? uuid : path));
      return NULL;
    }
  return g_object_ref (network);
}

/* ---- properties ---- */

static GVariant *
get_active (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_boolean (vb_network_get_active (object));
}

static void
set_autostart (VbLvCall *call, GVariant *value)
{
  vb_network_api_set_autostart_async (call->connect->host, network_of (call),
                                      g_variant_get_boolean (value), vb_lv_void_done,
                                      vb_lv_call_expect (call, vb_network_api_finish));
}

/* ---- methods ---- */

static void
handle_create (VbLvCall *call)
{
  vb_network_api_op_async (call->connect->host, network_of (call), VB_NETWORK_OP_START, 0,
                           vb_lv_void_done, vb_lv_call_expect (call, vb_network_api_finish));
}

static void
handle_destroy (VbLvCall *call)
{
  vb_network_api_op_async (call->connect->host, network_of (call), VB_NETWORK_OP_STOP, 0,
                           vb_lv_void_done, vb_lv_call_expect (call, vb_network_api_finish));
}

static void
handle_undefine (VbLvCall *call)
{
  vb_network_api_undefine_async (call->connect->host, network_of (call), 0, vb_lv_void_done,
                                 vb_lv_call_expect (call, vb_network_api_finish));
}

static void
handle_get_xml_desc (VbLvCall *call)
{
  guint flags;
  GError *error = NULL;
  g_autofree char *xml = NULL;

  g_variant_get (call->parameters, "(u)", &flags);
  xml = vb_network_api_get_xml (network_of (call), flags, &error);
  if (!xml)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new ("(s)", xml));
}

static void
handle_update (VbLvCall *call)
{
  guint command, section, flags;
  int parent_index;
  const char *xml;

  g_variant_get (call->parameters, "(uui&su)", &command, &section, &parent_index, &xml, &flags);
  vb_network_api_update_async (call->connect->host, network_of (call), command, section,
                               parent_index, xml, flags, vb_lv_void_done,
                               vb_lv_call_expect (call, vb_network_api_finish));
}

/* The a{sv} @lease's string @key, "" when absent (libvirt-dbus sends "" for NULL). */
static const char *
lease_string (GVariant *lease, const char *key)
{
  const char *value = NULL;

  return g_variant_lookup (lease, key, "&s", &value) ? value : "";
}

typedef struct {
  VbLvCall *call;
  char *mac; /* NULL: every lease */
} Leases;

static void
leases_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Leases *leases = user_data;
  VbLvCall *call = leases->call;
  g_autofree char *mac = leases->mac;
  GError *error = NULL;
  g_autoptr (GVariant) list = vb_network_api_get_dhcp_leases_finish (result, &error);
  GVariantBuilder builder;
  GVariantIter iter;
  GVariant *lease;

  g_free (leases);
  if (!list)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  /* virNetworkDHCPLease as libvirt-dbus sends it: (iface, expirytime,
   * type, mac, iaid, ipaddr, prefix, hostname, clientid). */
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sxisssuss)"));
  g_variant_iter_init (&iter, list);
  while ((lease = g_variant_iter_next_value (&iter)))
    {
      guint64 expiry = 0;
      gint32 type = 0;
      guint32 prefix = 0;

      g_variant_lookup (lease, "expirytime", "t", &expiry);
      g_variant_lookup (lease, "type", "i", &type);
      g_variant_lookup (lease, "prefix", "u", &prefix);
      if (!mac || g_ascii_strcasecmp (mac, lease_string (lease, "mac")) == 0)
        g_variant_builder_add (&builder, "(sxisssuss)", lease_string (lease, "iface"),
                               (gint64) expiry, type, lease_string (lease, "mac"),
                               lease_string (lease, "iaid"), lease_string (lease, "ipaddr"), prefix,
                               lease_string (lease, "hostname"), lease_string (lease, "clientid"));
      g_variant_unref (lease);
    }
  vb_lv_call_return (call, g_variant_new ("(a(sxisssuss))", &builder));
}

static void
handle_get_dhcp_leases (VbLvCall *call)
{
  const char *mac;
  guint flags;
  Leases *leases = g_new0 (Leases, 1);

  g_variant_get (call->parameters, "(&su)", &mac, &flags);
  leases->call = call;
  leases->mac = *mac ? g_strdup (mac) : NULL;
  vb_network_api_get_dhcp_leases_async (call->connect->host, network_of (call), flags, leases_done,
                                        leases);
}

static const VbLvMethod methods[] = {
  { "Create", handle_create },
  { "Destroy", handle_destroy },
  { "GetDHCPLeases", handle_get_dhcp_leases },
  { "GetXMLDesc", handle_get_xml_desc },
  { "Undefine", handle_undefine },
  { "Update", handle_update },
  { NULL },
};

static const VbLvProperty properties[] = {
  { "Active", get_active },
  { "Autostart", vb_lv_resource_get_autostart, set_autostart },
  { "Name", vb_lv_resource_get_name },
  { "Persistent", vb_lv_resource_get_persistent },
  { "UUID", vb_lv_resource_get_uuid },
  { NULL },
};

const VbLvInterface vb_lv_network_interface = {
  .name = "org.libvirt.Network",
  .not_found = "Network not found",
  .methods = methods,
  .properties = properties,
  .cacheable_properties = TRUE,
  .resolve = resolve,
};
