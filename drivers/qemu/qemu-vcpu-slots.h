/* Where each vCPU of a definition sits in QEMU's CPU topology, known
 * without QEMU running: the command line puts a hotpluggable vCPU there
 * (-device) and a live hotplug finds it there (device_add), so a guest
 * started again from its live XML has every vCPU in the same place. */
#pragma once

#include <json-glib/json-glib.h>

#include "domain-def.h"

G_BEGIN_DECLS

typedef struct {
  guint socket_id;
  guint die_id;
  guint core_id;
  guint thread_id;
} VbQemuVcpuSlot;

/* The slot of vCPU @id of @def: the @id-th in topology order (socket, die,
 * core, thread), the order of QEMU's cpu-index, in which -smp fills the
 * first ones. */
VbQemuVcpuSlot vb_qemu_vcpu_slot (const VbDomainDef *def, guint id);

/* The QEMU id of vCPU @id when it is a device: "vcpu<id>". */
char *vb_qemu_vcpu_device_id (guint id);

/* The CPU device type of -cpu @model (its first word): "<model>-x86_64-cpu". */
char *vb_qemu_vcpu_type (const char *model);

/* The -device value of hotpluggable vCPU @id of @def, of CPU type @type. */
char *vb_qemu_vcpu_device (const VbDomainDef *def, guint id, const char *type);

/* Whether @props (an entry's "props" of query-hotpluggable-cpus) is @slot;
 * QEMU leaves out die-id when there is one die. */
gboolean vb_qemu_vcpu_slot_is (JsonObject *props, const VbQemuVcpuSlot *slot);

G_END_DECLS
