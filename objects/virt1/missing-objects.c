#include "missing-objects.h"

#include <string.h>

#include "object-paths.h"
#include "vanished-calls.h"
#include "vb-dbus-generated.h"
#include "vb-error.h"

typedef struct {
  GDBusObjectManagerServer *object_manager;
  GDBusInterfaceInfo *interface; /* what objects of this kind implement */
} Container;

/* GDBus sends a subtree the calls for paths one level below it that have no
 * object of their own, and also Introspect for those that do: both cases
 * need the list of children and their interfaces. */
static char **
enumerate (GDBusConnection *connection, const char *sender, const char *object_path,
           gpointer user_data)
{
  Container *container = user_data;
  g_autolist (GDBusObject) objects =
    g_dbus_object_manager_get_objects (G_DBUS_OBJECT_MANAGER (container->object_manager));
  g_autofree char *prefix = g_strconcat (object_path, "/", NULL);
  GPtrArray *children = g_ptr_array_new ();

  for (GList *l = objects; l; l = l->next)
    {
      const char *path = g_dbus_object_get_object_path (l->data);

      if (g_str_has_prefix (path, prefix) && !strchr (path + strlen (prefix), '/'))
        g_ptr_array_add (children, g_strdup (path + strlen (prefix)));
    }
  g_ptr_array_add (children, NULL);
  return (char **) g_ptr_array_free (children, FALSE);
}

static GDBusInterfaceInfo **
introspect (GDBusConnection *connection, const char *sender, const char *object_path,
            const char *node, gpointer user_data)
{
  Container *container = user_data;
  g_autofree char *path = NULL;
  g_autoptr (GDBusObject) object = NULL;
  GPtrArray *infos = g_ptr_array_new ();

  if (!node)
    {
      g_ptr_array_add (infos, NULL);
      return (GDBusInterfaceInfo **) g_ptr_array_free (infos, FALSE);
    }
  path = g_strdup_printf ("%s/%s", object_path, node);
  object = g_dbus_object_manager_get_object (G_DBUS_OBJECT_MANAGER (container->object_manager),
                                             path);
  if (object)
    {
      g_autolist (GDBusInterface) ifaces = g_dbus_object_get_interfaces (object);

      for (GList *l = ifaces; l; l = l->next)
        g_ptr_array_add (infos, g_dbus_interface_info_ref (
                                  g_dbus_interface_get_info (G_DBUS_INTERFACE (l->data))));
    }
  else
    {
      g_ptr_array_add (infos, g_dbus_interface_info_ref (container->interface));
    }
  g_ptr_array_add (infos, NULL);
  return (GDBusInterfaceInfo **) g_ptr_array_free (infos, FALSE);
}

static void
reply_not_found (GDBusConnection *connection, const char *sender, const char *object_path,
                 const char *interface_name, const char *method_name, GVariant *parameters,
                 GDBusMethodInvocation *invocation, gpointer user_data)
{
  g_dbus_method_invocation_return_error (invocation, VB_ERROR, VB_ERROR_NOT_FOUND,
                                         "No object at %s (it was removed, or never existed)",
                                         object_path);
}

static const GDBusInterfaceVTable not_found_vtable = { reply_not_found, NULL, NULL, { 0 } };

static const GDBusInterfaceVTable *
dispatch (GDBusConnection *connection, const char *sender, const char *object_path,
          const char *interface_name, const char *node, gpointer *out_user_data,
          gpointer user_data)
{
  return &not_found_vtable;
}

static const GDBusSubtreeVTable subtree_vtable = { enumerate, introspect, dispatch, { 0 } };

/* ---- snapshots: a container below every domain ---- */

#define CONTAINERS_KEY "vb-snapshot-containers"

typedef struct {
  GDBusConnection *connection;
  GDBusObjectManagerServer *object_manager;
  GHashTable *registrations; /* domain path → subtree id of "<path>/snapshot" */
} SnapshotContainers;

