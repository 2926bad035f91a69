#include "object-table.h"

#include <string.h>

#include "object-paths.h"
#include "object-signals.h"
#include "property-cache.h"
#include "vb-dbus-generated.h"
#include "vb-error.h"

#define OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* The kinds whose objects sit directly below a container of their own and
 * come in thousands: each container is one subtree registration. */
static const char *const subtree_kinds[] = { "domain", "network", "pool", "job" };

typedef struct _Container Container;

typedef struct {
  char *path;
  GDBusInterfaceSkeleton *skeleton;
  Container *container; /* NULL: registered on its own (deeper objects, secrets) */
  /* Its {oa{sa{sv}}} in GetManagedObjects, serialized (NULL until asked),
   * and the property cache's bytes it holds (a slice of its own), which
   * stay the cache's until a property changes: see managed_entry(). */
  GVariant *managed;
  GBytes *managed_properties;
} Entry;

struct _Container {
  char *path;                /* VB_MANAGER_PATH "/<kind>" */
  GDBusInterfaceInfo *empty; /* what a node with no object answers to */
  GHashTable *nodes;         /* node name (in the entry's path) → Entry */
  guint id;
};

struct _VbObjectTable {
  GMutex lock;         /* taken to change @entries; read without it on the main thread */
  GHashTable *entries; /* path → Entry (owned) */
  GHashTable *served;  /* skeleton → Entry, for the subtree ones */
  Container containers[G_N_ELEMENTS (subtree_kinds)];
  GDBusConnection *connection;
  guint manager_id;
  /* Unexported skeletons, held until GDBus ran the calls it had already
   * dispatched to them (the subtree's dispatch hands out no reference). */
  GPtrArray *graveyard;
  guint graveyard_idle;
};

/* The daemon's one table: the calls GDBus dispatches reach it. */
static VbObjectTable *the_table;

static void
entry_free (Entry *entry)
{
  g_free (entry->path);
  g_object_unref (entry->skeleton);
  g_clear_pointer (&entry->managed, g_variant_unref);
  g_clear_pointer (&entry->managed_properties, g_bytes_unref);
  g_free (entry);
}

/* The container @path is directly below, or NULL. */
static Container *
container_for (VbObjectTable *table, const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (table->containers); i++)
    {
      Container *container = &table->containers[i];
      gsize n = strlen (container->path);

      if (strncmp (path, container->path, n) == 0 && path[n] == '/' && path[n + 1]
          && !strchr (path + n + 1, '/'))
        return container;
    }
  return NULL;
}

/* g_dbus_interface_skeleton_get_properties() answers a reference of our own
 * (it takes the vfunc's floating one), which '@' only adds to: it is ours to
 * drop, or every export and GetAll would keep a properties blob forever. */
static GVariant *
interfaces_and_properties (GDBusInterfaceSkeleton *skeleton)
{
  g_autoptr (GVariant) properties = g_dbus_interface_skeleton_get_properties (skeleton);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_variant_builder_add (&builder, "{s@a{sv}}", g_dbus_interface_skeleton_get_info (skeleton)->name,
                         properties);
  return g_variant_builder_end (&builder);
}

static void
emit_manager_signal (VbObjectTable *table, const char *member, GVariant *parameters)
{
  g_dbus_connection_emit_signal (table->connection, NULL, VB_MANAGER_PATH, OBJECT_MANAGER, member,
                                 parameters, NULL);
}

/* ---- the subtrees ---- */

