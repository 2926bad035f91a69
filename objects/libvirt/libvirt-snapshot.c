#include "libvirt-snapshot.h"

#include "libvirt-connect.h"
#include "libvirt-domain.h"
#include "libvirt-error.h"
#include "libvirt-paths.h"
#include "snapshot-api.h"
#include "vb-error.h"

/* virDomainSnapshotListAllChildren's flags that virtbus answers. */
#define LV_LIST_DESCENDANTS (1u << 0)
#define LV_LIST_TOPOLOGICAL (1u << 10) /* parents before children: always so */

static VbSnapshot *
snapshot_of (VbLvCall *call)
{
  return call->object;
}

static char *
path_of (VbLvCall *call, VbSnapshot *snapshot)
{
  return vb_lv_snapshot_path (call->connect->path, vb_snapshot_get_domain_uuid (snapshot),
                              vb_snapshot_get_name (snapshot));
}

static void
handle_get_xml_desc (VbLvCall *call)
{
  GError *error = NULL;
  g_autofree char *xml =
    vb_snapshot_api_get_xml (snapshot_of (call), vb_lv_call_uint_arg (call, 0), &error);

  if (!xml)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return (call, g_variant_new ("(s)", xml));
}

static void
handle_get_parent (VbLvCall *call)
{
  VbSnapshot *snapshot = snapshot_of (call);
  const char *parent = vb_snapshot_get_parent (snapshot);
  g_autofree char *path = NULL;

  if (!parent)
    {
      vb_lv_call_fail (call, vb_lv_error_new ("Domain snapshot not found: snapshot '%s' does not "
                                              "have a parent",
                                              vb_snapshot_get_name (snapshot)));
      return;
    }
  path = vb_lv_snapshot_path (call->connect->path, vb_snapshot_get_domain_uuid (snapshot), parent);
  vb_lv_call_return (call, g_variant_new ("(o)", path));
}

static void
handle_is_current (VbLvCall *call)
{
  vb_lv_call_return (call, g_variant_new ("(b)", vb_snapshot_get_current (snapshot_of (call))));
}

/* @snapshot's children, and with @descendants theirs, parents first. */
static void
add_children (VbLvCall *call, VbSnapshot *snapshot, gboolean descendants, GVariantBuilder *builder)
{
  g_autoptr (GPtrArray) children =
    vb_snapshot_registry_children (vb_driver_host_get_snapshots (call->connect->host), snapshot);

  for (guint i = 0; i < children->len; i++)
    {
      g_autofree char *path = path_of (call, children->pdata[i]);

      g_variant_builder_add (builder, "o", path);
    }
  if (descendants)
    for (guint i = 0; i < children->len; i++)
      add_children (call, children->pdata[i], TRUE, builder);
}

static void
handle_list_children (VbLvCall *call)
{
  guint flags = vb_lv_call_uint_arg (call, 0);
  GVariantBuilder builder;

  if (flags & ~(LV_LIST_DESCENDANTS | LV_LIST_TOPOLOGICAL))
    {
      vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                          "unsupported flags (0x%x) in function "
                                          "virDomainSnapshotListAllChildren",
                                          flags & ~(LV_LIST_DESCENDANTS | LV_LIST_TOPOLOGICAL)));
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ao"));
  add_children (call, snapshot_of (call), (flags & LV_LIST_DESCENDANTS) != 0, &builder);
  vb_lv_call_return (call, g_variant_new ("(ao)", &builder));
}

static void
handle_delete (VbLvCall *call)
{
  vb_snapshot_api_delete_async (call->connect->host, snapshot_of (call),
                                vb_lv_call_uint_arg (call, 0), vb_lv_void_done,
                                vb_lv_call_expect (call, vb_snapshot_api_finish));
}

/* libvirt reports every revert of a snapshot that holds its domain's
 * definition (all of them here) as DEFINED / FROM_SNAPSHOT once it is done;
 * clients re-read the domain and its snapshots on it (Cockpit Machines has
 * no other way to see that the current snapshot changed after reverting a
 * shut-off VM). virtbus's own events tell only the state changes. */
static void
reverted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  const VbLvConnect *connect = call->connect;
  g_autofree char *uuid = g_strdup (vb_snapshot_get_domain_uuid (snapshot_of (call)));
  g_autoptr (VbDomain) domain = NULL;
  GError *error = NULL;

  if (!vb_snapshot_api_finish (result, &error))
    {
      vb_lv_call_fail (call, error);
      return;
    }
  vb_lv_call_return (call, NULL);
  domain = vb_lv_domain_lookup_uuid (connect, uuid, NULL);
  if (domain)
    vb_lv_connect_domain_event (connect, domain, "defined", "from-snapshot");
}

static void
handle_revert (VbLvCall *call)
{
  vb_snapshot_api_revert_async (call->connect->host, snapshot_of (call),
                                vb_lv_call_uint_arg (call, 0), reverted, call);
}

static gpointer
resolve (const VbLvConnect *connect, const char *path, GError **error)
{
  g_autofree char *uuid = NULL;
  g_autofree char *name = NULL;
  g_autoptr (VbDomain) domain = NULL;
  VbSnapshot *snapshot;

  if (!vb_lv_snapshot_from_path (connect->path, path, &uuid, &name))
    {
      g_propagate_error (error,
                         vb_lv_error_new ("Domain snapshot not found: no snapshot at %s", path));
      return NULL;
    }
  domain = vb_lv_domain_lookup_uuid (connect, uuid, error);
  if (!domain)
    return NULL;
  snapshot = vb_snapshot_api_lookup (connect->host, domain, name, NULL);
  if (!snapshot)
    {
      g_propagate_error (
        error,
        vb_lv_error_new ("Domain snapshot not found: no domain snapshot with matching name '%s'",
                         name));
      return NULL;
    }
  return snapshot; /* the lookup's reference */
}

static const VbLvMethod methods[] = {
  { "Delete", handle_delete },
  { "GetParent", handle_get_parent },
  { "GetXMLDesc", handle_get_xml_desc },
  { "IsCurrent", handle_is_current },
  { "ListChildren", handle_list_children },
  { "Revert", handle_revert },
  { NULL },
};

const VbLvInterface vb_lv_snapshot_interface = {
  .name = "org.libvirt.DomainSnapshot",
  .not_found = "Domain snapshot not found",
  .methods = methods,
  .properties = NULL,
  .resolve = resolve,
};
