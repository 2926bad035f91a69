/* The host's answers for displays at Start (qemu-host-display.c). */
#pragma once

#include <glib.h>

#include "vb-user.h"

G_BEGIN_DECLS

/* VbQemuCommandContext.render_node: @wanted, or the first
 * /dev/dri/renderD* when NULL, if it is a DRM device QEMU's user may read
 * and write; NULL with NotSupported naming what is missing. */
char *vb_qemu_host_render_node (const char *wanted, GError **error);
/* The same for QEMU's user @user (NULL: the service's own). */
char *vb_qemu_host_render_node_for (const char *wanted, const VbUser *user, GError **error);
/* VbQemuCommandContext.desktop_session: DISPLAY, WAYLAND_DISPLAY,
 * XAUTHORITY and XDG_RUNTIME_DIR as the service has them ("NAME=value"),
 * NULL with NotSupported when it has neither display. */
char **vb_qemu_host_desktop_session (GError **error);

G_END_DECLS