static char **
subtree_enumerate (GDBusConnection *connection, const char *sender, const char *object_path,
                   gpointer user_data)
{
  Container *container = user_data;
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer node;

  g_hash_table_iter_init (&iter, container->nodes);
  while (g_hash_table_iter_next (&iter, &node, NULL))
    g_ptr_array_add (names, g_strdup (node));
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

static GDBusInterfaceInfo **
subtree_introspect (GDBusConnection *connection, const char *sender, const char *object_path,
                    const char *node, gpointer user_data)
{
  Container *container = user_data;
  GDBusInterfaceInfo **infos = g_new0 (GDBusInterfaceInfo *, 2);
  Entry *entry;

  /* The container itself is only a folder. */
  if (!node)
    return infos;
  entry = g_hash_table_lookup (container->nodes, node);
  /* A node with no object looks like one of its kind, so that every call
   * to it reaches the dispatch and hears NotFound. */
  infos[0] = g_dbus_interface_info_ref (entry ? g_dbus_interface_skeleton_get_info (entry->skeleton)
                                              : container->empty);
  return infos;
}

static void
reply_not_found (GDBusMethodInvocation *invocation, const char *object_path)
{
  g_dbus_method_invocation_return_error (invocation, VB_ERROR, VB_ERROR_NOT_FOUND,
                                         "No object at %s (it was removed, or never existed)",
                                         object_path);
}

static void
not_found_call (GDBusConnection *connection, const char *sender, const char *object_path,
                const char *interface_name, const char *method_name, GVariant *parameters,
                GDBusMethodInvocation *invocation, gpointer user_data)
{
  reply_not_found (invocation, object_path);
}

static const GDBusInterfaceVTable not_found_vtable = { not_found_call, NULL, NULL, { 0 } };

/* Properties.Get and GetAll, which GDBus sends to served_call (there is no
 * get_property): GetAll answers the a{sv} the property cache keeps (the
 * bytes GetManagedObjects lists too), built again only after a change
 * (object-signals.c invalidates it as it notes the change), rather than
 * from every property's getter on each call; Get asks the skeleton. The
 * same values, in the same order, as GDBus's own GetAll. */
static gboolean
property_read (GDBusInterfaceSkeleton *skeleton, const char *method_name,
               GDBusMethodInvocation *invocation)
{
  const GDBusPropertyInfo *property = g_dbus_method_invocation_get_property_info (invocation);
  GError *error = NULL;
  GVariant *value;

  if (strcmp (method_name, "GetAll") == 0)
    {
      g_autoptr (GVariant) properties = g_dbus_interface_skeleton_get_properties (skeleton);

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})", properties));
      return TRUE;
    }
  if (strcmp (method_name, "Get") != 0 || !property)
    return FALSE; /* Set: the skeleton's dispatch checks and runs it */
  value = g_dbus_interface_skeleton_get_vtable (skeleton)->get_property (
    g_dbus_method_invocation_get_connection (invocation),
    g_dbus_method_invocation_get_sender (invocation),
    g_dbus_method_invocation_get_object_path (invocation),
    g_dbus_interface_skeleton_get_info (skeleton)->name, property->name, &error, skeleton);
  if (!value)
    {
      if (!error) /* a getter that gives nothing and says not why (GDBus would abort) */
        error = g_error_new (G_DBUS_ERROR, G_DBUS_ERROR_FAILED, "No value for property %s",
                             property->name);
      g_dbus_method_invocation_take_error (invocation, error);
      return TRUE;
    }
  /* Getters may answer floating or not, as GDBus allows. */
  g_variant_take_ref (value);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
  g_variant_unref (value);
  return TRUE;
}

/* GDBus runs a dispatched call from an idle of its own: the object may be
 * gone by then. A method call to it hears NotFound, as a call to a path
 * with no object does; a property read answers from the skeleton (held by
 * the graveyard), as it would have just before. */
static void
served_call (GDBusConnection *connection, const char *sender, const char *object_path,
             const char *interface_name, const char *method_name, GVariant *parameters,
             GDBusMethodInvocation *invocation, gpointer user_data)
{
  GDBusInterfaceSkeleton *skeleton = user_data;
  Entry *entry;

  if (strcmp (interface_name, PROPERTIES_INTERFACE) == 0
      && property_read (skeleton, method_name, invocation))
    return;
  entry = g_hash_table_lookup (the_table->entries, object_path);
  if (!entry || entry->skeleton != skeleton)
    {
      reply_not_found (invocation, object_path);
      return;
    }
  g_dbus_interface_skeleton_get_vtable (skeleton)->method_call (connection, sender, object_path,
                                                                interface_name, method_name,
                                                                parameters, invocation, skeleton);
}

/* Properties.Set goes to method_call too, where authorized-dispatch.c
 * checks it, as for a registered skeleton. */
static const GDBusInterfaceVTable served_vtable = { served_call, NULL, NULL, { 0 } };

static const GDBusInterfaceVTable *
subtree_dispatch (GDBusConnection *connection, const char *sender, const char *object_path,
                  const char *interface_name, const char *node, gpointer *out_user_data,
                  gpointer user_data)
{
  Container *container = user_data;
  Entry *entry = node ? g_hash_table_lookup (container->nodes, node) : NULL;

  if (!entry
      || g_strcmp0 (g_dbus_interface_skeleton_get_info (entry->skeleton)->name, interface_name)
           != 0)
    return &not_found_vtable;
  *out_user_data = entry->skeleton;
  return &served_vtable;
}

static const GDBusSubtreeVTable subtree_vtable = {
  subtree_enumerate,
  subtree_introspect,
  subtree_dispatch,
  { 0 },
};

/* ---- the ObjectManager ---- */

