/* Every domain, network, pool and job the service holds, indexed by UUID and
 * by name. The D-Bus layer follows its "added" and "removed" signals. */
#pragma once

#include "domain.h"
#include "job.h"
#include "network.h"
#include "pool.h"

G_BEGIN_DECLS

#define VB_TYPE_INVENTORY (vb_inventory_get_type ())
G_DECLARE_FINAL_TYPE (VbInventory, vb_inventory, VB, INVENTORY, GObject)

VbInventory *vb_inventory_new (void);

/* Adds @resource; it must not clash by name or UUID with one of its kind. */
void vb_inventory_add (VbInventory *self, VbResource *resource);
void vb_inventory_remove (VbInventory *self, VbResource *resource);
/* Re-indexes @resource after its definition (and so its name) changed. */
void vb_inventory_rename (VbInventory *self, VbResource *resource, const char *old_name);

/* @type is VB_TYPE_DOMAIN, VB_TYPE_NETWORK or VB_TYPE_POOL; NULL when absent. */
VbResource *vb_inventory_lookup_uuid (VbInventory *self, GType type, const char *uuid);
VbResource *vb_inventory_lookup_name (VbInventory *self, GType type, const char *name);
/* Sorted by name; the array holds references. */
GPtrArray *vb_inventory_list (VbInventory *self, GType type);
guint vb_inventory_count (VbInventory *self, GType type);
/* Changes whenever an object of @type is added, removed or renamed: a list
 * made at one value is still whole and in order while it stays the same. */
guint64 vb_inventory_generation (VbInventory *self, GType type);

/* Jobs get their id here; a finished job is dropped after the linger time. */
void vb_inventory_add_job (VbInventory *self, VbJob *job);
VbJob *vb_inventory_lookup_job (VbInventory *self, guint id);
void vb_inventory_set_job_linger (VbInventory *self, guint seconds);
/* The jobs of the object at @object_path (running, and finished ones still
 * lingering), oldest first; the array holds references. */
GPtrArray *vb_inventory_list_jobs_of (VbInventory *self, const char *object_path);

G_END_DECLS
