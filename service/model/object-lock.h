/* A per-object job lock: modifying operations on one object never interleave.
 * A second caller waits in FIFO order up to a bound, then gets VB_ERROR_BUSY. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _VbObjectLock VbObjectLock;

VbObjectLock *vb_object_lock_new (void);
void vb_object_lock_free (VbObjectLock *lock);

/* The bound every lock waits before failing with VB_ERROR_BUSY (milliseconds). */
void vb_object_lock_set_default_timeout (guint timeout_ms);
guint vb_object_lock_get_default_timeout (void);

/* Completes when the lock is ours; @what names the holder in Busy messages. */
void vb_object_lock_acquire_async (VbObjectLock *lock, const char *what,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_object_lock_acquire_finish (VbObjectLock *lock, GAsyncResult *result,
                                        GError **error);
/* Tries without waiting. */
gboolean vb_object_lock_try_acquire (VbObjectLock *lock, const char *what);
void vb_object_lock_release (VbObjectLock *lock);
gboolean vb_object_lock_is_held (VbObjectLock *lock);
/* What the current holder is doing, NULL when free. */
const char *vb_object_lock_get_holder (VbObjectLock *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbObjectLock, vb_object_lock_free)

G_END_DECLS
