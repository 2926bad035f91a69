/* Machine type names: which one QEMU has that comes closest to one it lacks. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Of @machines (the names the binary lists), the one of @wanted's family
 * (pc-q35-, pc-i440fx-, and the old pc-X.Y, which are i440fx machines) with
 * the highest version not above @wanted's, else the lowest above it; for a
 * distribution's name in a family without a version QEMU orders
 * ("pc-i440fx-wily", "pc-q35-rhel9.2.0"), the family's alias (pc, q35);
 * NULL when @wanted is of no family or its family has none here. */
char *vb_qemu_closest_machine (const char *wanted, const char *const *machines);

G_END_DECLS
