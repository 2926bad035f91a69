/* What a domain definition (or one device alone) may ask that acts as root
 * on the host, beyond what the QEMU driver confines: an <interface
 * type='ethernet'>'s <script path> and <downscript path>, programs the
 * service runs as root with the tap's name (at Start, and when the domain
 * stops), and rawio='yes' on a <disk device='lun'> or a SCSI <hostdev>,
 * which leaves QEMU CAP_SYS_RAWIO (every SCSI command to the host's device,
 * and raw I/O ports and memory of the host). Defining them needs
 * org.virtbus.Virt1.domain.host-root (docs/authorization.md, "Host root";
 * docs/xml-subset.md, "Host scripts and raw I/O"). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* What no host could run: rawio= on anything but a <disk device='lun'>
 * or a <hostdev type='scsi'>, a <script>/<downscript> on an interface of
 * another type than ethernet (libvirt's rules) or naming a relative path.
 * InvalidXML naming the element. */
gboolean vb_domain_host_root_check (xmlNode *root, GError **error);

/* The first of those @xml (a domain or a device alone) asks for, in words
 * for a message ("<script path='/etc/qemu-ifup'>", "rawio='yes' on a
 * <disk>"); NULL when none, or when @xml does not parse (its define
 * refuses it anyway). */
char *vb_domain_host_root_in (const char *xml);
/* The same for @doc, @xml already parsed. */
char *vb_domain_host_root_in_doc (xmlDoc *doc);

G_END_DECLS
