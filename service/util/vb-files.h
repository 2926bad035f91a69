/* File system helpers the service's parts share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes the files directly in @dir, then @dir itself. For the service's
 * own flat directories (runtime dirs, a simulated pool's definitions); it
 * does not descend. Errors are ignored: what is gone is gone. */
void vb_remove_flat_dir (const char *dir);

G_END_DECLS
