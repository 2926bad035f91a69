#include "missing-objects.h"

#include <string.h>

#include "object-paths.h"
#include "vanished-calls.h"
#include "vb-dbus-generated.h"
#include "vb-error.h"

typedef struct {
  VbObjectTable *objects;
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

  return vb_object_table_children (container->objects, object_path);
}

static GDBusInterfaceInfo **
introspect (GDBusConnection *connection, const char *sender, const char *object_path,
            const char *node, gpointer user_data)
{
  Container *container = user_data;
  g_autofree char *path = NULL;
  GDBusInterfaceSkeleton *object;
  GPtrArray *infos = g_ptr_array_new ();

  if (!node)
    {
      g_ptr_array_add (infos, NULL);
      return (GDBusInterfaceInfo **) g_ptr_array_free (infos, FALSE);
    }
  path = g_strdup_printf ("%s/%s", object_path, node);
  object = vb_object_table_lookup (container->objects, path);
  if (object)
    g_ptr_array_add (infos,
                     g_dbus_interface_info_ref (g_dbus_interface_skeleton_get_info (object)));
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

typedef struct {
  GDBusConnection *connection;
  VbObjectTable *objects;
  GHashTable *registrations; /* domain path → subtree id of "<path>/snapshot" */
} SnapshotContainers;

/* The daemon's: lives as long as its connection. */
static SnapshotContainers *the_containers;

void
vb_missing_objects_domain_added (VbObjectTable *objects, const char *path)
{
  SnapshotContainers *containers = the_containers;
  g_autofree char *below = NULL;
  Container *container;
  guint id;

  /* Before the connection is set: vb_missing_objects_register() finds it. */
  if (!containers || g_hash_table_contains (containers->registrations, path))
    return;
  below = g_strdup_printf ("%s/snapshot", path);
  container = g_new0 (Container, 1);
  container->objects = objects;
  container->interface = vb_dbus_snapshot_interface_info ();
  id = g_dbus_connection_register_subtree (containers->connection, below, &subtree_vtable,
                                           G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                           container, g_free, NULL);
  if (id)
    g_hash_table_insert (containers->registrations, g_strdup (path), GUINT_TO_POINTER (id));
}

void
vb_missing_objects_domain_removed (VbObjectTable *objects, const char *path)
{
  SnapshotContainers *containers = the_containers;
  guint id = containers ? GPOINTER_TO_UINT (g_hash_table_lookup (containers->registrations, path))
                        : 0;

  if (!id)
    return;
  g_dbus_connection_unregister_subtree (containers->connection, id);
  g_hash_table_remove (containers->registrations, path);
}

/* Snapshot paths sit two levels below a domain's container: each domain
 * gets its own "<domain>/snapshot" subtree while it is exported. The
 * containers of domains, networks, pools and jobs are object-table.c's. */
gboolean
vb_missing_objects_register (GDBusConnection *connection, VbObjectTable *objects, GError **error)
{
  SnapshotContainers *containers = g_new0 (SnapshotContainers, 1);
  g_auto (GStrv) domains = vb_object_table_children (objects, VB_MANAGER_PATH "/domain");

  g_return_val_if_fail (!the_containers, FALSE);
  containers->connection = g_object_ref (connection);
  containers->objects = objects;
  containers->registrations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  the_containers = containers;
  for (guint i = 0; domains[i]; i++)
    {
      g_autofree char *path = g_strdup_printf (VB_MANAGER_PATH "/domain/%s", domains[i]);

      vb_missing_objects_domain_added (objects, path);
    }
  /* The subtrees answer for paths GDBus finds empty; calls it had already
   * routed to an object that then went are vanished-calls.c's (through the
   * reply cache, virt1-replies.c). */
  return TRUE;
}
