#include "libvirt-nodedev.h"

#include <libxml/parser.h>
#include <string.h>

#include "host-api.h"
#include "libvirt-error.h"
#include "libvirt-paths.h"
#include "resource-api.h"
#include "vb-error.h"

#define NOT_FOUND "Node device not found"

/* virConnectListAllNodeDeviceFlags of libvirt 9.0: a capability per bit
 * (0 system ... 21 vpd), then INACTIVE and ACTIVE. The capabilities the
 * host's listing knows, by bit. */
#define LV_CAPS_ALL ((1u << 22) - 1)
#define LV_INACTIVE (1u << 30)
#define LV_ACTIVE (1u << 31)
static const struct {
  guint bit;
  const char *capability;
} known_caps[] = {
  { 1u << 0, "system" },
  { 1u << 1, "pci" },
  { 1u << 2, "usb_device" },
  { 1u << 4, "net" },
};

static GStrv last_nodes;
static gboolean refreshing;

static void
remember_nodes (const char *const *names)
{
  guint n = g_strv_length ((GStrv) names);
  GStrv nodes = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    nodes[i] = vb_lv_encode_str (names[i]);
  g_strfreev (last_nodes);
  last_nodes = nodes;
}

static void
nodes_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_auto (GStrv) names = vb_host_api_list_node_devices_finish (result, NULL);

  refreshing = FALSE;
  if (names)
    remember_nodes ((const char *const *) names);
}

char **
vb_lv_nodedev_nodes (const VbLvConnect *connect)
{
  if (!refreshing)
    {
      refreshing = TRUE;
      vb_host_api_list_node_devices_async (connect->host, "", 0, nodes_listed, NULL);
    }
  return last_nodes ? g_strdupv (last_nodes) : g_new0 (char *, 1);
}

/* ---- the object: a device's name, parent and capabilities, from its XML ---- */

typedef struct {
  char *name;
  char *parent; /* "" for the machine, which has none */
  GStrv caps;
  char *xml;
} NodeDev;

static void
node_dev_free (NodeDev *dev)
{
  g_free (dev->name);
  g_free (dev->parent);
  g_strfreev (dev->caps);
  g_free (dev->xml);
  g_free (dev);
}

static NodeDev *
node_dev_new (const char *name, char *xml)
{
  NodeDev *dev = g_new0 (NodeDev, 1);
  xmlDocPtr doc = xmlReadMemory (xml, (int) strlen (xml), NULL, NULL,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  xmlNodePtr root = doc ? xmlDocGetRootElement (doc) : NULL;
  GPtrArray *caps = g_ptr_array_new ();

  dev->name = g_strdup (name);
  dev->xml = xml;
  for (xmlNodePtr node = root ? root->children : NULL; node; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (xmlStrEqual (node->name, (const xmlChar *) "parent") && !dev->parent)
        {
          xmlChar *text = xmlNodeGetContent (node);

          dev->parent = g_strdup ((const char *) text);
          xmlFree (text);
        }
      else if (xmlStrEqual (node->name, (const xmlChar *) "capability"))
        {
          xmlChar *type = xmlGetProp (node, (const xmlChar *) "type");

          if (type)
            g_ptr_array_add (caps, g_strdup ((const char *) type));
          xmlFree (type);
        }
    }
  if (!dev->parent)
    dev->parent = g_strdup ("");
  g_ptr_array_add (caps, NULL);
  dev->caps = (GStrv) g_ptr_array_free (caps, FALSE);
  if (doc)
    xmlFreeDoc (doc);
  return dev;
}

/* The operation layer's NotFound in libvirt's words. */
static GError *
not_found_as_libvirt (GError *error, const char *name)
{
  if (!g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND))
    return error;
  g_error_free (error);
  return vb_lv_error_new (NOT_FOUND ": no node device with matching name '%s'", name);
}

static void
resolve_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const char *name = g_task_get_task_data (task);
  GError *error = NULL;
  char *xml = vb_host_api_node_device_xml_finish (result, &error);

  if (!xml)
    g_task_return_error (task, not_found_as_libvirt (error, name));
  else
    g_task_return_pointer (task, node_dev_new (name, xml), (GDestroyNotify) node_dev_free);
}

static void
resolve_async (const VbLvConnect *connect, const char *path, GAsyncReadyCallback callback,
               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  char *name = vb_lv_child_from_path (connect->path, VB_LV_NODEDEV_NODE, path);

  g_task_set_source_tag (task, resolve_async);
  if (!name)
    {
      g_task_return_error (task, vb_lv_error_new (NOT_FOUND ": no node device at %s", path));
      return;
    }
  g_task_set_task_data (task, name, g_free);
  vb_host_api_node_device_xml_async (connect->host, name, 0, resolve_read, g_steal_pointer (&task));
}

static gpointer
resolve_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == resolve_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Connect's members ---- */

/* ListNodeDevices: one listing per capability asked for, merged. */
typedef struct {
  VbLvCall *call;
  GPtrArray *capabilities; /* of the operation layer, still to list */
  GHashTable *names;       /* found so far */
  gboolean all;            /* every device: what introspection shows next */
} Listing;

