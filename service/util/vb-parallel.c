#include "vb-parallel.h"

#define MAX_THREADS 8

typedef struct {
  guint n;
  VbParallelFunc func;
  gpointer user_data;
  gint next; /* the next index to take, atomically */
} Work;

static gpointer
take_until_done (gpointer user_data)
{
  Work *work = user_data;
  guint i;

  /* Items differ in cost (file sizes): each thread takes the next one. */
  while ((i = (guint) g_atomic_int_add (&work->next, 1)) < work->n)
    work->func (i, work->user_data);
  return NULL;
}

void
vb_parallel_for (guint n, guint min_per_thread, VbParallelFunc func, gpointer user_data)
{
  Work work = { n, func, user_data, 0 };
  guint threads = MIN ((guint) g_get_num_processors (), MAX_THREADS);
  GThread *helpers[MAX_THREADS];
  guint started = 0;

  if (min_per_thread > 0)
    threads = MIN (threads, n / min_per_thread);
  /* The calling thread works too: threads - 1 helpers. One that cannot be
   * started leaves its part to the others. */
  for (guint t = 1; t < threads; t++)
    {
      helpers[started] = g_thread_try_new ("vb-parallel", take_until_done, &work, NULL);
      if (helpers[started])
        started++;
    }
  take_until_done (&work);
  for (guint t = 0; t < started; t++)
    g_thread_join (helpers[t]);
}
