#include "libvirt-netif.h"

#include <string.h>

#include "host-api.h"
#include "libvirt-error.h"
#include "libvirt-paths.h"
#include "resource-api.h"
#include "vb-error.h"

#define NOT_FOUND "Interface not found"

/* The escaped keys of the last listing (the host is the same for every
 * Connect), and whether a listing for them is under way. */
static GStrv last_nodes;
static gboolean refreshing;

/* The key of @netif among all the host's @netifs: its MAC when no other has it. */
static const char *
key_of (GPtrArray *netifs, const VbHostNetif *netif)
{
  guint same = 0;

  for (guint i = 0; i < netifs->len; i++)
    {
      const VbHostNetif *other = netifs->pdata[i];

      if (*netif->mac && g_ascii_strcasecmp (other->mac, netif->mac) == 0)
        same++;
    }
  return vb_lv_interface_key (netif->name, netif->mac, same == 1);
}

static void
remember_nodes (GPtrArray *netifs)
{
  GStrv nodes = g_new0 (char *, netifs->len + 1);

  for (guint i = 0; i < netifs->len; i++)
    nodes[i] = vb_lv_encode_str (key_of (netifs, netifs->pdata[i]));
  g_strfreev (last_nodes);
  last_nodes = nodes;
}

static char *
path_of (const VbLvConnect *connect, GPtrArray *netifs, const VbHostNetif *netif)
{
  return vb_lv_child_path (connect->path, VB_LV_INTERFACE_NODE, key_of (netifs, netif));
}

static void
nodes_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GPtrArray) netifs = vb_host_api_interfaces_finish (result, NULL);

  refreshing = FALSE;
  if (netifs)
    remember_nodes (netifs);
}

char **
vb_lv_netif_nodes (const VbLvConnect *connect)
{
  if (!refreshing)
    {
      refreshing = TRUE;
      vb_host_api_interfaces_async (connect->host, nodes_listed, NULL);
    }
  return last_nodes ? g_strdupv (last_nodes) : g_new0 (char *, 1);
}

/* ---- finding an interface: each call lists the host afresh ---- */

typedef void (*WithNetifs) (VbLvCall *call, GPtrArray *netifs);

typedef struct {
  VbLvCall *call;
  WithNetifs next;
} Listing;

static void
listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Listing *listing = user_data;
  VbLvCall *call = listing->call;
  WithNetifs next = listing->next;
  GError *error = NULL;
  g_autoptr (GPtrArray) netifs = vb_host_api_interfaces_finish (result, &error);

  g_free (listing);
  if (!netifs)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  remember_nodes (netifs);
  next (call, netifs);
}

static void
with_netifs (VbLvCall *call, WithNetifs next)
{
  Listing *listing = g_new0 (Listing, 1);

  listing->call = call;
  listing->next = next;
  vb_host_api_interfaces_async (call->connect->host, listed, listing);
}

static void
resolve_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const char *key = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GPtrArray) netifs = vb_host_api_interfaces_finish (result, &error);

  if (!netifs)
    {
      g_task_return_error (task, error);
      return;
    }
  remember_nodes (netifs);
  for (guint i = 0; i < netifs->len; i++)
    if (strcmp (key_of (netifs, netifs->pdata[i]), key) == 0)
      {
        g_task_return_pointer (task, g_ptr_array_steal_index (netifs, i),
                               (GDestroyNotify) vb_host_netif_free);
        return;
      }
  /* libvirt's texts for a MAC and for a name. */
  g_task_return_error (task,
                       strchr (key, ':')
                         ? vb_lv_error_new (NOT_FOUND ": couldn't find interface with MAC "
                                                      "address '%s'",
                                            key)
                         : vb_lv_error_new (NOT_FOUND ": couldn't find interface named '%s'", key));
}

static void
resolve_async (const VbLvConnect *connect, const char *path, GAsyncReadyCallback callback,
               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  char *key = vb_lv_child_from_path (connect->path, VB_LV_INTERFACE_NODE, path);

  g_task_set_source_tag (task, resolve_async);
  if (!key)
    {
      g_task_return_error (task, vb_lv_error_new (NOT_FOUND ": no interface at %s", path));
      return;
    }
  g_task_set_task_data (task, key, g_free);
  vb_host_api_interfaces_async (connect->host, resolve_listed, g_steal_pointer (&task));
}

static gpointer
resolve_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == resolve_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Connect's members ---- */

static void
return_path_of_name (VbLvCall *call, GPtrArray *netifs, const char *name)
{
  for (guint i = 0; i < netifs->len; i++)
    {
      const VbHostNetif *netif = netifs->pdata[i];

      if (strcmp (netif->name, name) == 0)
        {
          g_autofree char *path = path_of (call->connect, netifs, netif);

          vb_lv_call_return (call, g_variant_new ("(o)", path));
          return;
        }
    }
  vb_lv_call_fail (call, vb_lv_error_new (NOT_FOUND ": couldn't find interface named '%s'", name));
}

