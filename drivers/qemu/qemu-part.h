/* How a feature of the QEMU driver (migration, save, block copy, snapshots,
 * hotplug) follows a domain's QEMU: one VbQemuPart per feature, listed in
 * vb_qemu_parts (qemu-parts.c), walked by the process code. A new feature
 * is its own file exporting a part, plus one row in that table. */
#pragma once

#include "qemu-domain-private.h"

G_BEGIN_DECLS

/* Every member may be NULL. */
typedef struct {
  const char *name;
  /* A QMP event of the domain's QEMU, before the process code sees it:
   * TRUE when it was this part's and needs nothing else. */
  gboolean (*event) (QemuDomain *qd, const char *name, JsonObject *data);
  /* QEMU ended (the driver data is still there): work in flight fails. */
  void (*gone) (QemuDomain *qd);
  /* The monitor of a QEMU found again after a restart of the service. */
  void (*reattached) (QemuDomain *qd);
  /* The driver data goes: release what the part keeps in it. */
  void (*free) (QemuDomain *qd);
} VbQemuPart;

/* The parts, in the order they see events; NULL-terminated. */
extern const VbQemuPart *const vb_qemu_parts[];

G_END_DECLS
