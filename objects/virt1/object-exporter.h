/* Keeps the bus in step with the inventory: an object is exported (with
 * InterfacesAdded) when its model is added and unexported when removed. */
#pragma once

#include "bus-context.h"

G_BEGIN_DECLS

typedef struct _VbObjectExporter VbObjectExporter;

/* Exports everything the inventory holds now, then follows it. */
VbObjectExporter *vb_object_exporter_new (VbBusContext *context);
void vb_object_exporter_free (VbObjectExporter *exporter);

G_END_DECLS
