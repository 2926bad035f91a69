/* A GUI-like client on its own connection: it learns the service's objects
 * from one GetManagedObjects and from then on only from InterfacesAdded,
 * InterfacesRemoved and PropertiesChanged, as a client that never polls
 * does. Tests compare its view with the truth (a fresh GetManagedObjects)
 * and count the PropertiesChanged each object sent. */
#pragma once

#include "vb-test-daemons.h"

G_BEGIN_DECLS

typedef struct _VbWatcher VbWatcher;

/* Connects to @env's bus, subscribes, then takes its first view; signals are
 * handled while the thread-default main context is iterated. */
VbWatcher *vb_watcher_new (VbTestEnv *env);
void vb_watcher_free (VbWatcher *watcher);
/* The PropertiesChanged of @interface received for @path since the last reset. */
guint vb_watcher_changes (VbWatcher *watcher, const char *path, const char *interface);
/* The total of the above over every path, and the number of paths that had more
 * than @at_most of them (worst in @worst_path, may be NULL). */
guint vb_watcher_total_changes (VbWatcher *watcher, const char *interface, guint at_most,
                                guint *over, char **worst_path);
void vb_watcher_reset_counts (VbWatcher *watcher);
/* A property as the watcher sees it (NULL when it does not know it). */
GVariant *vb_watcher_property (VbWatcher *watcher, const char *path, const char *interface,
                               const char *property);
/* Iterates until @property of @interface is @value on every object of
 * @interface known to the watcher (@expected_objects of them), or @timeout_ms. */
gboolean vb_watcher_wait_all (VbWatcher *watcher, const char *interface, const char *property,
                              GVariant *value, guint expected_objects, guint timeout_ms);
/* Round trip to the service on the watcher's connection: every signal the
 * service sent before answering has been handled when it returns. */
void vb_watcher_sync (VbWatcher *watcher);
/* Compares the view with a fresh GetManagedObjects: fails the test with the
 * first difference; returns the number of objects compared. */
guint vb_watcher_assert_matches (VbWatcher *watcher);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbWatcher, vb_watcher_free)

G_END_DECLS
