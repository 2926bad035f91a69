/* Simulated networks: start and stop only flip the state; a network without
 * a bridge name gets one, as the real driver would give it. */
#include "test-driver.h"

#include <arpa/inet.h>

#include "vb-error.h"
#include "xml-schema.h"

static int next_bridge = 0;

static void
op_async (VbDriverHost *host, VbNetwork *network, VbNetworkOp op, guint flags,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (network, cancellable, callback, user_data);

  if (op == VB_NETWORK_OP_START)
    {
      VbNetworkDef *live = vb_network_def_copy (vb_network_get_def (network));

      if (!live->bridge)
        {
          g_autofree char *bridge = g_strdup_printf ("vbtest%d", next_bridge++);
          vb_network_def_set_bridge (live, bridge);
        }
      vb_network_set_live_def (network, live);
      vb_network_set_active (network, TRUE);
    }
  else
    {
      vb_network_set_active (network, FALSE);
      vb_network_set_live_def (network, NULL);
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
op_finish (VbNetwork *network, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- simulated DHCP: each running guest with an interface on the network
 * holds a lease, as if it had asked dnsmasq ---- */

typedef struct {
  xmlNode *dhcp; /* the <dhcp> of the network's IPv4 <ip>, NULL when none */
  guint prefix;  /* of that <ip> */
  guint32 next;  /* the next free address of the range, host order */
  guint32 end;
} SimulatedDhcp;

static guint32
ipv4_of (const char *text)
{
  struct in_addr address;

  return text && inet_pton (AF_INET, text, &address) == 1 ? ntohl (address.s_addr) : 0;
}

static guint
prefix_of (xmlNode *ip)
{
  g_autofree char *netmask = vb_xml_attr (ip, "netmask");
  guint32 mask = ipv4_of (netmask);
  guint bits = 0;

  if (!netmask)
    return vb_xml_attr_uint (ip, "prefix", 24);
  while (mask & 0x80000000u)
    {
      bits++;
      mask <<= 1;
    }
  return bits;
}

/* The address the simulated server gives @mac: its <host> entry, else the
 * next one of the range; NULL when the range is used up. */
static char *
lease_address (SimulatedDhcp *dhcp, const char *mac)
{
  struct in_addr address;
  char text[INET_ADDRSTRLEN];

  for (xmlNode *host = vb_xml_child (dhcp->dhcp, "host"); host; host = vb_xml_next (host, "host"))
    {
      g_autofree char *host_mac = vb_xml_attr (host, "mac");

      if (host_mac && g_ascii_strcasecmp (host_mac, mac) == 0)
        return vb_xml_attr (host, "ip");
    }
  if (!dhcp->next || dhcp->next > dhcp->end)
    return NULL;
  address.s_addr = htonl (dhcp->next++);
  return g_strdup (inet_ntop (AF_INET, &address, text, sizeof text));
}

static void
add_leases_of (GVariantBuilder *list, SimulatedDhcp *dhcp, VbNetwork *network, VbDomain *domain)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (GPtrArray) nics = NULL;

  if (!live || !vb_domain_is_active (domain))
    return;
  nics = vb_domain_stat_nics (live->xml);
  for (guint i = 0; i < nics->len; i++)
    {
      VbStatNic *nic = nics->pdata[i];
      g_autofree char *ip = NULL;

      if (!nic->mac || g_strcmp0 (nic->network, vb_resource_get_name (VB_RESOURCE (network))) != 0
          || !(ip = lease_address (dhcp, nic->mac)))
        continue;
      g_variant_builder_add_parsed (
        list,
        "{'expirytime': <%t>, 'type': <%i>, 'mac': <%s>, 'ipaddr': <%s>, 'prefix': <%u>,"
        " 'hostname': <%s>, 'iface': <%s>}",
        (guint64) (g_get_real_time () / G_USEC_PER_SEC + 3600), 0, nic->mac, ip, dhcp->prefix,
        live->name, vb_network_get_bridge (network) ? vb_network_get_bridge (network) : "");
    }
}

static void
get_dhcp_leases_async (VbDriverHost *host, VbNetwork *network, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (network, cancellable, callback, user_data);
  const VbNetworkDef *def = vb_network_get_live_def (network);
  g_autoptr (xmlDoc) doc = def ? vb_xml_parse (def->xml, "network", NULL) : NULL;
  g_autoptr (GPtrArray) domains = NULL;
  SimulatedDhcp dhcp = { 0 };
  GVariantBuilder list;

  g_task_set_source_tag (task, get_dhcp_leases_async);
  for (xmlNode *ip = doc ? vb_xml_child (xmlDocGetRootElement (doc), "ip") : NULL; ip;
       ip = vb_xml_next (ip, "ip"))
    if (!vb_xml_attr_is (ip, "family", "ipv6") && vb_xml_child (ip, "dhcp"))
      {
        xmlNode *range = vb_xml_child (vb_xml_child (ip, "dhcp"), "range");
        g_autofree char *start = vb_xml_attr (range, "start");
        g_autofree char *end = vb_xml_attr (range, "end");

        dhcp.dhcp = vb_xml_child (ip, "dhcp");
        dhcp.prefix = prefix_of (ip);
        dhcp.next = ipv4_of (start);
        dhcp.end = ipv4_of (end);
        break;
      }
  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  /* In the order of the domains' names, so that a guest keeps its address. */
  domains = vb_inventory_list (vb_driver_host_get_inventory (host), VB_TYPE_DOMAIN);
  for (guint i = 0; dhcp.dhcp && i < domains->len; i++)
    add_leases_of (&list, &dhcp, network, domains->pdata[i]);
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&list)),
                         (GDestroyNotify) g_variant_unref);
}

static GVariant *
get_dhcp_leases_finish (VbNetwork *network, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, get_dhcp_leases_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const VbNetworkDriver vb_test_network_driver = {
  .name = "test",
  .op_async = op_async,
  .op_finish = op_finish,
  .get_dhcp_leases_async = get_dhcp_leases_async,
  .get_dhcp_leases_finish = get_dhcp_leases_finish,
};
