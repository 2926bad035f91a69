/* Whether KVM really works on this host: /dev/kvm existing is not enough (a
 * nested or half-broken KVM can open fine and then hang or crash guests), so
 * the probe boots a tiny guest under -accel kvm and trusts only its result. */
#pragma once

#include <gio/gio.h>

#include "vb-user.h"

G_BEGIN_DECLS

/* How long the KVM guest may take; SeaBIOS plus the boot sector need well
 * under a second with working KVM. */
#define VB_KVM_PROBE_TIMEOUT_MS 3000

/* The exit status QEMU reports when the probe's boot sector ran: it writes
 * 0x2a to isa-debug-exit, which exits with (0x2a << 1) | 1. */
#define VB_KVM_PROBE_EXIT_STATUS 85

/* Decides whether @qemu_binary (a path or a name looked up in PATH) can run
 * KVM guests here, when run as @run_as (the QEMU user; NULL: the service's
 * own user), which is what guests run as: root may open a /dev/kvm that
 * the QEMU user may not. @run_as is used only during the call. QEMU runs
 * under the same -sandbox as guests and dies with the service. */
void vb_kvm_probe_async (const char *qemu_binary,
                         const VbUser *run_as,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data);

/* TRUE when KVM is usable. FALSE with *@why (nullable) set to a sentence
 * saying why not, e.g. "a KVM guest did not finish in 3 s"; @error is set
 * only when the probe was cancelled, never for "not usable". */
gboolean vb_kvm_probe_finish (GAsyncResult *result, char **why, GError **error);

/* The probe's guest on its own: boots the payload with -accel @accel ("kvm",
 * "tcg") as @run_as (as above) and completes TRUE when QEMU exits with VB_KVM_PROBE_EXIT_STATUS
 * within @timeout_ms, killing it otherwise. Lets tests prove the payload on
 * TCG; vb_kvm_probe_async() runs it with "kvm" after checking /dev/kvm. */
void vb_kvm_probe_payload_async (const char *qemu_binary,
                                 const VbUser *run_as,
                                 const char *accel,
                                 guint timeout_ms,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);

/* Same contract as vb_kvm_probe_finish(). */
gboolean vb_kvm_probe_payload_finish (GAsyncResult *result, char **why, GError **error);

G_END_DECLS
