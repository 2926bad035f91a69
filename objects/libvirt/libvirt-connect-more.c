/* org.libvirt.Connect's DomainRestore (Manager.Restore), GetAllDomainStats
 * (Domain.GetStats of each of this Connect's domains), NodeGetFreeMemory
 * (the host's memory statistics) and NodeGetCPUMap (GetNodeInfo's CPUs). */
#include "libvirt-domain-more.h"

#include "domain-api.h"
#include "domain-stats.h"
#include "host-api.h"
#include "libvirt-domain.h"
#include "libvirt-error.h"
#include "libvirt-xml-check.h"
#include "save-api.h"
#include "vb-error.h"

#define ACTION_DEFINE "org.virtbus.Virt1.domain.define"

static gboolean
check_flags (VbLvCall *call, guint flags, guint known, const char *function)
{
  if (!(flags & ~known))
    return TRUE;
  vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                      "unsupported flags (0x%x) in function %s", flags & ~known,
                                      function));
  return FALSE;
}

/* ---- DomainRestore ---- */

static void
restore_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbJob *job = vb_save_api_restore_finish (result, &error);

  /* libvirt's call returns when the guest runs (or is paused, as asked). */
  if (!job)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return_after_job (call, job);
}

static void
restore (VbLvCall *call)
{
  /* The call holds the opened image as its object until now. */
  VbRestoreImage *image = g_steal_pointer (&call->object);

  call->object_free = NULL;
  vb_save_api_restore_async (call->connect->host, image, restore_started, call);
}

static void
image_xml_defines (VbLvCall *call)
{
  vb_lv_xml_check (call, vb_restore_image_get_xml (call->object), restore);
}

static void
image_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbRestoreImage *image = vb_save_api_restore_open_finish (result, &error);

  if (!image)
    {
      /* A missing file is no missing domain: libvirt's system error has
       * no prefix. */
      if (g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND))
        {
          GError *plain = vb_lv_error_new ("%s", error->message);

          g_error_free (error);
          error = plain;
        }
      vb_lv_call_fail (call, error);
      return;
    }
  call->object = image;
  call->object_free = (GDestroyNotify) vb_restore_image_free;
  /* Each Connect is one of libvirt's drivers: neither restores the other's
   * guests (libvirt's test driver cannot read a QEMU image, nor QEMU's a test
   * one). */
  if (g_strcmp0 (vb_restore_image_get_driver (image), call->connect->driver) != 0)
    {
      vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                          "the image holds a domain that %s does not run",
                                          call->connect->path));
      return;
    }
  /* An image this service wrote holds a definition checked when its domain
   * was defined; any other holds a caller's XML, which needs what
   * DomainDefineXML needs, as for Manager.Restore. */
  if (vb_restore_image_is_authenticated (image))
    restore (call);
  else
    vb_lv_call_authorize_also (call, ACTION_DEFINE, image_xml_defines);
}

void
vb_lv_connect_domain_restore (VbLvCall *call)
{
  const char *from, *xml;
  guint flags;

  g_variant_get (call->parameters, "(&s&su)", &from, &xml, &flags);
  /* "" is libvirt-dbus's NULL: the image's own definition. */
  if (*xml)
    {
      vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                          "virtbus restores the image's own definition: the xml "
                                          "argument must be empty"));
      return;
    }
  /* libvirt's RUNNING 2 and PAUSED 4 are virtbus's. */
  vb_save_api_restore_open_async (call->connect->host, from, flags, image_opened, call);
}

/* ---- GetAllDomainStats ---- */

/* virConnectGetAllDomainStatsFlags: the list filters (the bits of
 * ListDomains up to OTHER 128) and those for each domain's statistics. */
#define LV_ALL_STATS_FILTERS 0xFFu
#define LV_ALL_STATS_DOMAIN_FLAGS (VB_STATS_NOWAIT | VB_STATS_BACKING | VB_STATS_ENFORCE)

typedef struct {
  VbLvCall *call;
  guint stats_flags;
  GPtrArray *domains;
  guint next;
  GVariantBuilder records;
} AllStats;

