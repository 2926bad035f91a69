/* One virtbusd per state directory: two services on the same definitions
 * would overwrite each other's files and fight over the same guests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Creates @state_dir if needed and takes the lock on its virtbusd.lock (an
 * flock, so it ends with the process however that ends), writing our pid
 * into it. Returns the descriptor, to be kept open for the process lifetime
 * (close-on-exec: QEMU and dnsmasq do not inherit it), or -1 with @error
 * naming the other instance's pid when another virtbusd holds it. */
int vb_instance_lock_take (const char *state_dir, GError **error);

G_END_DECLS