static void
list_listed (VbLvCall *call, GPtrArray *netifs)
{
  guint flags, wanted;
  GVariantBuilder builder;

  g_variant_get (call->parameters, "(u)", &flags);
  /* ACTIVE 2, INACTIVE 1; none or both: all. */
  wanted = flags & (VB_HOST_NETIF_ACTIVE | VB_HOST_NETIF_INACTIVE);
  if (!wanted)
    wanted = VB_HOST_NETIF_ACTIVE | VB_HOST_NETIF_INACTIVE;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < netifs->len; i++)
    {
      const VbHostNetif *netif = netifs->pdata[i];
      g_autofree char *path = NULL;

      if (!(wanted & (netif->active ? VB_HOST_NETIF_ACTIVE : VB_HOST_NETIF_INACTIVE)))
        continue;
      path = path_of (call->connect, netifs, netif);
      g_variant_builder_add (&builder, "o", path);
    }
  vb_lv_call_return (call, g_variant_new ("(ao)", &builder));
}

void
vb_lv_connect_list_interfaces (VbLvCall *call)
{
  guint flags;
  GError *error = NULL;

  g_variant_get (call->parameters, "(u)", &flags);
  if (!vb_check_flags (flags, VB_HOST_NETIF_ACTIVE | VB_HOST_NETIF_INACTIVE, &error))
    vb_lv_call_fail (call, error);
  else
    with_netifs (call, list_listed);
}

static void
by_name_listed (VbLvCall *call, GPtrArray *netifs)
{
  const char *name;

  g_variant_get (call->parameters, "(&s)", &name);
  return_path_of_name (call, netifs, name);
}

void
vb_lv_connect_interface_lookup_by_name (VbLvCall *call)
{
  with_netifs (call, by_name_listed);
}

static void
by_mac_listed (VbLvCall *call, GPtrArray *netifs)
{
  const char *mac;
  const VbHostNetif *found = NULL;
  guint matches = 0;

  g_variant_get (call->parameters, "(&s)", &mac);
  for (guint i = 0; *mac && i < netifs->len; i++)
    {
      const VbHostNetif *netif = netifs->pdata[i];

      if (g_ascii_strcasecmp (netif->mac, mac) == 0)
        {
          found = netif;
          matches++;
        }
    }
  if (matches == 0)
    vb_lv_call_fail (call, vb_lv_error_new (NOT_FOUND ": couldn't find interface with MAC "
                                                      "address '%s'",
                                            mac));
  else if (matches > 1)
    /* libvirt's VIR_ERR_MULTIPLE_INTERFACES. */
    vb_lv_call_fail (call, vb_lv_error_new ("multiple matching interfaces found: the MAC address "
                                            "'%s' matches multiple interfaces",
                                            mac));
  else
    {
      g_autofree char *path = path_of (call->connect, netifs, found);

      vb_lv_call_return (call, g_variant_new ("(o)", path));
    }
}

void
vb_lv_connect_interface_lookup_by_mac (VbLvCall *call)
{
  with_netifs (call, by_mac_listed);
}

/* ---- the Interface object ---- */

static GVariant *
get_active (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_boolean (((VbHostNetif *) object)->active);
}

static GVariant *
get_mac (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (((VbHostNetif *) object)->mac);
}

static GVariant *
get_name (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (((VbHostNetif *) object)->name);
}

static void
xml_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (VbHostNetif) netif = vb_host_api_interface_finish (result, &error);
  g_autofree char *xml = NULL;

  if (!netif)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  xml = vb_host_netif_format_xml (netif);
  vb_lv_call_return (call, g_variant_new ("(s)", xml));
}

static void
handle_get_xml_desc (VbLvCall *call)
{
  guint flags;

  g_variant_get (call->parameters, "(u)", &flags);
  /* Read again, with its addresses, by the name the listing gave. */
  vb_host_api_interface_async (call->connect->host, ((VbHostNetif *) call->object)->name, flags,
                               xml_read, call);
}

/* Create, Destroy, Undefine: the host's interfaces are not virtbus's to
 * change; they answer libvirt's "not supported". */
static const VbLvMethod methods[] = {
  { "GetXMLDesc", handle_get_xml_desc },
  { NULL },
};

static const VbLvProperty properties[] = {
  { "Active", get_active },
  { "MAC", get_mac },
  { "Name", get_name },
  { NULL },
};

const VbLvInterface vb_lv_netif_interface = {
  .name = "org.libvirt.Interface",
  .not_found = NOT_FOUND,
  .methods = methods,
  .properties = properties,
  .resolve_async = resolve_async,
  .resolve_finish = resolve_finish,
  .object_free = (GDestroyNotify) vb_host_netif_free,
};
