/* A FIFO with a writer waiting in open(): it shows whether the code under
 * test opened a path, for the checks that run as root and must not open
 * what is not an image (a watchdog starts, a tape rewinds). */
#pragma once

#include <glib.h>

typedef struct VbFifoProbe VbFifoProbe;

/* Makes the FIFO @path and starts its writer, which waits in its open()
 * until someone opens the reading end. */
VbFifoProbe *vb_test_fifo_probe_new (const char *path);
/* Whether the writer's open returned: someone opened @probe's FIFO to read. */
gboolean vb_test_fifo_probe_opened (VbFifoProbe *probe);
/* Lets the writer go (opens the reading end), joins it, removes the FIFO. */
void vb_test_fifo_probe_free (VbFifoProbe *probe);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbFifoProbe, vb_test_fifo_probe_free)
