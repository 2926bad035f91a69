/* What the files of the dir storage driver share: the pool's directory, the
 * name rules, qemu-img, and the sizes of files and file systems.
 *
 * Confinement: every file is reached with *at() calls relative to the pool's
 * directory fd and O_NOFOLLOW, by a name that passed vb_dir_check_name(); and
 * qemu-img only ever sees such an fd, as /dev/fd/N. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Rejects names that could leave the directory or hide in it: '/', a leading
 * '.' (so "." and ".." too), control characters, empty, over NAME_MAX.
 * VB_ERROR_INVALID_ARGUMENT. */
gboolean vb_dir_check_name (const char *name, GError **error);

/* A duplicate of the active pool's O_PATH directory fd, for one operation;
 * -1 with VB_ERROR_OPERATION_INVALID when the pool is not active. */
int vb_dir_pool_dup_fd (VbPool *pool, GError **error);
/* The path the volume @name of @pool has on the host (for Path and QEMU). */
char *vb_dir_volume_path (VbPool *pool, const char *name);
VbVolume *vb_dir_volume_new (VbPool *pool, VbVolumeDef *def);

/* A volume with a transfer running is busy: one transfer at a time, and no
 * resize, wipe, delete or clone of it meanwhile (VB_ERROR_BUSY). */
gboolean vb_dir_volume_check_idle (VbPool *pool, VbVolume *volume, GError **error);
void vb_dir_volume_set_busy (VbPool *pool, VbVolume *volume, gboolean busy);

/* ---- blocking helpers: worker threads only ---- */

typedef struct {
  char *format;
  guint64 capacity;
  guint64 allocation;
} VbDirProbe;

void vb_dir_probe_clear (VbDirProbe *probe);
/* Runs qemu-img with @fds as /dev/fd/3, /dev/fd/4, ... (not taken); "@0",
 * "@1" in @args stand for those paths. Returns stdout, NULL with the error
 * qemu-img printed. */
char *vb_dir_qemu_img (const char *const *args, const int *fds, guint n_fds, GError **error);
/* Format and capacity from `qemu-img info` (@format NULL: probed),
 * allocation from st_blocks. A file qemu-img cannot read counts as raw. */
gboolean vb_dir_probe (int fd, const char *format, VbDirProbe *probe, GError **error);

typedef struct {
  guint64 capacity;
  guint64 allocation;
  guint64 available;
} VbDirSizes;

/* The file system of @dirfd, from statvfs. */
void vb_dir_sizes (int dirfd, VbDirSizes *sizes);
void vb_dir_pool_apply_sizes (VbPool *pool, const VbDirSizes *sizes);
/* An errno as a GError with @what and the pool-relative @name in the message. */
void vb_dir_set_errno (GError **error, int errsv, const char *what, const char *name);

/* Volume operations (dir-volume.c) and transfers (volume-transfer.c). */
void vb_dir_create_volume_async (VbDriverHost *host, VbPool *pool, VbVolumeDef *def,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
VbVolume *vb_dir_create_volume_finish (VbPool *pool, GAsyncResult *result, GError **error);
void vb_dir_clone_volume_async (VbDriverHost *host, VbPool *pool, VbVolumeDef *def,
                                VbVolume *source, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
void vb_dir_delete_volume_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean vb_dir_delete_volume_finish (VbPool *pool, GAsyncResult *result, GError **error);
void vb_dir_resize_volume_async (VbDriverHost *host, VbPool *pool, VbVolume *volume,
                                 guint64 capacity, guint flags, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
void vb_dir_wipe_volume_async (VbDriverHost *host, VbPool *pool, VbVolume *volume, guint flags,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
/* Finishes resize and wipe. */
gboolean vb_dir_volume_op_finish (VbPool *pool, GAsyncResult *result, GError **error);
gboolean vb_dir_transfer_volume (VbDriverHost *host, VbPool *pool, VbVolume *volume, VbJob *job,
                                 int fd, gboolean upload, guint64 offset, guint64 length,
                                 GError **error);

G_END_DECLS
