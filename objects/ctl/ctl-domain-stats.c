/* domstats and domifaddr: Domain.GetStats and Domain.InterfaceAddresses as
 * virsh prints them, or as JSON. */
#include <stdio.h>
#include <string.h>

#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-output.h"

/* Domain.GetStats groups, as virsh's options name them. */
static const struct {
  const char *option;
  guint flag;
} stat_groups[] = {
  { "state", 1 }, { "cpu-total", 2 },  { "balloon", 4 },
  { "vcpu", 8 },  { "interface", 16 }, { "block", 32 },
};

/* "block.2.rd.bytes" before "block.10.name": numbers by their value. */
static int
natural_compare (gconstpointer a, gconstpointer b)
{
  const char *x = *(const char **) a;
  const char *y = *(const char **) b;

  while (*x && *y)
    {
      if (g_ascii_isdigit (*x) && g_ascii_isdigit (*y))
        {
          char *x_end, *y_end;
          guint64 nx = g_ascii_strtoull (x, &x_end, 10);
          guint64 ny = g_ascii_strtoull (y, &y_end, 10);

          if (nx != ny)
            return nx < ny ? -1 : 1;
          x = x_end;
          y = y_end;
          continue;
        }
      if (*x != *y)
        return (guchar) *x - (guchar) *y;
      x++;
      y++;
    }
  return (guchar) *x - (guchar) *y;
}

static char *
value_text (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  return g_variant_print (value, FALSE);
}

/* One domain's statistics: "  key=value" lines, or a JSON object. */
static void
add_stats (CtlContext *ctx, JsonArray *all, VirtbusDomain *domain, GVariant *stats)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  JsonObject *values = json_object_new ();
  JsonObject *entry = json_object_new ();
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_ptr_array_add (keys, (gpointer) key);
      g_variant_unref (value);
    }
  g_ptr_array_sort (keys, natural_compare);
  if (!ctx->json)
    {
      g_autofree char *name = ctl_terminal_text (stdout, virtbus_domain_get_name (domain), FALSE);

      printf ("Domain: '%s'\n", name);
    }
  for (guint i = 0; i < keys->len; i++)
    {
      g_autoptr (GVariant) one = g_variant_lookup_value (stats, keys->pdata[i], NULL);
      g_autofree char *text = value_text (one);

      if (!ctx->json)
        {
          g_autofree char *line = g_strdup_printf ("  %s=%s", (char *) keys->pdata[i], text);
          g_autofree char *shown = ctl_terminal_text (stdout, line, FALSE);

          puts (shown);
        }
      json_object_set_member (values, keys->pdata[i], json_gvariant_serialize (one));
    }
  json_object_set_string_member (entry, "name", virtbus_domain_get_name (domain));
  json_object_set_object_member (entry, "stats", values);
  json_array_add_object_element (all, entry);
}

static gboolean
run_domstats (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (GPtrArray) domains = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (JsonArray) all = json_array_new ();
  guint flags = 0;

  if (!client)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (stat_groups); i++)
    if (ctl_args_flag (args, stat_groups[i].option))
      flags |= stat_groups[i].flag;
  for (guint i = 0; ctl_args_get (args, i); i++)
    {
      VirtbusDomain *domain = virtbus_client_lookup_domain (client, ctl_args_get (args, i), error);

      if (!domain)
        return FALSE;
      g_ptr_array_add (domains, domain);
    }
  if (domains->len == 0)
    {
      g_autolist (GDBusObject) objects =
        g_dbus_object_manager_get_objects (virtbus_client_get_object_manager (client));

      for (GList *l = objects; l; l = l->next)
        if (virtbus_object_peek_domain (l->data))
          g_ptr_array_add (domains, virtbus_object_get_domain (l->data));
    }
  for (guint i = 0; i < domains->len; i++)
    {
      g_autoptr (GVariant) stats = NULL;

      if (!virtbus_domain_call_get_stats_sync (domains->pdata[i], flags, &stats, NULL, error))
        return FALSE;
      if (i > 0 && !ctx->json)
        putchar ('\n');
      add_stats (ctx, all, domains->pdata[i], stats);
    }
  if (ctx->json)
    ctl_print_json (json_node_init_array (json_node_alloc (), all));
  return TRUE;
}

/* Domain.InterfaceAddresses sources. */
static const char *const address_sources[] = { "lease", "agent", "arp", NULL };

static const CtlColumn address_columns[] = {
  { "Name", "name" },       { "MAC address", "mac" }, { "Protocol", "protocol" },
  { "Address", "address" }, { NULL, "prefix" },       { NULL },
};

static gboolean
run_domifaddr (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  const char *source = ctl_args_value (args, "source");
  g_autoptr (GVariant) interfaces = NULL;
  g_autoptr (CtlTable) table = ctl_table_new (address_columns);
  GVariantIter iter;
  const char *name, *mac;
  GVariantIter *addresses;
  guint code;

  if (!source)
    source = "lease";
  for (code = 0; address_sources[code]; code++)
    if (strcmp (address_sources[code], source) == 0)
      break;
  if (!address_sources[code])
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE, "--source is lease, arp or agent, not '%s'",
                   source);
      return FALSE;
    }
  if (!domain
      || !virtbus_domain_call_interface_addresses_sync (domain, code, 0, &interfaces, NULL, error))
    return FALSE;
  g_variant_iter_init (&iter, interfaces);
  while (g_variant_iter_next (&iter, "(&s&sa(isu))", &name, &mac, &addresses))
    {
      gboolean first = TRUE;
      int type;
      const char *address;
      guint prefix;

      while (g_variant_iter_next (addresses, "(i&su)", &type, &address, &prefix))
        {
          g_autofree char *with_prefix = g_strdup_printf ("%s/%u", address, prefix);

          /* As virsh: an interface's name and MAC on its first line only. */
          ctl_table_add_row (table);
          ctl_table_add (table, json_node_init_string (json_node_alloc (), name),
                         first ? (*name ? name : "-") : "-");
          ctl_table_add (table, json_node_init_string (json_node_alloc (), mac), first ? mac : "-");
          ctl_table_add_string (table, type == 0 ? "ipv4" : "ipv6");
          ctl_table_add (table, json_node_init_string (json_node_alloc (), address), with_prefix);
          ctl_table_add_int (table, prefix, NULL);
          first = FALSE;
        }
      g_variant_iter_free (addresses);
    }
  ctl_table_print (table, ctx->json);
  return TRUE;
}

const CtlCommand ctl_domain_stats_commands[] = {
  { "domstats", "Show domains' statistics (state, CPU, balloon, vCPUs, interfaces, disks)",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN, CTL_ARG_MANY }, { NULL } },
    (const CtlOption[]){ { "state", NULL, "the state group" },
                         { "cpu-total", NULL, "the CPU time group" },
                         { "balloon", NULL, "the memory balloon group" },
                         { "vcpu", NULL, "the per-vCPU group" },
                         { "interface", NULL, "the network interfaces group" },
                         { "block", NULL, "the disks group" },
                         { NULL } },
    run_domstats,
    "Without a DOMAIN every domain's; without a group option every group. Keys and\n"
    "values are libvirt's domain statistics. --json gives an array of {name, stats}." },
  { "domifaddr", "Show the addresses of a running domain's interfaces",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { NULL } },
    (const CtlOption[]){ { "source", "SOURCE",
                           "lease (the DHCP leases of virtbus's networks, the default), arp "
                           "(the host's neighbour table) or agent" },
                         { NULL } },
    run_domifaddr, "--json gives one {name, mac, protocol, address, prefix} per address." },
  { NULL },
};