static const char manager_xml[] =
  "<node><interface name='" OBJECT_MANAGER "'>"
  "<method name='GetManagedObjects'>"
  "<arg type='a{oa{sa{sv}}}' name='object_paths_interfaces_and_properties' direction='out'/>"
  "</method>"
  "<signal name='InterfacesAdded'><arg type='o' name='object_path'/>"
  "<arg type='a{sa{sv}}' name='interfaces_and_properties'/></signal>"
  "<signal name='InterfacesRemoved'><arg type='o' name='object_path'/>"
  "<arg type='as' name='interfaces'/></signal>"
  "</interface></node>";

/* @entry's part of GetManagedObjects. Kept serialized, so that the reply is
 * made of 10,000 references to ready bytes rather than 10,000 values built
 * again (and the tree GDBus walks to write it is shallow): the cost of the
 * reply is then little more than GDBus writing it (docs/architecture.md).
 * Its a{sv} becomes the property cache's (no second copy); any property
 * change invalidates that cache first (the objects' sync), and a cache
 * other than the one held means the entry is out of date. */
static GVariant *
managed_entry (Entry *entry)
{
  GBytes *current = vb_property_cache_peek (entry->skeleton);
  g_autoptr (GVariant) interfaces = NULL;
  g_autoptr (GVariant) interface = NULL;
  g_autoptr (GVariant) properties = NULL;
  GBytes *shared;

  if (entry->managed && current && current == entry->managed_properties)
    return entry->managed;
  g_clear_pointer (&entry->managed, g_variant_unref);
  g_clear_pointer (&entry->managed_properties, g_bytes_unref);
  entry->managed = g_variant_ref_sink (
    g_variant_new ("{o@a{sa{sv}}}", entry->path, interfaces_and_properties (entry->skeleton)));
  /* Serializes it, in place: one block of bytes from now on. */
  g_variant_get_data (entry->managed);
  interfaces = g_variant_get_child_value (entry->managed, 1);
  interface = g_variant_get_child_value (interfaces, 0);
  properties = g_variant_get_child_value (interface, 1);
  shared = vb_property_cache_share (entry->skeleton, properties);
  entry->managed_properties = shared ? g_bytes_ref (shared) : NULL;
  return entry->managed;
}

static void
manager_call (GDBusConnection *connection, const char *sender, const char *object_path,
              const char *interface_name, const char *method_name, GVariant *parameters,
              GDBusMethodInvocation *invocation, gpointer user_data)
{
  VbObjectTable *table = user_data;
  g_autofree GVariant **entries = g_new (GVariant *, g_hash_table_size (table->entries));
  GVariant *objects;
  GHashTableIter iter;
  gpointer value;
  gsize n = 0;

  /* The only method of the interface: GDBus checked the name. */
  g_hash_table_iter_init (&iter, table->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    entries[n++] = managed_entry (value);
  objects = g_variant_new_array (G_VARIANT_TYPE ("{oa{sa{sv}}}"), entries, n);
  g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&objects, 1));
}

static const GDBusInterfaceVTable manager_vtable = { manager_call, NULL, NULL, { 0 } };

/* ---- exporting ---- */

static gboolean
drop_graveyard (gpointer user_data)
{
  VbObjectTable *table = user_data;

  g_ptr_array_set_size (table->graveyard, 0);
  table->graveyard_idle = 0;
  return G_SOURCE_REMOVE;
}

void
vb_object_table_export (VbObjectTable *table, const char *path, GDBusInterfaceSkeleton *skeleton)
{
  Entry *entry = g_new0 (Entry, 1);
  g_autoptr (GError) error = NULL;

  vb_object_table_unexport (table, path);
  entry->path = g_strdup (path);
  entry->skeleton = g_object_ref (skeleton);
  entry->container = container_for (table, path);
  if (entry->container)
    {
      vb_object_signals_install (skeleton);
      g_hash_table_insert (entry->container->nodes,
                           entry->path + strlen (entry->container->path) + 1, entry);
      g_hash_table_insert (table->served, skeleton, entry);
    }
  else if (table->connection
           && !g_dbus_interface_skeleton_export (skeleton, table->connection, path, &error))
    g_warning ("Cannot export %s: %s", path, error->message);
  g_mutex_lock (&table->lock);
  g_hash_table_insert (table->entries, entry->path, entry);
  g_mutex_unlock (&table->lock);
  if (table->connection)
    emit_manager_signal (table, "InterfacesAdded",
                         g_variant_new ("(o@a{sa{sv}})", path,
                                        interfaces_and_properties (skeleton)));
}

