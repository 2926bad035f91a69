/* The guest's memory performance of <cpu><numa> (ACPI's HMAT): a cell's
 * memory-side <cache> and the <interconnects> latencies and bandwidths,
 * checked at define. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* The cell of guest node @id (its id=, else its place), NULL when none. */
xmlNode *vb_domain_hmat_cell (xmlNode *root, guint id);

/* Whether @root has any of it (then QEMU's -machine hmat=on). */
gboolean vb_domain_hmat_wanted (xmlNode *root);

/* Checks it against the cells (@cells of them) and QEMU's rules, and writes
 * cache sizes and bandwidths in KiB, cache lines in bytes. */
gboolean vb_domain_hmat_check (xmlNode *root, guint cells, GError **error);

G_END_DECLS
