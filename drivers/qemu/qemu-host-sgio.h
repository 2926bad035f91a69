/* The host's part of a <disk type='block' device='lun' sgio=…>: the SCSI
 * commands the kernel lets QEMU's unprivileged user send the host device,
 * set in its unpriv_sgio before QEMU starts (qemu-host-sgio.c). */
#pragma once

#include <glib.h>

#include "qemu-command.h"

G_BEGIN_DECLS

/* The unpriv_sgio file of the block device @dev under the sysfs mounted at
 * @sysfs ("/sys"), whether it exists or not; NULL when @dev is not a block
 * device. */
char *vb_qemu_sgio_sysfs_path (const char *sysfs, const char *dev);

/* Sets unpriv_sgio of each device of @sgio (VbQemuSgio) under @sysfs: 1
 * for sgio='unfiltered', 0 otherwise, as libvirt does. FALSE with @error:
 * NotSupported naming the <disk> when 'unfiltered' is asked of a device
 * whose kernel has no unpriv_sgio (or of what is no block device); Failed
 * when the kernel refuses the value. */
gboolean vb_qemu_host_set_sgio (GPtrArray *sgio, const char *sysfs, GError **error);

G_END_DECLS
