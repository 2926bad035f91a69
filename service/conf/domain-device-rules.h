/* Rules between a domain's elements that no driver could run against: two
 * devices on one USB port, a video model 'none' beside a real one, a disk
 * target name that names no disk, a reconnect timeout of 0, PS/2 devices
 * or vmport without the i8042 controller, an address on the PCI root, one
 * mediated device given twice, an SMBIOS date that is no date. Checked when
 * a definition is parsed, so every driver refuses them alike. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* InvalidXML naming the element and line when @root's <devices> break a rule. */
gboolean vb_domain_device_rules_check (xmlNode *root, GError **error);

G_END_DECLS
