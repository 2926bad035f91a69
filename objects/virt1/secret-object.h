/* org.virtbus.Virt1.Secret: one per secret. */
#pragma once

#include "bus-context.h"
#include "vb-dbus-generated.h"

G_BEGIN_DECLS

#define VB_TYPE_SECRET_OBJECT (vb_secret_object_get_type ())
G_DECLARE_FINAL_TYPE (VbSecretObject, vb_secret_object, VB, SECRET_OBJECT, VbDBusSecretSkeleton)

VbSecretObject *vb_secret_object_new (VbBusContext *context, VbSecret *secret);

G_END_DECLS