void
vb_object_table_unexport (VbObjectTable *table, const char *path)
{
  Entry *entry = g_hash_table_lookup (table->entries, path);
  const char *names[2] = { NULL, NULL };

  if (!entry)
    return;
  names[0] = g_dbus_interface_skeleton_get_info (entry->skeleton)->name;
  if (entry->container)
    {
      g_hash_table_remove (entry->container->nodes,
                           entry->path + strlen (entry->container->path) + 1);
      g_hash_table_remove (table->served, entry->skeleton);
      vb_object_signals_forget (entry->skeleton);
      g_ptr_array_add (table->graveyard, g_object_ref (entry->skeleton));
      /* Low: after the idles GDBus queued for calls already dispatched. */
      if (!table->graveyard_idle)
        table->graveyard_idle = g_idle_add_full (G_PRIORITY_LOW, drop_graveyard, table, NULL);
    }
  else if (table->connection)
    g_dbus_interface_skeleton_unexport (entry->skeleton);
  if (table->connection)
    emit_manager_signal (table, "InterfacesRemoved",
                         g_variant_new ("(o^as)", entry->path, (const char *const *) names));
  g_mutex_lock (&table->lock);
  g_hash_table_remove (table->entries, path); /* frees @entry */
  g_mutex_unlock (&table->lock);
}

GDBusInterfaceSkeleton *
vb_object_table_lookup (VbObjectTable *table, const char *path)
{
  Entry *entry = g_hash_table_lookup (table->entries, path);

  return entry ? entry->skeleton : NULL;
}

char **
vb_object_table_children (VbObjectTable *table, const char *parent)
{
  g_autofree char *prefix = g_strconcat (parent, "/", NULL);
  gsize n = strlen (prefix);
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer path;

  g_hash_table_iter_init (&iter, table->entries);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    if (strncmp (path, prefix, n) == 0 && !strchr ((char *) path + n, '/'))
      g_ptr_array_add (names, g_strdup ((char *) path + n));
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

GDBusInterfaceInfo *
vb_object_table_interface_at (VbObjectTable *table, const char *path)
{
  GDBusInterfaceInfo *info = NULL;
  Entry *entry;

  g_mutex_lock (&table->lock);
  entry = path ? g_hash_table_lookup (table->entries, path) : NULL;
  if (entry)
    info = g_dbus_interface_skeleton_get_info (entry->skeleton);
  g_mutex_unlock (&table->lock);
  return info;
}

const char *
vb_object_table_subtree_path (VbObjectTable *table, GDBusInterfaceSkeleton *skeleton,
                              GDBusConnection **connection)
{
  Entry *entry;

  /* Nothing is announced before the connection (nor read: the domains'
   * objects are made on the load's helpers then, export_loaded_domains()). */
  if (!table->connection)
    return NULL;
  entry = g_hash_table_lookup (table->served, skeleton);
  if (!entry)
    return NULL;
  *connection = table->connection;
  return entry->path;
}

gboolean
vb_object_table_set_connection (VbObjectTable *table, GDBusConnection *connection, GError **error)
{
  g_autoptr (GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (manager_xml, error);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (!table->connection, FALSE);
  if (!node)
    return FALSE;
  table->manager_id =
    g_dbus_connection_register_object (connection, VB_MANAGER_PATH, node->interfaces[0],
                                       &manager_vtable, table, NULL, error);
  if (!table->manager_id)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (table->containers); i++)
    {
      Container *container = &table->containers[i];

      container->id =
        g_dbus_connection_register_subtree (connection, container->path, &subtree_vtable,
                                            G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                            container, NULL, error);
      if (!container->id)
        return FALSE;
    }
  g_hash_table_iter_init (&iter, table->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      if (!entry->container
          && !g_dbus_interface_skeleton_export (entry->skeleton, connection, entry->path, error))
        return FALSE;
    }
  table->connection = g_object_ref (connection);
  return TRUE;
}

VbObjectTable *
vb_object_table_new (void)
{
  VbObjectTable *table = g_new0 (VbObjectTable, 1);
  GDBusInterfaceInfo *(*const empties[]) (void) = {
    vb_dbus_domain_interface_info,
    vb_dbus_network_interface_info,
    vb_dbus_storage_pool_interface_info,
    vb_dbus_job_interface_info,
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (empties) == G_N_ELEMENTS (subtree_kinds));
  g_mutex_init (&table->lock);
  table->entries =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  table->served = g_hash_table_new (NULL, NULL);
  table->graveyard = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (table->containers); i++)
    {
      Container *container = &table->containers[i];

      container->path = g_strdup_printf (VB_MANAGER_PATH "/%s", subtree_kinds[i]);
      container->empty = empties[i]();
      container->nodes = g_hash_table_new (g_str_hash, g_str_equal);
    }
  g_return_val_if_fail (!the_table, NULL);
  the_table = table;
  vb_object_signals_set_table (table);
  return table;
}
