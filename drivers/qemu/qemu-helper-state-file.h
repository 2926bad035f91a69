/* A helper's state kept in one file the definition names (swtpm's
 * `--tpmstate backend-uri=file://`, <tpm><backend><source type='file'>):
 * opened by the service for the helper, and copied to and from a scratch
 * directory around the helper's setup program (qemu-helper-state-file.c). */
#pragma once

#include <glib.h>

#include "vb-user.h"

G_BEGIN_DECLS

/* The name of the copy in the scratch directory, relative: the setup
 * program runs there (swtpm_setup --tpm-state file://tpm-state). */
#define VB_QEMU_STATE_FILE_COPY "tpm-state"

/* Opens @path read-write for the helper: made when missing (mode 0600,
 * @user's), never through a link, a regular file only. An existing one not
 * @user's is refused (NotSupported): the service never gives QEMU's user a
 * host file it did not make. -1 with @error on failure. */
int vb_qemu_state_file_open (const char *path, const VbUser *user, GError **error);

/* Copies the state in @path into VB_QEMU_STATE_FILE_COPY of the directory
 * @dir_fd (made @user's), or removes that copy when @path is missing (a
 * new state: the setup makes it, and the named file is made only then). */
gboolean vb_qemu_state_file_to_scratch (const char *path, int dir_fd, const VbUser *user,
                                        GError **error);

/* Copies VB_QEMU_STATE_FILE_COPY of @dir_fd back into @path and removes it. */
gboolean vb_qemu_state_file_from_scratch (const char *path, int dir_fd, const VbUser *user,
                                          GError **error);

G_END_DECLS
