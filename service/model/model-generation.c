/* The model's change counter: see model-generation.h. */
#include "model-generation.h"

#include <stdatomic.h>

static _Atomic guint64 generation;
/* Readers hold the number still while they act on it (the reply cache, on
 * GDBus's worker thread); a change waits for them. Never held long. */
static GRWLock holders;

guint64
vb_model_generation (void)
{
  return atomic_load (&generation);
}

void
vb_model_generation_advance (void)
{
  g_rw_lock_writer_lock (&holders);
  atomic_fetch_add (&generation, 1);
  g_rw_lock_writer_unlock (&holders);
}

void
vb_model_generation_hold (void)
{
  g_rw_lock_reader_lock (&holders);
}

void
vb_model_generation_release (void)
{
  g_rw_lock_reader_unlock (&holders);
}
