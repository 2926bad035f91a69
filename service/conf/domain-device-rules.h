/* Rules between a domain's devices that no driver could run against: two
 * devices on one USB port, a video model 'none' beside a real one, a disk
 * target name that names no disk. Checked when a definition is parsed, so
 * every driver refuses them alike. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* InvalidXML naming the element and line when @root's <devices> break a rule. */
gboolean vb_domain_device_rules_check (xmlNode *root, GError **error);

G_END_DECLS
