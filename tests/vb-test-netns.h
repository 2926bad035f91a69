/* Network namespaces a test makes for the service and its guests, so their
 * bridges, taps and dnsmasq stay out of the host's network. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new network namespace "<prefix><pid><suffix>" with lo up. What runs in
 * it is killed and the namespace removed when the test aborts or times out;
 * leftovers of killed earlier runs with the same prefix are removed first. */
char *vb_test_netns_add (const char *prefix, const char *suffix);
/* Kills what still runs inside, then removes it. */
void vb_test_netns_del (const char *name);
/* Whether nothing runs inside any more (waits up to @timeout_ms). */
gboolean vb_test_netns_wait_empty (const char *name, guint timeout_ms);
/* Kills what runs in the namespaces the test made and removes them, with
 * plain system calls only: for abort handlers (vb-test-daemons.c's, a
 * test's own). */
void vb_test_netns_remove_all_now (void);

G_END_DECLS
