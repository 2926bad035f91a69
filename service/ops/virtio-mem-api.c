/* Domain.UpdateDevice of a virtio-mem on the shared sequence of
 * def-change.c: only <requested> may change (vb_domain_def_change_virtio_mem
 * says what else differs); the driver sets the running device's. Completed
 * by vb_media_api_update_finish, as every UpdateDevice. */
#include "virtio-mem-api.h"

#include "def-change.h"
#include "domain-virtio-mem.h"
#include "vb-error.h"
#include "xml-schema.h"

typedef struct {
  char *xml;
  VbDomainDevice *device;
  char *alias; /* the running device's, from the live definition */
} Update;

static void
update_free (Update *u)
{
  g_free (u->xml);
  vb_domain_device_free (u->device);
  g_free (u->alias);
  g_free (u);
}

static Update *
update_of (VbDefChange *change)
{
  return vb_def_change_args (change);
}

gboolean
vb_virtio_mem_api_is_memory (const char *xml)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "memory", NULL);

  return doc != NULL;
}

static gboolean
update_check (VbDefChange *change, GError **error)
{
  Update *u = update_of (change);
  g_autoptr (xmlDoc) doc = NULL;

  u->device = vb_domain_device_parse (u->xml, error);
  if (!u->device)
    return FALSE;
  doc = vb_xml_parse (u->device->xml, "memory", error);
  if (!doc)
    return FALSE;
  if (!vb_xml_attr_is (xmlDocGetRootElement (doc), "model", "virtio-mem"))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "of the memory devices only a virtio-mem's requested size can change");
      return FALSE;
    }
  return TRUE;
}

static VbDomainDef *
update_edit (VbDefChange *change, const VbDomainDef *def, gboolean live, GError **error)
{
  Update *u = update_of (change);
  char *alias = NULL;
  VbDomainDef *changed =
    vb_domain_def_change_virtio_mem (def, u->device->xml, live ? "live" : "persistent", live,
                                     &alias, error);

  if (live)
    {
      g_free (u->alias);
      u->alias = alias;
    }
  else
    g_free (alias);
  return changed;
}

static gboolean
update_driver_can (const VbDomainDriver *driver)
{
  return driver->update_virtio_mem_async != NULL;
}

static void
update_live_async (VbDefChange *change, const VbDomainDef *changed, GAsyncReadyCallback callback,
                   gpointer user_data)
{
  vb_def_change_driver (change)->update_virtio_mem_async (vb_def_change_host (change),
                                                          vb_def_change_domain (change),
                                                          update_of (change)->alias, changed,
                                                          callback, user_data);
}

static gboolean
update_live_finish (VbDefChange *change, GAsyncResult *result, GError **error)
{
  return vb_def_change_driver (change)->update_virtio_mem_finish (vb_def_change_domain (change),
                                                                  result, error);
}

static char *
update_describe (VbDefChange *change)
{
  Update *u = update_of (change);

  return g_strdup_printf ("virtio-mem %s: requested size changed", u->alias ? u->alias : "");
}

static const VbDefChangeClass virtio_mem_class = {
  .what = "update device",
  .action = "change the memory device of",
  .check = update_check,
  .edit = update_edit,
  .driver_can = update_driver_can,
  .live_async = update_live_async,
  .live_finish = update_live_finish,
  .describe = update_describe,
};

void
vb_virtio_mem_api_update_async (VbDriverHost *host, VbDomain *domain, const char *xml, guint flags,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  Update *u = g_new0 (Update, 1);

  u->xml = g_strdup (xml);
  vb_def_change_run (&virtio_mem_class, host, domain, flags, u, (GDestroyNotify) update_free,
                     callback, user_data);
}
