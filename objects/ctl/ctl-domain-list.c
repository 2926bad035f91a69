/* list and dominfo: what the client already holds of every domain (the
 * properties GetManagedObjects and PropertiesChanged gave it), no call. */
#include <stdio.h>

#include "ctl-command.h"
#include "ctl-output.h"

static gboolean
is_active (VirtbusDomain *domain)
{
  return g_strcmp0 (virtbus_domain_get_state (domain), "shutoff") != 0;
}

static int
by_name (gconstpointer a, gconstpointer b)
{
  VirtbusDomain *x = *(VirtbusDomain **) a;
  VirtbusDomain *y = *(VirtbusDomain **) b;

  return g_strcmp0 (virtbus_domain_get_name (x), virtbus_domain_get_name (y));
}

static const CtlColumn list_columns[] = {
  { "Id", "id" },
  { "Name", "name" },
  { NULL, "uuid" },
  { "State", "state" },
  { NULL, "state_reason" },
  { "vCPUs", "vcpus" },
  { "Memory", "current_memory_kib" },
  { NULL, "memory_kib" },
  { "Autostart", "autostart" },
  { NULL, "persistent" },
  { NULL, "driver" },
  { NULL },
};

static void
add_id (CtlTable *table, VirtbusDomain *domain)
{
  int id = virtbus_domain_get_id (domain);

  if (id < 0)
    ctl_table_add (table, NULL, "-");
  else
    ctl_table_add_int (table, id, NULL);
}

static void
add_memory (CtlTable *table, guint64 kib)
{
  g_autofree char *text = ctl_format_kib (kib);

  ctl_table_add_int (table, (gint64) kib, text);
}

static gboolean
run_list (CtlContext *ctx, CtlArgs *args, GError **error)
{
  gboolean all = ctl_args_flag (args, "all");
  gboolean inactive = ctl_args_flag (args, "inactive");
  /* Scripts that want names have --json's objects. */
  gboolean names_only = ctl_args_flag (args, "name") && !ctx->json;
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (GPtrArray) domains = NULL;
  g_autoptr (CtlTable) table = ctl_table_new (list_columns);

  if (!client)
    return FALSE;
  /* Sorted by name, as ListDomains sorts. */
  domains = ctl_client_list (client, (gpointer) virtbus_object_get_domain, by_name);
  for (guint i = 0; i < domains->len; i++)
    {
      VirtbusDomain *domain = domains->pdata[i];

      if (!all && is_active (domain) == inactive)
        continue;
      if (names_only)
        {
          g_autofree char *name =
            ctl_terminal_text (stdout, virtbus_domain_get_name (domain), FALSE);

          puts (name);
          continue;
        }
      ctl_table_add_row (table);
      add_id (table, domain);
      ctl_table_add_string (table, virtbus_domain_get_name (domain));
      ctl_table_add_string (table, virtbus_domain_get_uuid (domain));
      ctl_table_add_string (table, virtbus_domain_get_state (domain));
      ctl_table_add_string (table, virtbus_domain_get_state_reason (domain));
      ctl_table_add_int (table, virtbus_domain_get_vcpus (domain), NULL);
      add_memory (table, virtbus_domain_get_current_memory_ki_b (domain));
      ctl_table_add_int (table, (gint64) virtbus_domain_get_memory_ki_b (domain), NULL);
      ctl_table_add_bool (table, virtbus_domain_get_autostart (domain));
      ctl_table_add_bool (table, virtbus_domain_get_persistent (domain));
      ctl_table_add_string (table, virtbus_domain_get_driver (domain));
    }
  if (!names_only)
    ctl_table_print (table, ctx->json);
  return TRUE;
}

static const CtlColumn info_columns[] = {
  { "Id", "id" },
  { "Name", "name" },
  { "UUID", "uuid" },
  { "State", "state" },
  { "State reason", "state_reason" },
  { "CPU(s)", "vcpus" },
  { "Max CPU(s)", "max_vcpus" },
  { "Max memory", "memory_kib" },
  { "Used memory", "current_memory_kib" },
  { "Persistent", "persistent" },
  { "Autostart", "autostart" },
  { "Managed save", "has_managed_save" },
  { "Driver", "driver" },
  { NULL },
};

static gboolean
run_dominfo (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  g_autoptr (CtlTable) table = ctl_table_new (info_columns);

  if (!domain)
    return FALSE;
  ctl_table_add_row (table);
  add_id (table, domain);
  ctl_table_add_string (table, virtbus_domain_get_name (domain));
  ctl_table_add_string (table, virtbus_domain_get_uuid (domain));
  ctl_table_add_string (table, virtbus_domain_get_state (domain));
  ctl_table_add_string (table, virtbus_domain_get_state_reason (domain));
  ctl_table_add_int (table, virtbus_domain_get_vcpus (domain), NULL);
  ctl_table_add_int (table, virtbus_domain_get_max_vcpus (domain), NULL);
  add_memory (table, virtbus_domain_get_memory_ki_b (domain));
  add_memory (table, virtbus_domain_get_current_memory_ki_b (domain));
  ctl_table_add_bool (table, virtbus_domain_get_persistent (domain));
  ctl_table_add_bool (table, virtbus_domain_get_autostart (domain));
  ctl_table_add_bool (table, virtbus_domain_get_has_managed_save (domain));
  ctl_table_add_string (table, virtbus_domain_get_driver (domain));
  ctl_table_print_record (table, ctx->json);
  return TRUE;
}

static const CtlArg domain_arg[] = { { "DOMAIN", CTL_ARG_DOMAIN }, { NULL } };

const CtlCommand ctl_domain_list_commands[] = {
  { "list", "List the running domains, or all of them", NULL,
    (const CtlOption[]){ { "all", NULL, "running and shut-off domains" },
                         { "inactive", NULL, "only the shut-off domains" },
                         { "name", NULL, "only their names, one a line" },
                         { NULL } },
    run_list,
    "Columns: Id (- when shut off), Name, State, vCPUs, Memory (what the guest\n"
    "may use now), Autostart. --json gives every domain's name, uuid, id (null when\n"
    "shut off), state, state_reason, vcpus, current_memory_kib, memory_kib,\n"
    "autostart, persistent and driver." },
  { "dominfo", "Show a domain's state, vCPUs, memory and settings", domain_arg, NULL, run_dominfo },
  { NULL },
};
