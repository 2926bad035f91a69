/* The per-object lock: waiters get it in the order they asked, a waiter gives
 * up with Busy (naming the holder) after the configured bound, and freeing a
 * lock tells its waiters that the object is gone. */
#include <string.h>

#include "object-lock.h"
#include "vb-error.h"

#define LONG_TIMEOUT_MS 10000
#define SHORT_TIMEOUT_MS 50

typedef struct {
  VbObjectLock *lock;
  const char *name;
  GPtrArray *order; /* names, in the order they got the lock */
  gboolean done;
  gboolean release; /* release at once, handing the lock on */
  GError *error;
  gint64 finished_at;
} Waiter;

static void
waiter_clear (Waiter *waiter)
{
  g_clear_error (&waiter->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Waiter, waiter_clear)

static void
acquired (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->done = TRUE;
  waiter->finished_at = g_get_monotonic_time ();
  /* The lock may be freed by now (that is one of the cases): it is not used. */
  if (!vb_object_lock_acquire_finish (NULL, result, &waiter->error))
    return;
  if (waiter->order)
    g_ptr_array_add (waiter->order, (gpointer) waiter->name);
  /* Handed over: it is ours, under our name, before anyone else could take it. */
  g_assert_cmpstr (vb_object_lock_get_holder (waiter->lock), ==, waiter->name);
  if (waiter->release)
    vb_object_lock_release (waiter->lock);
}

static void
wait_for (Waiter *waiter, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  while (!waiter->done)
    {
      if (g_get_monotonic_time () > end)
        g_error ("%s did not complete within %u ms", waiter->name, timeout_ms);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

static void
test_try_acquire (void)
{
  g_autoptr (VbObjectLock) lock = vb_object_lock_new ();

  g_assert_false (vb_object_lock_is_held (lock));
  g_assert_null (vb_object_lock_get_holder (lock));
  g_assert_true (vb_object_lock_try_acquire (lock, "define"));
  g_assert_true (vb_object_lock_is_held (lock));
  g_assert_cmpstr (vb_object_lock_get_holder (lock), ==, "define");
  /* Held: a second try fails and the holder stays. */
  g_assert_false (vb_object_lock_try_acquire (lock, "start"));
  g_assert_cmpstr (vb_object_lock_get_holder (lock), ==, "define");
  vb_object_lock_release (lock);
  g_assert_false (vb_object_lock_is_held (lock));
  g_assert_null (vb_object_lock_get_holder (lock));
  g_assert_true (vb_object_lock_try_acquire (lock, "start"));
  g_assert_cmpstr (vb_object_lock_get_holder (lock), ==, "start");
  vb_object_lock_release (lock);
}

static void
test_free_lock_acquired_at_once (void)
{
  g_autoptr (VbObjectLock) lock = vb_object_lock_new ();
  g_auto (Waiter) waiter = { .lock = lock, .name = "start" };

  vb_object_lock_set_default_timeout (LONG_TIMEOUT_MS);
  vb_object_lock_acquire_async (lock, "start", NULL, acquired, &waiter);
  wait_for (&waiter, 1000);
  g_assert_no_error (waiter.error);
  g_assert_cmpstr (vb_object_lock_get_holder (lock), ==, "start");
  vb_object_lock_release (lock);
}

static void
test_fifo_hand_over (void)
{
  g_autoptr (VbObjectLock) lock = vb_object_lock_new ();
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  g_auto (Waiter) first = { .lock = lock, .name = "first", .order = order, .release = TRUE };
  g_auto (Waiter) second = { .lock = lock, .name = "second", .order = order, .release = TRUE };
  g_auto (Waiter) third = { .lock = lock, .name = "third", .order = order };

  vb_object_lock_set_default_timeout (LONG_TIMEOUT_MS);
  g_assert_true (vb_object_lock_try_acquire (lock, "holder"));
  vb_object_lock_acquire_async (lock, "first", NULL, acquired, &first);
  vb_object_lock_acquire_async (lock, "second", NULL, acquired, &second);
  vb_object_lock_acquire_async (lock, "third", NULL, acquired, &third);
  iterate_for (20);
  g_assert_false (first.done || second.done || third.done);

  vb_object_lock_release (lock);
  /* Handed over directly: a newcomer cannot slip in between the release and
   * the waiter's callback. */
  g_assert_true (vb_object_lock_is_held (lock));
  g_assert_false (vb_object_lock_try_acquire (lock, "newcomer"));

  wait_for (&third, 1000);
  g_assert_no_error (first.error);
  g_assert_no_error (second.error);
  g_assert_no_error (third.error);
  g_assert_cmpuint (order->len, ==, 3);
  g_assert_cmpstr (order->pdata[0], ==, "first");
  g_assert_cmpstr (order->pdata[1], ==, "second");
  g_assert_cmpstr (order->pdata[2], ==, "third");
  g_assert_cmpstr (vb_object_lock_get_holder (lock), ==, "third");
  vb_object_lock_release (lock);
  g_assert_false (vb_object_lock_is_held (lock));
}

static void
test_waiter_times_out_busy (void)
{
  g_autoptr (VbObjectLock) lock = vb_object_lock_new ();
  g_auto (Waiter) waiter = { .lock = lock, .name = "start" };
  gint64 asked;
  gint64 waited_ms;

  vb_object_lock_set_default_timeout (SHORT_TIMEOUT_MS);
  g_assert_cmpuint (vb_object_lock_get_default_timeout (), ==, SHORT_TIMEOUT_MS);
  g_assert_true (vb_object_lock_try_acquire (lock, "migrate"));
  asked = g_get_monotonic_time ();
  vb_object_lock_acquire_async (lock, "start", NULL, acquired, &waiter);
  wait_for (&waiter, 5000);
  waited_ms = (waiter.finished_at - asked) / G_TIME_SPAN_MILLISECOND;

  g_assert_error (waiter.error, VB_ERROR, VB_ERROR_BUSY);
  /* The message names what holds the object, and the bound. */
  g_assert_nonnull (strstr (waiter.error->message, "migrate"));
  g_assert_nonnull (strstr (waiter.error->message, "50 ms"));
  g_assert_cmpint (waited_ms, >=, SHORT_TIMEOUT_MS);
  g_assert_cmpint (waited_ms, <, 2000);
  /* The holder keeps the lock; the waiter left the queue, so releasing frees it. */
  g_assert_cmpstr (vb_object_lock_get_holder (lock), ==, "migrate");
  vb_object_lock_release (lock);
  g_assert_false (vb_object_lock_is_held (lock));
}

static void
test_free_fails_waiters (void)
{
  VbObjectLock *lock = vb_object_lock_new ();
  g_auto (Waiter) first = { .lock = lock, .name = "first" };
  g_auto (Waiter) second = { .lock = lock, .name = "second" };

  vb_object_lock_set_default_timeout (SHORT_TIMEOUT_MS);
  g_assert_true (vb_object_lock_try_acquire (lock, "undefine"));
  vb_object_lock_acquire_async (lock, "first", NULL, acquired, &first);
  vb_object_lock_acquire_async (lock, "second", NULL, acquired, &second);
  vb_object_lock_free (lock);
  wait_for (&first, 1000);
  wait_for (&second, 1000);
  g_assert_error (first.error, VB_ERROR, VB_ERROR_NOT_FOUND);
  g_assert_error (second.error, VB_ERROR, VB_ERROR_NOT_FOUND);
  /* Their timeouts went with them: nothing fires on the freed lock later. */
  first.done = second.done = FALSE;
  iterate_for (SHORT_TIMEOUT_MS * 3);
  g_assert_false (first.done || second.done);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/object-lock/try-acquire", test_try_acquire);
  g_test_add_func ("/object-lock/free-lock-acquired-at-once", test_free_lock_acquired_at_once);
  g_test_add_func ("/object-lock/fifo-hand-over", test_fifo_hand_over);
  g_test_add_func ("/object-lock/waiter-times-out-busy", test_waiter_times_out_busy);
  g_test_add_func ("/object-lock/free-fails-waiters", test_free_fails_waiters);
  return g_test_run ();
}
