#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-fifo.h"

struct VbFifoProbe {
  char *path;
  int opened;
  GThread *writer;
};

static gpointer
open_for_writing (gpointer data)
{
  VbFifoProbe *probe = data;
  int fd = open (probe->path, O_WRONLY | O_CLOEXEC);

  g_atomic_int_set (&probe->opened, 1);
  if (fd >= 0)
    close (fd);
  return NULL;
}

VbFifoProbe *
vb_test_fifo_probe_new (const char *path)
{
  VbFifoProbe *probe = g_new0 (VbFifoProbe, 1);

  probe->path = g_strdup (path);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  probe->writer = g_thread_new ("fifo-writer", open_for_writing, probe);
  /* Long enough for the writer to wait in its open. */
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  return probe;
}

gboolean
vb_test_fifo_probe_opened (VbFifoProbe *probe)
{
  /* Time for an open by the code under test to have woken the writer. */
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  return g_atomic_int_get (&probe->opened) != 0;
}

void
vb_test_fifo_probe_free (VbFifoProbe *probe)
{
  int reader = open (probe->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

  g_assert_cmpint (reader, >=, 0);
  g_thread_join (probe->writer);
  close (reader);
  g_unlink (probe->path);
  g_free (probe->path);
  g_free (probe);
}
