/* What a browser test of Cockpit Machines runs in: a private bus configured
 * as a system bus with polkitd, cockpit-ws on it, a headless Chromium, and
 * (once started) virtbusd in system mode serving org.libvirt. Helpers for
 * what the tests do on the page again and again. */
#pragma once

#include "vb-cockpit.h"
#include "vb-test-env.h"

G_BEGIN_DECLS

typedef struct {
  VbTestEnv *env;
  VbCockpit *cockpit;
  VbBrowser *browser;
} VbCockpitWorld;

/* Fails the test unless it runs as root with tests/setup-test-users.sh done. */
void vb_cockpit_world_require_setup (void);
/* The bus with polkitd, cockpit-ws on it and a browser; no virtbusd yet. */
void vb_cockpit_world_start (VbCockpitWorld *world);
/* virtbusd --system --libvirt-dbus with @extra_args (may be NULL), inside
 * the network namespace @netns when not NULL; waits until it owns
 * org.libvirt. */
void vb_cockpit_world_start_daemon (VbCockpitWorld *world, const char *netns,
                                    const char *const *extra_args);
void vb_cockpit_world_stop (VbCockpitWorld *world);

gboolean vb_cockpit_world_name_has_owner (VbCockpitWorld *world, const char *name);
/* Waits until @name has an owner on the world's bus. */
void vb_cockpit_world_wait_name (VbCockpitWorld *world, const char *name);

/* A directory under the test's tmpdir that the QEMU user can read and write
 * (system mode runs QEMU as another user). */
char *vb_cockpit_world_shared_dir (VbCockpitWorld *world, const char *name);

/* On the Machines page: waits until the VM @name shows the state @state
 * ("Running", "Shut off", "Paused") in the list or on its details page. */
void vb_cockpit_wait_vm_state (VbBrowser *browser, const char *name, const char *state);
/* Opens the details page of @name from the VM list, as a click on its name. */
void vb_cockpit_open_vm (VbBrowser *browser, const char *name);
/* Clicks @item_id (without '#') in the VM's action menu (the kebab). */
void vb_cockpit_vm_menu (VbBrowser *browser, const char *name, const char *item);

G_END_DECLS
