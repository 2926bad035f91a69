/* Values libvirt writes in a running domain's XML that describe its state,
 * not its configuration: accepted on input (so a live XML can be defined
 * again) and dropped from the stored definition. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Removes the live values under @root's <devices>; InvalidXML naming the
 * element when one sits where it cannot mean anything. */
gboolean vb_domain_drop_live_values (xmlNode *root, GError **error);

G_END_DECLS
