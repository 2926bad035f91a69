/* A tap's <bandwidth>: at Start, after the taps are made and before QEMU
 * runs, tc (by absolute path, one argument per value, never a shell, off
 * the main loop) sets the limits: inbound (to the guest, the tap's egress)
 * an htb class, outbound (from the guest, the
 * tap's ingress) a policing filter that drops what exceeds the rate.
 * Nothing is recorded: the qdiscs go with the tap, which goes with QEMU. */
#pragma once

#include "qemu-command.h"

G_BEGIN_DECLS

#define VB_TC "/usr/sbin/tc"

/* The tc argvs (GStrv each) that set @tap's limits, in order; empty when
 * it has none. */
GPtrArray *vb_qemu_tc_argvs (const VbQemuTap *tap);
/* Whether a tap of @command has limits. */
gboolean vb_qemu_tc_wanted (const VbQemuCommand *command);
/* Runs them for every tap of @command, one after the other; fails with
 * NotSupported naming <bandwidth> and tc's words when one fails (no tc, no
 * htb scheduler in this kernel). */
void vb_qemu_tc_apply_async (const VbQemuCommand *command, GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean vb_qemu_tc_apply_finish (GAsyncResult *result, GError **error);

G_END_DECLS
