/* pool-list, pool-define-as, pool-start, vol-list, vol-create-as: storage
 * pools and their volumes. */
#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-number.h"
#include "ctl-output.h"
#include "ctl-progress.h"

static int
pool_by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (virtbus_storage_pool_get_name (*(VirtbusStoragePool **) a),
                    virtbus_storage_pool_get_name (*(VirtbusStoragePool **) b));
}

static int
volume_by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (virtbus_storage_volume_get_name (*(VirtbusStorageVolume **) a),
                    virtbus_storage_volume_get_name (*(VirtbusStorageVolume **) b));
}

static void
add_bytes (CtlTable *table, guint64 bytes)
{
  g_autofree char *text = ctl_format_bytes (bytes);

  ctl_table_add_int (table, (gint64) bytes, text);
}

static const CtlColumn pool_columns[] = {
  { "Name", "name" },           { NULL, "uuid" },
  { "State", "state" },         { NULL, "active" },
  { "Autostart", "autostart" }, { "Persistent", "persistent" },
  { "Capacity", "capacity" },   { "Allocation", "allocation" },
  { "Available", "available" }, { NULL },
};

static gboolean
run_pool_list (CtlContext *ctx, CtlArgs *args, GError **error)
{
  gboolean all = ctl_args_flag (args, "all");
  gboolean inactive = ctl_args_flag (args, "inactive");
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (GPtrArray) pools = NULL;
  g_autoptr (CtlTable) table = ctl_table_new (pool_columns);

  if (!client)
    return FALSE;
  pools = ctl_client_list (client, (gpointer) virtbus_object_get_storage_pool, pool_by_name);
  for (guint i = 0; i < pools->len; i++)
    {
      VirtbusStoragePool *pool = pools->pdata[i];
      gboolean active = virtbus_storage_pool_get_active (pool);

      if (!all && active == inactive)
        continue;
      ctl_table_add_row (table);
      ctl_table_add_string (table, virtbus_storage_pool_get_name (pool));
      ctl_table_add_string (table, virtbus_storage_pool_get_uuid (pool));
      ctl_table_add_string (table, active ? "active" : "inactive");
      ctl_table_add_bool (table, active);
      ctl_table_add_bool (table, virtbus_storage_pool_get_autostart (pool));
      ctl_table_add_bool (table, virtbus_storage_pool_get_persistent (pool));
      add_bytes (table, virtbus_storage_pool_get_capacity (pool));
      add_bytes (table, virtbus_storage_pool_get_allocation (pool));
      add_bytes (table, virtbus_storage_pool_get_available (pool));
    }
  ctl_table_print (table, ctx->json);
  return TRUE;
}

/* virsh's positional arguments after NAME TYPE: source-host, source-path,
 * source-dev, source-name, target; "-" leaves one out. A dir pool needs
 * only the target, which may come alone (NAME dir TARGET). */
#define TARGET_POSITION 4

static const char *
target_of (CtlArgs *args, GError **error)
{
  const char *option = ctl_args_value (args, "target");
  guint extra = args->positional->len - 2;
  const char *positional = NULL;

  if (extra == 1)
    positional = ctl_args_get (args, 2);
  else if (extra == TARGET_POSITION + 1)
    positional = ctl_args_get (args, 2 + TARGET_POSITION);
  else if (extra > 0)
    {
      for (guint i = 0; i < extra; i++)
        if (g_strcmp0 (ctl_args_get (args, 2 + i), "-") != 0)
          {
            g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                         "a %s pool has no source: give only its target ('%s')",
                         ctl_args_get (args, 1), ctl_args_get (args, 2 + i));
            return NULL;
          }
    }
  if (positional && g_strcmp0 (positional, "-") == 0)
    positional = NULL;
  if (positional && option)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           "the target is given twice (argument and --target)");
      return NULL;
    }
  if (!positional && !option)
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           "a pool needs its target directory: NAME dir TARGET, or --target");
      return NULL;
    }
  return positional ? positional : option;
}

