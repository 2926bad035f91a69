/* One number for "something the service holds has changed": it grows at
 * every change of a domain, network, pool, volume or snapshot and every
 * addition, removal and rename. Whoever keeps an answer computed from the
 * model (objects/common/reply-cache.h) keeps it while the number stays. It is
 * advanced on the main loop and may be read from any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint64 vb_model_generation (void);
/* Called by the model wherever it announces a change, before it does: it
 * waits while someone holds the generation. */
void vb_model_generation_advance (void);
/* Keeps the generation from advancing until released, from any thread, for
 * as long as it takes to act on one reading (no longer: changes wait). */
void vb_model_generation_hold (void);
void vb_model_generation_release (void);

G_END_DECLS
