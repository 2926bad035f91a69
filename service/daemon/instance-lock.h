/* One virtbusd per state directory and per run directory: two services on
 * the same definitions would overwrite each other's files, and two on the
 * same run directory would clean up, take over and signal each other's
 * guests (their status files live there). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  VB_INSTANCE_STATE_DIR, /* --state-dir */
  VB_INSTANCE_RUN_DIR,   /* --run-dir */
} VbInstanceDir;

/* Creates @dir (mode 0700) if needed and takes the lock on its
 * virtbusd.lock (an flock, so it ends with the process however that ends),
 * writing our pid into it. Returns the descriptor, to be kept open for the
 * process lifetime (close-on-exec: QEMU and dnsmasq do not inherit it), or
 * -1 with @error naming the directory, as @which, and the other instance's
 * pid when another virtbusd holds it. */
int vb_instance_lock_take (const char *dir, VbInstanceDir which, GError **error);

G_END_DECLS
