/* Waiting for the domain drivers to know their host (a QEMU driver probes
 * its binary and KVM once, in the background, from start-up on). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Completes once every domain driver's ready_async has completed, at once
 * when they all are ready. Define and create wait for it, so the verdict on a
 * document is the same one second after start-up as an hour later. */
void vb_domain_drivers_ready_async (VbDriverHost *host, GAsyncReadyCallback callback,
                                    gpointer user_data);
void vb_domain_drivers_ready_finish (GAsyncResult *result);
/* TRUE when every domain driver says it is ready now: what
 * vb_domain_drivers_ready_async() waits for is there, and the caller may go
 * on at once. */
gboolean vb_domain_drivers_ready_now (VbDriverHost *host);

G_END_DECLS
