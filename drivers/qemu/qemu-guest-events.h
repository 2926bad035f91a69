/* QEMU's events about the guest's devices as the domain's signals
 * (qemu-guest-events.c). */
#pragma once

#include "qemu-part.h"

G_BEGIN_DECLS

extern const VbQemuPart vb_qemu_guest_events_part;

G_END_DECLS
