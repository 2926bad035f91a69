/* net-list, net-define, net-start, net-destroy, net-dhcp-leases: virtual
 * networks, from the properties the client holds and one call each. */
#include "ctl-command.h"
#include "ctl-input.h"
#include "ctl-output.h"

static int
by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (virtbus_network_get_name (*(VirtbusNetwork **) a),
                    virtbus_network_get_name (*(VirtbusNetwork **) b));
}

static const CtlColumn list_columns[] = {
  { "Name", "name" },           { NULL, "uuid" },
  { "State", "state" },         { NULL, "active" },
  { "Autostart", "autostart" }, { "Persistent", "persistent" },
  { "Bridge", "bridge" },       { NULL },
};

static gboolean
run_list (CtlContext *ctx, CtlArgs *args, GError **error)
{
  gboolean all = ctl_args_flag (args, "all");
  gboolean inactive = ctl_args_flag (args, "inactive");
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (GPtrArray) networks = NULL;
  g_autoptr (CtlTable) table = ctl_table_new (list_columns);

  if (!client)
    return FALSE;
  networks = ctl_client_list (client, (gpointer) virtbus_object_get_network, by_name);
  for (guint i = 0; i < networks->len; i++)
    {
      VirtbusNetwork *network = networks->pdata[i];
      gboolean active = virtbus_network_get_active (network);
      const char *bridge = virtbus_network_get_bridge (network);

      if (!all && active == inactive)
        continue;
      ctl_table_add_row (table);
      ctl_table_add_string (table, virtbus_network_get_name (network));
      ctl_table_add_string (table, virtbus_network_get_uuid (network));
      ctl_table_add_string (table, active ? "active" : "inactive");
      ctl_table_add_bool (table, active);
      ctl_table_add_bool (table, virtbus_network_get_autostart (network));
      ctl_table_add_bool (table, virtbus_network_get_persistent (network));
      ctl_table_add_string (table, bridge && *bridge ? bridge : NULL);
    }
  ctl_table_print (table, ctx->json);
  return TRUE;
}

static gboolean
run_define (CtlContext *ctx, CtlArgs *args, GError **error)
{
  const char *file = ctl_args_get (args, 0);
  g_autofree char *xml = ctl_read_input (file, error);
  g_autofree char *path = NULL;
  g_autoptr (VirtbusObject) object = NULL;
  VirtbusNetwork *network;
  VirtbusClient *client;

  if (!xml || !(client = ctl_context_client (ctx, error)))
    return FALSE;
  if (!virtbus_manager_call_define_network_sync (virtbus_client_get_manager (client), xml, 0, &path,
                                                 NULL, error))
    return FALSE;
  object = ctl_context_wait_object (ctx, path, error);
  if (!object || !(network = virtbus_object_peek_network (object)))
    return FALSE;
  if (ctx->json)
    {
      JsonObject *result = json_object_new ();

      json_object_set_string_member (result, "name", virtbus_network_get_name (network));
      json_object_set_string_member (result, "uuid", virtbus_network_get_uuid (network));
      json_object_set_string_member (result, "path", path);
      ctl_print_json (json_node_init_object (json_node_alloc (), result));
      json_object_unref (result);
    }
  ctl_say (ctx, "Network %s defined from %s", virtbus_network_get_name (network), file);
  return TRUE;
}

static gboolean
run_start (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (VirtbusNetwork) network =
    client ? virtbus_client_lookup_network (client, ctl_args_get (args, 0), error) : NULL;
  g_autofree char *name = NULL;

  if (!network)
    return FALSE;
  name = g_strdup (virtbus_network_get_name (network));
  if (!virtbus_network_call_start_sync (network, 0, NULL, error))
    return FALSE;
  ctl_say (ctx, "Network %s started", name);
  return TRUE;
}

static gboolean
run_destroy (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (VirtbusNetwork) network =
    client ? virtbus_client_lookup_network (client, ctl_args_get (args, 0), error) : NULL;
  g_autofree char *name = NULL;

  if (!network)
    return FALSE;
  name = g_strdup (virtbus_network_get_name (network));
  if (!virtbus_network_call_stop_sync (network, 0, NULL, error))
    return FALSE;
  ctl_say (ctx, "Network %s destroyed", name);
  return TRUE;
}

