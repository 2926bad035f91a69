/* virtbusd --save-on-stop (docs/save.md, "Saving the guests when the
 * service stops"). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Managed-saves every running or paused persistent domain that can be
 * saved, marking each for vb_save_on_stop_restore(); completes when all
 * are done (a guest whose save failed runs on). */
void vb_save_on_stop_save_all_async (VbDriverHost *host, GAsyncReadyCallback callback,
                                     gpointer user_data);
void vb_save_on_stop_save_all_finish (GAsyncResult *result);
/* At start-up, after the autostart: starts the domains saved that way. */
void vb_save_on_stop_restore (VbDriverHost *host);

G_END_DECLS
