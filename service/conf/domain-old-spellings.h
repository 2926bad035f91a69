/* Older spellings of domain XML that libvirt still reads, rewritten at
 * parse into the one the drivers read, so each has one meaning. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Rewrites the older spellings under @root; InvalidXML naming the element
 * when one contradicts its newer spelling beside it. */
gboolean vb_domain_rewrite_old_spellings (xmlNode *root, GError **error);

G_END_DECLS
