/* Domain.UpdateDevice on the shared sequence of def-change.c: only a
 * drive's medium may change (vb_domain_def_change_media says what else
 * differs); the driver swaps the medium of the running guest. */
#include "media-api.h"

#include "def-change.h"
#include "domain-def-edit.h"
#include "vb-error.h"
#include "virtio-mem-api.h"

typedef struct {
  char *xml;
  VbDomainDevice *device;
} Media;

static void
media_free (Media *m)
{
  g_free (m->xml);
  vb_domain_device_free (m->device);
  g_free (m);
}

static Media *
media_of (VbDefChange *change)
{
  return vb_def_change_args (change);
}

static gboolean
media_check (VbDefChange *change, GError **error)
{
  Media *m = media_of (change);

  m->device = vb_domain_device_parse (m->xml, error);
  if (!m->device)
    return FALSE;
  if (m->device->kind == VB_DEVICE_DISK
      && !vb_domain_refuse_if_block_copy (vb_def_change_domain (change), "Changing the medium of",
                                          m->device->target, error))
    return FALSE;
  return TRUE;
}

static VbDomainDef *
media_edit (VbDefChange *change, const VbDomainDef *def, gboolean live, GError **error)
{
  return vb_domain_def_change_media (def, media_of (change)->device, live ? "live" : "persistent",
                                     live, error);
}

static gboolean
media_driver_can (const VbDomainDriver *driver)
{
  return driver->change_media_async != NULL;
}

static void
media_live_async (VbDefChange *change, const VbDomainDef *changed, GAsyncReadyCallback callback,
                  gpointer user_data)
{
  vb_def_change_driver (change)->change_media_async (
    vb_def_change_host (change), vb_def_change_domain (change), media_of (change)->device->target,
    changed, (vb_def_change_flags (change) & VB_DEVICE_MODIFY_FORCE) != 0, callback, user_data);
}

static gboolean
media_live_finish (VbDefChange *change, GAsyncResult *result, GError **error)
{
  return vb_def_change_driver (change)->change_media_finish (vb_def_change_domain (change), result,
                                                             error);
}

static char *
media_describe (VbDefChange *change)
{
  return g_strdup_printf ("medium of disk '%s' changed", media_of (change)->device->target);
}

static const VbDefChangeClass media_class = {
  .what = "update device",
  .action = "change the media of",
  .flags = VB_DEVICE_MODIFY_FORCE,
  .check = media_check,
  .edit = media_edit,
  .driver_can = media_driver_can,
  .live_async = media_live_async,
  .live_finish = media_live_finish,
  .describe = media_describe,
};

void
vb_media_api_update_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  Media *m;

  /* A memory device's update is a virtio-mem's requested size. */
  if (vb_virtio_mem_api_is_memory (xml))
    {
      vb_virtio_mem_api_update_async (host, domain, xml, flags, callback, user_data);
      return;
    }
  m = g_new0 (Media, 1);
  m->xml = g_strdup (xml);
  vb_def_change_run (&media_class, host, domain, flags, m, (GDestroyNotify) media_free, callback,
                     user_data);
}

gboolean
vb_media_api_update_finish (GAsyncResult *result, GError **error)
{
  return vb_def_change_finish (result, error);
}