static void
snapshot_containers_free (SnapshotContainers *containers)
{
  GHashTableIter iter;
  gpointer id;

  g_hash_table_iter_init (&iter, containers->registrations);
  while (g_hash_table_iter_next (&iter, NULL, &id))
    g_dbus_connection_unregister_subtree (containers->connection, GPOINTER_TO_UINT (id));
  g_hash_table_unref (containers->registrations);
  g_object_unref (containers->connection);
  g_free (containers);
}

void
vb_missing_objects_domain_added (GDBusObjectManagerServer *object_manager, const char *path)
{
  SnapshotContainers *containers = g_object_get_data (G_OBJECT (object_manager), CONTAINERS_KEY);
  g_autofree char *below = NULL;
  Container *container;
  guint id;

  /* Before the connection is set: vb_missing_objects_register() finds it. */
  if (!containers || g_hash_table_contains (containers->registrations, path))
    return;
  below = g_strdup_printf ("%s/snapshot", path);
  container = g_new0 (Container, 1);
  container->object_manager = object_manager;
  container->interface = vb_dbus_snapshot_interface_info ();
  id = g_dbus_connection_register_subtree (containers->connection, below, &subtree_vtable,
                                           G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                           container, g_free, NULL);
  if (id)
    g_hash_table_insert (containers->registrations, g_strdup (path), GUINT_TO_POINTER (id));
}

void
vb_missing_objects_domain_removed (GDBusObjectManagerServer *object_manager, const char *path)
{
  SnapshotContainers *containers = g_object_get_data (G_OBJECT (object_manager), CONTAINERS_KEY);
  guint id = containers ? GPOINTER_TO_UINT (g_hash_table_lookup (containers->registrations, path))
                        : 0;

  if (!id)
    return;
  g_dbus_connection_unregister_subtree (containers->connection, id);
  g_hash_table_remove (containers->registrations, path);
}

/* Snapshot paths sit two levels below a domain's container: each domain
 * gets its own "<domain>/snapshot" subtree while it is exported. */
static void
follow_domains (GDBusConnection *connection, GDBusObjectManagerServer *object_manager)
{
  SnapshotContainers *containers = g_new0 (SnapshotContainers, 1);
  g_autolist (GDBusObject) objects =
    g_dbus_object_manager_get_objects (G_DBUS_OBJECT_MANAGER (object_manager));

  containers->connection = g_object_ref (connection);
  containers->object_manager = object_manager;
  containers->registrations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_object_set_data_full (G_OBJECT (object_manager), CONTAINERS_KEY, containers,
                          (GDestroyNotify) snapshot_containers_free);
  for (GList *l = objects; l; l = l->next)
    {
      g_autoptr (GDBusInterface) domain =
        g_dbus_object_get_interface (l->data, "org.virtbus.Virt1.Domain");
      if (domain)
        vb_missing_objects_domain_added (object_manager, g_dbus_object_get_object_path (l->data));
    }
}

gboolean
vb_missing_objects_register (GDBusConnection *connection,
                             GDBusObjectManagerServer *object_manager, GError **error)
{
  struct {
    const char *kind;
    GDBusInterfaceInfo *(*info) (void);
  } kinds[] = {
    { "domain", vb_dbus_domain_interface_info },
    { "network", vb_dbus_network_interface_info },
    { "pool", vb_dbus_storage_pool_interface_info },
    { "job", vb_dbus_job_interface_info },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *path = g_strdup_printf (VB_MANAGER_PATH "/%s", kinds[i].kind);
      Container *container = g_new0 (Container, 1);

      container->object_manager = object_manager;
      container->interface = kinds[i].info ();
      if (!g_dbus_connection_register_subtree (connection, path, &subtree_vtable,
                                               G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                               container, g_free, error))
        return FALSE;
    }
  follow_domains (connection, object_manager);
  /* The subtrees answer for paths GDBus finds empty; calls it had already
   * routed to an object that then went are vanished-calls.c's (through the
   * reply cache, virt1-replies.c). */
  return TRUE;
}