static void list_next (Listing *listing);

static void
listing_free (Listing *listing)
{
  g_ptr_array_unref (listing->capabilities);
  g_hash_table_unref (listing->names);
  g_free (listing);
}

static void
capability_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Listing *listing = user_data;
  GError *error = NULL;
  g_auto (GStrv) names = vb_host_api_list_node_devices_finish (result, &error);

  if (!names)
    {
      vb_lv_call_fail (listing->call, error);
      listing_free (listing);
      return;
    }
  for (guint i = 0; names[i]; i++)
    g_hash_table_add (listing->names, g_strdup (names[i]));
  list_next (listing);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
list_next (Listing *listing)
{
  g_autofree const char **names = NULL;
  guint n;
  GVariantBuilder builder;

  if (listing->capabilities->len)
    {
      const char *capability = g_ptr_array_steal_index (listing->capabilities, 0);

      vb_host_api_list_node_devices_async (listing->call->connect->host, capability, 0,
                                           capability_listed, listing);
      return;
    }
  names = (const char **) g_hash_table_get_keys_as_array (listing->names, &n);
  qsort (names, n, sizeof (char *), compare_names);
  if (listing->all)
    remember_nodes (names);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path =
        vb_lv_child_path (listing->call->connect->path, VB_LV_NODEDEV_NODE, names[i]);

      g_variant_builder_add (&builder, "o", path);
    }
  vb_lv_call_return (listing->call, g_variant_new ("(ao)", &builder));
  listing_free (listing);
}

void
vb_lv_connect_list_node_devices (VbLvCall *call)
{
  guint flags;
  GError *error = NULL;
  Listing *listing;

  g_variant_get (call->parameters, "(u)", &flags);
  if (!vb_check_flags (flags, LV_CAPS_ALL | LV_INACTIVE | LV_ACTIVE, &error))
    {
      vb_lv_call_fail (call, error);
      return;
    }
  listing = g_new0 (Listing, 1);
  listing->call = call;
  listing->capabilities = g_ptr_array_new ();
  listing->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Every device the host lists is active: INACTIVE alone selects none. */
  if ((flags & (LV_INACTIVE | LV_ACTIVE)) == LV_INACTIVE)
    ;
  else if (!(flags & LV_CAPS_ALL))
    {
      g_ptr_array_add (listing->capabilities, (gpointer) "");
      listing->all = TRUE;
    }
  else
    for (guint i = 0; i < G_N_ELEMENTS (known_caps); i++)
      if (flags & known_caps[i].bit)
        g_ptr_array_add (listing->capabilities, (gpointer) known_caps[i].capability);
  list_next (listing);
}

static void
lookup_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  const char *name;
  GError *error = NULL;
  g_autofree char *xml = vb_host_api_node_device_xml_finish (result, &error);
  g_autofree char *path = NULL;

  g_variant_get (call->parameters, "(&s)", &name);
  if (!xml)
    {
      vb_lv_call_fail (call, not_found_as_libvirt (error, name));
      return;
    }
  path = vb_lv_child_path (call->connect->path, VB_LV_NODEDEV_NODE, name);
  vb_lv_call_return (call, g_variant_new ("(o)", path));
}

void
vb_lv_connect_node_device_lookup_by_name (VbLvCall *call)
{
  const char *name;

  g_variant_get (call->parameters, "(&s)", &name);
  /* The operation layer finds @name in its listing or answers NotFound. */
  vb_host_api_node_device_xml_async (call->connect->host, name, 0, lookup_read, call);
}

/* ---- the NodeDevice object ---- */

static GVariant *
get_name (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (((NodeDev *) object)->name);
}

static GVariant *
get_parent (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (((NodeDev *) object)->parent);
}

static void
handle_get_xml_desc (VbLvCall *call)
{
  guint flags;
  GError *error = NULL;

  g_variant_get (call->parameters, "(u)", &flags);
  if (!vb_check_flags (flags, 0, &error))
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new ("(s)", ((NodeDev *) call->object)->xml));
}

static void
handle_list_caps (VbLvCall *call)
{
  vb_lv_call_return (call, g_variant_new ("(^as)", ((NodeDev *) call->object)->caps));
}

/* Destroy, Detach, ReAttach, Reset: virtbus does not change the host's
 * devices; they answer libvirt's "not supported". */
static const VbLvMethod methods[] = {
  { "GetXMLDesc", handle_get_xml_desc },
  { "ListCaps", handle_list_caps },
  { NULL },
};

static const VbLvProperty properties[] = {
  { "Name", get_name },
  { "Parent", get_parent },
  { NULL },
};

const VbLvInterface vb_lv_nodedev_interface = {
  .name = "org.libvirt.NodeDevice",
  .not_found = NOT_FOUND,
  .methods = methods,
  .properties = properties,
  .resolve_async = resolve_async,
  .resolve_finish = resolve_finish,
  .object_free = (GDestroyNotify) node_dev_free,
};
