/* GetManagedObjects asks every interface for all its properties. The generated
 * code rebuilds that a{sv} from GObject properties on every call; this keeps
 * the serialized result until a property changes, so listing 10,000 objects
 * costs little more than copying their bytes. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* For a skeleton subclass's class_init. */
void vb_property_cache_class_init (GDBusInterfaceSkeletonClass *klass);
/* Call after changing any property of @skeleton. */
void vb_property_cache_invalidate (GDBusInterfaceSkeleton *skeleton);

/* The serialized a{sv} that get_properties answers from now (borrowed), or
 * NULL: none since the last invalidate, or @skeleton's class keeps none. A
 * holder of a reference can tell whether it is still current by comparing
 * pointers (held, its address cannot be reused). */
GBytes *vb_property_cache_peek (GDBusInterfaceSkeleton *skeleton);
/* Makes the cache answer from @properties' bytes (a serialized a{sv} equal
 * to what get_properties answers now, e.g. part of a larger value whose bytes
 * are kept anyway), dropping its own copy; returns them as peek() would.
 * NULL when @skeleton's class keeps no cache. */
GBytes *vb_property_cache_share (GDBusInterfaceSkeleton *skeleton, GVariant *properties);

G_END_DECLS
