/* libvirt's QEMU namespace (<qemu:commandline> with <qemu:arg> and
 * <qemu:env>, any prefix): arguments and environment variables a caller
 * hands to QEMU past the driver. Checked at define; the QEMU driver appends
 * them; defining them needs org.virtbus.Virt1.domain.qemu-passthrough
 * (docs/xml-subset.md, "QEMU passthrough"; docs/authorization.md). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

#define VB_LIBVIRT_QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

/* The <commandline> of @root in that namespace, NULL when none. */
xmlNode *vb_domain_passthrough (xmlNode *root);

/* The next <@name> (arg or env) in that namespace after @node (or the
 * first below @commandline when @node is NULL); NULL at the end. */
xmlNode *vb_domain_passthrough_next (xmlNode *commandline, xmlNode *node, const char *name);

/* Checks each <env name=>: a plain environment name (a letter or '_', then
 * letters, digits and '_'), none that changes how the dynamic loader starts
 * QEMU (LD_*, GLIBC_TUNABLES) nor one the QEMU driver sets itself. */
gboolean vb_domain_passthrough_check (xmlNode *root, GError **error);

/* Whether @xml (a domain or a device alone) has any element in that
 * namespace; FALSE when it does not parse (its define refuses it anyway). */
gboolean vb_domain_passthrough_in (const char *xml);
/* The same for @doc, @xml already parsed (a caller with more to look for). */
gboolean vb_domain_passthrough_in_doc (xmlDoc *doc);

G_END_DECLS
