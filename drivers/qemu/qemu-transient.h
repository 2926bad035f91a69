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
 * the call. Each qemu-img (/usr/bin/qemu-img) that runs longer than
 * VB_QEMU_TRANSIENT_TIMEOUT seconds is killed and the call fails. */
void vb_qemu_transient_make_async (VbQemuCommand *command, const VbUser *user,
                                   GAsyncReadyCallback callback, gpointer user_data);
/* The same with another timeout (the test's). */
void vb_qemu_transient_make_full_async (VbQemuCommand *command, const VbUser *user,
                                        guint timeout_seconds, GAsyncReadyCallback callback,
                                        gpointer user_data);
/* Either completes with this. */
gboolean vb_qemu_transient_make_finish (GAsyncResult *result, GError **error);

/* qemu-img create reads only the image's header: a minute is far more than
 * a healthy disk needs. */
#define VB_QEMU_TRANSIENT_TIMEOUT 60

G_END_DECLS

G_BEGIN_DECLS
/* Refuses (OperationInvalid) @what ("migrate", "save", "snapshot",
 * "copy") on @domain while its definition (the live one when running) has
 * a <transient/> disk, as libvirt does: the overlay is this QEMU's and
 * goes when it stops, so a snapshot, a saved state, a migration or a copy
 * would lose or outlive it. */
gboolean vb_qemu_transient_refuse (VbDomain *domain, const char *what, GError **error);
G_END_DECLS
