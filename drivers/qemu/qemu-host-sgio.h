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
 * for sgio='unfiltered', 0 otherwise, as libvirt does, after recording
 * what each had in @status_dir/@uuid.sgio (first setting back what an old
 * record of @uuid holds). FALSE with @error: NotSupported naming the <disk>
 * when 'unfiltered' is asked of a device whose kernel has no unpriv_sgio
 * (or of what is no block device under /dev); OperationInvalid when
 * another running domain (one with a record in @status_dir) or another
 * disk uses the device with the other value; Failed when the kernel
 * refuses the value (the record is kept: the caller sets it back). */
gboolean vb_qemu_host_set_sgio (GPtrArray *sgio, const char *sysfs, const char *status_dir,
                                const char *uuid, GError **error);

/* Sets back each device in @status_dir/@uuid.sgio that no other running
 * domain's record names, to what it had before, then removes the record.
 * Nothing when there is none. */
void vb_qemu_host_restore_sgio (const char *sysfs, const char *status_dir, const char *uuid);

G_END_DECLS
