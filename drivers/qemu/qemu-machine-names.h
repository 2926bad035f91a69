/* Machine type names: which one QEMU has that comes closest to one it lacks. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Of @machines (the names the binary lists), the one of @wanted's family
 * (pc-q35-, pc-i440fx-, and the old pc-X.Y, which are i440fx machines) with
 * the highest version not above @wanted's, else the lowest above it; NULL
 * when @wanted has no version or its family none. */
char *vb_qemu_closest_machine (const char *wanted, const char *const *machines);

G_END_DECLS
