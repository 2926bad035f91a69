/* A storage pool as the service knows it, with the volumes it holds while active. */
#pragma once

#include "pool-def.h"
#include "resource.h"
#include "volume.h"

G_BEGIN_DECLS

#define VB_TYPE_POOL (vb_pool_get_type ())
G_DECLARE_FINAL_TYPE (VbPool, vb_pool, VB, POOL, VbResource)

/* Takes @def. */
VbPool *vb_pool_new (VbPoolDef *def, const char *driver, gboolean persistent);
const VbPoolDef *vb_pool_get_def (VbPool *self);
void vb_pool_set_def (VbPool *self, VbPoolDef *def);
gboolean vb_pool_get_active (VbPool *self);
void vb_pool_set_active (VbPool *self, gboolean active);
void vb_pool_get_sizes (VbPool *self, guint64 *capacity, guint64 *allocation,
                        guint64 *available);
void vb_pool_set_sizes (VbPool *self, guint64 capacity, guint64 allocation, guint64 available);

/* Volumes: "volume-added" and "volume-removed" signals follow these. */
void vb_pool_add_volume (VbPool *self, VbVolume *volume);
void vb_pool_remove_volume (VbPool *self, VbVolume *volume);
void vb_pool_remove_all_volumes (VbPool *self);
VbVolume *vb_pool_lookup_volume (VbPool *self, const char *name);
/* Sorted by name; the array holds references. */
GPtrArray *vb_pool_list_volumes (VbPool *self);

G_END_DECLS