static gboolean
run_pool_define_as (CtlContext *ctx, CtlArgs *args, GError **error)
{
  const char *target = target_of (args, error);
  g_autofree char *name = NULL;
  g_autofree char *type = NULL;
  g_autofree char *path = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *pool_path = NULL;
  g_autoptr (VirtbusObject) object = NULL;
  VirtbusClient *client;

  if (!target || !(client = ctl_context_client (ctx, error)))
    return FALSE;
  name = g_markup_escape_text (ctl_args_get (args, 0), -1);
  type = g_markup_escape_text (ctl_args_get (args, 1), -1);
  path = g_markup_escape_text (target, -1);
  xml = g_strdup_printf ("<pool type='%s'>\n  <name>%s</name>\n  <target>\n    <path>%s</path>\n"
                         "  </target>\n</pool>\n",
                         type, name, path);
  if (!virtbus_manager_call_define_storage_pool_sync (virtbus_client_get_manager (client), xml, 0,
                                                      &pool_path, NULL, error))
    return FALSE;
  object = ctl_context_wait_object (ctx, pool_path, error);
  if (!object)
    return FALSE;
  if (ctx->json)
    {
      JsonObject *result = json_object_new ();
      VirtbusStoragePool *pool = virtbus_object_peek_storage_pool (object);

      json_object_set_string_member (result, "name", virtbus_storage_pool_get_name (pool));
      json_object_set_string_member (result, "uuid", virtbus_storage_pool_get_uuid (pool));
      json_object_set_string_member (result, "path", pool_path);
      ctl_print_json (json_node_init_object (json_node_alloc (), result));
      json_object_unref (result);
    }
  ctl_say (ctx, "Pool %s defined", ctl_args_get (args, 0));
  return TRUE;
}

static gboolean
run_pool_start (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (VirtbusStoragePool) pool =
    client ? virtbus_client_lookup_pool (client, ctl_args_get (args, 0), error) : NULL;
  g_autofree char *name = NULL;

  if (!pool)
    return FALSE;
  name = g_strdup (virtbus_storage_pool_get_name (pool));
  if (ctl_args_flag (args, "build") && !virtbus_storage_pool_call_build_sync (pool, 0, NULL, error))
    return FALSE;
  if (!virtbus_storage_pool_call_start_sync (pool, 0, NULL, error))
    return FALSE;
  ctl_say (ctx, "Pool %s started", name);
  return TRUE;
}

static const CtlColumn volume_columns[] = {
  { "Name", "name" },
  { "Path", "path" },
  { "Format", "format" },
  { "Capacity", "capacity" },
  { "Allocation", "allocation" },
  { NULL },
};

static gboolean
run_vol_list (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autoptr (VirtbusStoragePool) pool =
    client ? virtbus_client_lookup_pool (client, ctl_args_get (args, 0), error) : NULL;
  g_autoptr (GPtrArray) volumes = NULL;
  g_autoptr (CtlTable) table = ctl_table_new (volume_columns);
  const char *pool_path;

  if (!pool)
    return FALSE;
  pool_path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (pool));
  volumes = ctl_client_list (client, (gpointer) virtbus_object_get_storage_volume, volume_by_name);
  for (guint i = 0; i < volumes->len; i++)
    {
      VirtbusStorageVolume *volume = volumes->pdata[i];

      if (g_strcmp0 (virtbus_storage_volume_get_pool (volume), pool_path) != 0)
        continue;
      ctl_table_add_row (table);
      ctl_table_add_string (table, virtbus_storage_volume_get_name (volume));
      ctl_table_add_string (table, virtbus_storage_volume_get_path (volume));
      ctl_table_add_string (table, virtbus_storage_volume_get_format (volume));
      add_bytes (table, virtbus_storage_volume_get_capacity (volume));
      add_bytes (table, virtbus_storage_volume_get_allocation (volume));
    }
  ctl_table_print (table, ctx->json);
  return TRUE;
}

