#include "libvirt-front.h"

#include <string.h>

#include "domain-api.h"
#include "libvirt-connect.h"
#include "libvirt-domain.h"
#include "libvirt-interfaces.h"
#include "libvirt-net-storage.h"
#include "libvirt-netif.h"
#include "libvirt-nodedev.h"
#include "libvirt-paths.h"
#include "libvirt-snapshot.h"
#include "vb-log.h"

#define N_CONNECTS 2

/* A subtree of one Connect: its domains or its snapshots. */
typedef struct {
  VbLvBinding binding;
  VbLibvirtFront *front;
  gboolean snapshots;
  /* The host's objects (interfaces, node devices): their nodes, else domains'. */
  char **(*host_nodes) (const VbLvConnect *connect);
} Subtree;

struct _VbLibvirtFront {
  GDBusConnection *bus;
  VbDriverHost *host;
  VbLvConnect connects[N_CONNECTS];
  VbLvBinding connect_bindings[N_CONNECTS];
  Subtree domain_subtrees[N_CONNECTS];
  Subtree snapshot_subtrees[N_CONNECTS];
  Subtree interface_subtrees[N_CONNECTS];
  Subtree nodedev_subtrees[N_CONNECTS];
  GArray *registrations; /* object ids, then subtree ids */
  guint n_objects;
  guint owner_id;
  VbLvNetStorage *net_storage; /* networks, pools, volumes and their signals */
  VbReplyCache *replies;       /* repeated reads, answered off the main loop */
};

static const struct {
  const char *path;
  const char *driver;
} connect_table[N_CONNECTS] = {
  { VB_LV_QEMU_PATH, "qemu" },
  { VB_LV_TEST_PATH, "test" },
};

/* ---- subtrees: nodes come from the inventory, nothing is registered per object ---- */

static char **
subtree_enumerate (GDBusConnection *connection, const char *sender, const char *object_path,
                   gpointer user_data)
{
  Subtree *subtree = user_data;
  const VbLvConnect *connect = subtree->binding.connect;
  g_autoptr (GPtrArray) domains = NULL;
  GPtrArray *nodes;
  gsize prefix = strlen (object_path) + 1;

  if (subtree->host_nodes)
    return subtree->host_nodes (connect);
  domains = vb_domain_api_list (connect->host, 0, NULL);
  nodes = g_ptr_array_new ();

  for (guint i = 0; domains && i < domains->len; i++)
    {
      VbDomain *domain = domains->pdata[i];
      const char *uuid = vb_resource_get_uuid (VB_RESOURCE (domain));

      if (!vb_lv_domain_belongs (connect, domain))
        continue;
      if (!subtree->snapshots)
        {
          g_autofree char *path = vb_lv_domain_path (connect->path, uuid);

          g_ptr_array_add (nodes, g_strdup (path + prefix));
        }
      else
        {
          g_autoptr (GPtrArray) snapshots =
            vb_snapshot_registry_list (vb_driver_host_get_snapshots (connect->host), uuid);

          for (guint j = 0; j < snapshots->len; j++)
            {
              g_autofree char *path =
                vb_lv_snapshot_path (connect->path, uuid,
                                     vb_snapshot_get_name (snapshots->pdata[j]));

              g_ptr_array_add (nodes, g_strdup (path + prefix));
            }
        }
    }
  g_ptr_array_add (nodes, NULL);
  return (char **) g_ptr_array_free (nodes, FALSE);
}

