/* org.virtbus.Virt1.Manager at /org/virtbus/Virt1. */
#pragma once

#include "bus-context.h"
#include "vb-dbus-generated.h"

G_BEGIN_DECLS

#define VB_TYPE_MANAGER_OBJECT (vb_manager_object_get_type ())
G_DECLARE_FINAL_TYPE (VbManagerObject, vb_manager_object, VB, MANAGER_OBJECT,
                      VbDBusManagerSkeleton)

VbManagerObject *vb_manager_object_new (VbBusContext *context);

G_END_DECLS