static const CtlColumn lease_columns[] = {
  { "Expiry Time", "expirytime" },
  { "MAC address", "mac" },
  { NULL, "iaid" },
  { "Protocol", "type" },
  { "IP address", "ipaddr" },
  { NULL, "prefix" },
  { "Hostname", "hostname" },
  { "Client ID or DUID", "clientid" },
  { NULL, "iface" },
  { NULL },
};

static void
add_lease_string (CtlTable *table, GVariant *lease, const char *key)
{
  const char *value = NULL;

  g_variant_lookup (lease, key, "&s", &value);
  ctl_table_add_string (table, value);
}

static void
add_lease (CtlTable *table, GVariant *lease)
{
  guint64 expiry = 0;
  gint32 type = 0;
  guint32 prefix = 0;
  const char *ipaddr = NULL;
  g_autoptr (GDateTime) when = NULL;
  g_autofree char *expiry_text = NULL;
  g_autofree char *address = NULL;

  g_variant_lookup (lease, "expirytime", "t", &expiry);
  g_variant_lookup (lease, "type", "i", &type);
  g_variant_lookup (lease, "prefix", "u", &prefix);
  g_variant_lookup (lease, "ipaddr", "&s", &ipaddr);
  when = g_date_time_new_from_unix_local ((gint64) expiry);
  expiry_text = when ? g_date_time_format (when, "%Y-%m-%d %H:%M:%S") : NULL;
  address = ipaddr ? g_strdup_printf ("%s/%u", ipaddr, prefix) : NULL;
  ctl_table_add_row (table);
  ctl_table_add_int (table, (gint64) expiry, expiry_text);
  add_lease_string (table, lease, "mac");
  add_lease_string (table, lease, "iaid");
  ctl_table_add (table, json_node_init_int (json_node_alloc (), type), type == 1 ? "ipv6" : "ipv4");
  ctl_table_add (table, ipaddr ? json_node_init_string (json_node_alloc (), ipaddr) : NULL,
                 address);
  ctl_table_add_int (table, prefix, NULL);
  add_lease_string (table, lease, "hostname");
  add_lease_string (table, lease, "clientid");
  add_lease_string (table, lease, "iface");
}

static gboolean
run_dhcp_leases (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (VirtbusNetwork) network =
    client ? virtbus_client_lookup_network (client, ctl_args_get (args, 0), error) : NULL;
  const char *mac = ctl_args_value (args, "mac");
  g_autoptr (GVariant) leases = NULL;
  g_autoptr (CtlTable) table = ctl_table_new (lease_columns);
  GVariantIter iter;
  GVariant *lease;

  if (!network || !virtbus_network_call_get_dhcpleases_sync (network, 0, &leases, NULL, error))
    return FALSE;
  g_variant_iter_init (&iter, leases);
  while ((lease = g_variant_iter_next_value (&iter)))
    {
      const char *lease_mac = NULL;

      g_variant_lookup (lease, "mac", "&s", &lease_mac);
      if (!mac || g_ascii_strcasecmp (mac, lease_mac ? lease_mac : "") == 0)
        add_lease (table, lease);
      g_variant_unref (lease);
    }
  ctl_table_print (table, ctx->json);
  return TRUE;
}

static const CtlArg network_arg[] = { { "NETWORK", CTL_ARG_NETWORK }, { NULL } };

const CtlCommand ctl_network_commands[] = {
  { "net-list", "List the active networks, or all of them", NULL,
    (const CtlOption[]){ { "all", NULL, "active and inactive networks" },
                         { "inactive", NULL, "only the inactive networks" },
                         { NULL } },
    run_list,
    "--json gives each network's name, uuid, state, active, autostart, persistent\n"
    "and bridge (null while it has none)." },
  { "net-define", "Define (or redefine) a network from an XML file",
    (const CtlArg[]){ { "FILE", CTL_ARG_FILE }, { NULL } }, NULL, run_define,
    "FILE is libvirt's network XML; - reads it from standard input." },
  { "net-start", "Start a defined network", network_arg, NULL, run_start },
  { "net-destroy", "Stop a network (refused while running domains use it)", network_arg, NULL,
    run_destroy },
  { "net-dhcp-leases", "List the addresses a network's DHCP server gave out", network_arg,
    (const CtlOption[]){ { "mac", "MAC", "only the lease of this MAC address" }, { NULL } },
    run_dhcp_leases,
    "--json gives each lease's expirytime (seconds since the epoch), mac, iaid\n"
    "(IPv6), type (0 IPv4, 1 IPv6), ipaddr, prefix, hostname, clientid and iface\n"
    "(null where the lease has none)." },
  { NULL },
};
