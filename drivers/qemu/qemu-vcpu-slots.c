/* x86's CPU topology as QEMU numbers it (hw/i386: x86_topo_ids_from_idx):
 * cpu-index = ((socket * dies + die) * cores + core) * threads + thread. A
 * vCPU's libvirt id is its cpu-index, so the slot follows from the id and
 * <topology> alone. tests/test-qemu-command.c checks it against a real
 * QEMU's query-hotpluggable-cpus. */
#include "qemu-vcpu-slots.h"

#include <string.h>

#include "qmp-client.h"

VbQemuVcpuSlot
vb_qemu_vcpu_slot (const VbDomainDef *def, guint id)
{
  const VbVcpuTopology *t = &def->topology;
  VbQemuVcpuSlot slot;

  slot.thread_id = id % t->threads;
  slot.core_id = id / t->threads % t->cores;
  slot.die_id = id / (t->threads * t->cores) % t->dies;
  slot.socket_id = id / (t->threads * t->cores * t->dies);
  return slot;
}

char *
vb_qemu_vcpu_device_id (guint id)
{
  return g_strdup_printf ("vcpu%u", id);
}

char *
vb_qemu_vcpu_type (const char *model)
{
  const char *comma = strchr (model, ',');

  return g_strdup_printf ("%.*s-x86_64-cpu", comma ? (int) (comma - model) : (int) strlen (model),
                          model);
}

char *
vb_qemu_vcpu_device (const VbDomainDef *def, guint id, const char *type)
{
  VbQemuVcpuSlot slot = vb_qemu_vcpu_slot (def, id);
  g_autofree char *name = vb_qemu_vcpu_device_id (id);

  /* @type comes from -cpu, which the builder checked is a plain word. */
  return g_strdup_printf ("%s,id=%s,socket-id=%u,die-id=%u,core-id=%u,thread-id=%u", type, name,
                          slot.socket_id, slot.die_id, slot.core_id, slot.thread_id);
}

gboolean
vb_qemu_vcpu_slot_is (JsonObject *props, const VbQemuVcpuSlot *slot)
{
  return props && vb_qmp_member_int (props, "socket-id", -1) == slot->socket_id
         && vb_qmp_member_int (props, "die-id", 0) == slot->die_id
         && vb_qmp_member_int (props, "core-id", -1) == slot->core_id
         && vb_qmp_member_int (props, "thread-id", -1) == slot->thread_id;
}
