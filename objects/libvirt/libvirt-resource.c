/* Properties shared by the resources' objects: see libvirt-resource.h. */
#include "libvirt-resource.h"

#include "resource.h"

GVariant *
vb_lv_resource_get_name (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (vb_resource_get_name (object));
}

GVariant *
vb_lv_resource_get_uuid (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_string (vb_resource_get_uuid (object));
}

GVariant *
vb_lv_resource_get_persistent (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_boolean (vb_resource_get_persistent (object));
}

GVariant *
vb_lv_resource_get_autostart (const VbLvConnect *connect, gpointer object)
{
  return g_variant_new_boolean (vb_resource_get_autostart (object));
}
