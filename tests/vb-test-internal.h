/* What the files of the test library share among themselves; tests and
 * benchmarks include vb-test-env.h instead. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sleeps @ms while dispatching the default main context, so replies and
 * signals that arrive meanwhile are handled. */
void vb_test_sleep_iterating (guint ms);

G_END_DECLS
