/* org.virtbus.Virt1.StoragePool: one per storage pool. */
#pragma once

#include "bus-context.h"
#include "vb-dbus-generated.h"

G_BEGIN_DECLS

#define VB_TYPE_POOL_OBJECT (vb_pool_object_get_type ())
G_DECLARE_FINAL_TYPE (VbPoolObject, vb_pool_object, VB, POOL_OBJECT, VbDBusStoragePoolSkeleton)

VbPoolObject *vb_pool_object_new (VbBusContext *context, VbPool *pool);

G_END_DECLS
