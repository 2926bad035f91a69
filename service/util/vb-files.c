#include "vb-files.h"

#include <glib/gstdio.h>

void
vb_remove_flat_dir (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}
