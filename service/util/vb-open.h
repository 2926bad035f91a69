/* Opening files whose names callers chose. */
#pragma once

#include <glib.h>
#include <sys/stat.h>

G_BEGIN_DECLS

/* Opens @path (relative to @dirfd, or AT_FDCWD) with @flags and returns the
 * fd, blocking only as a regular file does: a FIFO or device is refused
 * before anything waits on it (open() of a FIFO blocks until a writer comes).
 * Errors: VB_ERROR_NOT_FOUND when missing, VB_ERROR_INVALID_ARGUMENT naming
 * @path when it is not a regular file, VB_ERROR_FAILED otherwise. */
int vb_open_regular (int dirfd, const char *path, int flags, GError **error);

/* Opens the disk image @path read-only for a look at its header, as root on
 * a path a caller named: its type is looked at first through O_PATH, which
 * opens nothing, and only a regular file or block device is then opened
 * (through /proc/self/fd/N: the same inode), since opening a device has
 * effects of its own (a watchdog starts, a tape rewinds, a FIFO wakes its
 * writer). @st gets what was opened. Errors: VB_ERROR_NOT_FOUND when @path
 * does not exist (ENOENT, ENOTDIR), VB_ERROR_INVALID_ARGUMENT naming @path
 * otherwise. */
int vb_open_image (const char *path, struct stat *st, GError **error);

G_END_DECLS
