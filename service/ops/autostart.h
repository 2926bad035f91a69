/* Start-up: starting the objects marked autostart, and knowing when that is
 * done (the org.libvirt front end owns its name only then: its clients expect
 * autostarted objects to be running when the name appears). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Starts every autostart network, pool and domain that is not active (in
 * that order, each kind's starts at once); completes when every start has
 * finished, failed ones logged. */
void vb_autostart_all_async (VbDriverHost *host, GAsyncReadyCallback callback, gpointer user_data);
void vb_autostart_all_finish (GAsyncResult *result);

G_END_DECLS
