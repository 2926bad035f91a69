/* Documents a command reads: a file named on the command line, or standard
 * input for "-". */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The whole of @file ("-": standard input) as text; CTL_ERROR_FAILED naming
 * the file when it cannot be read. */
char *ctl_read_input (const char *file, GError **error);

G_END_DECLS
