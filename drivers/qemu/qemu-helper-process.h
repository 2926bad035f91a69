/* The helper processes a domain's QEMU needs beside it (swtpm for an
 * emulated TPM, virtiofsd for a virtiofs share, nbdkit for a network disk
 * QEMU cannot open itself, passt for a user network): started by the service
 * before QEMU, as QEMU's user, each in its own session with its output in
 * "<id>.log" of the run directory; ended when QEMU ends, however it ends;
 * recorded in the status file and found again after a restart of the
 * service (qemu-helper-process.c). */
#pragma once

#include "qemu-part.h"

G_BEGIN_DECLS

/* Starts the helpers @command names (command->helpers), one after the
 * other, as @user (NULL: the service's own user), each one's state
 * directory made first, and completes once every helper listens on its
 * socket. On failure (a helper that ends or does not listen within 10 s:
 * the message quotes its log) the ones already started are ended. The
 * task's source object is the domain. */
void vb_qemu_helpers_start_async (QemuDomain *qd, VbQemuCommand *command, const VbUser *user,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_helpers_start_finish (GAsyncResult *result, GError **error);

/* The helpers of @qd as the status file keeps them (status->helpers). */
void vb_qemu_helpers_record (QemuDomain *qd, VbQemuStatus *status);

/* Ends every helper of @qd: SIGTERM, SIGKILL after a grace period. Called
 * when QEMU has ended or its start failed. */
void vb_qemu_helpers_stop (QemuDomain *qd);

/* After a restart of the service: takes back the helpers @status records
 * that still run as @uid (the same start time and program), so that QEMU's
 * end ends them too. */
void vb_qemu_helpers_adopt (QemuDomain *qd, const VbQemuStatus *status, uid_t uid);

/* After a restart, when QEMU ended while the service was away: ends the
 * helpers @status records that still run as @uid (and nothing else). */
void vb_qemu_helpers_end_recorded (const VbQemuStatus *status, uid_t uid);

/* Follows QEMU's end (qemu-part.h): the helpers go with it. */
extern const VbQemuPart vb_qemu_helpers_part;

G_END_DECLS
