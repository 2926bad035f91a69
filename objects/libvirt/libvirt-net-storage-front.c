/* The network, storagepool and storagevol subtrees of each Connect, and the
 * Connect signals NetworkEvent and StoragePoolEvent, derived from the
 * inventory: "added", "removed" and each object's "changed", compared with
 * what the object was (active, persistent, its persistent XML). */
#include <string.h>

#include "libvirt-interfaces.h"
#include "libvirt-net-storage.h"
#include "storage-api.h"

#define CONNECT_INTERFACE "org.libvirt.Connect"
#define POOL_INTERFACE "org.libvirt.StoragePool"

typedef enum { KIND_NETWORK, KIND_POOL, KIND_VOLUME, N_KINDS } Kind;

typedef struct {
  VbLvBinding binding;
  Kind kind;
} Subtree;

/* What a network or pool was when last seen: events are the differences. */
typedef struct {
  gboolean active;
  gboolean persistent;
  char *xml; /* the persistent definition's, NULL when transient */
} Seen;

struct _VbLvNetStorage {
  VbDriverHost *host;
  GDBusConnection *bus;
  const VbLvConnect *connects;
  guint n_connects;
  Subtree *subtrees; /* n_connects * N_KINDS */
  GHashTable *seen;  /* VbResource (a reference) → Seen */
};

/* Every VbLvNetStorage alive: events the model does not carry (Build,
 * Delete, Refresh) reach each front of the host. */
static GList *fronts;

static const char *const nodes[N_KINDS] = { VB_LV_NETWORK_NODE, VB_LV_POOL_NODE,
                                            VB_LV_VOLUME_NODE };

static const VbLvInterface *
interface_of (Kind kind)
{
  switch (kind)
    {
    case KIND_NETWORK:
      return &vb_lv_network_interface;
    case KIND_POOL:
      return &vb_lv_storage_pool_interface;
    case KIND_VOLUME:
    case N_KINDS:
      break;
    }
  return &vb_lv_storage_vol_interface;
}

/* ---- subtrees ---- */

static void
add_node (GPtrArray *nodes_out, const char *path, gsize prefix)
{
  g_ptr_array_add (nodes_out, g_strdup (path + prefix));
}

