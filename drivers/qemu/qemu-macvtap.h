/* macvtap links for <interface type='direct'>: made over rtnetlink at Start
 * on the host device <source dev>, the guest's end of it (/dev/tapN) handed
 * to QEMU as a tap's fd, deleted when QEMU ends, after a failed start and on
 * unplug (a macvtap outlives its descriptors, unlike a tap). */
#pragma once

#include <glib.h>

#include "qemu-command.h"
#include "qemu-part.h"

G_BEGIN_DECLS

/* The kernel's MACVLAN_MODE_* of <source mode> (NULL: vepa, libvirt's
 * default); 0 for a mode that is none of vepa, bridge, private, passthrough
 * (the kernel's passthru). */
guint vb_macvtap_mode (const char *mode);
/* A name the kernel takes for an interface (at most 15 characters, no '/',
 * ':' or blank) that is also safe to print and pass on: letters, digits and
 * "._-", not beginning with '-'. */
gboolean vb_macvtap_valid_ifname (const char *name);
/* libvirt's rule: a <target dev> beginning "macvtap", "macvlan" or "vnet" is
 * a name the host generates, so the link is macvtapN (the lowest N free at
 * Start); any other names the link. Returns the name to ask for, NULL for
 * macvtapN. */
char *vb_macvtap_requested_name (const char *target);

/* Creates macvtap @name (NULL: the first free macvtapN) on host device
 * @lower in @mode with MAC @mac, brings it up and opens its /dev/tapN.
 * Refuses (NotSupported) a @lower the host lacks and an existing @name.
 * Returns the descriptor, the link's name in *@created and its ifindex in
 * *@created_index, or -1. */
int vb_macvtap_create (const char *name, const char *lower, guint mode, const char *mac,
                       char **created, guint *created_index, GError **error);
/* Opens one more queue of macvtap @name, whose first queue the caller holds
 * (each open of /dev/tapN is a queue, up to the kernel's 256), checking it
 * is still the link of ifindex @index. */
int vb_macvtap_open_queue (const char *name, unsigned index, GError **error);
/* Deletes macvtap link @name (RTM_DELLINK); only a macvtap is deleted. */
gboolean vb_macvtap_delete (const char *name, GError **error);
/* Deletes each link of @records ("NAME:IFINDEX", as vb_qemu_macvtaps_of()
 * gives) that is still that link, logging failures under @log_name. */
void vb_macvtap_delete_all (const char *const *records, const char *log_name);

/* The records ("NAME:IFINDEX") of @command's macvtap links made so far,
 * NULL-terminated: by the time a link is deleted, its name alone may be
 * another link's. */
GStrv vb_qemu_macvtaps_of (const VbQemuCommand *command);

/* Writes each macvtap's name into the live XML as its interface's <target
 * dev> (the interface of the same MAC), as libvirt shows it. */
void vb_qemu_macvtap_name_live (VbDomain *domain, const VbQemuCommand *command);

/* An interface with guest MAC @mac was unplugged: deletes its macvtap (the
 * link whose MAC it is) and drops it from the status. */
void vb_qemu_macvtap_release (QemuDomain *qd, const char *mac);

/* Deletes the status's macvtaps when QEMU ends. */
extern const VbQemuPart vb_qemu_macvtap_part;

G_END_DECLS
