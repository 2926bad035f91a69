/* Independent items of start-up's load (10,000 files to read, as many to
 * parse) spread over the processors. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*VbParallelFunc) (guint index, gpointer user_data);

/* Calls @func for each index 0 .. @n - 1, on the calling thread and up to
 * one more thread per processor (at most 8), each taking the next index
 * not yet taken; returns when all are done. Below @min_per_thread items per
 * thread it uses fewer threads, down to the calling one alone. @func must
 * be safe to run on several threads at once for different indices. */
void vb_parallel_for (guint n, guint min_per_thread, VbParallelFunc func, gpointer user_data);

G_END_DECLS
