/* Answers to repeated reads, sent from GDBus's worker thread.
 *
 * GUIs and scripts ask the same reads again and again (a GetAll per object,
 * the list of domains, a domain's XML), and the answers change only when
 * the model does. GDBus reads every message on its worker thread and hands a
 * method call to the main loop, whose answer goes back to the worker thread
 * to be written: two thread switches that cost more than the bus itself for
 * a small reply. The cache keeps the reply a front end sent for a call, and a
 * filter on the worker thread sends the same reply to the same call (same
 * object, member and arguments) for as long as the generation the front end
 * read it at is current, without the main loop.
 *
 * Authorization stays the front end's: a reply stored with an action is sent
 * only to callers that were allowed that action for good (the front end
 * stores it only then), each after its own first call went the whole way.
 * Order stays the bus's: while a caller has a call on the main loop (or ever
 * sent one that expects no reply, whose end nobody can see), its calls all go
 * there; and an answer is never queued after the signal of a change it
 * predates. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _VbReplyCache VbReplyCache;

/* The generation replies are kept for: any change of what they say must
 * advance current() before the change can be seen by a call. hold() keeps it
 * from advancing until release() (a read lock, taken on the worker thread
 * around the check and the queueing of an answer); the model's are
 * vb_model_generation, _hold and _release. */
typedef struct {
  guint64 (*current) (void);
  void (*hold) (void);
  void (*release) (void);
} VbReplyGeneration;

/* What a front end may add to the cache's own work, on GDBus's worker
 * thread, for the answers the main loop sends (not for the cache's own):
 * open_read, whether the answer to @call may be kept for every caller (an
 * open read whose answer follows the generation, such as Properties.Get,
 * which GDBus answers with no handler of ours to store it); on_reply, the
 * message to send instead of @reply (which it then unrefs), or @reply. The
 * cache keeps each call until its answer anyway, so a front end that must
 * see a call with its answer need not keep its own record of every call. */
typedef struct {
  gboolean (*open_read) (GDBusMessage *call, gpointer user_data);
  GDBusMessage *(*on_reply) (GDBusMessage *call, GDBusMessage *reply, gpointer user_data);
} VbReplyHooks;

VbReplyCache *vb_reply_cache_new (GDBusConnection *bus, const VbReplyGeneration *generation);
/* The same with @hooks (may be NULL; kept) called with @user_data, which
 * must last as long as the bus connection. */
VbReplyCache *vb_reply_cache_new_with_hooks (GDBusConnection *bus,
                                             const VbReplyGeneration *generation,
                                             const VbReplyHooks *hooks, gpointer user_data);
void vb_reply_cache_free (VbReplyCache *cache);

/* Remembers @reply (what @invocation is answered with; not floating, not
 * consumed) as the answer to the same call while the generation is still
 * @generation, read before the answer was computed. @action_id: NULL when any
 * caller may read it; else the action @invocation's caller was allowed for as
 * long as its connection lasts, and only callers allowed it so are sent it. */
void vb_reply_cache_store (VbReplyCache *cache, guint64 generation,
                           GDBusMethodInvocation *invocation, GVariant *reply,
                           const char *action_id);

/* How many calls the worker thread answered: for tests and benchmarks. */
guint64 vb_reply_cache_hits (VbReplyCache *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbReplyCache, vb_reply_cache_free)

G_END_DECLS
