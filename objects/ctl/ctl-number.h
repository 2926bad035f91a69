/* Numbers and sizes from the command line, as virsh reads them; a
 * CTL_ERROR_USAGE naming the argument when they are not. */
#pragma once

#include "ctl-command.h"

G_BEGIN_DECLS

/* A whole number from 0 to @max. */
gboolean ctl_parse_number (const char *what, const char *text, guint64 max, guint64 *value,
                           GError **error);
/* A size in bytes: a number of @bare bytes (virsh's default unit: 1 for
 * volumes, 1024 for memory), or with a unit ("10M", "1GiB", "500KB", "2T").
 * FALSE when it is no size. */
gboolean ctl_parse_size (const char *text, guint64 bare, guint64 *bytes);
/* A number of bytes, or with a unit; a usage error naming @what when not. */
gboolean ctl_parse_bytes (const char *what, const char *text, guint64 *bytes, GError **error);
/* The value of the option --@option as a number up to @max; @value stays as
 * it was when the option is not given. */
gboolean ctl_option_number (CtlArgs *args, const char *option, guint64 max, guint64 *value,
                            GError **error);

G_END_DECLS
