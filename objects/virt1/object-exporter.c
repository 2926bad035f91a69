#include "object-exporter.h"

#include "domain-object.h"
#include "job-object.h"
#include "missing-objects.h"
#include "network-object.h"
#include "object-paths.h"
#include "pool-object.h"
#include "secret-api.h"
#include "secret-object.h"
#include "snapshot-object.h"
#include "vb-parallel.h"
#include "volume-object.h"

struct _VbObjectExporter {
  VbBusContext *context;
  VbInventory *inventory;
};

static void
export_interface (VbObjectExporter *self, const char *path, GDBusInterfaceSkeleton *iface)
{
  vb_object_table_export (self->context->objects, path, iface);
}

static void
unexport (VbObjectExporter *self, const char *path)
{
  vb_object_table_unexport (self->context->objects, path);
}

static void
volume_added (VbPool *pool, VbVolume *volume, gpointer user_data)
{
  VbObjectExporter *self = user_data;
  g_autofree char *path = vb_object_path_for_volume (vb_resource_get_uuid (VB_RESOURCE (pool)),
                                                     vb_volume_get_name (volume));
  g_autoptr (VbVolumeObject) object = vb_volume_object_new (self->context, pool, volume);

  export_interface (self, path, G_DBUS_INTERFACE_SKELETON (object));
}

static void
volume_removed (VbPool *pool, VbVolume *volume, gpointer user_data)
{
  g_autofree char *path = vb_object_path_for_volume (vb_resource_get_uuid (VB_RESOURCE (pool)),
                                                     vb_volume_get_name (volume));

  unexport (user_data, path);
}

/* @made: the domain's object when made already (at start-up), else NULL. */
static void
export_resource (VbObjectExporter *self, VbResource *resource, VbDomainObject *made)
{
  g_autofree char *path =
    vb_object_path_for (vb_resource_get_kind (resource), vb_resource_get_uuid (resource));
  g_autoptr (GDBusInterfaceSkeleton) iface = NULL;

  if (VB_IS_DOMAIN (resource))
    {
      iface = G_DBUS_INTERFACE_SKELETON (
        made ? g_object_ref (made) : vb_domain_object_new (self->context, VB_DOMAIN (resource)));
      vb_missing_objects_domain_added (self->context->objects, path);
    }
  else if (VB_IS_NETWORK (resource))
    iface =
      G_DBUS_INTERFACE_SKELETON (vb_network_object_new (self->context, VB_NETWORK (resource)));
  else
    {
      g_autoptr (GPtrArray) volumes = vb_pool_list_volumes (VB_POOL (resource));

      iface = G_DBUS_INTERFACE_SKELETON (vb_pool_object_new (self->context, VB_POOL (resource)));
      export_interface (self, path, iface);
      for (guint i = 0; i < volumes->len; i++)
        volume_added (VB_POOL (resource), volumes->pdata[i], self);
      g_signal_connect (resource, "volume-added", G_CALLBACK (volume_added), self);
      g_signal_connect (resource, "volume-removed", G_CALLBACK (volume_removed), self);
      return;
    }
  export_interface (self, path, iface);
}

static void
resource_added (VbInventory *inventory, VbResource *resource, gpointer user_data)
{
  export_resource (user_data, resource, NULL);
}

typedef struct {
  VbBusContext *context;
  GPtrArray *domains;
  VbDomainObject **objects;
} MakeWork;

static void
make_domain_object (guint i, gpointer user_data)
{
  MakeWork *work = user_data;

  work->objects[i] = vb_domain_object_new (work->context, work->domains->pdata[i]);
}

/* The domains loaded at start-up. Making their objects (each a GObject with
 * its properties and its handlers on its own VbDomain) was a third of a
 * restart with 10,000 domains: it runs on the load's helpers too, while
 * nothing else runs (main.c exports before it owns the name and runs the
 * main loop) and each object reads only its own domain and the snapshot
 * registry, which nothing changes then. The objects are exported here, on
 * this thread, in the inventory's order. */
static void
export_loaded_domains (VbObjectExporter *self)
{
  g_autoptr (GPtrArray) domains = vb_inventory_list (self->inventory, VB_TYPE_DOMAIN);
  MakeWork work = { self->context, domains, g_new0 (VbDomainObject *, MAX (domains->len, 1)) };

  /* Its class is made here, before the helpers. */
  g_type_class_unref (g_type_class_ref (VB_TYPE_DOMAIN_OBJECT));
  vb_parallel_for (domains->len, 64, make_domain_object, &work);
  for (guint i = 0; i < domains->len; i++)
    {
      export_resource (self, domains->pdata[i], work.objects[i]);
      g_object_unref (work.objects[i]);
    }
  g_free (work.objects);
}

static void
resource_removed (VbInventory *inventory, VbResource *resource, gpointer user_data)
{
  VbObjectExporter *self = user_data;
  g_autofree char *path =
    vb_object_path_for (vb_resource_get_kind (resource), vb_resource_get_uuid (resource));

  if (VB_IS_POOL (resource))
    {
      g_autoptr (GPtrArray) volumes = vb_pool_list_volumes (VB_POOL (resource));

      g_signal_handlers_disconnect_by_data (resource, self);
      for (guint i = 0; i < volumes->len; i++)
        volume_removed (VB_POOL (resource), volumes->pdata[i], self);
    }
  if (VB_IS_DOMAIN (resource))
    vb_missing_objects_domain_removed (self->context->objects, path);
  unexport (self, path);
}

