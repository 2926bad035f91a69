/* What the guest's power-off, crash and watchdog make the service do
 * (qemu-lifecycle.c); their command line is qemu-command-lifecycle.c. */
#pragma once

#include <libxml/tree.h>

#include "qemu-part.h"

G_BEGIN_DECLS

typedef enum {
  VB_QEMU_ACTION_DESTROY,
  VB_QEMU_ACTION_RESTART,
  VB_QEMU_ACTION_PRESERVE,
  VB_QEMU_ACTION_RENAME_RESTART,
  VB_QEMU_ACTION_COREDUMP_DESTROY,
  VB_QEMU_ACTION_COREDUMP_RESTART,
} VbQemuLifecycleAction;

/* What the <domain> element @root's @element (on_poweroff, on_reboot,
 * on_crash) says, with libvirt's defaults when it says nothing: destroy,
 * except restart for on_reboot. */
VbQemuLifecycleAction vb_qemu_lifecycle_action (xmlNode *root, const char *element);

/* SHUTDOWN from the guest with <on_poweroff> restart, GUEST_PANICKED
 * (on_crash) and WATCHDOG (the Watchdog signal, the dump). */
extern const VbQemuPart vb_qemu_lifecycle_part;

G_END_DECLS