static GDBusInterfaceInfo **
subtree_introspect (GDBusConnection *connection, const char *sender, const char *object_path,
                    const char *node, gpointer user_data)
{
  Subtree *subtree = user_data;
  GDBusInterfaceInfo **infos;

  if (!node)
    return NULL; /* the subtree's root is only a folder */
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

static gboolean
register_subtree (VbLibvirtFront *self, Subtree *subtree, const char *node, GError **error)
{
  g_autofree char *path = g_strconcat (subtree->binding.connect->path, "/", node, NULL);
  /* Calls reach a node without an enumeration first: the object is found
   * from its path (resolve), so a call costs no listing. */
  guint id =
    g_dbus_connection_register_subtree (self->bus, path, &subtree_vtable,
                                        G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                        subtree, NULL, error);

  if (!id)
    return FALSE;
  g_array_append_val (self->registrations, id);
  return TRUE;
}

/* ---- events ---- */

static void emit_domain_signal (VbLibvirtFront *self, VbDomain *domain, const char *name,
                                GVariant *args);

static void
domain_lifecycle (VbDomain *domain, const char *event, const char *detail, gpointer user_data)
{
  VbLibvirtFront *self = user_data;

  /* The source's pause at the end of a pre-copy migration (libvirt sends
   * SUSPENDED / MIGRATED for it) lasts only until the destination runs the
   * guest, a few ms on one host. Cockpit, told the VM is paused, asks for
   * its addresses (InterfaceAddresses), which by then fail for a stopped
   * or vanished domain: "Failed to fetch the IP addresses". STOPPED /
   * MIGRATED follows as in libvirt; a failed migration's RESUMED too. */
  if (g_str_equal (event, "suspended") && g_str_equal (detail, "migrated"))
    return;
  for (guint i = 0; i < N_CONNECTS; i++)
    if (vb_lv_domain_belongs (&self->connects[i], domain))
      vb_lv_connect_domain_event (&self->connects[i], domain, event, detail);
  /* libvirt sends its power management events beside the lifecycle ones;
   * their reason is always 0 (unknown). */
  if (g_str_equal (event, "pmsuspended"))
    emit_domain_signal (self, domain, g_str_equal (detail, "disk") ? "PMSuspendDisk" : "PMSuspend",
                        g_variant_new ("(i)", 0));
  else if (g_str_equal (event, "started") && g_str_equal (detail, "wakeup"))
    emit_domain_signal (self, domain, "PMWakeup", g_variant_new ("(i)", 0));
}

/* Emits the org.libvirt.Domain signal @name with @args (floating) on @domain's
 * object under each Connect it belongs to. */
static void
emit_domain_signal (VbLibvirtFront *self, VbDomain *domain, const char *name, GVariant *args)
{
  g_autoptr (GVariant) held = g_variant_ref_sink (args);

  for (guint i = 0; i < N_CONNECTS; i++)
    if (vb_lv_domain_belongs (&self->connects[i], domain))
      {
        g_autofree char *path = vb_lv_domain_object_path (&self->connects[i], domain);

        g_dbus_connection_emit_signal (self->bus, NULL, path, "org.libvirt.Domain", name, held,
                                       NULL);
      }
}

static void
domain_device_removed (VbDomain *domain, const char *alias, gpointer user_data)
{
  emit_domain_signal (user_data, domain, "DeviceRemoved", g_variant_new ("(s)", alias));
}

/* libvirt's virDomainEventTrayChangeReason: 0 OPEN, 1 CLOSE, as the model's. */
static void
domain_tray_change (VbDomain *domain, const char *alias, int reason, gpointer user_data)
{
  emit_domain_signal (user_data, domain, "TrayChange", g_variant_new ("(si)", alias, reason));
}

static void
domain_balloon_change (VbDomain *domain, guint64 kib, gpointer user_data)
{
  emit_domain_signal (user_data, domain, "BalloonChange", g_variant_new ("(t)", kib));
}

/* libvirt's virDomainEventWatchdogAction, by QEMU's WATCHDOG action. */
static void
domain_watchdog (VbDomain *domain, const char *action, gpointer user_data)
{
  static const char *const actions[] = { "none",     "pause", "reset",      "poweroff",
                                         "shutdown", "debug", "inject-nmi", NULL };
  int code = 0;

  for (int i = 0; actions[i]; i++)
    if (g_str_equal (action, actions[i]))
      code = i;
  emit_domain_signal (user_data, domain, "Watchdog", g_variant_new ("(i)", code));
}

static void
follow_domain (VbLibvirtFront *self, VbResource *resource)
{
  if (!VB_IS_DOMAIN (resource))
    return;
  g_signal_connect (resource, "lifecycle", G_CALLBACK (domain_lifecycle), self);
  g_signal_connect (resource, "device-removed", G_CALLBACK (domain_device_removed), self);
  g_signal_connect (resource, "tray-change", G_CALLBACK (domain_tray_change), self);
  g_signal_connect (resource, "balloon-change", G_CALLBACK (domain_balloon_change), self);
  g_signal_connect (resource, "watchdog", G_CALLBACK (domain_watchdog), self);
}

static void
resource_added (VbInventory *inventory, VbResource *resource, gpointer user_data)
{
  follow_domain (user_data, resource);
}

static void
resource_removed (VbInventory *inventory, VbResource *resource, gpointer user_data)
{
  g_signal_handlers_disconnect_by_data (resource, user_data);
}

/* ---- the front ---- */

VbLibvirtFront *
vb_libvirt_front_new (GDBusConnection *bus, VbDriverHost *host, VbReplyCache *replies,
                      GError **error)
{
  g_autoptr (VbLibvirtFront) self = g_new0 (VbLibvirtFront, 1);
  VbInventory *inventory = vb_driver_host_get_inventory (host);
  g_autoptr (GPtrArray) domains = vb_inventory_list (inventory, VB_TYPE_DOMAIN);

  self->bus = g_object_ref (bus);
  self->host = host;
  self->registrations = g_array_new (FALSE, FALSE, sizeof (guint));
  self->replies = replies;
  for (guint i = 0; i < N_CONNECTS; i++)
    {
      VbLvConnect *connect = &self->connects[i];
      guint id;

      connect->bus = bus;
      connect->replies = self->replies;
      connect->host = host;
      connect->path = connect_table[i].path;
      connect->driver = connect_table[i].driver;
      connect->all_domains = g_new0 (VbLvListCache, 1);
      self->connect_bindings[i] = (VbLvBinding){ connect, &vb_lv_connect_interface };
      id = g_dbus_connection_register_object (bus, connect->path,
                                              vb_lv_interface_info (vb_lv_connect_interface.name),
                                              vb_lv_dispatch_vtable (), &self->connect_bindings[i],
                                              NULL, error);
      if (!id)
        return NULL;
      g_array_append_val (self->registrations, id);
      self->n_objects++;
    }
  for (guint i = 0; i < N_CONNECTS; i++)
    {
      self->domain_subtrees[i] =
        (Subtree){ { &self->connects[i], &vb_lv_domain_interface }, self, FALSE };
      self->snapshot_subtrees[i] =
        (Subtree){ { &self->connects[i], &vb_lv_snapshot_interface }, self, TRUE };
      if (!register_subtree (self, &self->domain_subtrees[i], VB_LV_DOMAIN_NODE, error)
          || !register_subtree (self, &self->snapshot_subtrees[i], VB_LV_SNAPSHOT_NODE, error))
        return NULL;
    }
  self->net_storage =
    vb_lv_net_storage_new (bus, host, self->connects, N_CONNECTS, self->registrations, error);
  if (!self->net_storage)
    return NULL;
  /* The host's interfaces and node devices, under each Connect. */
  for (guint i = 0; i < N_CONNECTS; i++)
    {
      self->interface_subtrees[i] =
        (Subtree){ { &self->connects[i], &vb_lv_netif_interface }, self, FALSE, vb_lv_netif_nodes };
      self->nodedev_subtrees[i] = (Subtree){
        { &self->connects[i], &vb_lv_nodedev_interface }, self, FALSE, vb_lv_nodedev_nodes
      };
      if (!register_subtree (self, &self->interface_subtrees[i], VB_LV_INTERFACE_NODE, error)
          || !register_subtree (self, &self->nodedev_subtrees[i], VB_LV_NODEDEV_NODE, error))
        return NULL;
    }
  /* Their first listings, for the first introspection. */
  g_strfreev (vb_lv_netif_nodes (&self->connects[0]));
  g_strfreev (vb_lv_nodedev_nodes (&self->connects[0]));
  for (guint i = 0; i < domains->len; i++)
    follow_domain (self, domains->pdata[i]);
  g_signal_connect (inventory, "added", G_CALLBACK (resource_added), self);
  g_signal_connect (inventory, "removed", G_CALLBACK (resource_removed), self);
  return g_steal_pointer (&self);
}

static void
name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  vb_log_message (NULL, "Serving %s (libvirt-dbus's API)", name);
}

