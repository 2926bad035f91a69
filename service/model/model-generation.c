/* The model's change counter: see model-generation.h. */
#include "model-generation.h"

#include <stdatomic.h>

static _Atomic guint64 generation;

guint64
vb_model_generation (void)
{
  return atomic_load (&generation);
}

void
vb_model_generation_advance (void)
{
  atomic_fetch_add (&generation, 1);
}
