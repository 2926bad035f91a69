#include "property-cache.h"

static GQuark cache_quark;
static GQuark parent_quark;

typedef GVariant *(*GetProperties) (GDBusInterfaceSkeleton *skeleton);

static GVariant *
get_properties (GDBusInterfaceSkeleton *skeleton)
{
  GBytes *bytes = g_object_get_qdata (G_OBJECT (skeleton), cache_quark);

  if (!bytes)
    {
      GetProperties parent = g_type_get_qdata (G_OBJECT_TYPE (skeleton), parent_quark);
      g_autoptr (GVariant) fresh = g_variant_ref_sink (parent (skeleton));

      bytes = g_variant_get_data_as_bytes (fresh);
      g_object_set_qdata_full (G_OBJECT (skeleton), cache_quark, bytes,
                               (GDestroyNotify) g_bytes_unref);
    }
  /* A new floating value over the shared bytes: callers may sink or unref it. */
  return g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, TRUE);
}

void
vb_property_cache_class_init (GDBusInterfaceSkeletonClass *klass)
{
  GDBusInterfaceSkeletonClass *parent = g_type_class_peek_parent (klass);

  if (!cache_quark)
    {
      cache_quark = g_quark_from_static_string ("vb-property-cache");
      parent_quark = g_quark_from_static_string ("vb-property-cache-parent");
    }
  g_type_set_qdata (G_TYPE_FROM_CLASS (klass), parent_quark, parent->get_properties);
  klass->get_properties = get_properties;
}

void
vb_property_cache_invalidate (GDBusInterfaceSkeleton *skeleton)
{
  g_object_set_qdata (G_OBJECT (skeleton), cache_quark, NULL);
}

GBytes *
vb_property_cache_peek (GDBusInterfaceSkeleton *skeleton)
{
  return g_object_get_qdata (G_OBJECT (skeleton), cache_quark);
}

GBytes *
vb_property_cache_share (GDBusInterfaceSkeleton *skeleton, GVariant *properties)
{
  GBytes *bytes;

  if (!cache_quark || !g_type_get_qdata (G_OBJECT_TYPE (skeleton), parent_quark))
    return NULL;
  g_return_val_if_fail (g_variant_is_of_type (properties, G_VARIANT_TYPE_VARDICT), NULL);
  /* For a serialized child, a slice of its parent's bytes: no copy. */
  bytes = g_variant_get_data_as_bytes (properties);
  g_object_set_qdata_full (G_OBJECT (skeleton), cache_quark, bytes, (GDestroyNotify) g_bytes_unref);
  return bytes;
}
