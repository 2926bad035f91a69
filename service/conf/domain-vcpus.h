/* <vcpus>, libvirt's element for the state of each vCPU: read and checked
 * against <vcpu>, written back in canonical form, and changed the way
 * SetVcpus and a vCPU hotplug change it. A guest whose vCPUs were plugged
 * in one by one carries it, so that a hypervisor can start the same guest
 * again with every vCPU in its place (a restore, an arriving migration). */
#pragma once

#include <libxml/tree.h>

#include "domain-def.h"

G_BEGIN_DECLS

/* Checks <vcpus> of @root (a <domain> the schema has accepted) against the
 * @vcpus and @current of its <vcpu> and rewrites it in canonical form:
 * every vCPU once, by id, with enabled=, hotpluggable= and order= when one
 * was given. *@states gets a VbVcpuState for each id, or NULL when @root
 * has no <vcpus>. Fails with VB_ERROR_INVALID_XML naming the element and
 * its line. */
gboolean vb_domain_vcpus_read (xmlNode *root, guint vcpus, guint current, GArray **states,
                               GError **error);

/* Replaces the <vcpus> of @root with @states (removes it when NULL), right
 * after <vcpu>. */
void vb_domain_vcpus_write (xmlNode *root, const GArray *states);

/* @def's <vcpus> after a SetVcpus to @max vCPUs (0 keeps the count) of
 * which @current are enabled. @live (a running guest's): the vCPUs added
 * are hotplugged ones, each with the next order=, and a definition without
 * <vcpus> gets one when vCPUs are added. Otherwise as libvirt changes a
 * stored definition: orders are dropped, a vCPU added is hotpluggable when
 * one before it is. Removed vCPUs are the last enabled ones. NULL when the
 * result needs no <vcpus>. */
GArray *vb_domain_vcpus_change (const VbDomainDef *def, guint max, guint current, gboolean live);

/* @def's <vcpus> with the vCPUs @ids (in that order) enabled as hotplugged
 * ones, after those there already. */
GArray *vb_domain_vcpus_plug (const VbDomainDef *def, const guint *ids, guint n_ids);

/* How many vCPUs the machine of @def boots with, apart from the
 * hotpluggable ones: ids 0 to that count - 1. */
guint vb_domain_def_boot_vcpus (const VbDomainDef *def);

/* The ids (guint) of @def's enabled hotpluggable vCPUs in the order they
 * came (order=, then id); empty without <vcpus>. */
GArray *vb_domain_def_hotplugged_vcpus (const VbDomainDef *def);

G_END_DECLS
