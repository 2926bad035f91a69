/* Plugging a memory device (<memory model='dimm'>) into a running guest
 * (qemu-hotplug-memory.c). Not for anything outside drivers/qemu. */
#pragma once

#include "qemu-plug.h"

G_BEGIN_DECLS

/* Plugs the DIMM of @task's VbQemuPlug (its backend, then the device) and
 * completes @task: the live definition then has it, with its alias and
 * slot, and <memory> counts it. */
void vb_qemu_plug_memory (GTask *task);

G_END_DECLS
