/* Small helpers for child processes of the service. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A GSpawnChildSetupFunc: the child is killed when the service dies. For
 * helpers that mean nothing without us (probes), never for guests. */
void vb_die_with_parent (gpointer user_data);

G_END_DECLS
