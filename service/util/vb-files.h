/* File system helpers the service's parts share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes the files directly in @dir, then @dir itself. For the service's
 * own flat directories (runtime dirs, a simulated pool's definitions); it
 * does not descend. Errors are ignored: what is gone is gone. */
void vb_remove_flat_dir (const char *dir);

/* Makes @path and its missing parents (mode 0700), syncing the directory
 * that gained each new one, so the folder itself survives a crash with the
 * files later synced in it. TRUE at once when it exists; FALSE with errno
 * set. */
gboolean vb_make_dir_durably (const char *path);

/* Syncs the directory @dir (its entries); FALSE with errno set. */
gboolean vb_fsync_dir (const char *dir);

/* Writes all @length bytes of @data to @fd, again after a short write or
 * EINTR. FALSE on an error (errno says which) or when the file took nothing. */
gboolean vb_write_all (int fd, const void *data, gsize length);

G_END_DECLS
