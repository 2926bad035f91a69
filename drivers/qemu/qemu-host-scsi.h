/* The host's SCSI devices a <hostdev type='scsi'> passes to a guest. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "/dev/sgN" of the SCSI device at @address ("HOST:BUS:TARGET:LUN", numbers
 * only), from sysfs; NULL when the host has no such device or it has no
 * SCSI generic node (the sg module). */
char *vb_qemu_host_scsi_generic (const char *address);

G_END_DECLS
