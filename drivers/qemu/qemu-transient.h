/* The overlays of <transient/> disks, made at Start before QEMU runs:
 * qemu-img create, off the main loop, as QEMU's user. */
#pragma once

#include <gio/gio.h>

#include "domain.h"
#include "qemu-command.h"
#include "vb-user.h"

G_BEGIN_DECLS

/* Makes each overlay of @command's transients (a new file in the run
 * directory, QEMU's user's, mode 0600) as a qcow2 image over its disk's
 * image; completes at once without any. On failure the overlays made are
 * removed. @user: QEMU's, NULL outside system mode. @command must outlive
 * the call. */
void vb_qemu_transient_make_async (VbQemuCommand *command, const VbUser *user,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_transient_make_finish (GAsyncResult *result, GError **error);

G_END_DECLS

G_BEGIN_DECLS
/* Refuses (OperationInvalid) @what ("migrate", "save", "snapshot",
 * "copy") on @domain while its definition (the live one when running) has
 * a <transient/> disk, as libvirt does: the overlay is this QEMU's and
 * goes when it stops, so a snapshot, a saved state, a migration or a copy
 * would lose or outlive it. */
gboolean vb_qemu_transient_refuse (VbDomain *domain, const char *what, GError **error);
G_END_DECLS