static gboolean
run_vol_create_as (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  const char *format = ctl_args_value (args, "format");
  const char *allocation_text = ctl_args_value (args, "allocation");
  g_autoptr (VirtbusStoragePool) pool = NULL;
  g_autoptr (GString) xml = g_string_new ("<volume>\n");
  g_autofree char *name = g_markup_escape_text (ctl_args_get (args, 1), -1);
  g_autofree char *path = NULL;
  g_autoptr (VirtbusObject) object = NULL;
  guint64 capacity, allocation;

  if (!client || !ctl_parse_bytes ("SIZE", ctl_args_get (args, 2), &capacity, error))
    return FALSE;
  g_string_append_printf (xml, "  <name>%s</name>\n", name);
  g_string_append_printf (xml, "  <capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n",
                          capacity);
  if (allocation_text)
    {
      if (!ctl_parse_bytes ("--allocation", allocation_text, &allocation, error))
        return FALSE;
      g_string_append_printf (xml,
                              "  <allocation unit='bytes'>%" G_GUINT64_FORMAT "</allocation>\n",
                              allocation);
    }
  if (format)
    {
      g_autofree char *type = g_markup_escape_text (format, -1);

      g_string_append_printf (xml, "  <target>\n    <format type='%s'/>\n  </target>\n", type);
    }
  g_string_append (xml, "</volume>\n");
  pool = virtbus_client_lookup_pool (client, ctl_args_get (args, 0), error);
  if (!pool
      || !virtbus_storage_pool_call_create_volume_sync (pool, xml->str, 0, &path, NULL, error))
    return FALSE;
  object = ctl_context_wait_object (ctx, path, error);
  if (!object)
    return FALSE;
  if (ctx->json)
    {
      JsonObject *result = json_object_new ();
      VirtbusStorageVolume *volume = virtbus_object_peek_storage_volume (object);

      json_object_set_string_member (result, "name", virtbus_storage_volume_get_name (volume));
      json_object_set_string_member (result, "path", virtbus_storage_volume_get_path (volume));
      json_object_set_string_member (result, "object", path);
      ctl_print_json (json_node_init_object (json_node_alloc (), result));
      json_object_unref (result);
    }
  ctl_say (ctx, "Vol %s created", ctl_args_get (args, 1));
  return TRUE;
}

static const CtlArg pool_arg[] = { { "POOL", CTL_ARG_POOL }, { NULL } };

const CtlCommand ctl_pool_commands[] = {
  { "pool-list", "List the active storage pools, or all of them", NULL,
    (const CtlOption[]){ { "all", NULL, "active and inactive pools" },
                         { "inactive", NULL, "only the inactive pools" },
                         { NULL } },
    run_pool_list,
    "--json gives each pool's name, uuid, state, active, autostart, persistent,\n"
    "capacity, allocation and available (bytes; 0 while inactive)." },
  { "pool-define-as", "Define a storage pool from its type and target directory",
    (const CtlArg[]){ { "NAME", CTL_ARG_WORD },
                      { "TYPE", CTL_ARG_WORD },
                      { "TARGET", CTL_ARG_FILE, CTL_ARG_MANY },
                      { NULL } },
    (const CtlOption[]){ { "target", "DIR", "the pool's directory" }, { NULL } },
    run_pool_define_as,
    "As virsh's: pool-define-as images dir /var/lib/images, or with --target, or\n"
    "virsh's positional form (images dir - - - - /var/lib/images). virtbus serves\n"
    "pools of type dir." },
  { "pool-start", "Start a defined storage pool", pool_arg,
    (const CtlOption[]){ { "build", NULL, "create its directory first" }, { NULL } },
    run_pool_start },
  { "vol-list", "List the volumes of a storage pool", pool_arg, NULL, run_vol_list,
    "--json gives each volume's name, path, format, capacity and allocation (bytes)." },
  { "vol-create-as", "Create a volume in a storage pool",
    (const CtlArg[]){
      { "POOL", CTL_ARG_POOL }, { "NAME", CTL_ARG_WORD }, { "SIZE", CTL_ARG_WORD }, { NULL } },
    (const CtlOption[]){ { "format", "FORMAT", "raw (the default) or qcow2" },
                         { "allocation", "SIZE", "bytes to preallocate (raw)" },
                         { NULL } },
    run_vol_create_as, "SIZE is a number of bytes, or with a unit: 10M, 2G, 1GiB, 500MB." },
  { NULL },
};
