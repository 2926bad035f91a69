/* org.virtbus.Virt1.StorageVolume: one per volume of an active pool. */
#pragma once

#include "bus-context.h"
#include "vb-dbus-generated.h"

G_BEGIN_DECLS

#define VB_TYPE_VOLUME_OBJECT (vb_volume_object_get_type ())
G_DECLARE_FINAL_TYPE (VbVolumeObject, vb_volume_object, VB, VOLUME_OBJECT,
                      VbDBusStorageVolumeSkeleton)

VbVolumeObject *vb_volume_object_new (VbBusContext *context, VbPool *pool, VbVolume *volume);

G_END_DECLS
