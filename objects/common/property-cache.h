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

G_END_DECLS
