/* Cockpit as the browser tests use it: Debian's cockpit-ws serving on a free
 * loopback port without TLS, with --local-session, so it runs cockpit-bridge
 * as this (root) user without a login; the bridge's system bus is the
 * test's private bus ($DBUS_SYSTEM_BUS_ADDRESS), so Cockpit Machines talks
 * to whatever owns org.libvirt there. And the Cockpit Machines page itself. */
#pragma once

#include "vb-browser.h"

G_BEGIN_DECLS

typedef struct _VbCockpit VbCockpit;

/* Starts cockpit-ws with its files in @tmpdir and waits until it accepts
 * connections; fails the test when the packages are missing. */
VbCockpit *vb_cockpit_start (const char *system_bus_address, const char *tmpdir);
/* Stops cockpit-ws and its bridge (their process group). */
void vb_cockpit_free (VbCockpit *cockpit);
/* http://127.0.0.1:PORT/cockpit/@localhost/@page/index.html, the page
 * alone, as cockpit-desktop opens it (no shell: cockpit-system is not needed). */
char *vb_cockpit_page_url (VbCockpit *cockpit, const char *page);
/* The last lines cockpit-ws and the bridge wrote. */
char *vb_cockpit_log (VbCockpit *cockpit);

/* Opens Cockpit Machines and waits until it has finished "Loading
 * resources". This host has no hardware virtualization (TCG), for which the
 * page first shows "Hardware virtualization is disabled" until the user
 * presses Ignore; the answer is remembered in localStorage, where this sets
 * it before the page loads, so each test starts where a user who pressed it
 * once would be. */
void vb_cockpit_open_machines (VbCockpit *cockpit, VbBrowser *browser);

/* vb_browser_assert_no_errors() that also lets pass what the Cockpit
 * Machines package itself logs on every load (see vb-cockpit.c). */
void vb_cockpit_assert_no_errors (VbBrowser *browser, const char *const *allowed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbCockpit, vb_cockpit_free)

G_END_DECLS
