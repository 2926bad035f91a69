/* org.libvirt.Domain's Save, OpenGraphicsFD and MemoryStats on virtbus's
 * Domain.Save, Domain.OpenGraphics and the balloon figures of GetStats. */
#include "libvirt-domain-more.h"

#include "domain-api.h"
#include "domain-stats.h"
#include "host-files.h"
#include "libvirt-domain.h"
#include "libvirt-error.h"
#include "save-api.h"
#include "vb-error.h"

#define ACTION_HOST_FILES "org.virtbus.Virt1.domain.host-files"

static VbDomain *
domain_of (VbLvCall *call)
{
  return call->object;
}

/* ---- Save ---- */

static void
save_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  VbJob *job = vb_save_api_save_finish (result, &error);

  /* libvirt's call returns when the image is written. */
  if (!job)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return_after_job (call, job);
}

static void
save_checked (VbLvCall *call)
{
  const char *to;
  guint flags;

  /* libvirt's RUNNING 2 and PAUSED 4 are virtbus's; BYPASS_CACHE 1 is not
   * (the flag check refuses it). */
  g_variant_get (call->parameters, "(&s&su)", &to, NULL, &flags);
  vb_save_api_save_async (call->connect->host, domain_of (call), to, flags, save_started, call);
}

static void
save_path_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_auto (GStrv) outside = vb_host_file_outside_pools_finish (result, &error);

  if (!outside)
    vb_lv_call_fail (call, error);
  else if (!outside[0])
    save_checked (call);
  else
    vb_lv_call_authorize_also_detail (call, ACTION_HOST_FILES, "path", outside[0], save_checked);
}

/* The service writes the image as root where the caller says: outside the
 * pools that needs domain.host-files, as Domain.Save does. */
void
vb_lv_domain_save (VbLvCall *call)
{
  const char *to, *xml;

  g_variant_get (call->parameters, "(&s&su)", &to, &xml, NULL);
  /* "" is libvirt-dbus's NULL; virtbus saves the domain's own definition. */
  if (*xml)
    {
      vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                          "virtbus saves the domain's own definition: the xml "
                                          "argument must be empty"));
      return;
    }
  vb_host_file_outside_pools_async (call->connect->host, to, save_path_found, call);
}

/* ---- OpenGraphicsFD ---- */

static void
graphics_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  int fd = vb_domain_api_open_graphics_finish (result, &error);

  if (fd < 0)
    vb_lv_call_fail (call, error);
  else
    vb_lv_call_return_fd (call, fd);
}

void
vb_lv_domain_open_graphics_fd (VbLvCall *call)
{
  guint index, flags;

  /* libvirt's SKIPAUTH 1 is virtbus's. */
  g_variant_get (call->parameters, "(uu)", &index, &flags);
  vb_domain_api_open_graphics_async (call->connect->host, domain_of (call), index, flags,
                                     graphics_opened, call);
}

/* ---- MemoryStats ---- */

/* GetStats' balloon figures and libvirt's virDomainMemoryStatTags. */
static const struct {
  const char *key;
  int tag;
} memory_tags[] = {
  { "balloon.swap_in", 0 },     { "balloon.swap_out", 1 },     { "balloon.major_fault", 2 },
  { "balloon.minor_fault", 3 }, { "balloon.unused", 4 },       { "balloon.available", 5 },
  { "balloon.current", 6 },     { "balloon.rss", 7 },          { "balloon.usable", 8 },
  { "balloon.last-update", 9 }, { "balloon.disk_caches", 10 },
};

static void
balloon_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbLvCall *call = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) stats = vb_domain_api_get_stats_finish (result, &error);
  GVariantBuilder builder;

  if (!stats)
    {
      vb_lv_call_fail (call, error);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{it}"));
  for (guint i = 0; i < G_N_ELEMENTS (memory_tags); i++)
    {
      guint64 value;

      if (g_variant_lookup (stats, memory_tags[i].key, "t", &value))
        g_variant_builder_add (&builder, "{it}", memory_tags[i].tag, value);
    }
  vb_lv_call_return (call, g_variant_new ("(a{it})", &builder));
}

void
vb_lv_domain_memory_stats (VbLvCall *call)
{
  guint flags;

  g_variant_get (call->parameters, "(u)", &flags);
  if (flags)
    {
      vb_lv_call_fail (call, g_error_new (VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                          "unsupported flags (0x%x) in function "
                                          "virDomainMemoryStats",
                                          flags));
      return;
    }
  /* libvirt's call asks the running guest's balloon. */
  if (!vb_domain_is_active (domain_of (call)))
    {
      vb_lv_call_fail (call,
                       g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID, "domain is not running"));
      return;
    }
  vb_domain_api_get_stats_async (call->connect->host, domain_of (call), VB_STATS_BALLOON,
                                 balloon_ready, call);
}
