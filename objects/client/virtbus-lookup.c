#include "virtbus-lookup.h"

#include "virtbus-error.h"

/* Every lookup reads the proxies' cached properties: no call to the service,
 * and the answer is what the client's last PropertiesChanged said. */

static char *
cached_string (GDBusInterface *iface, const char *property)
{
  g_autoptr (GVariant) value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (iface), property);

  return value && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)
           ? g_variant_dup_string (value, NULL)
           : NULL;
}

typedef gboolean (*Match) (GDBusInterface *iface, const char *wanted, gconstpointer data);

static gboolean
match_uuid (GDBusInterface *iface, const char *wanted, gconstpointer data)
{
  g_autofree char *uuid = cached_string (iface, "UUID");

  return uuid && g_ascii_strcasecmp (uuid, wanted) == 0;
}

static gboolean
match_name (GDBusInterface *iface, const char *wanted, gconstpointer data)
{
  g_autofree char *name = cached_string (iface, "Name");

  return g_strcmp0 (name, wanted) == 0;
}

/* A volume of the pool at the object path @data. */
static gboolean
match_volume (GDBusInterface *iface, const char *wanted, gconstpointer data)
{
  const char *pool = virtbus_storage_volume_get_pool (VIRTBUS_STORAGE_VOLUME (iface));

  return g_strcmp0 (pool, data) == 0 && match_name (iface, wanted, NULL);
}

static GDBusInterface *
find (VirtbusClient *client, const char *interface_name, Match match, const char *wanted,
      gconstpointer data)
{
  GDBusObjectManager *manager = virtbus_client_get_object_manager (client);
  g_autolist (GDBusObject) objects = g_dbus_object_manager_get_objects (manager);

  for (GList *l = objects; l; l = l->next)
    {
      g_autoptr (GDBusInterface) iface = g_dbus_object_get_interface (l->data, interface_name);

      if (iface && match (iface, wanted, data))
        return g_steal_pointer (&iface);
    }
  return NULL;
}

/* A UUID names an object by its UUID first: a name that happens to look
 * like a UUID still finds its object when no UUID matches. */
static GDBusInterface *
lookup (VirtbusClient *client, const char *interface_name, const char *what,
        const char *name_or_uuid, GError **error)
{
  GDBusInterface *iface = NULL;
  gboolean is_uuid = g_uuid_string_is_valid (name_or_uuid);

  if (is_uuid)
    iface = find (client, interface_name, match_uuid, name_or_uuid, NULL);
  if (!iface)
    iface = find (client, interface_name, match_name, name_or_uuid, NULL);
  if (!iface)
    g_set_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND,
                 is_uuid ? "No %s has the UUID or the name '%s'" : "No %s is named '%s'", what,
                 name_or_uuid);
  return iface;
}

/**
 * virtbus_client_lookup_domain:
 * @client: a #VirtbusClient
 * @name_or_uuid: a domain's name, or its UUID (any case)
 * @error: return location for an error
 *
 * The domain with the UUID @name_or_uuid, or else the one named
 * @name_or_uuid, among the objects @client holds.
 *
 * Returns: (transfer full): the domain's proxy, or %NULL with @error set to
 *   %VIRTBUS_ERROR_NOT_FOUND.
 */
VirtbusDomain *
virtbus_client_lookup_domain (VirtbusClient *client, const char *name_or_uuid, GError **error)
{
  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name_or_uuid != NULL, NULL);
  return VIRTBUS_DOMAIN (
    lookup (client, "org.virtbus.Virt1.Domain", "domain", name_or_uuid, error));
}

/**
 * virtbus_client_lookup_network:
 * @client: a #VirtbusClient
 * @name_or_uuid: a network's name or UUID
 * @error: return location for an error
 *
 * As virtbus_client_lookup_domain(), for networks.
 *
 * Returns: (transfer full): the network's proxy, or %NULL with @error set to
 *   %VIRTBUS_ERROR_NOT_FOUND.
 */
VirtbusNetwork *
virtbus_client_lookup_network (VirtbusClient *client, const char *name_or_uuid, GError **error)
{
  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name_or_uuid != NULL, NULL);
  return VIRTBUS_NETWORK (
    lookup (client, "org.virtbus.Virt1.Network", "network", name_or_uuid, error));
}

/**
 * virtbus_client_lookup_pool:
 * @client: a #VirtbusClient
 * @name_or_uuid: a storage pool's name or UUID
 * @error: return location for an error
 *
 * As virtbus_client_lookup_domain(), for storage pools.
 *
 * Returns: (transfer full): the pool's proxy, or %NULL with @error set to
 *   %VIRTBUS_ERROR_NOT_FOUND.
 */
VirtbusStoragePool *
virtbus_client_lookup_pool (VirtbusClient *client, const char *name_or_uuid, GError **error)
{
  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (name_or_uuid != NULL, NULL);
  return VIRTBUS_STORAGE_POOL (
    lookup (client, "org.virtbus.Virt1.StoragePool", "storage pool", name_or_uuid, error));
}

/**
 * virtbus_client_lookup_volume:
 * @client: a #VirtbusClient
 * @pool_name_or_uuid: the name or UUID of the volume's storage pool
 * @volume_name: the volume's name in that pool
 * @error: return location for an error
 *
 * The volume named @volume_name of the pool virtbus_client_lookup_pool()
 * finds for @pool_name_or_uuid.
 *
 * Returns: (transfer full): the volume's proxy, or %NULL with @error set to
 *   %VIRTBUS_ERROR_NOT_FOUND (naming the pool or the volume that is not
 *   there).
 */
VirtbusStorageVolume *
virtbus_client_lookup_volume (VirtbusClient *client, const char *pool_name_or_uuid,
                              const char *volume_name, GError **error)
{
  g_autoptr (VirtbusStoragePool) pool = NULL;
  const char *pool_path;
  GDBusInterface *volume;

  g_return_val_if_fail (VIRTBUS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (pool_name_or_uuid != NULL, NULL);
  g_return_val_if_fail (volume_name != NULL, NULL);
  pool = virtbus_client_lookup_pool (client, pool_name_or_uuid, error);
  if (!pool)
    return NULL;
  pool_path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (pool));
  volume = find (client, "org.virtbus.Virt1.StorageVolume", match_volume, volume_name, pool_path);
  if (!volume)
    g_set_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND,
                 "Storage pool '%s' has no volume named '%s'", virtbus_storage_pool_get_name (pool),
                 volume_name);
  return VIRTBUS_STORAGE_VOLUME (volume);
}
