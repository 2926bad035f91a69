/* The service's secret for authenticating the save images it writes, so
 * that a restore can tell an image this service wrote (its domain XML was
 * checked when the domain was defined) from one a caller made. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_SAVE_KEY_SIZE 32
#define VB_SAVE_KEY_FILE "save-image.key"

/* The key in @state_dir/save-image.key: created (VB_SAVE_KEY_SIZE random
 * bytes, mode 0600) when missing, read otherwise. Refuses (VB_ERROR_FAILED)
 * a key file that is a symlink, not a regular file, not owned by the
 * service's user, readable by others, or not VB_SAVE_KEY_SIZE bytes. */
GBytes *vb_save_key_load (const char *state_dir, GError **error);

G_END_DECLS
