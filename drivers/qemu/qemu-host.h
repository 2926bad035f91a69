/* What the QEMU driver does on the host for a QEMU to start, and what it
 * tells the command-line builder about the host (qemu-host.c). */
#pragma once

#include <gio/gio.h>

#include "qemu-command.h"
#include "vb-user.h"

G_BEGIN_DECLS

/* The builder's questions (VbQemuCommandContext.path_exists and
 * .free_tcp_port): whether @path exists; the first TCP port from @from
 * that can be bound on the loopback address, -1 when none of 1000 can. */
gboolean vb_qemu_host_path_exists (const char *path);
gboolean vb_qemu_host_program_has (const char *program, const char *text);
int vb_qemu_host_free_tcp_port (int from);
/* .hugetlbfs_dir: where a hugetlbfs for pages of @page_kib KiB is mounted
 * (the first in /proc/mounts; one whose path the kernel escaped is not
 * used), NULL when none is. */
char *vb_qemu_host_hugetlbfs_dir (guint64 page_kib);

/* The UEFI variable store template @from, open for reading: a regular file
 * (not through a symbolic link) that @user (QEMU's, NULL outside system
 * mode) could read itself; -1 with NotSupported naming it otherwise. */
int vb_qemu_host_open_nvram_template (const char *from, const VbUser *user, GError **error);
/* A new UEFI variable store @nvram (never one that is there, never through
 * a symbolic link), open for reading and writing, mode 0600, owned by
 * @user when QEMU runs as one; -1 with @error otherwise. */
int vb_qemu_host_create_nvram (const char *nvram, const VbUser *user, GError **error);

/* The UEFI variable store @command names (nothing to do without UEFI):
 * copied from its template when it does not exist yet, as a new file owned
 * by @user (QEMU's, NULL outside system mode). A store in the service's own
 * nvram directory is opened here and handed to QEMU as the next fd after
 * @fds (appended; the caller closes it) through @launcher; any other QEMU
 * opens by its path as its own user. Call after vb_qemu_host_open_taps(). */
gboolean vb_qemu_host_prepare_nvram (VbQemuCommand *command, const VbUser *user, GArray *fds,
                                     GSubprocessLauncher *launcher, GError **error);

/* The domain's run directory @dir (mode 0700), given to @user when QEMU
 * runs as that user (system mode; NULL otherwise). */
gboolean vb_qemu_host_make_run_dir (const char *dir, const VbUser *user, GError **error);

/* A new file @name in the domain's run directory @dir, open for appending:
 * never one that is there already nor through a symbolic link, since QEMU's
 * user can write @dir. The fd, or -1 with errno set. */
int vb_qemu_host_create_in_run_dir (const char *dir, const char *name);

/* Creates the taps of @command (through their <backend tap> device, with
 * their <coalesce>), and opens their <backend vhost> devices, appending
 * the fds to @fds (the caller closes them), hands QEMU a duplicate of each
 * as fd 3, 4, ... through
 * @launcher and puts those numbers in place of the placeholders in argv. */
gboolean vb_qemu_host_open_taps (VbQemuCommand *command, GArray *fds, GSubprocessLauncher *launcher,
                                 GError **error);

/* Hands QEMU the value of each secret of @command (the disks' passwords and
 * LUKS passphrases) in a sealed memfd of its own, appended to @fds, and
 * puts its number where the command line has its placeholder: the value is
 * never on the command line, in the run directory or on a disk. Call after
 * vb_qemu_host_open_taps(). */
gboolean vb_qemu_host_pass_secrets (VbQemuCommand *command, GArray *fds,
                                    GSubprocessLauncher *launcher, GError **error);

G_END_DECLS
