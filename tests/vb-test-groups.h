/* Process groups a test started (a browser and its helpers, cockpit-ws and
 * its bridge): each is killed by its ID with SIGKILL when the test ends it,
 * and also when the test aborts, so a failed assertion leaves none behind. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A child setup function for GSubprocessLauncher: the child leads a new
 * process group and gets SIGKILL when the test process dies. */
void vb_test_group_child_setup (gpointer user_data);
/* Remembers @pgid so an abort of the test kills the group. */
void vb_test_group_watch (GPid pgid);
/* Kills the whole group @pgid (SIGKILL) and forgets it. Call it before
 * reaping the group's leader, so the ID still names that group. */
void vb_test_group_kill (GPid pgid);

G_END_DECLS
