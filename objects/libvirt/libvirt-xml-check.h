/* What a domain XML a caller brings needs beyond its member's own action, as
 * for org.virtbus.Virt1 (docs/authorization.md): org.virtbus.Virt1.domain.qemu-passthrough
 * when it carries libvirt's QEMU namespace, org.virtbus.Virt1.domain.host-root
 * when it has a script run as root or rawio='yes', org.virtbus.Virt1.domain.host-files
 * when it names host paths outside every active storage pool. */
#pragma once

#include "libvirt-dispatch.h"

G_BEGIN_DECLS

/* Checks @xml for @call's caller (the member declares qemu-passthrough and
 * host-files in its Authorization.Also), then calls @next with call->xml set to @xml with its
 * disks' backing chains recorded; fails @call otherwise. */
void vb_lv_xml_check (VbLvCall *call, const char *xml, VbLvMethodFunc next);

G_END_DECLS
