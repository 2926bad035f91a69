/* A domain's QEMU process (qemu-process.c): start, events, end, reattach. */
#pragma once

#include "qemu-domain-private.h"

G_BEGIN_DECLS

/* Starts QEMU for the domain's live definition and runs it (paused with
 * VB_DOMAIN_START_PAUSED); completes @task when it runs, or fails it and
 * leaves nothing behind. */
void vb_qemu_process_start (VbDomain *domain, guint flags, GTask *task);

/* Starts QEMU for the domain's live definition waiting for an incoming
 * migration (-incoming defer, paused); completes when its monitor answers. */
void vb_qemu_start_incoming_async (VbDomain *domain, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean vb_qemu_start_incoming_finish (GAsyncResult *result, GError **error);

/* Ends QEMU: SIGTERM, then SIGKILL after a grace period. */
void vb_qemu_terminate (QemuDomain *qd);

/* VbDomainDriver.domain_loaded: a QEMU still running for @domain is watched
 * and its monitor reconnected. */
void vb_qemu_process_domain_loaded (VbDriverHost *host, VbDomain *domain);
/* VbDomainDriver.adopt_running: the transient domains whose QEMU still runs. */
GPtrArray *vb_qemu_process_adopt_running (VbDriverHost *host);

/* The user QEMU runs as in system mode (from its start), NULL when it runs as the
 * service's own user: whoever must be able to read what QEMU opens later. */
const char *vb_qemu_process_user (void);

/* The end of what QEMU wrote to its log in this run (its last words when
 * it failed), "(QEMU wrote nothing)" when it wrote nothing. */
char *vb_qemu_log_tail (QemuDomain *qd);

G_END_DECLS