static void
name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  /* Not fatal: org.virtbus.Virt1 goes on; another libvirt-dbus has the name. */
  vb_log_message (NULL, "Not serving %s: another process owns it", name);
}

void
vb_libvirt_front_own_name (VbLibvirtFront *self)
{
  if (self->owner_id)
    return;
  self->owner_id =
    g_bus_own_name_on_connection (self->bus, VB_LV_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                  name_acquired, name_lost, self, NULL);
}

void
vb_libvirt_front_free (VbLibvirtFront *self)
{
  if (!self)
    return;
  if (self->owner_id)
    g_bus_unown_name (self->owner_id);
  g_clear_pointer (&self->net_storage, vb_lv_net_storage_free);
  g_signal_handlers_disconnect_by_data (vb_driver_host_get_inventory (self->host), self);
  {
    g_autoptr (GPtrArray) domains =
      vb_inventory_list (vb_driver_host_get_inventory (self->host), VB_TYPE_DOMAIN);

    for (guint i = 0; i < domains->len; i++)
      g_signal_handlers_disconnect_by_data (domains->pdata[i], self);
  }
  for (guint i = 0; self->registrations && i < self->registrations->len; i++)
    {
      guint id = g_array_index (self->registrations, guint, i);

      if (i < self->n_objects)
        g_dbus_connection_unregister_object (self->bus, id);
      else
        g_dbus_connection_unregister_subtree (self->bus, id);
    }
  g_clear_pointer (&self->registrations, g_array_unref);
  for (guint i = 0; i < N_CONNECTS; i++)
    if (self->connects[i].all_domains)
      {
        g_clear_pointer (&self->connects[i].all_domains->reply, g_variant_unref);
        g_free (self->connects[i].all_domains);
      }
  g_clear_object (&self->bus);
  g_free (self);
}