static char **
subtree_enumerate (GDBusConnection *connection, const char *sender, const char *object_path,
                   gpointer user_data)
{
  Subtree *subtree = user_data;
  const VbLvConnect *connect = subtree->binding.connect;
  GPtrArray *out = g_ptr_array_new ();
  gsize prefix = strlen (object_path) + 1;

  if (subtree->kind == KIND_NETWORK)
    {
      g_autoptr (GPtrArray) networks =
        vb_inventory_list (vb_driver_host_get_inventory (connect->host), VB_TYPE_NETWORK);

      for (guint i = 0; i < networks->len; i++)
        {
          g_autofree char *path = vb_lv_network_object_path (connect, networks->pdata[i]);

          add_node (out, path, prefix);
        }
    }
  else
    {
      g_autoptr (GPtrArray) pools =
        vb_inventory_list (vb_driver_host_get_inventory (connect->host), VB_TYPE_POOL);

      for (guint i = 0; i < pools->len; i++)
        {
          VbPool *pool = pools->pdata[i];
          g_autoptr (GPtrArray) volumes = NULL;

          if (subtree->kind == KIND_POOL)
            {
              g_autofree char *path = vb_lv_pool_object_path (connect, pool);

              add_node (out, path, prefix);
              continue;
            }
          if (!vb_pool_get_active (pool))
            continue;
          volumes = vb_pool_list_volumes (pool);
          for (guint j = 0; j < volumes->len; j++)
            {
              g_autofree char *path = vb_lv_volume_object_path (connect, volumes->pdata[j]);

              add_node (out, path, prefix);
            }
        }
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static GDBusInterfaceInfo **
subtree_introspect (GDBusConnection *connection, const char *sender, const char *object_path,
                    const char *node, gpointer user_data)
{
  Subtree *subtree = user_data;
  GDBusInterfaceInfo **infos;

  if (!node)
    return NULL;
  infos = g_new0 (GDBusInterfaceInfo *, 2);
  infos[0] = g_dbus_interface_info_ref (vb_lv_interface_info (subtree->binding.iface->name));
  return infos;
}

static const GDBusInterfaceVTable *
subtree_dispatch (GDBusConnection *connection, const char *sender, const char *object_path,
                  const char *interface_name, const char *node, gpointer *out_user_data,
                  gpointer user_data)
{
  Subtree *subtree = user_data;

  if (!node || strcmp (interface_name, subtree->binding.iface->name) != 0)
    return NULL;
  *out_user_data = &subtree->binding;
  return vb_lv_dispatch_vtable ();
}

static const GDBusSubtreeVTable subtree_vtable = {
  subtree_enumerate,
  subtree_introspect,
  subtree_dispatch,
  { 0 },
};

/* ---- events ---- */

static void
emit_on_connects (VbLvNetStorage *self, VbResource *resource, int event)
{
  gboolean network = VB_IS_NETWORK (resource);

  for (guint i = 0; i < self->n_connects; i++)
    {
      const VbLvConnect *connect = &self->connects[i];
      g_autofree char *path = network ? vb_lv_network_object_path (connect, VB_NETWORK (resource))
                                      : vb_lv_pool_object_path (connect, VB_POOL (resource));

      if (network)
        g_dbus_connection_emit_signal (self->bus, NULL, connect->path, CONNECT_INTERFACE,
                                       "NetworkEvent", g_variant_new ("(oi)", path, event), NULL);
      else
        /* libvirt's storage pool events have no details: 0. */
        g_dbus_connection_emit_signal (self->bus, NULL, connect->path, CONNECT_INTERFACE,
                                       "StoragePoolEvent", g_variant_new ("(oii)", path, event, 0),
                                       NULL);
    }
}

static void
seen_free (Seen *seen)
{
  g_free (seen->xml);
  g_free (seen);
}

static gboolean
is_active (VbResource *resource)
{
  return VB_IS_NETWORK (resource) ? vb_network_get_active (VB_NETWORK (resource))
                                  : vb_pool_get_active (VB_POOL (resource));
}

static const char *
persistent_xml (VbResource *resource)
{
  if (!vb_resource_get_persistent (resource))
    return NULL;
  return VB_IS_NETWORK (resource) ? vb_network_get_def (VB_NETWORK (resource))->xml
                                  : vb_pool_get_def (VB_POOL (resource))->xml;
}

/* Emits what changed since @seen (NULL: the object is new) and records the
 * object as it is now. */
static void
compare (VbLvNetStorage *self, VbResource *resource, Seen *seen)
{
  gboolean active = is_active (resource);
  gboolean persistent = vb_resource_get_persistent (resource);
  const char *xml = persistent_xml (resource);
  gboolean was_active = seen && seen->active;
  gboolean was_persistent = seen && seen->persistent;

  /* libvirt's order: a definition (or redefinition) before a start, a stop
   * before an undefinition of the running object's config. */
  if (persistent && (!was_persistent || g_strcmp0 (xml, seen->xml) != 0))
    emit_on_connects (self, resource, VB_LV_EVENT_DEFINED);
  if (active && !was_active)
    emit_on_connects (self, resource, VB_LV_EVENT_STARTED);
  if (!active && was_active)
    emit_on_connects (self, resource, VB_LV_EVENT_STOPPED);
  if (!persistent && was_persistent)
    emit_on_connects (self, resource, VB_LV_EVENT_UNDEFINED);

  if (!seen)
    {
      seen = g_new0 (Seen, 1);
      g_hash_table_insert (self->seen, g_object_ref (resource), seen);
    }
  seen->active = active;
  seen->persistent = persistent;
  g_free (seen->xml);
  seen->xml = g_strdup (xml);
}

static void
resource_changed (VbResource *resource, gpointer user_data)
{
  VbLvNetStorage *self = user_data;

  compare (self, resource, g_hash_table_lookup (self->seen, resource));
}

static gboolean
followed (VbResource *resource)
{
  return VB_IS_NETWORK (resource) || VB_IS_POOL (resource);
}

static void
follow (VbLvNetStorage *self, VbResource *resource, gboolean announce)
{
  if (!followed (resource) || g_hash_table_contains (self->seen, resource))
    return;
  if (announce)
    compare (self, resource, NULL);
  else
    {
      Seen *seen = g_new0 (Seen, 1);

      seen->active = is_active (resource);
      seen->persistent = vb_resource_get_persistent (resource);
      seen->xml = g_strdup (persistent_xml (resource));
      g_hash_table_insert (self->seen, g_object_ref (resource), seen);
    }
  g_signal_connect (resource, "changed", G_CALLBACK (resource_changed), self);
}

static void
resource_added (VbInventory *inventory, VbResource *resource, gpointer user_data)
{
  follow (user_data, resource, TRUE);
}

static void
resource_removed (VbInventory *inventory, VbResource *resource, gpointer user_data)
{
  VbLvNetStorage *self = user_data;
  Seen *seen = g_hash_table_lookup (self->seen, resource);

  if (!seen)
    return;
  g_signal_handlers_disconnect_by_func (resource, resource_changed, self);
  /* Gone: a transient one stopped, a persistent inactive one undefined. */
  if (seen->active)
    emit_on_connects (self, resource, VB_LV_EVENT_STOPPED);
  if (seen->persistent)
    emit_on_connects (self, resource, VB_LV_EVENT_UNDEFINED);
  g_hash_table_remove (self->seen, resource);
}

void
vb_lv_net_storage_pool_event (VbDriverHost *host, VbPool *pool, VbLvLifecycleEvent event)
{
  for (GList *l = fronts; l; l = l->next)
    {
      VbLvNetStorage *self = l->data;

      if (self->host == host)
        emit_on_connects (self, VB_RESOURCE (pool), event);
    }
}

void
vb_lv_net_storage_pool_refreshed (VbDriverHost *host, VbPool *pool)
{
  for (GList *l = fronts; l; l = l->next)
    {
      VbLvNetStorage *self = l->data;

      if (self->host != host)
        continue;
      for (guint i = 0; i < self->n_connects; i++)
        {
          g_autofree char *path = vb_lv_pool_object_path (&self->connects[i], pool);

          g_dbus_connection_emit_signal (self->bus, NULL, path, POOL_INTERFACE, "Refresh", NULL,
                                         NULL);
        }
    }
}

/* ---- the whole ---- */

VbLvNetStorage *
vb_lv_net_storage_new (GDBusConnection *bus, VbDriverHost *host, const VbLvConnect *connects,
                       guint n_connects, GArray *subtree_ids, GError **error)
{
  VbLvNetStorage *self = g_new0 (VbLvNetStorage, 1);
  VbInventory *inventory = vb_driver_host_get_inventory (host);
  GType types[] = { VB_TYPE_NETWORK, VB_TYPE_POOL };

  self->host = host;
  self->bus = g_object_ref (bus);
  self->connects = connects;
  self->n_connects = n_connects;
  self->subtrees = g_new0 (Subtree, n_connects * N_KINDS);
  self->seen = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref,
                                      (GDestroyNotify) seen_free);
  fronts = g_list_prepend (fronts, self);
  for (guint i = 0; i < n_connects; i++)
    for (Kind kind = 0; kind < N_KINDS; kind++)
      {
        Subtree *subtree = &self->subtrees[i * N_KINDS + kind];
        g_autofree char *path = g_strconcat (connects[i].path, "/", nodes[kind], NULL);
        guint id;

        subtree->binding = (VbLvBinding){ &connects[i], interface_of (kind) };
        subtree->kind = kind;
        /* Calls reach a node without an enumeration first (resolve). */
        id =
          g_dbus_connection_register_subtree (bus, path, &subtree_vtable,
                                              G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                              subtree, NULL, error);
        if (!id)
          {
            vb_lv_net_storage_free (self);
            return NULL;
          }
        g_array_append_val (subtree_ids, id);
      }
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr (GPtrArray) present = vb_inventory_list (inventory, types[t]);

      for (guint i = 0; i < present->len; i++)
        follow (self, present->pdata[i], FALSE);
    }
  g_signal_connect (inventory, "added", G_CALLBACK (resource_added), self);
  g_signal_connect (inventory, "removed", G_CALLBACK (resource_removed), self);
  return self;
}

void
vb_lv_net_storage_free (VbLvNetStorage *self)
{
  GHashTableIter iter;
  gpointer resource;

  if (!self)
    return;
  fronts = g_list_remove (fronts, self);
  g_signal_handlers_disconnect_by_data (vb_driver_host_get_inventory (self->host), self);
  g_hash_table_iter_init (&iter, self->seen);
  while (g_hash_table_iter_next (&iter, &resource, NULL))
    g_signal_handlers_disconnect_by_func (resource, resource_changed, self);
  g_hash_table_unref (self->seen);
  g_free (self->subtrees);
  g_object_unref (self->bus);
  g_free (self);
}
