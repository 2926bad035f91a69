/* The disks and interfaces of a domain definition in the order libvirt
 * numbers them in its domain statistics (block.N, net.N) and in
 * virDomainInterfaceAddresses: what GetStats and InterfaceAddresses of
 * every driver count by, so that the generic layer and a driver agree on N. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *target; /* <target dev>: "vda" */
  char *device; /* <disk device>: "disk", "cdrom", "floppy", "lun" */
  char *file;   /* <source file> or <source dev>; NULL for a volume or an empty drive */
  char *pool;   /* <source pool volume> of a volume disk, else NULL */
  char *volume;
  char *format; /* <driver type>; NULL when absent */
  char *alias;  /* <alias name>; NULL when none */
} VbStatDisk;

typedef struct {
  char *type;    /* <interface type>: "network", "bridge", "user", ... */
  char *mac;     /* lower case */
  char *network; /* <source network> of type 'network', else NULL */
  char *target;  /* <target dev> when the definition names one, else NULL */
} VbStatNic;

void vb_stat_disk_free (VbStatDisk *disk);
void vb_stat_nic_free (VbStatNic *nic);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbStatDisk, vb_stat_disk_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbStatNic, vb_stat_nic_free)

/* Every <disk> of the <domain> @xml, in document order (empty drives
 * too), as a GPtrArray of VbStatDisk; empty when @xml does not parse. */
GPtrArray *vb_domain_stat_disks (const char *xml);
/* Every <interface> of @xml, in document order, as VbStatNic. */
GPtrArray *vb_domain_stat_nics (const char *xml);
/* Whether @xml has the virtio channel of the QEMU guest agent
 * (<channel><target type='virtio' name='org.qemu.guest_agent.0'/>). */
gboolean vb_domain_has_guest_agent (const char *xml);

G_END_DECLS
