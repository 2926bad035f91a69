/* A storage volume: a child of its pool, identified by its name in the pool. */
#pragma once

#include <glib-object.h>

#include "volume-def.h"

G_BEGIN_DECLS

#define VB_TYPE_VOLUME (vb_volume_get_type ())
G_DECLARE_FINAL_TYPE (VbVolume, vb_volume, VB, VOLUME, GObject)

/* Takes @def. @path is where the data lives, @key the pool-unique key. */
VbVolume *vb_volume_new (VbVolumeDef *def, const char *key, const char *path);
const VbVolumeDef *vb_volume_get_def (VbVolume *self);
const char *vb_volume_get_name (VbVolume *self);
const char *vb_volume_get_key (VbVolume *self);
const char *vb_volume_get_path (VbVolume *self);
const char *vb_volume_get_format (VbVolume *self);
guint64 vb_volume_get_capacity (VbVolume *self);
guint64 vb_volume_get_allocation (VbVolume *self);
void vb_volume_set_sizes (VbVolume *self, guint64 capacity, guint64 allocation);
/* The libvirt-format XML of the volume as it is now. */
char *vb_volume_format_xml (VbVolume *self);

G_END_DECLS
