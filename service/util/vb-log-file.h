/* Logs that processes the service runs write in directories their own
 * (unprivileged) user can write: reading their end, and keeping them small. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* At most @max bytes of the end of the regular file @path (not through a
 * symbolic link), none of them before byte @from; when the file is shorter
 * than @from (it was cut meanwhile), its end from byte 0. Only the end is
 * read, however long the file. Text for a message: valid UTF-8 (a
 * character split at the start dropped, other bytes that are not UTF-8 as
 * U+FFFD). NULL when it cannot be opened. */
char *vb_log_file_tail (const char *path, gsize from, gsize max);

/* Keeps the log @name in the directory @dir_fd below @limit bytes, as
 * virtlogd does: when it is larger, its last @limit bytes go to "@name.1"
 * if @keep (replacing the one before, when that can be made), and the log
 * is cut to nothing, so the process writing it (O_APPEND) goes on at its
 * start. Only a regular file with a single link is touched; the copy is
 * made under a new name and renamed, so nothing planted at "@name.1" is
 * written through. TRUE when it was cut. */
gboolean vb_log_file_cap (int dir_fd, const char *name, goffset limit, gboolean keep);

G_END_DECLS