static void next_domain_stats (AllStats *all);

static void
domain_stats_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AllStats *all = user_data;
  VbDomain *domain = all->domains->pdata[all->next - 1];
  GError *error = NULL;
  g_autoptr (GVariant) stats = vb_domain_api_get_stats_finish (result, &error);

  if (!stats && !g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND))
    {
      /* ENFORCE's refusal and the like concern every domain. */
      vb_lv_call_fail (all->call, error);
      g_variant_builder_clear (&all->records);
      g_ptr_array_unref (all->domains);
      g_free (all);
      return;
    }
  /* A domain gone meanwhile is not listed, as if it went before. */
  if (stats)
    g_variant_builder_add (&all->records, "(s@a{sv})", vb_resource_get_name (VB_RESOURCE (domain)),
                           vb_lv_double_wrap (g_variant_ref (stats)));
  g_clear_error (&error);
  next_domain_stats (all);
}

static void
next_domain_stats (AllStats *all)
{
  while (all->next < all->domains->len)
    {
      VbDomain *domain = all->domains->pdata[all->next++];

      if (vb_lv_domain_belongs (all->call->connect, domain))
        {
          vb_domain_api_get_stats_async (all->call->connect->host, domain, all->stats_flags,
                                         domain_stats_ready, all);
          return;
        }
    }
  vb_lv_call_return (all->call, g_variant_new ("(a(sa{sv}))", &all->records));
  g_ptr_array_unref (all->domains);
  g_free (all);
}

void
vb_lv_connect_get_all_domain_stats (VbLvCall *call)
{
  guint groups, flags;
  GError *error = NULL;
  GPtrArray *domains;
  AllStats *all;

  g_variant_get (call->parameters, "(uu)", &groups, &flags);
  if (!check_flags (call, flags, LV_ALL_STATS_FILTERS | LV_ALL_STATS_DOMAIN_FLAGS,
                    "virConnectGetAllDomainStats"))
    return;
  domains = vb_domain_api_list (call->connect->host, flags & LV_ALL_STATS_FILTERS, &error);
  if (!domains)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  all = g_new0 (AllStats, 1);
  all->call = call;
  all->stats_flags = groups | (flags & LV_ALL_STATS_DOMAIN_FLAGS);
  all->domains = domains;
  g_variant_builder_init (&all->records, G_VARIANT_TYPE ("a(sa{sv})"));
  next_domain_stats (all);
}

/* ---- the host ---- */

static void
free_memory_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) stats = vb_host_api_memory_stats_finish (result, &error);
  guint64 free_kib;

  if (!stats)
    vb_lv_call_fail (call, error);
  else if (!g_variant_lookup (stats, "free", "t", &free_kib))
    vb_lv_call_fail (call, vb_lv_error_new ("internal error: the host's free memory is unknown"));
  else
    vb_lv_call_return (call, g_variant_new ("(t)", free_kib * 1024)); /* bytes, as libvirt's */
}

void
vb_lv_connect_node_get_free_memory (VbLvCall *call)
{
  vb_host_api_memory_stats_async (call->connect->host, -1, 0, free_memory_ready, call);
}

static void
node_info_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) info = vb_host_api_node_info_finish (result, &error);
  GVariantBuilder map;
  guint cpus;

  if (!info)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  if (!g_variant_lookup (info, "cpus", "u", &cpus))
    cpus = 0;
  /* GetNodeInfo counts the online CPUs: each of them is in the map. */
  g_variant_builder_init (&map, G_VARIANT_TYPE ("ab"));
  for (guint i = 0; i < cpus; i++)
    g_variant_builder_add (&map, "b", TRUE);
  vb_lv_call_return (call, g_variant_new ("(ab)", &map));
}

void
vb_lv_connect_node_get_cpu_map (VbLvCall *call)
{
  guint flags;

  g_variant_get (call->parameters, "(u)", &flags);
  if (check_flags (call, flags, 0, "virNodeGetCPUMap"))
    vb_host_api_node_info_async (call->connect->host, node_info_ready, call);
}
