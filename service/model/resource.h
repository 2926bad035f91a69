/* What domains, networks and pools have in common: identity, persistence,
 * autostart, the per-object lock, and the driver that runs them. The
 * subclasses (VbDomain, VbNetwork, VbPool) add their own state. */
#pragma once

#include <glib-object.h>

#include "object-lock.h"

G_BEGIN_DECLS

#define VB_TYPE_RESOURCE (vb_resource_get_type ())
G_DECLARE_DERIVABLE_TYPE (VbResource, vb_resource, VB, RESOURCE, GObject)

struct _VbResourceClass {
  GObjectClass parent_class;
  const char *kind; /* "domain", "network", "pool": also the config store directory + "s" */
};

/* Called by subclasses when a definition is set or replaced. */
void vb_resource_set_identity (VbResource *self, const char *name, const char *uuid);

const char *vb_resource_get_name (VbResource *self);
const char *vb_resource_get_uuid (VbResource *self);
const char *vb_resource_get_kind (VbResource *self);
/* "domain/web1": the name that logs and Busy messages use. */
const char *vb_resource_get_log_name (VbResource *self);

gboolean vb_resource_get_persistent (VbResource *self);
void vb_resource_set_persistent (VbResource *self, gboolean persistent);
gboolean vb_resource_get_autostart (VbResource *self);
void vb_resource_set_autostart (VbResource *self, gboolean autostart);

/* The driver that runs the object, by name ("test", "qemu", ...). */
const char *vb_resource_get_driver (VbResource *self);
void vb_resource_set_driver (VbResource *self, const char *driver);
/* Private state of that driver, freed with the object or when replaced. */
gpointer vb_resource_get_driver_data (VbResource *self);
void vb_resource_set_driver_data (VbResource *self, gpointer data, GDestroyNotify destroy);

VbObjectLock *vb_resource_get_lock (VbResource *self);

/* Emits "changed": a property visible to clients may have changed. */
void vb_resource_changed (VbResource *self);

G_END_DECLS