static void
snapshot_added (VbSnapshotRegistry *registry, VbSnapshot *snapshot, gpointer user_data)
{
  g_autofree char *path = vb_snapshot_object_path (snapshot);
  g_autoptr (VbSnapshotObject) object =
    vb_snapshot_object_new (((VbObjectExporter *) user_data)->context, snapshot);

  export_interface (user_data, path, G_DBUS_INTERFACE_SKELETON (object));
}

static void
snapshot_removed (VbSnapshotRegistry *registry, VbSnapshot *snapshot, gpointer user_data)
{
  g_autofree char *path = vb_snapshot_object_path (snapshot);

  unexport (user_data, path);
}

/* One handler for every domain, not one per domain object: the registry
 * holds one handler, not 10,000 that each compare the UUID at every change. */
static void
current_snapshot_changed (VbSnapshotRegistry *registry, const char *domain_uuid,
                          gpointer user_data)
{
  VbObjectExporter *self = user_data;
  g_autofree char *path = vb_object_path_for ("domain", domain_uuid);
  GDBusInterfaceSkeleton *domain = vb_object_table_lookup (self->context->objects, path);

  if (domain && VB_IS_DOMAIN_OBJECT (domain))
    vb_domain_object_current_snapshot_changed (VB_DOMAIN_OBJECT (domain));
}

static void
job_added (VbInventory *inventory, VbJob *job, gpointer user_data)
{
  g_autofree char *path = vb_object_path_for_job (vb_job_get_id (job));
  g_autoptr (VbJobObject) object = vb_job_object_new (job);

  export_interface (user_data, path, G_DBUS_INTERFACE_SKELETON (object));
}

static void
job_removed (VbInventory *inventory, VbJob *job, gpointer user_data)
{
  g_autofree char *path = vb_object_path_for_job (vb_job_get_id (job));

  unexport (user_data, path);
}

static void
secret_added (VbSecretStore *store, VbSecret *secret, gpointer user_data)
{
  g_autofree char *path = vb_secret_api_path (secret);
  g_autoptr (VbSecretObject) object =
    vb_secret_object_new (((VbObjectExporter *) user_data)->context, secret);

  export_interface (user_data, path, G_DBUS_INTERFACE_SKELETON (object));
}

static void
secret_removed (VbSecretStore *store, VbSecret *secret, gpointer user_data)
{
  g_autofree char *path = vb_secret_api_path (secret);

  unexport (user_data, path);
}

VbObjectExporter *
vb_object_exporter_new (VbBusContext *context)
{
  VbObjectExporter *self = g_new0 (VbObjectExporter, 1);
  const GType types[] = { VB_TYPE_NETWORK, VB_TYPE_POOL };

  self->context = context;
  self->inventory = g_object_ref (vb_driver_host_get_inventory (context->host));
  export_loaded_domains (self);
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr (GPtrArray) all = vb_inventory_list (self->inventory, types[t]);

      for (guint i = 0; i < all->len; i++)
        resource_added (self->inventory, all->pdata[i], self);
    }
  g_signal_connect (self->inventory, "added", G_CALLBACK (resource_added), self);
  g_signal_connect (self->inventory, "removed", G_CALLBACK (resource_removed), self);
  g_signal_connect (self->inventory, "job-added", G_CALLBACK (job_added), self);
  g_signal_connect (self->inventory, "job-removed", G_CALLBACK (job_removed), self);
  /* Snapshots after their domains, so a snapshot's parent path exists. */
  {
    VbSnapshotRegistry *snapshots = vb_driver_host_get_snapshots (context->host);
    g_autoptr (GPtrArray) domains = vb_inventory_list (self->inventory, VB_TYPE_DOMAIN);

    for (guint i = 0; i < domains->len; i++)
      {
        g_autoptr (GPtrArray) all =
          vb_snapshot_registry_list (snapshots, vb_resource_get_uuid (domains->pdata[i]));
        for (guint j = 0; j < all->len; j++)
          snapshot_added (snapshots, all->pdata[j], self);
      }
    g_signal_connect (snapshots, "added", G_CALLBACK (snapshot_added), self);
    g_signal_connect (snapshots, "removed", G_CALLBACK (snapshot_removed), self);
    g_signal_connect (snapshots, "current-changed", G_CALLBACK (current_snapshot_changed), self);
  }
  {
    VbSecretStore *secrets = vb_driver_host_get_secrets (context->host);
    g_autoptr (GPtrArray) all = vb_secret_store_list (secrets);

    for (guint i = 0; i < all->len; i++)
      secret_added (secrets, all->pdata[i], self);
    g_signal_connect (secrets, "added", G_CALLBACK (secret_added), self);
    g_signal_connect (secrets, "removed", G_CALLBACK (secret_removed), self);
  }
  return self;
}

void
vb_object_exporter_free (VbObjectExporter *self)
{
  if (!self)
    return;
  g_signal_handlers_disconnect_by_data (self->inventory, self);
  g_signal_handlers_disconnect_by_data (vb_driver_host_get_snapshots (self->context->host), self);
  g_signal_handlers_disconnect_by_data (vb_driver_host_get_secrets (self->context->host), self);
  g_object_unref (self->inventory);
  g_free (self);
}
