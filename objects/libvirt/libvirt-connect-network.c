/* org.libvirt.Connect's network members, on Manager's network operations. */
#include "libvirt-error.h"
#include "libvirt-net-storage.h"
#include "network-api.h"
#include "vb-error.h"

/* virConnectListAllNetworksFlags: the same values as Manager.ListNetworks'. */
#define LV_LIST_NETWORKS_ALL 0x3fu

void
vb_lv_connect_list_networks (VbLvCall *call)
{
  guint flags;
  GError *error = NULL;
  g_autoptr (GPtrArray) networks = NULL;
  GVariantBuilder builder;

  g_variant_get (call->parameters, "(u)", &flags);
  if (flags & ~LV_LIST_NETWORKS_ALL)
    {
      vb_lv_call_fail (call, vb_lv_error_new ("invalid argument: unsupported flags (0x%x) in "
                                              "function virConnectListAllNetworks",
                                              flags & ~LV_LIST_NETWORKS_ALL));
      return;
    }
  networks = vb_network_api_list (call->connect->host, flags, &error);
  if (!networks)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < networks->len; i++)
    {
      g_autofree char *path = vb_lv_network_object_path (call->connect, networks->pdata[i]);

      g_variant_builder_add (&builder, "o", path);
    }
  vb_lv_call_return (call, g_variant_new ("(ao)", &builder));
}

void
vb_lv_connect_network_lookup_by_name (VbLvCall *call)
{
  const char *name = vb_lv_call_string_arg (call, 0);
  VbNetwork *network = vb_network_api_lookup_by_name (call->connect->host, name, NULL);

  if (!network)
    vb_lv_call_fail (call, vb_lv_error_new ("Network not found: no network with matching name '%s'",
                                            name));
  else
    vb_lv_call_return_network (call, g_object_ref (network), NULL);
}

void
vb_lv_connect_network_lookup_by_uuid (VbLvCall *call)
{
  const char *uuid = vb_lv_call_string_arg (call, 0);
  VbNetwork *network = vb_network_api_lookup_by_uuid (call->connect->host, uuid, NULL);

  if (!network)
    vb_lv_call_fail (call, vb_lv_error_new ("Network not found: no network with matching uuid '%s'",
                                            uuid));
  else
    vb_lv_call_return_network (call, g_object_ref (network), NULL);
}

static void
network_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbNetwork *network = vb_network_api_new_finish (result, &error);

  /* The finish gives a reference. */
  vb_lv_call_return_network (call, network, error);
}

void
vb_lv_connect_network_define_xml (VbLvCall *call)
{
  vb_network_api_define_async (call->connect->host, vb_lv_call_string_arg (call, 0), 0,
                               network_made, call);
}

void
vb_lv_connect_network_create_xml (VbLvCall *call)
{
  vb_network_api_create_async (call->connect->host, vb_lv_call_string_arg (call, 0), 0,
                               network_made, call);
}
