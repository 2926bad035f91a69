/* Opening files whose names callers chose. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Opens @path (relative to @dirfd, or AT_FDCWD) with @flags and returns the
 * fd, blocking only as a regular file does: a FIFO or device is refused
 * before anything waits on it (open() of a FIFO blocks until a writer comes).
 * Errors: VB_ERROR_NOT_FOUND when missing, VB_ERROR_INVALID_ARGUMENT naming
 * @path when it is not a regular file, VB_ERROR_FAILED otherwise. */
int vb_open_regular (int dirfd, const char *path, int flags, GError **error);

G_END_DECLS
