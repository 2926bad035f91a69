/* rawio='yes' on a <disk device='lun'> or a <hostdev type='scsi'>: QEMU,
 * which otherwise holds no capability at all, keeps CAP_SYS_RAWIO (the
 * kernel then passes it every SCSI command for the host's device, not only
 * the ones it filters for unprivileged users), as libvirt gives it. Only
 * that one: the bounding set loses every other capability, and the
 * ambient set carries it across exec to QEMU's user. Defining it needs
 * org.virtbus.Virt1.domain.host-root (domain-host-root.h). */
#pragma once

#include <libxml/tree.h>

#include "vb-user.h"

G_BEGIN_DECLS

/* Whether a device of @root (a domain) has rawio='yes'. */
gboolean vb_qemu_rawio_wanted (xmlNode *root);

/* Whether the service itself may hand CAP_SYS_RAWIO on (it is in its
 * bounding set): NotSupported naming rawio='yes' otherwise, at Start. */
gboolean vb_qemu_rawio_possible (GError **error);

/* In a forked child, before exec, instead of vb_user_drop_to(): drops to
 * @user as it does, keeping CAP_SYS_RAWIO (effective, permitted,
 * inheritable and ambient) and no other capability. Only async-signal-safe
 * calls; on failure it writes why to fd 2 and _exit()s with 127. */
void vb_qemu_rawio_drop_to (const VbUser *user);

G_END_DECLS
