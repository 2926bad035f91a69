#include "object-lock.h"

#include "vb-error.h"

struct _VbObjectLock {
  char *holder; /* NULL when free */
  GQueue waiters; /* of GTask, oldest first */
};

typedef struct {
  char *what;
  GSource *timeout;
} Waiter;

static guint default_timeout_ms = 30000;

void
vb_object_lock_set_default_timeout (guint timeout_ms)
{
  default_timeout_ms = timeout_ms;
}

guint
vb_object_lock_get_default_timeout (void)
{
  return default_timeout_ms;
}

VbObjectLock *
vb_object_lock_new (void)
{
  VbObjectLock *lock = g_new0 (VbObjectLock, 1);
  g_queue_init (&lock->waiters);
  return lock;
}

static void
waiter_free (Waiter *waiter)
{
  if (waiter->timeout)
    {
      g_source_destroy (waiter->timeout);
      g_source_unref (waiter->timeout);
    }
  g_free (waiter->what);
  g_free (waiter);
}

void
vb_object_lock_free (VbObjectLock *lock)
{
  GTask *task;

  if (!lock)
    return;
  /* The object goes away: whoever waits for it must hear so. */
  while ((task = g_queue_pop_head (&lock->waiters)))
    {
      Waiter *waiter = g_task_get_task_data (task);

      g_source_destroy (waiter->timeout);
      g_clear_pointer (&waiter->timeout, g_source_unref);
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_FOUND,
                               "The object was removed while waiting for it");
      g_object_unref (task);
    }
  g_free (lock->holder);
  g_free (lock);
}

static gboolean
waiter_timed_out (gpointer user_data)
{
  GTask *task = user_data;
  VbObjectLock *lock = g_object_get_data (G_OBJECT (task), "vb-lock");
  Waiter *waiter = g_task_get_task_data (task);

  g_queue_remove (&lock->waiters, task);
  g_clear_pointer (&waiter->timeout, g_source_unref);
  g_task_return_new_error (task, VB_ERROR, VB_ERROR_BUSY,
                           "The object is busy (%s) and did not become free within %u ms",
                           lock->holder ? lock->holder : "another operation",
                           default_timeout_ms);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

void
vb_object_lock_acquire_async (VbObjectLock *lock, const char *what,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Waiter *waiter;

  g_task_set_source_tag (task, vb_object_lock_acquire_async);
  if (!lock->holder)
    {
      lock->holder = g_strdup (what);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->what = g_strdup (what);
  waiter->timeout = g_timeout_source_new (default_timeout_ms);
  g_task_set_task_data (task, waiter, (GDestroyNotify) waiter_free);
  g_object_set_data (G_OBJECT (task), "vb-lock", lock);
  g_source_set_callback (waiter->timeout, waiter_timed_out, task, NULL);
  g_source_attach (waiter->timeout, g_main_context_get_thread_default ());
  g_queue_push_tail (&lock->waiters, task);
}

gboolean
vb_object_lock_acquire_finish (VbObjectLock *lock, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
vb_object_lock_try_acquire (VbObjectLock *lock, const char *what)
{
  if (lock->holder)
    return FALSE;
  lock->holder = g_strdup (what);
  return TRUE;
}

void
vb_object_lock_release (VbObjectLock *lock)
{
  GTask *next;
  Waiter *waiter;

  g_return_if_fail (lock->holder != NULL);
  g_clear_pointer (&lock->holder, g_free);

  next = g_queue_pop_head (&lock->waiters);
  if (!next)
    return;
  /* Hand over directly, so a newcomer can never overtake a waiter. */
  waiter = g_task_get_task_data (next);
  g_source_destroy (waiter->timeout);
  g_clear_pointer (&waiter->timeout, g_source_unref);
  lock->holder = g_strdup (waiter->what);
  g_task_return_boolean (next, TRUE);
  g_object_unref (next);
}

gboolean
vb_object_lock_is_held (VbObjectLock *lock)
{
  return lock->holder != NULL;
}

const char *
vb_object_lock_get_holder (VbObjectLock *lock)
{
  return lock->holder;
}
