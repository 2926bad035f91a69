/* The virtio memory devices of a domain definition (<memory
 * model='virtio-mem'> and 'virtio-pmem'), checked at define: their sizes
 * put in KiB and the alignments QEMU enforces; and which elements belong to
 * which memory model. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "domain-def.h"

G_BEGIN_DECLS

/* Whether the <memory> device @memory is a virtio model (a PCI device, no
 * DIMM slot). */
gboolean vb_domain_memory_is_virtio (xmlNode *memory);

/* Checks @memory (any model; its <size> already in KiB, @size_kib) as far
 * as the models differ: elements of another model, a virtio-mem's <block>,
 * <requested> and <current> (rewritten in KiB) against its size, and a
 * base in <target><address>. InvalidXML naming the element otherwise. */
gboolean vb_domain_memory_model_check (xmlNode *memory, guint64 size_kib, GError **error);

/* A memory device's guest physical base in bytes (0: QEMU places it): a
 * DIMM's <address base>, a virtio model's <target><address base>. */
guint64 vb_domain_memory_base (xmlNode *memory);

/* A virtio-mem's <block>, <requested> and <current> in KiB (0 when absent),
 * once checked. */
guint64 vb_domain_virtio_mem_kib (xmlNode *memory, const char *element);

/* A virtio-mem's <current> is what the guest has plugged: the running
 * domain's state, which libvirt writes in its live XML. A stored
 * (persistent) definition drops it. */
void vb_domain_virtio_mem_drop_current (xmlNode *root);

/* @from's <current> (a live XML's device) copied into @memory, the same
 * virtio-mem in a definition without it; nothing for other devices. */
void vb_domain_virtio_mem_copy_current (xmlNode *memory, xmlNode *from);

/* The live definition @def with <current> @kib in the virtio-mem whose
 * <alias name> is @alias (QEMU's MEMORY_DEVICE_SIZE_CHANGE); NotFound when
 * it has none. */
VbDomainDef *vb_domain_def_with_virtio_mem_current (const VbDomainDef *def, const char *alias,
                                                    guint64 kib, GError **error);

/* UpdateDevice of a virtio-mem: @def with the <requested> size of @update
 * (a <memory model='virtio-mem'>, checked by vb_domain_device_parse). The
 * device it changes is the one with @update's <alias name>, else the first
 * virtio-mem of the same <size>, <node> and <block>; NotFound when none,
 * NotSupported naming the first of those that differs from the alias's
 * device (only <requested> changes). *@alias gets the device's alias
 * (NULL in a definition without aliases). @what names @def in messages. */
VbDomainDef *vb_domain_def_change_virtio_mem (const VbDomainDef *def, const char *update,
                                              const char *what, gboolean live, char **alias,
                                              GError **error);

G_END_DECLS
