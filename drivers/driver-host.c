#include "driver.h"

struct _VbDriverHost {
  VbInventory *inventory;
  VbConfigStore *store;
  VbSnapshotRegistry *snapshots;
  VbSecretStore *secrets;
  char *run_dir;
  gboolean system_mode;
  GPtrArray *domain_drivers;  /* const VbDomainDriver * */
  GPtrArray *storage_drivers; /* const VbStorageDriver * */
  const VbNetworkDriver *network_driver;
  GHashTable *settings;
  int next_domain_id;
};

const char *
vb_domain_op_to_string (VbDomainOp op)
{
  static const char *const names[] = { "start",   "shutdown", "destroy", "reboot",
                                       "suspend", "resume",   "reset",   "inject an NMI into",
                                       "wake up" };
  return names[op];
}

VbDriverHost *
vb_driver_host_new (VbInventory *inventory, VbConfigStore *store, const char *run_dir,
                    gboolean system_mode)
{
  VbDriverHost *host = g_new0 (VbDriverHost, 1);

  host->inventory = g_object_ref (inventory);
  host->store = store;
  host->snapshots = vb_snapshot_registry_new ();
  host->secrets = vb_secret_store_new (store);
  host->run_dir = g_strdup (run_dir);
  host->system_mode = system_mode;
  host->domain_drivers = g_ptr_array_new ();
  host->storage_drivers = g_ptr_array_new ();
  host->settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  host->next_domain_id = 1;
  return host;
}

void
vb_driver_host_free (VbDriverHost *host)
{
  if (!host)
    return;
  g_ptr_array_unref (host->domain_drivers);
  g_ptr_array_unref (host->storage_drivers);
  g_hash_table_unref (host->settings);
  g_object_unref (host->inventory);
  g_object_unref (host->snapshots);
  g_object_unref (host->secrets);
  g_free (host->run_dir);
  g_free (host);
}

VbSnapshotRegistry *
vb_driver_host_get_snapshots (VbDriverHost *host)
{
  return host->snapshots;
}

VbSecretStore *
vb_driver_host_get_secrets (VbDriverHost *host)
{
  return host->secrets;
}

VbInventory *
vb_driver_host_get_inventory (VbDriverHost *host)
{
  return host->inventory;
}

VbConfigStore *
vb_driver_host_get_store (VbDriverHost *host)
{
  return host->store;
}

const char *
vb_driver_host_get_state_dir (VbDriverHost *host)
{
  return vb_config_store_get_dir (host->store);
}

const char *
vb_driver_host_get_run_dir (VbDriverHost *host)
{
  return host->run_dir;
}

gboolean
vb_driver_host_get_system_mode (VbDriverHost *host)
{
  return host->system_mode;
}

int
vb_driver_host_next_domain_id (VbDriverHost *host)
{
  return host->next_domain_id++;
}

void
vb_driver_host_note_domain_id (VbDriverHost *host, int id)
{
  host->next_domain_id = MAX (host->next_domain_id, id + 1);
}

void
vb_driver_host_set_setting (VbDriverHost *host, const char *key, const char *value)
{
  g_hash_table_replace (host->settings, g_strdup (key), g_strdup (value));
}

const char *
vb_driver_host_get_setting (VbDriverHost *host, const char *key)
{
  return g_hash_table_lookup (host->settings, key);
}

void
vb_driver_host_add_domain_driver (VbDriverHost *host, const VbDomainDriver *driver)
{
  g_ptr_array_add (host->domain_drivers, (gpointer) driver);
  if (driver->init)
    driver->init (host);
}

void
vb_driver_host_add_storage_driver (VbDriverHost *host, const VbStorageDriver *driver)
{
  g_ptr_array_add (host->storage_drivers, (gpointer) driver);
}

void
vb_driver_host_set_network_driver (VbDriverHost *host, const VbNetworkDriver *driver)
{
  host->network_driver = driver;
}

const VbDomainDriver *
vb_driver_host_find_domain_driver (VbDriverHost *host, const char *type)
{
  for (guint i = 0; i < host->domain_drivers->len; i++)
    {
      const VbDomainDriver *driver = host->domain_drivers->pdata[i];
      if (driver->handles_type (type))
        return driver;
    }
  return NULL;
}

const VbDomainDriver *
vb_driver_host_get_domain_driver (VbDriverHost *host, const char *name)
{
  for (guint i = 0; i < host->domain_drivers->len; i++)
    {
      const VbDomainDriver *driver = host->domain_drivers->pdata[i];
      if (g_str_equal (driver->name, name))
        return driver;
    }
  return NULL;
}

const VbStorageDriver *
vb_driver_host_find_storage_driver (VbDriverHost *host, const char *type)
{
  for (guint i = 0; i < host->storage_drivers->len; i++)
    {
      const VbStorageDriver *driver = host->storage_drivers->pdata[i];
      if (driver->handles_type (type))
        return driver;
    }
  return NULL;
}

const VbStorageDriver *
vb_driver_host_get_storage_driver (VbDriverHost *host, const char *name)
{
  for (guint i = 0; i < host->storage_drivers->len; i++)
    {
      const VbStorageDriver *driver = host->storage_drivers->pdata[i];
      if (g_str_equal (driver->name, name))
        return driver;
    }
  return NULL;
}

const VbNetworkDriver *
vb_driver_host_get_network_driver (VbDriverHost *host)
{
  return host->network_driver;
}

static void
add_unique (GPtrArray *names, const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (g_str_equal (names->pdata[i], name))
      return;
  g_ptr_array_add (names, g_strdup (name));
}

GStrv
vb_driver_host_list_driver_names (VbDriverHost *host)
{
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; i < host->domain_drivers->len; i++)
    add_unique (names, ((const VbDomainDriver *) host->domain_drivers->pdata[i])->name);
  if (host->network_driver)
    add_unique (names, host->network_driver->name);
  for (guint i = 0; i < host->storage_drivers->len; i++)
    add_unique (names, ((const VbStorageDriver *) host->storage_drivers->pdata[i])->name);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

GPtrArray *
vb_driver_host_list_domain_drivers (VbDriverHost *host)
{
  return g_ptr_array_ref (host->domain_drivers);
}
